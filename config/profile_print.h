// Prints a Profile in the canonical form of the profile language: upper-case keywords, one
// statement a line, blocks indented two spaces, defaults explicit. It re-parses to the same Profile.
#pragma once

#include <string>

#include "config/profile.h"

namespace sysplex::config {

// Used by `sysplexd --check` to show what a profile means, and by tests for the round trip
// normalise(parse(normalise(p))) == normalise(p). Key files appear by path only.
std::string normalise(const Profile& profile);

}  // namespace sysplex::config
