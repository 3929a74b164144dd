// Building the static table from config::Profile: connected prefixes first, then ROUTE statements.
#include "control/routesource/static_source.h"

namespace sysplex::routesource {

namespace {

std::string where(const config::SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

// The port (index) whose PORTADDR prefix holds addr, or -1.
int port_holding(const config::Profile& profile, const IpAddr& addr) {
  for (size_t i = 0; i < profile.ports.size(); ++i)
    for (const auto& pa : profile.ports[i].addrs)
      if (Prefix{mask_addr(pa.prefix.addr, pa.prefix.len), pa.prefix.len}.contains(addr)) return int(i);
  return -1;
}

int port_named(const config::Profile& profile, const std::string& name) {
  for (size_t i = 0; i < profile.ports.size(); ++i)
    if (profile.ports[i].name == name) return int(i);
  return -1;
}

void add_connected(const config::Profile& profile, RouteTable& table) {
  for (size_t i = 0; i < profile.ports.size(); ++i) {
    for (const auto& pa : profile.ports[i].addrs) {
      Route r;
      r.prefix = Prefix{mask_addr(pa.prefix.addr, pa.prefix.len), pa.prefix.len};
      r.oif = OutInterface{0, profile.ports[i].name, int(i)};
      r.pref_src = pa.prefix.addr;
      r.origin = RouteOrigin::kConnected;
      table.upsert(r);
    }
  }
}

Result<Route> static_route(const config::Profile& profile, const config::RouteConfig& rc) {
  int port = !rc.port.empty() ? port_named(profile, rc.port) : rc.via ? port_holding(profile, *rc.via) : -1;
  if (port < 0) {
    std::string why = !rc.port.empty() ? "names unknown port " + rc.port
                                       : "VIA " + (rc.via ? to_string(*rc.via) : std::string("-")) +
                                             " is on no port's PORTADDR prefix; add PORT";
    return make_error(Errc::kInvalidArgument, where(rc.pos) + "ROUTE " + to_string(rc.dest) + " " + why);
  }
  Route r;
  r.prefix = rc.dest;
  r.gateway = rc.via;
  r.oif = OutInterface{0, profile.ports[size_t(port)].name, port};
  r.metric = rc.metric;
  r.origin = RouteOrigin::kStatic;
  return r;
}

}  // namespace

Result<StaticRouteSource> StaticRouteSource::from_profile(const config::Profile& profile, Clock clock) {
  RouteTable table;
  add_connected(profile, table);
  for (const auto& rc : profile.routes) {
    auto r = static_route(profile, rc);
    if (!r) return r.error();
    table.upsert(*r);
  }
  return StaticRouteSource(std::move(table), std::move(clock));
}

}  // namespace sysplex::routesource
