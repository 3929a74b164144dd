// RefreshSchedule: a step index into the fast list, then the steady interval.
#include "control/targetcache/refresh_schedule.h"

namespace sysplex::targetcache {

RefreshSchedule::RefreshSchedule(const config::TargetCacheTimers& timers) : steady_ms_(int64_t(timers.steady_secs) * 1000) {
  for (uint32_t s : timers.fast_secs) fast_ms_.push_back(int64_t(s) * 1000);
}

void RefreshSchedule::restart(int64_t now_ms) {
  step_ = 0;
  next_ = now_ms + interval(0);
}

void RefreshSchedule::stop() { next_.reset(); }

void RefreshSchedule::on_refreshed(int64_t now_ms) {
  if (!due(now_ms)) return;  // not a scheduled refresh
  if (step_ < fast_ms_.size()) ++step_;
  next_ = now_ms + interval(step_);
}

}  // namespace sysplex::targetcache
