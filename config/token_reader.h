// A cursor over profile tokens that knows where statements start, so lists and options stop at
// the next statement keyword; parse errors are thrown as ProfileError and caught per statement.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/profile_lexer.h"

namespace sysplex::config {

struct Parse;

struct StatementDef {
  std::string_view keyword;
  void (*parse)(Parse&);     // nullptr for a block's END keyword
  // Set for a keyword that is also a parameter of other statements (PORT): the statement starts
  // only where this keyword follows its first operand (PORT name DEVICE).
  std::string_view disambiguator = {};
};
using StatementTable = std::span<const StatementDef>;

// Thrown inside config/ only; the statement loop turns it into a Diagnostic and resynchronises.
class ProfileError : public std::runtime_error {
 public:
  ProfileError(SourcePos pos, const std::string& message) : std::runtime_error(message), pos_(std::move(pos)) {}
  const SourcePos& pos() const { return pos_; }

 private:
  SourcePos pos_;
};

bool iequals(std::string_view a, std::string_view b);

class TokenReader {
 public:
  TokenReader(std::vector<Token> tokens, SourcePos end);

  // Statements recognised as starting a new statement: the top level's always, plus the
  // enclosing block's (empty at the top level).
  void set_levels(StatementTable top, StatementTable block) {
    top_ = top;
    block_ = block;
  }

  bool at_end() const { return next_ >= tokens_.size(); }
  const Token& peek() const { return tokens_.at(next_); }
  const Token& next();
  SourcePos pos() const;     // of the next token, or the end of the file
  SourcePos pos_of(const Token& t) const { return SourcePos{end_.file, t.line, t.column}; }
  const std::string& file() const { return end_.file; }

  bool next_is(std::string_view keyword) const;  // unquoted, any case
  bool accept(std::string_view keyword);
  // Consumes `keyword` or fails with "expected KEYWORD after <after>, found ...".
  void expect(std::string_view keyword, std::string_view after);

  // Whether the next token ends the statement being parsed: a statement keyword of this level or
  // the top level, with its disambiguator where it has one.
  bool at_statement_start() const;
  // The statement the next token starts, for a token already known to be at a statement's start;
  // disambiguators are not needed there, so "PORT lan0 net_ring0" is still a (bad) PORT statement.
  const StatementDef* statement_here(StatementTable table) const;
  // Whether the next token is on the logical line of the one just consumed.
  bool continues_line() const;
  // Error recovery: moves to the next token that starts a statement (or the end).
  void skip_to_statement();

  std::string found() const;  // "'TOKEN'" or "end of file", for messages
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_expected(std::string_view what) const;

 private:
  const StatementDef* find_statement(StatementTable table, bool strict) const;
  bool starts_statement(const StatementDef& def, size_t at, bool strict) const;

  std::vector<Token> tokens_;
  size_t next_ = 0;
  SourcePos end_;
  StatementTable top_;
  StatementTable block_;
};

}  // namespace sysplex::config
