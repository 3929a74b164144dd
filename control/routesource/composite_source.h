// Several route sources as one, in a configured precedence (by default static routes first, then
// the kernel's), so the target cache and the monitor see a single RouteSource.
#pragma once
#include "control/layer_guard.h"

#include <vector>

#include "control/routesource/route_source.h"

namespace sysplex::routesource {

enum class Precedence : uint8_t {
  // The first source (in order) that has any matching route answers, even if a later source has a
  // longer prefix: an operator's static routes override whatever the kernel learned.
  kFirstMatch,
  // The longest prefix over all sources answers; an equal prefix goes to the earlier source.
  kLongestPrefix,
};

class CompositeRouteSource final : public RouteSource {
 public:
  // The sources are not owned and must outlive this object. Order is precedence.
  CompositeRouteSource(std::vector<const RouteSource*> sources, Precedence precedence = Precedence::kFirstMatch)
      : sources_(std::move(sources)), precedence_(precedence) {}

  std::optional<Route> lookup(const IpAddr& dst) const override;
  // Ready when every source is ready.
  bool ready() const override;
  // The oldest heartbeat of the sources (nullopt if any never had one): the composite is only as
  // alive as its least alive part.
  std::optional<int64_t> last_heartbeat_ms() const override;
  // Sums: each part only grows, so the sums only grow, and any change of a part changes them.
  uint64_t generation() const override;
  uint64_t restarts() const override;

 private:
  std::vector<const RouteSource*> sources_;
  Precedence precedence_;
};

}  // namespace sysplex::routesource
