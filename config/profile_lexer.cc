// Tokens are produced a line at a time because every lexical rule (comments, quotes, `\`) ends at
// the end of a line; only the logical-line number carries a continuation over to the next one.
#include "config/profile_lexer.h"

namespace sysplex::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

class LineLexer {
 public:
  LineLexer(std::string_view line, uint32_t line_no, uint32_t logical_line, LexResult& out,
            const std::string& file)
      : line_(line), line_no_(line_no), logical_line_(logical_line), out_(out), file_(file) {}

  void run() {
    while (skip_blanks()) {
      char c = line_[i_];
      if (c == ';' || c == '#') return;  // `#` is a comment only where a token could start
      if (c == '"') quoted_token();
      else bare_token();
    }
  }

 private:
  bool skip_blanks() {
    while (i_ < line_.size() && is_blank(line_[i_])) ++i_;
    return i_ < line_.size();
  }

  void quoted_token() {
    size_t start = i_++;
    std::string text;
    while (i_ < line_.size() && line_[i_] != '"') text += unescape_next();
    if (i_ == line_.size()) {
      error(start, "unterminated quoted string; a quoted token must end on its own line");
    } else if (++i_ < line_.size() && !is_blank(line_[i_]) && line_[i_] != ';') {
      error(i_, std::string("expected a blank after the closing quote, found '") + line_[i_] + "'");
    }
    push(std::move(text), true, start);
  }

  char unescape_next() {
    char c = line_[i_++];
    if (c != '\\' || i_ == line_.size()) return c;
    char e = line_[i_];
    if (e == '"' || e == '\\') {
      ++i_;
      return e;
    }
    error(i_ - 1, std::string("unknown escape '\\") + e + "' in quoted string; only \\\" and \\\\ are escapes");
    return c;
  }

  void bare_token() {
    size_t start = i_;
    bool reported = false;
    while (i_ < line_.size() && !is_blank(line_[i_]) && line_[i_] != ';') {
      if (line_[i_] == '"' && !reported) error(i_, "a double quote may only start a token; quote the whole value");
      reported = reported || line_[i_] == '"';
      ++i_;
    }
    push(std::string(line_.substr(start, i_ - start)), false, start);
  }

  void push(std::string text, bool quoted, size_t index) {
    out_.tokens.push_back(Token{std::move(text), quoted, line_no_, uint32_t(index + 1), logical_line_});
  }

  void error(size_t index, std::string message) {
    out_.errors.push_back(Diagnostic{SourcePos{file_, line_no_, uint32_t(index + 1)}, std::move(message)});
  }

  std::string_view line_;
  size_t i_ = 0;
  uint32_t line_no_;
  uint32_t logical_line_;
  LexResult& out_;
  const std::string& file_;
};

// A bare `\` ending the line (before any comment) marks a continuation; it is dropped so the
// grammar never sees it. Returns whether the line was continued.
bool strip_continuation(LexResult& out, size_t first_token_of_line) {
  if (out.tokens.size() == first_token_of_line) return false;
  Token& last = out.tokens.back();
  if (last.quoted || last.text.empty() || last.text.back() != '\\') return false;
  last.text.pop_back();
  if (last.text.empty()) out.tokens.pop_back();
  return true;
}

}  // namespace

LexResult lex_profile(std::string_view text, std::string_view file_name) {
  LexResult out;
  const std::string file(file_name);
  uint32_t line_no = 0, logical_line = 0;
  bool continued = false;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    ++line_no;
    if (!continued) logical_line = line_no;
    size_t first = out.tokens.size();
    LineLexer(line, line_no, logical_line, out, file).run();
    continued = strip_continuation(out, first);
    out.end = SourcePos{file, line_no, uint32_t(line.size() + 1)};
    begin = end + 1;
  }
  if (line_no == 0) out.end = SourcePos{file, 1, 1};
  return out;
}

}  // namespace sysplex::config
