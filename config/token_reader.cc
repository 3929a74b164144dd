// Statement boundaries are found from the grammar's keyword tables rather than line ends, which is
// what lets a statement run over several lines as on z/OS.
#include "config/token_reader.h"

#include <algorithm>
#include <cctype>

namespace sysplex::config {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

TokenReader::TokenReader(std::vector<Token> tokens, SourcePos end) : tokens_(std::move(tokens)), end_(std::move(end)) {}

const Token& TokenReader::next() {
  if (at_end()) fail("unexpected end of file");
  return tokens_[next_++];
}

SourcePos TokenReader::pos() const { return at_end() ? end_ : pos_of(peek()); }

bool TokenReader::next_is(std::string_view keyword) const {
  return !at_end() && !peek().quoted && iequals(peek().text, keyword);
}

bool TokenReader::accept(std::string_view keyword) {
  if (!next_is(keyword)) return false;
  ++next_;
  return true;
}

void TokenReader::expect(std::string_view keyword, std::string_view after) {
  if (!accept(keyword)) fail("expected " + std::string(keyword) + " after " + std::string(after) + ", found " + found());
}

bool TokenReader::starts_statement(const StatementDef& def, size_t at, bool strict) const {
  const Token& t = tokens_[at];
  if (t.quoted || !iequals(t.text, def.keyword)) return false;
  if (!strict || def.disambiguator.empty()) return true;
  size_t confirm = at + 2;
  return confirm < tokens_.size() && !tokens_[confirm].quoted && iequals(tokens_[confirm].text, def.disambiguator);
}

const StatementDef* TokenReader::find_statement(StatementTable table, bool strict) const {
  if (at_end()) return nullptr;
  for (const StatementDef& def : table)
    if (starts_statement(def, next_, strict)) return &def;
  return nullptr;
}

const StatementDef* TokenReader::statement_here(StatementTable table) const { return find_statement(table, false); }

bool TokenReader::at_statement_start() const {
  return find_statement(top_, true) != nullptr || find_statement(block_, true) != nullptr;
}

bool TokenReader::continues_line() const {
  return !at_end() && next_ > 0 && peek().logical_line == tokens_[next_ - 1].logical_line;
}

void TokenReader::skip_to_statement() {
  while (!at_end() && !at_statement_start()) ++next_;
}

std::string TokenReader::found() const { return at_end() ? "end of file" : "'" + peek().text + "'"; }

void TokenReader::fail(const std::string& message) const { throw ProfileError(pos(), message); }

void TokenReader::fail_expected(std::string_view what) const {
  fail("expected " + std::string(what) + ", found " + found());
}

}  // namespace sysplex::config
