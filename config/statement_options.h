// Order-free keyword options of a statement (MTU 9000 TRUSTED ...), table-driven: each option is a
// keyword and a function filling the statement's struct; repeats and conflicting options are refused.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/profile_parse.h"

namespace sysplex::config {

template <typename T>
struct OptionDef {
  std::string_view keyword;
  void (*parse)(Parse&, T&);
  std::string_view group = {};  // options excluding each other share a group (AUTOREJOIN, NOAUTOREJOIN)

  std::string_view group_name() const { return group.empty() ? keyword : group; }
};

// Which options a statement gave and where, for checks that need the option's own position.
class SeenOptions {
 public:
  const SourcePos* find(std::string_view keyword) const {
    for (const Entry& e : entries_)
      if (e.keyword == keyword) return &e.pos;
    return nullptr;
  }
  bool has(std::string_view keyword) const { return find(keyword) != nullptr; }
  // Fails if an option of the same group was given already in this statement.
  void add(TokenReader& in, std::string_view statement, std::string_view keyword, std::string_view group);

 private:
  struct Entry {
    std::string_view keyword;
    std::string_view group;
    SourcePos pos;
  };
  std::vector<Entry> entries_;
};

template <typename T, size_t N>
const OptionDef<T>* find_option(const TokenReader& in, const OptionDef<T> (&options)[N]) {
  if (in.at_end() || in.at_statement_start()) return nullptr;
  for (const OptionDef<T>& opt : options)
    if (in.next_is(opt.keyword)) return &opt;
  return nullptr;
}

// Reads options while the next token is one of them; the caller decides what may follow.
template <typename T, size_t N>
SeenOptions read_options(Parse& p, std::string_view statement, const OptionDef<T> (&options)[N], T& target) {
  SeenOptions seen;
  while (const OptionDef<T>* opt = find_option(p.in, options)) {
    seen.add(p.in, statement, opt->keyword, opt->group_name());
    p.in.next();
    opt->parse(p, target);
  }
  return seen;
}

template <typename T, size_t N>
std::vector<std::string_view> option_keywords(const OptionDef<T> (&options)[N]) {
  std::vector<std::string_view> words;
  for (const OptionDef<T>& opt : options) words.push_back(opt.keyword);
  return words;
}

// Options that end the statement: anything else left on its line is reported as an unknown option.
template <typename T, size_t N>
SeenOptions read_trailing_options(Parse& p, std::string_view statement, const OptionDef<T> (&options)[N], T& target) {
  SeenOptions seen = read_options(p, statement, options, target);
  end_statement(p.in, statement, option_keywords(options));
  return seen;
}

// Fails at the statement when any of `required` was not given.
void require_options(const Parse& p, const SeenOptions& seen, std::string_view statement,
                     std::span<const std::string_view> required);

}  // namespace sysplex::config
