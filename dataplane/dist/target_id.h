// Dense target ids shared by the distribution units: control maps each target's address to a small
// integer, and tables, selectors and counters index arrays by it.
#pragma once

#include <cstdint>
#include <limits>

namespace sysplex::dist {

// "No target": an empty consistent-hash slot, or no target able to take a new connection.
inline constexpr uint32_t kNoTarget = std::numeric_limits<uint32_t>::max();

}  // namespace sysplex::dist
