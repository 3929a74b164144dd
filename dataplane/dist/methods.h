// Distribution methods of a distributed DVIPA:port (DISTMETHOD, TIMEDAFFINITY): the target for each
// new connection. Deterministic, with all state explicit and no allocation per pick.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "dataplane/dist/affinity.h"
#include "dataplane/dist/flow_hash.h"
#include "dataplane/dist/target_id.h"

namespace sysplex::dist {

inline constexpr uint8_t kWlmWeightMax = 64;        // a target's reported spare capacity, 0-64
inline constexpr uint8_t kResponsivenessMax = 100;  // percent
// Bounds WEIGHTEDACTIVE's integer arithmetic: 1024 targets x 2^32 connections x 2^16 weight < 2^63.
inline constexpr uint32_t kMaxTargets = 1024;

// What the distributor knows of one target for this DVIPA:port, indexed by dense target id.
struct TargetState {
  bool ready = false;            // a listener on the port and a path to the target
  bool healthy = true;           // HOTSTANDBY with HEALTHSWITCH moves off an unhealthy target
  uint16_t weight = 1;           // WEIGHTEDACTIVE: the configured WEIGHT
  uint8_t wlm_weight = 0;        // BASEWLM/SERVERWLM: the target's reported spare capacity
  uint8_t responsiveness = 100;  // TSR: percent of the SYNs sent to it that reached ESTABLISHED
  uint32_t active = 0;           // its active connections
  config::DestRole role = config::DestRole::kNone;  // HOTSTANDBY
  uint8_t backup_rank = 0;                          // HOTSTANDBY: the highest usable rank first
};

using TargetSet = std::span<const TargetState>;

struct SelectorConfig {
  config::DistMethod method = config::DistMethod::kBaseWlm;
  bool auto_switchback = true;         // HOTSTANDBY: back to PREFERRED as soon as it is usable
  bool health_switch = true;           // HOTSTANDBY: an unhealthy target is not usable
  uint32_t timed_affinity_secs = 0;    // 0: no affinity
  uint32_t max_targets = 64;           // ids at or above it are never picked
  uint32_t affinity_capacity = 16384;  // clients remembered with TIMEDAFFINITY
};

// One per DVIPA:port, owned by one thread. pick() is called per SYN: a switch on the method, scans
// of at most max_targets entries, and (with affinity) one probe of a preallocated table.
class Selector {
 public:
  [[nodiscard]] static Result<Selector> create(const SelectorConfig& config);

  // The target for the new connection `flow`, or kNoTarget when no target is usable.
  uint32_t pick(TargetSet targets, const FlowKey& flow, uint64_t now_ms) noexcept;
  // A connection from client to target ended: TIMEDAFFINITY holds the client's binding for
  // timed_affinity_secs after its last one.
  void on_connection_end(const IpAddr& client, uint32_t target, uint64_t now_ms) noexcept;
  // HOTSTANDBY: re-evaluates the active target after a target's state changed, so a switch happens
  // when the state changes and not at the next SYN (which matters for NOAUTOSWITCHBACK).
  void refresh(TargetSet targets) noexcept;
  // Frees affinity bindings that have lapsed; control calls it on a timer. Returns how many.
  uint32_t expire_affinities(uint64_t now_ms) noexcept;

  // HOTSTANDBY: the target new connections go to now (kNoTarget before the first pick).
  uint32_t hot_standby_active() const noexcept { return hot_active_; }
  // New clients TIMEDAFFINITY could not remember: the affinity table had no room (see bind()).
  uint64_t affinity_overflows() const noexcept { return affinity_overflows_; }

 private:
  explicit Selector(const SelectorConfig& config);

  bool usable(TargetSet targets, uint32_t id) const noexcept;
  uint32_t pick_by_method(TargetSet targets) noexcept;
  uint32_t pick_with_affinity(TargetSet targets, const IpAddr& client, uint64_t now_ms) noexcept;
  uint32_t round_robin(TargetSet targets) noexcept;
  uint32_t weighted_active(TargetSet targets) noexcept;
  uint32_t wlm(TargetSet targets) noexcept;
  uint32_t hot_standby(TargetSet targets) noexcept;
  bool standby_usable(TargetSet targets, uint32_t id) const noexcept;
  uint32_t best_backup(TargetSet targets) const noexcept;
  uint32_t scan_start(TargetSet targets) const noexcept;
  TargetSet bounded(TargetSet targets) const noexcept;

  SelectorConfig cfg_;
  uint32_t rr_next_ = 0;  // where the next round-robin scan starts
  uint32_t hot_active_ = kNoTarget;
  std::vector<int64_t> wrr_current_;  // smooth weighted round robin's running weights, per target
  std::optional<AffinityTable> affinity_;
  uint64_t affinity_overflows_ = 0;
};

}  // namespace sysplex::dist
