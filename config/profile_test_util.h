// Test-only helpers for the profile parser tests: parse text that must succeed (returning the
// Profile) or must fail (returning its diagnostics as "FILE:LINE:COL: message" strings).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/profile_parser.h"

namespace sysplex::config {

inline constexpr const char* kTestFile = "t.profile";

// The two statements every profile needs; they take lines 1 and 2, so a test's own statements
// start on line 3.
inline const std::string kHead = "NODENAME SYS1\nNODEADDR 198.18.0.1\n";

// kHead plus a port with IPv4 and IPv6 segments (lines 3-5), for statements that name a port.
inline const std::string kHeadWithPort =
    kHead + "PORT lan0 DEVICE \"net_ring0\"\nPORTADDR lan0 198.18.1.1/24\nPORTADDR lan0 2001:db8:1::1/64\n";

inline Profile parse_ok(const std::string& text) {
  ParseOutcome r = parse_profile_text(text, kTestFile);
  if (!r) {
    ADD_FAILURE() << "profile did not parse:\n" << r.error_text() << "---\n" << text;
    return Profile{};
  }
  return std::move(r).profile();
}

inline std::vector<std::string> parse_errors(const std::string& text) {
  ParseOutcome r = parse_profile_text(text, kTestFile);
  EXPECT_FALSE(r.ok()) << "profile parsed but should not have:\n" << text;
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors()) out.push_back(d.to_string());
  return out;
}

// The one diagnostic a profile with exactly one problem produces.
inline std::string parse_error(const std::string& text) {
  std::vector<std::string> errors = parse_errors(text);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? "" : errors.front();
}

}  // namespace sysplex::config
