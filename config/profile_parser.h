// The profile language (config/PROFILE.md) in, a validated Profile out, or every problem found as
// FILE:LINE:COL: message. A profile with any error yields no Profile, so nothing is half-applied.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "config/diagnostic.h"
#include "config/profile.h"

namespace sysplex::config {

struct ParseFailure {
  Diagnostics errors;        // in file order; at most kMaxDiagnostics plus a "too many errors" note
};

inline constexpr size_t kMaxDiagnostics = 50;

class [[nodiscard]] ParseOutcome {
 public:
  ParseOutcome(Profile profile) : v_(std::move(profile)) {}        // NOLINT: implicit by design
  ParseOutcome(ParseFailure failure) : v_(std::move(failure)) {}   // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Profile& profile() const& { return std::get<0>(v_); }     // only when ok()
  Profile&& profile() && { return std::get<0>(std::move(v_)); }
  const Diagnostics& errors() const;                               // empty when ok()
  std::string error_text() const;                                  // one diagnostic per line

 private:
  std::variant<Profile, ParseFailure> v_;
};

// `file_name` is used in messages and to resolve relative KEYFILE paths (against its directory).
// Never throws.
ParseOutcome parse_profile_text(std::string_view text, std::string_view file_name);
// A missing or unreadable file is one diagnostic at line 0, column 0 naming the OS error.
ParseOutcome parse_profile_file(const std::string& path);

}  // namespace sysplex::config
