// The immutable forwarding state control publishes to workers: node addresses, port MACs, the FIB
// and its next hops. Control builds a new one beside the old and swaps one pointer (see engine.h).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

struct rte_lpm;
struct rte_lpm6;

namespace sysplex::dp {

inline constexpr uint16_t kMaxPorts = 16;
inline constexpr uint32_t kMaxNextHops = 4096;

struct NextHop {
  uint16_t port = 0;
  bool resolved = false;       // dst MAC known; unresolved next hops are counted drops
  std::array<uint8_t, 6> dst_mac{};
};

struct PortView {
  std::array<uint8_t, 6> mac{};
  bool up = false;
};

struct Snapshot {
  uint64_t generation = 0;
  // Node addresses (NODEADDR, PORTADDR, owned DVIPAs): traffic to them is punted to control.
  std::vector<uint32_t> local_v4;                   // network order
  std::vector<std::array<uint8_t, 16>> local_v6;
  std::array<PortView, kMaxPorts> ports{};
  rte_lpm* fib4 = nullptr;                          // next-hop index per prefix
  rte_lpm6* fib6 = nullptr;
  std::vector<NextHop> next_hops;

  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot();                                      // frees the FIBs

  bool is_local_v4(uint32_t be) const {
    for (uint32_t a : local_v4)
      if (a == be) return true;
    return false;
  }
  bool is_local_v6(const uint8_t* a) const;
};

}  // namespace sysplex::dp
