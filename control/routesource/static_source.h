// Routes from the profile: the connected prefix of every PORTADDR and every ROUTE statement, with node
// port indexes as output interfaces. Always ready; its heartbeat is always fresh (it cannot die).
#pragma once
#include "control/layer_guard.h"

#include "config/profile.h"
#include "config/result.h"
#include "control/routesource/route_source.h"
#include "control/routesource/route_table.h"

namespace sysplex::routesource {

class StaticRouteSource final : public RouteSource {
 public:
  // Port indexes are positions in profile.ports (the engine's order). A ROUTE without PORT goes out
  // of the port whose PORTADDR prefix holds its VIA address. Fails, naming the profile line, for a
  // ROUTE whose port is unknown or whose VIA is on no port; nothing is half-built then.
  static Result<StaticRouteSource> from_profile(const config::Profile& profile, Clock clock);

  std::optional<Route> lookup(const IpAddr& dst) const override { return table_.lookup(dst); }
  bool ready() const override { return true; }
  std::optional<int64_t> last_heartbeat_ms() const override { return clock_(); }
  uint64_t generation() const override { return 1; }  // the profile's routes never change here
  uint64_t restarts() const override { return 0; }

  const RouteTable& table() const { return table_; }

 private:
  StaticRouteSource(RouteTable table, Clock clock) : table_(std::move(table)), clock_(std::move(clock)) {}

  RouteTable table_;
  Clock clock_;
};

}  // namespace sysplex::routesource
