// Maglev consistent hashing (Eisenbud et al., NSDI 2016): control builds the table mapping flow
// hashes to targets, with balanced weighted shares and little movement as targets come and go.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "config/net.h"
#include "config/result.h"
#include "dataplane/dist/target_id.h"

namespace sysplex::dist {

// Maglev needs a prime table size so that every skip walks every slot. 65537 slots keep each of 256
// targets within a slot or so of its share; the table is 256 KiB.
inline constexpr uint32_t kMaglevDefaultSize = 65537;
inline constexpr uint32_t kMaglevMaxSize = 1u << 24;  // 64 MiB: larger is a configuration mistake

struct Endpoint {
  uint32_t id = 0;             // dense target id written into the table
  uint32_t weight = 1;         // relative share of slots; 0: none
  uint64_t hash_seed_key = 0;  // stable per target (endpoint_key): fixes its slot preferences
};

// The key for a target: a pure function of its address, so every node builds the same table for the
// same targets whatever dense ids or order it uses.
uint64_t endpoint_key(const IpAddr& target_addr) noexcept;

constexpr bool is_prime(uint32_t n) noexcept {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// The lookup table: table[slot] is a target id (kNoTarget everywhere if no endpoint has weight).
// Slot counts follow the weights; the order of the endpoints does not matter. Fails on a size that
// is not a prime <= kMaglevMaxSize, or an endpoint id of kNoTarget.
[[nodiscard]] Result<std::vector<uint32_t>> build_maglev(std::span<const Endpoint> endpoints,
                                                         uint32_t table_size = kMaglevDefaultSize);

struct SlotDelta {
  uint32_t slot = 0;
  uint32_t target = 0;
  friend bool operator==(const SlotDelta&, const SlotDelta&) = default;
};

// The slots whose target differs, in slot order, so control publishes only what changed. Tables
// of different sizes (an empty old one included) share no slots: all of new_table is the delta.
std::vector<SlotDelta> diff_tables(std::span<const uint32_t> old_table,
                                   std::span<const uint32_t> new_table);

inline uint32_t maglev_lookup(std::span<const uint32_t> table, uint64_t flow_hash) noexcept {
  return table.empty() ? kNoTarget : table[flow_hash % table.size()];
}

}  // namespace sysplex::dist
