// Precedence rules of CompositeRouteSource.
#include "control/routesource/composite_source.h"

namespace sysplex::routesource {

std::optional<Route> CompositeRouteSource::lookup(const IpAddr& dst) const {
  std::optional<Route> best;
  for (const RouteSource* s : sources_) {
    auto r = s->lookup(dst);
    if (!r) continue;
    if (precedence_ == Precedence::kFirstMatch) return r;
    if (!best || r->prefix.len > best->prefix.len) best = std::move(r);
  }
  return best;
}

bool CompositeRouteSource::ready() const {
  for (const RouteSource* s : sources_)
    if (!s->ready()) return false;
  return true;
}

std::optional<int64_t> CompositeRouteSource::last_heartbeat_ms() const {
  std::optional<int64_t> oldest;
  for (const RouteSource* s : sources_) {
    auto hb = s->last_heartbeat_ms();
    if (!hb) return std::nullopt;
    if (!oldest || *hb < *oldest) oldest = hb;
  }
  return oldest;
}

uint64_t CompositeRouteSource::generation() const {
  uint64_t sum = 0;
  for (const RouteSource* s : sources_) sum += s->generation();
  return sum;
}

uint64_t CompositeRouteSource::restarts() const {
  uint64_t sum = 0;
  for (const RouteSource* s : sources_) sum += s->restarts();
  return sum;
}

}  // namespace sysplex::routesource
