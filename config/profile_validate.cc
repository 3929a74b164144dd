// Checks that need the whole profile: required statements, references to ports defined anywhere
// in the file, and values that several statements set together.
#include <algorithm>

#include "config/profile_parse.h"

namespace sysplex::config {
namespace {

SourcePos file_start(const Parse& p) { return SourcePos{p.in.file(), 1, 1}; }

PortConfig* find_port(Profile& profile, const std::string& name) {
  auto it = std::find_if(profile.ports.begin(), profile.ports.end(), [&](const PortConfig& c) { return c.name == name; });
  return it == profile.ports.end() ? nullptr : &*it;
}

// PORTADDR keeps the interface address whole (198.18.1.1/24), so compare under its mask.
bool on_segment(const Prefix& iface, const IpAddr& a) {
  if (iface.addr.v6 != a.v6) return false;
  for (int bit = 0; bit < iface.len; ++bit) {
    uint8_t mask = uint8_t(0x80u >> (bit % 8));
    if ((iface.addr.bytes[bit / 8] & mask) != (a.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

bool on_any_port(const Profile& profile, const IpAddr& a) {
  for (const PortConfig& port : profile.ports)
    for (const PortAddr& pa : port.addrs)
      if (on_segment(pa.prefix, a)) return true;
  return false;
}

void check_required(Parse& p) {
  if (p.profile.node_name.empty()) p.report(file_start(p), "NODENAME is required");
  if (p.profile.node_addrs.empty()) p.report(file_start(p), "at least one NODEADDR is required");
}

void check_port_ref(Parse& p, const std::string& port, const SourcePos& pos, std::string_view statement) {
  if (!port.empty() && !find_port(p.profile, port))
    p.report(pos, std::string(statement) + " names port '" + port + "', which no PORT statement defines");
}

const PortConfig* port_holding(const Profile& profile, const IpAddr& a) {
  for (const PortConfig& port : profile.ports)
    for (const PortAddr& pa : port.addrs)
      if (pa.prefix.addr == a) return &port;
  return nullptr;
}

void attach_port_addrs(Parse& p) {
  for (const PendingPortAddr& pending : p.port_addrs) {
    PortConfig* port = find_port(p.profile, pending.port);
    if (!port) {
      check_port_ref(p, pending.port, pending.pos, "PORTADDR");
      continue;
    }
    if (const PortConfig* holder = port_holding(p.profile, pending.addr.prefix.addr))
      p.report(pending.pos, "address " + to_string(pending.addr.prefix.addr) + " is already on port '" + holder->name + "'");
    port->addrs.push_back(pending.addr);
  }
}

// Without PORT the next hop (or neighbour) chooses the port, so it must lie on some port's segment.
void check_on_segment(Parse& p, const IpAddr& a, const std::string& port, const SourcePos& pos, std::string_view what) {
  if (port.empty() && !on_any_port(p.profile, a))
    p.report(pos, std::string(what) + " " + to_string(a) + " is on no port's segment; give PORT name or a PORTADDR whose prefix holds it");
}

void check_routes_and_neighbors(Parse& p) {
  for (const RouteConfig& r : p.profile.routes) {
    check_port_ref(p, r.port, r.pos, "ROUTE");
    if (r.via) check_on_segment(p, *r.via, r.port, r.pos, "ROUTE VIA");
  }
  for (const NeighborConfig& n : p.profile.neighbors) {
    check_port_ref(p, n.port, n.pos, "NEIGHBOR");
    check_on_segment(p, n.addr, n.port, n.pos, "NEIGHBOR");
  }
}

void check_tap(Parse& p) {
  if (!p.profile.tap) return;
  const TapConfig& tap = *p.profile.tap;
  check_port_ref(p, tap.port, tap.pos, "TAP");
  if (tap.port.empty() && p.profile.ports.empty()) p.report(tap.pos, "TAP needs a port to share, but no PORT is defined");
}

void check_buffer_thresholds(Parse& p) {
  const SysplexMonitor& m = p.profile.global.monitor;
  if (m.relief_pct < m.constrained_pct && m.constrained_pct < m.critical_pct) return;
  p.report(p.last_globalconfig.value_or(file_start(p)),
           "buffer thresholds must satisfy BUFRELIEF < BUFCONSTRAINED < BUFCRITICAL, found BUFRELIEF " +
               std::to_string(m.relief_pct) + " BUFCONSTRAINED " + std::to_string(m.constrained_pct) + " BUFCRITICAL " +
               std::to_string(m.critical_pct));
}

// The monitor warns after half an interval without a route-source heartbeat: the kernel table must
// be re-read more often than that. Unset, the period follows the interval (5 s at most).
void check_route_source_heartbeat(Parse& p) {
  RouteSourceConfig& r = p.profile.route_source;
  uint64_t period = p.profile.global.monitor.period_ms();
  if (r.kind == RouteSourceKind::kStatic) return;
  if (!r.heartbeat_pos) {
    r.heartbeat_ms = uint32_t(std::clamp<uint64_t>(period / 4, 100, 5000));
    return;
  }
  if (uint64_t(r.heartbeat_ms) * 2 > period)
    p.report(*r.heartbeat_pos, "ROUTESOURCE HEARTBEATMS " + std::to_string(r.heartbeat_ms) +
                                   " must be at most half the monitor interval (" + std::to_string(period) +
                                   " ms from TIMERSECS/TIMERMS): the monitor warns after half an interval without one");
}

// A DVIPA moves between nodes; an address that is also the node's own would move with it.
void check_dvipas_are_not_node_addrs(Parse& p) {
  const auto& node = p.profile.node_addrs;
  auto is_node_addr = [&](const IpAddr& a) { return std::find(node.begin(), node.end(), a) != node.end(); };
  for (const VipaDefine& d : p.profile.vipadynamic.defines)
    if (is_node_addr(d.dvipa.addr)) p.report(d.pos, "DVIPA " + to_string(d.dvipa.addr) + " is also a NODEADDR");
  for (const VipaBackup& b : p.profile.vipadynamic.backups)
    if (is_node_addr(b.dvipa)) p.report(b.pos, "DVIPA " + to_string(b.dvipa) + " is also a NODEADDR");
}

}  // namespace

void finish_profile(Parse& p) {
  check_required(p);
  attach_port_addrs(p);
  check_routes_and_neighbors(p);
  check_tap(p);
  check_buffer_thresholds(p);
  check_route_source_heartbeat(p);
  check_dvipas_are_not_node_addrs(p);
}

}  // namespace sysplex::config
