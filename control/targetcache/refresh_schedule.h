// When the VIPAROUTE target cache is refreshed: every steady interval (60 s), and after a join,
// rejoin or route-source restart a fast list first (5, 5, 15, 35, 60 s) so routes converge quickly.
#pragma once
#include "control/layer_guard.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "config/profile.h"

namespace sysplex::targetcache {

// Times are milliseconds on the owner's clock.
//  - restart(t) starts the fast list at t: refreshes are due at t+5, t+10, t+25, t+60 and t+120 s
//    (defaults), then every steady interval. A restart during a fast sequence starts it over from its
//    first interval, anchored at the new restart (as z/OS does), so a flapping route source keeps
//    the cache converging fast.
//  - Each interval is measured from the refresh that actually ran: a refresh that runs late (the
//    control thread was busy) delays the rest of the sequence by as much, no step is skipped, and no
//    burst of catch-up refreshes follows. The gap between two scheduled refreshes is never shorter
//    than the configured interval.
//  - A refresh before next_at() (the owner refreshing on its own, e.g. on a route change it was told
//    about) is not a scheduled one: on_refreshed() leaves the schedule as it is then.
//  - Before the first restart() and after stop() nothing is due.
class RefreshSchedule {
 public:
  explicit RefreshSchedule(const config::TargetCacheTimers& timers);

  void restart(int64_t now_ms);
  void stop();
  bool due(int64_t now_ms) const { return next_ && now_ms >= *next_; }
  std::optional<int64_t> next_at() const { return next_; }
  void on_refreshed(int64_t now_ms);
  // In the fast list: how many of its refreshes are still to come (0 in steady state).
  size_t fast_remaining() const { return next_ && step_ < fast_ms_.size() ? fast_ms_.size() - step_ : 0; }

 private:
  int64_t interval(size_t step) const { return step < fast_ms_.size() ? fast_ms_[step] : steady_ms_; }

  int64_t steady_ms_;
  std::vector<int64_t> fast_ms_;
  size_t step_ = 0;               // index of the interval that leads to next_
  std::optional<int64_t> next_;
};

}  // namespace sysplex::targetcache
