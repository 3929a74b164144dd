// The driver: lex, run the statement loop with per-statement error recovery, then the
// cross-statement checks. Exceptions never leave this file; they become diagnostics.
#include "config/profile_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tuple>

#include "config/profile_lexer.h"
#include "config/profile_parse.h"
#include "config/profile_values.h"
#include "config/statement_options.h"
#include "config/statements.h"

namespace sysplex::config {
namespace {

constexpr StatementDef kTopLevel[] = {
    {"NODENAME", parse_nodename},
    {"NODEADDR", parse_nodeaddr},
    // PORT is also a parameter of ROUTE, NEIGHBOR, TAP and VIPADISTRIBUTE.
    {"PORT", parse_port, "DEVICE"},
    {"PORTADDR", parse_portaddr},
    {"ROUTE", parse_route},
    {"NEIGHBOR", parse_neighbor},
    {"TAP", parse_tap},
    {"STORE", parse_store},
    {"GROUP", parse_group},
    {"MEMPOOL", parse_mempool},
    {"WORKERS", parse_workers},
    {"ADJUSTDVIPAMSS", parse_adjustdvipamss},
    {"TARGETCACHE", parse_targetcache},
    {"CONNTABLE", parse_conntable},
    {"ROUTESOURCE", parse_routesource},
    {"GLOBALCONFIG", parse_globalconfig},
    {"VIPADYNAMIC", parse_vipadynamic},
    {"IPSEC", parse_ipsec},
};

bool too_many_errors(const Parse& p) { return p.errors.size() > kMaxDiagnostics; }

std::string_view end_keyword_of(StatementTable block) {
  for (const StatementDef& def : block)
    if (def.parse == nullptr) return def.keyword;
  return {};
}

// A block statement or END met where it does not belong says which block it belongs to.
std::string unknown_statement_message(const Token& t) {
  struct Block {
    StatementTable table;
    std::string_view opener;
  };
  const Block blocks[] = {{vipadynamic_statements(), "VIPADYNAMIC"}, {ipsec_statements(), "IPSEC"}};
  for (const Block& b : blocks)
    for (const StatementDef& def : b.table) {
      if (t.quoted || !iequals(t.text, def.keyword)) continue;
      std::string keyword(def.keyword), opener(b.opener);
      if (!def.parse) return keyword + " without a matching " + opener;
      return keyword + " belongs between " + opener + " and " + std::string(end_keyword_of(b.table));
    }
  return "unknown statement '" + t.text + "'";
}

// Runs the statement at the cursor; on any error reports it and resynchronises at the next
// statement keyword, so one run reports every independent error.
void run_statement(Parse& p, StatementTable level) {
  const StatementDef* def = p.in.statement_here(level);
  if (def == nullptr) {
    p.report(p.in.pos(), unknown_statement_message(p.in.peek()));
    p.in.next();
    p.in.skip_to_statement();
    return;
  }
  p.at = p.in.pos();
  p.in.next();
  try {
    def->parse(p);
  } catch (const ProfileError& e) {
    p.report(e.pos(), e.what());
    p.in.skip_to_statement();
  }
}

void parse_top_level(Parse& p) {
  p.in.set_levels(kTopLevel, {});
  while (!p.in.at_end() && !too_many_errors(p)) run_statement(p, kTopLevel);
}

void sort_and_cap(Diagnostics& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  if (errors.size() <= kMaxDiagnostics) return;
  SourcePos last = errors[kMaxDiagnostics - 1].pos;
  errors.resize(kMaxDiagnostics);
  errors.push_back(Diagnostic{last, "too many errors; stopped after " + std::to_string(kMaxDiagnostics)});
}

ParseOutcome parse_or_throw(std::string_view text, std::string_view file_name) {
  Parse p(lex_profile(text, file_name), file_name);
  parse_top_level(p);
  // Cross-statement checks on a profile with syntax errors would mostly report their echoes.
  if (p.errors.empty()) finish_profile(p);
  if (p.errors.empty()) return std::move(p.profile);
  sort_and_cap(p.errors);
  return ParseFailure{std::move(p.errors)};
}

}  // namespace

Parse::Parse(LexResult lexed, std::string_view file_name)
    : in(std::move(lexed.tokens), std::move(lexed.end)),
      base_dir(std::filesystem::path(file_name).parent_path()),
      errors(std::move(lexed.errors)) {
  profile.source = std::string(file_name);
}

void Parse::once_only(std::string_view statement) {
  for (const auto& [name, pos] : once_seen)
    if (name == statement) fail_here(std::string(statement) + " given twice; first at " + line_ref(pos));
  once_seen.emplace_back(statement, at);
}

std::string Parse::resolve_path(const std::string& path) const {
  std::filesystem::path given(path);
  if (given.is_absolute()) return given.lexically_normal().string();
  std::error_code ec;
  auto full = std::filesystem::absolute(base_dir / given, ec);
  return (ec ? base_dir / given : full).lexically_normal().string();
}

std::string line_ref(const SourcePos& pos) { return "line " + std::to_string(pos.line); }

StatementTable top_level_statements() { return kTopLevel; }

void parse_block(Parse& p, StatementTable block, std::string_view opener, std::string_view end_keyword) {
  const SourcePos opened = p.at;
  const std::string missing =
      std::string(end_keyword) + " missing for " + std::string(opener) + " opened at " + line_ref(opened);
  p.in.set_levels(kTopLevel, block);
  while (!too_many_errors(p)) {
    if (p.in.at_end() || (p.in.statement_here(kTopLevel) && !p.in.statement_here(block))) {
      p.report(p.in.pos(), missing);
      break;
    }
    const StatementDef* def = p.in.statement_here(block);
    if (def && def->parse == nullptr) {
      p.in.next();
      break;
    }
    run_statement(p, block);
  }
  p.in.set_levels(kTopLevel, {});
}

void end_statement(TokenReader& in, std::string_view statement, std::span<const std::string_view> options) {
  if (in.at_end() || in.at_statement_start() || !in.continues_line()) return;
  if (options.empty()) in.fail("unexpected " + in.found() + " after the " + std::string(statement) + " statement");
  in.fail("unknown " + std::string(statement) + " option " + in.found() + "; expected " + join_alternatives(options));
}

void SeenOptions::add(TokenReader& in, std::string_view statement, std::string_view keyword, std::string_view group) {
  for (const Entry& e : entries_) {
    if (e.group != group) continue;
    std::string where = " in this " + std::string(statement) + " statement";
    if (e.keyword == keyword) in.fail(std::string(keyword) + " given twice" + where);
    in.fail(std::string(keyword) + " conflicts with " + std::string(e.keyword) + " earlier" + where);
  }
  entries_.push_back(Entry{keyword, group, in.pos()});
}

void require_options(const Parse& p, const SeenOptions& seen, std::string_view statement,
                     std::span<const std::string_view> required) {
  std::vector<std::string_view> missing;
  for (std::string_view keyword : required)
    if (!seen.has(keyword)) missing.push_back(keyword);
  if (missing.empty()) return;
  std::string list;
  for (std::string_view m : missing) list += (list.empty() ? "" : ", ") + std::string(m);
  p.fail_here(std::string(statement) + " is missing " + list);
}

const Diagnostics& ParseOutcome::errors() const {
  static const Diagnostics kNone;
  return ok() ? kNone : std::get<1>(v_).errors;
}

std::string ParseOutcome::error_text() const {
  std::string out;
  for (const Diagnostic& d : errors()) out += d.to_string() + "\n";
  return out;
}

ParseOutcome parse_profile_text(std::string_view text, std::string_view file_name) {
  try {
    return parse_or_throw(text, file_name);
  } catch (const std::exception& e) {
    return ParseFailure{{Diagnostic{SourcePos{std::string(file_name), 0, 0}, std::string("internal error: ") + e.what()}}};
  }
}

ParseOutcome parse_profile_file(const std::string& path) try {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  std::string text;
  char buf[4096];
  size_t n = 0;
  while (f && (n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
  if (!f || std::ferror(f.get())) {
    std::string reason = std::strerror(errno);
    return ParseFailure{{Diagnostic{SourcePos{path, 0, 0}, "cannot read profile: " + reason}}};
  }
  return parse_profile_text(text, path);
} catch (const std::exception& e) {
  return ParseFailure{{Diagnostic{SourcePos{path, 0, 0}, std::string("internal error: ") + e.what()}}};
}

}  // namespace sysplex::config
