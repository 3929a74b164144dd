// Splits profile text into tokens with 1-based line and column, following PROFILE.md's lexical
// rules (comments, quotes with escapes, `\` continuation). Grammar lives in the parser, not here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"

namespace sysplex::config {

struct Token {
  std::string text;          // unescaped contents for a quoted token
  bool quoted = false;       // a quoted token is always a value, never a keyword
  uint32_t line = 0;
  uint32_t column = 0;
  // The first physical line of a `\`-continued group; the parser uses it to tell a bad option on
  // the statement's own line from an unknown statement on the next one.
  uint32_t logical_line = 0;
};

struct LexResult {
  std::vector<Token> tokens;
  SourcePos end;             // just past the last character, for "found end of file" messages
  Diagnostics errors;
};

LexResult lex_profile(std::string_view text, std::string_view file_name);

}  // namespace sysplex::config
