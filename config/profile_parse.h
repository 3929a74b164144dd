// Internal to config/: the state of one profile parse, shared by the driver (profile_parser.cc),
// the statement parsers (statements_*.cc) and the cross-statement checks (profile_validate.cc).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/profile.h"
#include "config/token_reader.h"

namespace sysplex::config {

// PORTADDR may come before its PORT, so addresses wait here until every port is known.
struct PendingPortAddr {
  std::string port;
  PortAddr addr;
  SourcePos pos;
};

struct Parse {
  Parse(LexResult lexed, std::string_view file_name);

  TokenReader in;
  Profile profile;
  std::filesystem::path base_dir;          // relative KEYFILE paths resolve against the profile's directory
  SourcePos at;                            // the keyword of the statement being parsed
  std::vector<PendingPortAddr> port_addrs;
  std::vector<std::pair<std::string_view, SourcePos>> once_seen;  // statements allowed once
  std::optional<SourcePos> last_globalconfig;
  Diagnostics errors;

  [[noreturn]] void fail_here(const std::string& message) const { throw ProfileError(at, message); }
  // Fails if `statement` appeared before ("... given twice; first at line N").
  void once_only(std::string_view statement);
  std::string resolve_path(const std::string& path) const;
  void report(const SourcePos& pos, std::string message) { errors.push_back(Diagnostic{pos, std::move(message)}); }
};

// Statement tables, one per level; a block's END keyword has no parse function.
StatementTable top_level_statements();
StatementTable vipadynamic_statements();
StatementTable ipsec_statements();

// Parses the statements of a block up to `end_keyword`, reporting a missing END at the first
// top-level statement or the end of the file.
void parse_block(Parse& p, StatementTable block, std::string_view opener, std::string_view end_keyword);

// After a statement's operands: a leftover token on the statement's own logical line can only be
// a misspelt option (or a stray operand), so it is reported here rather than as an unknown statement.
void end_statement(TokenReader& in, std::string_view statement, std::span<const std::string_view> options = {});

// Cross-statement checks and PORTADDR attachment, run once the whole profile parsed cleanly.
void finish_profile(Parse& p);

std::string line_ref(const SourcePos& pos);  // "line 12", for messages pointing at another statement

}  // namespace sysplex::config
