// What the snapshot tells workers about DVIPAs: each DVIPA's role on this node, the distributed
// DVIPA:port rows (the VDPT) with their targets and methods, and how to reach each target. Control
// builds these (control/distributor/); workers only read them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/dist/methods.h"
#include "dataplane/encap/encap.h"

namespace sysplex::dp {

inline constexpr uint32_t kMaxTargetIds = dist::kMaxTargets;  // dense target ids 0..1023
inline constexpr unsigned kMaxWorkerSlots = 16;                // = kMaxWorkers in engine.h

// Per target, per worker: what the distributor sent it. Written by that worker only.
struct TargetCounters {
  uint64_t active = 0;         // connection-table entries naming it
  uint64_t total = 0;          // connections ever given to it
  uint64_t syns = 0;           // new connections (SYN) given to it
  uint64_t established = 0;    // of those, how many saw the client's ACK (responsiveness)
  uint64_t packets = 0, bytes = 0;
};

inline constexpr uint32_t kMaxServiceTargets = 64;  // targets of one DVIPA:port row

enum DvipaRole : uint8_t {
  kDvipaOwned = 1 << 0,        // this node owns it: answers ARP/ND for it, delivers it locally
  kDvipaDistributor = 1 << 1,  // owned and distributed: TCP to its service ports goes to targets
  kDvipaTarget = 1 << 2,       // served here as a target: accepted from distributors, delivered locally
  kDvipaDraining = 1 << 3,     // with kDvipaDistributor: given up moments ago; forwards what its
                               // connection table knows, picks no target for anything else
};

struct DvipaView {
  std::array<uint8_t, 16> addr{};
  bool v6 = false;
  uint8_t roles = 0;
  uint32_t epoch = 0;            // ownership epoch: GRE keys below it come from a deposed owner
  bool rebuilding = false;       // just taken over: unknown non-SYN packets wait for the targets'
                                 // connection reports instead of trusting the consistent hash
  uint16_t first_range = 0;      // its service port ranges: Snapshot::ranges[first_range, +n_ranges)
  uint16_t n_ranges = 0;
};

struct PortRangeView {
  uint16_t first = 0, last = 0;
  uint16_t service = 0;
};

// One distributed DVIPA:port row. Its targets are Snapshot::service_targets/service_states
// [first_target, +n_targets): a service-local index i names global target id service_targets[i].
struct ServiceView {
  uint16_t id = 0;               // stable across snapshots (connection entries keep it)
  uint16_t dvipa = 0;
  config::DistMethod method = config::DistMethod::kRoundRobin;
  uint16_t first_target = 0, n_targets = 0;
  // Per worker slot: that worker's method state (round-robin cursor, affinities). Owned by control,
  // stable across snapshots, written only by its worker.
  std::array<dist::Selector*, kMaxWorkerSlots> selector{};
  // The consistent-hash fallback: slot -> service-local target index (dist::kNoTarget: none).
  // Owned by control, which patches only changed slots in place; workers read slots relaxed.
  const std::atomic<uint32_t>* maglev = nullptr;
  uint32_t maglev_size = 0;
  // Per worker slot: kMaxServiceTargets counters by service-local index (the VDPT's counts and
  // WEIGHTEDACTIVE's active connections). Owned by control like the selectors.
  std::array<TargetCounters*, kMaxWorkerSlots> counters{};
};

enum class TargetKind : uint8_t {
  kUnusable,  // no path (no route, next hop unresolved): excluded from distribution
  kLocal,     // this node: deliver through the TAP
  kDirect,    // shares a segment with us: rewrite the destination MAC (dynamic XCF analog)
  kRouted,    // VIPAROUTE: GRE (IPv4) or IPv6-in-IPv6 to the target address
};

struct TargetView {
  TargetKind kind = TargetKind::kUnusable;
  uint16_t port = 0;             // egress port index
  std::array<uint8_t, 6> dst_mac{};
  encap::OuterTemplate outer;    // kRouted: the outer header (GRE key = the DVIPA's epoch)
  uint16_t mtu = 1500;           // the egress port's MTU
  uint16_t mss_v4 = 0, mss_v6 = 0;  // ADJUSTDVIPAMSS clamps for SYNs on this path (0: none)
};

}  // namespace sysplex::dp
