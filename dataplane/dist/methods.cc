#include "dataplane/dist/methods.h"

#include <algorithm>
#include <limits>
#include <string>

namespace sysplex::dist {
namespace {

using config::DestRole;
using config::DistMethod;

// Clamped so that a target misreporting its capacity or the distributor's measurement cannot claim
// more than a full share. Kept as the product (not divided by 100) so small shares do not round to
// 0.
uint32_t effective_wlm_weight(const TargetState& t) noexcept {
  return uint32_t{std::min(t.wlm_weight, kWlmWeightMax)} *
         std::min(t.responsiveness, kResponsivenessMax);
}

uint32_t wrap(uint32_t i, size_t n) noexcept { return i + 1 == n ? 0 : i + 1; }

uint32_t find_preferred(TargetSet targets) noexcept {
  for (uint32_t i = 0; i < targets.size(); ++i) {
    if (targets[i].role == DestRole::kPreferred) return i;
  }
  return kNoTarget;
}

}  // namespace

Result<Selector> Selector::create(const SelectorConfig& config) {
  if (config.max_targets == 0 || config.max_targets > kMaxTargets) {
    return make_error(Errc::kInvalidArgument, "selector max_targets " +
                                                  std::to_string(config.max_targets) +
                                                  " is outside 1-" + std::to_string(kMaxTargets));
  }
  if (config.timed_affinity_secs > 0 &&
      (config.affinity_capacity == 0 || config.affinity_capacity > AffinityTable::kMaxCapacity)) {
    return make_error(Errc::kInvalidArgument,
                      "TIMEDAFFINITY capacity " + std::to_string(config.affinity_capacity) +
                          " is outside 1-" + std::to_string(AffinityTable::kMaxCapacity) +
                          " clients");
  }
  return Selector(config);
}

Selector::Selector(const SelectorConfig& config)
    : cfg_(config), wrr_current_(config.max_targets, 0) {
  if (config.timed_affinity_secs > 0) affinity_.emplace(config.affinity_capacity);
}

TargetSet Selector::bounded(TargetSet targets) const noexcept {
  return targets.first(std::min<size_t>(targets.size(), cfg_.max_targets));
}

uint32_t Selector::pick(TargetSet targets, const FlowKey& flow, uint64_t now_ms) noexcept {
  targets = bounded(targets);
  return affinity_ ? pick_with_affinity(targets, flow.src, now_ms) : pick_by_method(targets);
}

void Selector::on_connection_end(const IpAddr& client, uint32_t target, uint64_t now_ms) noexcept {
  if (affinity_) {
    affinity_->release(client, target, now_ms, uint64_t{cfg_.timed_affinity_secs} * 1000);
  }
}

uint32_t Selector::expire_affinities(uint64_t now_ms) noexcept {
  return affinity_ ? affinity_->expire(now_ms) : 0;
}

void Selector::refresh(TargetSet targets) noexcept {
  if (cfg_.method == DistMethod::kHotStandby) hot_standby(bounded(targets));
}

bool Selector::usable(TargetSet targets, uint32_t id) const noexcept {
  if (id >= targets.size() || !targets[id].ready) return false;
  return cfg_.method != DistMethod::kHotStandby || !cfg_.health_switch || targets[id].healthy;
}

uint32_t Selector::pick_by_method(TargetSet targets) noexcept {
  switch (cfg_.method) {
    case DistMethod::kRoundRobin: return round_robin(targets);
    case DistMethod::kWeightedActive: return weighted_active(targets);
    case DistMethod::kBaseWlm:
    case DistMethod::kServerWlm: return wlm(targets);
    case DistMethod::kHotStandby: return hot_standby(targets);
  }
  return kNoTarget;
}

// A binding to a target that is no longer usable is ignored and replaced by a fresh pick.
uint32_t Selector::pick_with_affinity(TargetSet targets, const IpAddr& client,
                                      uint64_t now_ms) noexcept {
  if (Affinity* a = affinity_->find(client, now_ms); a && usable(targets, a->target)) {
    ++a->conns;
    return a->target;
  }
  const uint32_t target = pick_by_method(targets);
  if (target != kNoTarget && !affinity_->bind(client, target, now_ms)) ++affinity_overflows_;
  return target;
}

// The target set may have shrunk since the cursor was set.
uint32_t Selector::scan_start(TargetSet targets) const noexcept {
  return rr_next_ < targets.size() ? rr_next_ : 0;
}

uint32_t Selector::round_robin(TargetSet targets) noexcept {
  uint32_t i = scan_start(targets);
  for (size_t k = 0; k < targets.size(); ++k, i = wrap(i, targets.size())) {
    if (usable(targets, i)) {
      rr_next_ = i + 1;
      return i;
    }
  }
  return kNoTarget;
}

// Picks the largest deficit (A+1)*w_i - a_i*W, which is W x ((A+1)*w_i/W - a_i): how far target
// i's active connections a_i fall below its weighted share of all A plus this new one, scaled by
// the total weight W to stay in integers. The scan starts at the round-robin cursor and keeps the
// first maximum, so ties rotate. A weight-0 target is never picked: its deficit is never positive,
// and the others' deficits sum to W > 0.
uint32_t Selector::weighted_active(TargetSet targets) noexcept {
  int64_t total_active = 0, total_weight = 0;
  for (uint32_t i = 0; i < targets.size(); ++i) {
    if (!usable(targets, i) || targets[i].weight == 0) continue;
    total_active += targets[i].active;
    total_weight += targets[i].weight;
  }
  if (total_weight == 0) return round_robin(targets);  // weight 0 everywhere: no preference
  uint32_t best = kNoTarget;
  int64_t best_deficit = std::numeric_limits<int64_t>::min();
  uint32_t i = scan_start(targets);
  for (size_t k = 0; k < targets.size(); ++k, i = wrap(i, targets.size())) {
    if (!usable(targets, i)) continue;
    const int64_t deficit =
        (total_active + 1) * targets[i].weight - int64_t{targets[i].active} * total_weight;
    if (deficit > best_deficit) {
      best = i;
      best_deficit = deficit;
    }
  }
  rr_next_ = best + 1;
  return best;
}

// Smooth weighted round robin (as nginx): every pick adds each weight to its running value, takes
// the largest and subtracts the total from it, so with steady weights each cycle of W picks gives
// target i exactly w_i, spread out rather than in runs.
uint32_t Selector::wlm(TargetSet targets) noexcept {
  int64_t total = 0;
  uint32_t best = kNoTarget;
  for (uint32_t i = 0; i < targets.size(); ++i) {
    const uint32_t w = usable(targets, i) ? effective_wlm_weight(targets[i]) : 0;
    if (w == 0) continue;  // its running weight stays frozen: no credit piles up while it is out
    wrr_current_[i] += w;
    total += w;
    if (best == kNoTarget || wrr_current_[i] > wrr_current_[best]) best = i;
  }
  if (best == kNoTarget) return round_robin(targets);  // no spare capacity reported anywhere
  wrr_current_[best] -= total;
  return best;
}

bool Selector::standby_usable(TargetSet targets, uint32_t id) const noexcept {
  return usable(targets, id) && targets[id].role != DestRole::kNone;
}

// The highest rank wins (as z/OS); equal ranks go to the lower id, so the choice is deterministic.
uint32_t Selector::best_backup(TargetSet targets) const noexcept {
  uint32_t best = kNoTarget;
  for (uint32_t i = 0; i < targets.size(); ++i) {
    if (targets[i].role != DestRole::kBackup || !usable(targets, i)) continue;
    if (best == kNoTarget || targets[i].backup_rank > targets[best].backup_rank) best = i;
  }
  return best;
}

// The active target keeps new connections while it is usable; AUTOSWITCHBACK moves them back to
// the PREFERRED target as soon as it is usable again. When the active one fails: PREFERRED if
// usable, else the best backup.
uint32_t Selector::hot_standby(TargetSet targets) noexcept {
  const uint32_t preferred = find_preferred(targets);
  if (standby_usable(targets, hot_active_)) {
    if (cfg_.auto_switchback && usable(targets, preferred)) hot_active_ = preferred;
    return hot_active_;
  }
  hot_active_ = usable(targets, preferred) ? preferred : best_backup(targets);
  return hot_active_;
}

}  // namespace sysplex::dist
