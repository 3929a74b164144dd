// The node's route source (static routes and the kernel table), its VIPAROUTE target cache on the
// z/OS refresh schedule, and sysplex autonomics: the monitor's checks every TIMERSECS, fed from the
// engine's pools and workers, the route source, the ports and the group, and its messages.
#include <rte_ethdev.h>

#include <algorithm>
#include <cstdio>

#include "control/node/node.h"

namespace sysplex::node {

namespace {

constexpr size_t kMessageLog = 256;  // recent messages kept for the display

// The kernel interface an af_packet port sits on ("iface=v0" in its device string), if any.
std::string kernel_iface(const std::string& device) {
  size_t at = device.find("iface=");
  if (at == std::string::npos) return "";
  size_t end = device.find(',', at);
  return device.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

}  // namespace

Status Node::init_routes() {
  std::function<int64_t()> now = [this] { return int64_t(clock_()); };
  auto st = routesource::StaticRouteSource::from_profile(profile_, now);
  if (!st) return st.error();
  static_routes_ = std::make_unique<routesource::StaticRouteSource>(std::move(*st));
  std::vector<const routesource::RouteSource*> parts;
  const auto& rc = profile_.route_source;
  if (rc.kind != config::RouteSourceKind::kKernel) parts.push_back(static_routes_.get());
  if (rc.kind != config::RouteSourceKind::kStatic) {
    routesource::NetlinkSourceOptions o;
    o.heartbeat_ms = rc.heartbeat_ms;
    if (!rc.daemon_protocols.empty()) o.daemon_protocols = rc.daemon_protocols;
    kernel_routes_ = std::make_unique<routesource::NetlinkRouteSource>(std::move(o), std::make_unique<routesource::KernelNetlinkSocket>());
    if (Status s = kernel_routes_->start(now()); !s) note("route source: " + s.error().message);  // poll() retries
    parts.push_back(kernel_routes_.get());
  }
  routes_ = std::make_unique<routesource::CompositeRouteSource>(std::move(parts));
  targetcache::TargetCacheDeps deps;
  deps.routes = routes_.get();
  deps.neighbor = [this](const IpAddr& hop, int port) -> std::optional<MacAddr> {
    auto it = neighbors_.find(hop);
    if (it != neighbors_.end()) return MacAddr{it->second.mac};
    wanted_.insert({hop, port});
    return std::nullopt;
  };
  deps.port_of = [this](const routesource::Route& r) { return port_of_interface(r.oif.name); };
  deps.port_address = [this](int port, bool v6) { return port_source(port, v6); };
  deps.port_name = [this](int port) { return engine_->ports()[size_t(port)].name; };
  cache_ = std::make_unique<targetcache::TargetCache>(name(), profile_.vipadynamic.routes, profile_.global.target_cache, std::move(deps));
  return ok_status();
}

// A kernel interface is one of the node's ports when it is the TAP (its bound port) or the
// interface an af_packet port reads.
int Node::port_of_interface(const std::string& ifname) const {
  if (tap_ && profile_.tap && ifname == profile_.tap->name) return tap_bound_port_;
  for (size_t i = 0; i < profile_.ports.size(); ++i)
    if (!ifname.empty() && kernel_iface(profile_.ports[i].device) == ifname) return int(i);
  return -1;
}

std::string Node::kernel_name(int port) const {
  if (tap_ && port == tap_bound_port_ && profile_.tap) return profile_.tap->name;
  return kernel_iface(profile_.ports[size_t(port)].device);
}

void Node::note(const std::string& line) {
  std::fprintf(stderr, "%s %s\n", name().c_str(), line.c_str());
  messages_.push_back({clock_(), line});
  if (messages_.size() > kMessageLog) messages_.pop_front();
}

// The target cache starts its fast schedule when the node joins the group (a node without one
// counts as joined at start) and is stopped while it is out.
// The cache is filled at once (so routed targets are usable from the start), then refreshed on
// the fast schedule the restart begins.
void Node::start_target_cache() {
  int64_t now = int64_t(clock_());
  cache_->restart(now);
  for (const auto& m : cache_->refresh(now).messages) note(m.text);
}

void Node::poll_routes() {
  int64_t now = int64_t(clock_());
  if (kernel_routes_)
    if (Status s = kernel_routes_->poll(now); !s && s.error().message != last_route_error_) {
      last_route_error_ = s.error().message;
      note("route source: " + last_route_error_);
    }
  targetcache::RefreshResult r = neighbors_learned_ ? cache_->resolve_pending(now) : cache_->poll(now);
  if (neighbors_learned_) {
    targetcache::RefreshResult due = cache_->poll(now);
    r.changes.insert(r.changes.end(), due.changes.begin(), due.changes.end());
    r.messages.insert(r.messages.end(), due.messages.begin(), due.messages.end());
  }
  neighbors_learned_ = false;
  if (!r.changes.empty()) dirty_ = true;  // a changed path reaches the workers at once
  for (const auto& m : r.messages) note(m.text);
  if (r.refreshed) ++cc_.cache_refreshes;
}

monitor::CheckInput Node::check_input() const {
  monitor::CheckInput in;
  in.in_group = in_group_;
  in.advertises_dvipas = !dist_->owned().empty();
  in.pools.push_back({"mbufs", engine_->pool_in_use(), engine_->pool_size()});
  in.route_source_ready = routes_->ready();
  in.route_source_heartbeat_ms = routes_->last_heartbeat_ms();
  if (profile_.global.monitor.mon_interface)
    for (size_t p = 0; p < engine_->ports().size(); ++p) {
      rte_eth_link link{};
      rte_eth_link_get_nowait(engine_->ports()[p].port_id, &link);
      std::string k = kernel_name(int(p));
      bool dyn = kernel_routes_ && !k.empty() && kernel_routes_->dynamic_routes_over(k) > 0;
      in.interfaces.push_back({engine_->ports()[p].name, link.link_status != 0, dyn});
    }
  if (link_)
    for (const auto& [peer, p] : link_->peers()) {
      if (!link_->alive(p) || p.xcf.empty()) continue;
      ++in.other_members;
      in.members.push_back({peer, route_to(p.xcf.front()).has_value()});
    }
  for (unsigned w = 0; w < engine_->workers(); ++w) in.workers.push_back({w, engine_->worker_counters(w).loops});
  return in;
}

void Node::run_monitor() {
  int64_t now = int64_t(clock_());
  if (!monitor_ || !monitor_->due(now)) return;
  monitor::CheckResult r = monitor_->check(now, check_input());
  for (const auto& e : r.messages)
    note(std::string(e.kind == monitor::MessageEvent::Kind::kDeleted ? "deleted: " : "") + e.message.text);
  for (const auto& a : r.actions) {
    if (a.kind == monitor::ActionKind::kLeaveGroup && in_group_) {
      note("leaving the group: " + a.reason);
      request_group(GroupRequest::kLeave, a.reason);
    } else if (a.kind == monitor::ActionKind::kRejoin && !in_group_) {
      note("rejoining the group: " + a.reason);
      request_group(GroupRequest::kJoin, a.reason);
    }
  }
}

}  // namespace sysplex::node
