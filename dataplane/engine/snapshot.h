// The immutable forwarding state control publishes to workers: node addresses, port MACs, the FIB
// and its next hops. Control builds a new one beside the old and swaps one pointer (see engine.h).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/engine/steer.h"

namespace sysplex::dp::esp {
class Sad;
class Spd;
struct SaRuntime;
}  // namespace sysplex::dp::esp

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
  uint16_t mtu = 1500;
};

// The LPM tables, shared by consecutive snapshots while the routes stay the same (a new rte_lpm
// costs 64 MB of tbl24 and its clearing: far too much to pay on every snapshot).
struct FibTables {
  rte_lpm* v4 = nullptr;
  rte_lpm6* v6 = nullptr;
  FibTables() = default;
  FibTables(const FibTables&) = delete;
  FibTables& operator=(const FibTables&) = delete;
  ~FibTables();
};

struct Snapshot {
  uint64_t generation = 0;
  // Node addresses (NODEADDR, PORTADDR): traffic to them is punted to control.
  std::vector<uint32_t> local_v4;                   // network order
  std::vector<std::array<uint8_t, 16>> local_v6;
  std::array<PortView, kMaxPorts> ports{};
  std::shared_ptr<const FibTables> fib;             // owns fib4 / fib6
  rte_lpm* fib4 = nullptr;                          // next-hop index per prefix
  rte_lpm6* fib6 = nullptr;
  std::vector<NextHop> next_hops;

  // DVIPAs with a role on this node, and the distribution tables (steer.h).
  std::vector<DvipaView> dvipas;
  std::vector<PortRangeView> ranges;
  std::vector<ServiceView> services;
  std::vector<uint32_t> service_targets;        // global target ids, per service row
  std::vector<dist::TargetState> service_states;  // readiness, weights, roles; same index
  std::vector<TargetView> targets;              // by global target id
  std::vector<int32_t> service_by_id;           // stable service id -> index in services (-1: gone)
  bool adjust_mss = true;                       // ADJUSTDVIPAMSS (not NONE)

  // IPsec: the inbound SAD, the SAs by dense id and the policy, owned by control's SA manager
  // (stable while any snapshot names them). Null: no IPSEC block.
  const esp::Sad* sad = nullptr;
  const esp::Spd* spd = nullptr;
  std::vector<esp::SaRuntime*> sas;
  std::array<bool, kMaxPorts> trusted{};        // PORT TRUSTED: decrypted traffic may cross it clear
  std::vector<uint32_t> dvipa_index;            // find_dvipa's: 1 + index into dvipas, 0 empty

  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot();                                      // frees the FIBs

  static bool same_dvipa(const DvipaView& d, const uint8_t* a, bool v6) {
    return d.v6 == v6 && std::memcmp(d.addr.data(), a, v6 ? 16 : 4) == 0;
  }

  bool is_local_v4(uint32_t be) const {
    for (uint32_t a : local_v4)
      if (a == be) return true;
    return false;
  }
  bool is_local_v6(const uint8_t* a) const;
  // The DVIPA with this address (4 or 16 bytes, network order), or nullptr. Every packet asks
  // (forwarded ones too, to learn they are not for a DVIPA), so with more than a few DVIPAs it is
  // one probe of a hash index rather than a walk over all of them; with a few (no index: see
  // index_dvipas) the walk is cheaper than hashing.
  const DvipaView* find_dvipa(const uint8_t* a, bool v6) const {
    if (!dvipa_index.empty()) return find_indexed_dvipa(a, v6);
    for (const DvipaView& d : dvipas)
      if (same_dvipa(d, a, v6)) return &d;
    return nullptr;
  }
  const DvipaView* find_indexed_dvipa(const uint8_t* a, bool v6) const;
  // Builds the index of `dvipas` (open addressing, at most half full) when there are more than
  // kDvipaWalk of them; clears it otherwise. Engine::publish calls it.
  static constexpr size_t kDvipaWalk = 4;
  void index_dvipas();
  const ServiceView* service_of(uint16_t id) const {
    return id < service_by_id.size() && service_by_id[id] >= 0 ? &services[size_t(service_by_id[id])] : nullptr;
  }
  // The service row of a DVIPA's port, or -1 when the port is not distributed.
  int find_service(const DvipaView& d, uint16_t port) const {
    for (uint16_t i = 0; i < d.n_ranges; ++i) {
      const PortRangeView& r = ranges[d.first_range + i];
      if (port >= r.first && port <= r.last) return r.service;
    }
    return -1;
  }
};

}  // namespace sysplex::dp
