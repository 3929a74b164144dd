// Building the workers' snapshot (addresses, FIB, next hops, the distributor's tables), resolving
// next hops by ARP / ND, and resolving each target's path (the VIPAROUTE target cache's lookups).
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "control/node/node.h"

namespace sysplex::node {

namespace {

constexpr uint32_t kFibRules = 4096;

std::shared_ptr<const dp::FibTables> build_fib(const std::vector<FibEntry>& entries, const std::string& tag) {
  auto t = std::make_shared<dp::FibTables>();
  rte_lpm_config c4{kFibRules, 256, 0};
  rte_lpm6_config c6{kFibRules, 1024, 0};
  t->v4 = rte_lpm_create(("f4_" + tag).c_str(), int(rte_socket_id()), &c4);
  t->v6 = rte_lpm6_create(("f6_" + tag).c_str(), int(rte_socket_id()), &c6);
  if (!t->v4 || !t->v6) return nullptr;
  for (const auto& e : entries) {
    if (e.prefix.addr.v6)
      rte_lpm6_add(t->v6, e.prefix.addr.bytes.data(), e.prefix.len, e.next_hop);
    else
      rte_lpm_add(t->v4, e.prefix.addr.v4_host(), e.prefix.len, e.next_hop);
  }
  return t;
}

Prefix host_prefix(const IpAddr& a) { return Prefix{a, uint8_t(a.family_bits())}; }

}  // namespace

int Node::route_port(const config::RouteConfig& r) const {
  return !r.port.empty() ? engine_->port_index(r.port) : r.via ? port_for(*r.via) : -1;
}

std::optional<std::pair<int, std::optional<IpAddr>>> Node::route_to(const IpAddr& dst) const {
  int best_len = -1;
  std::optional<std::pair<int, std::optional<IpAddr>>> best;
  for (const auto& [net, port] : connected_)
    if (net.contains(dst) && int(net.len) > best_len) {
      best_len = net.len;
      best = std::make_pair(port, std::optional<IpAddr>{});
    }
  for (const auto& r : profile_.routes) {
    int port = route_port(r);
    if (port < 0 || !r.dest.contains(dst) || int(r.dest.len) <= best_len) continue;
    best_len = r.dest.len;
    best = std::make_pair(port, r.via);
  }
  return best;
}

// Local: one of our own addresses. Routed: a VIPAROUTE names the target's address. Direct: the
// XCF address is on one of our segments. Anything else has no path and is excluded.
distributor::TargetPath Node::resolve_target(const IpAddr& xcf) {
  distributor::TargetPath p;
  if (std::find(profile_.node_addrs.begin(), profile_.node_addrs.end(), xcf) != profile_.node_addrs.end()) {
    p.view.kind = dp::TargetKind::kLocal;
    p.route = "local";
    bool local = tap_ || engine_->has_local();  // the TAP, or whatever the engine delivers to instead
    p.state = local ? "usable" : "no TAP";
    if (!local) p.view.kind = dp::TargetKind::kUnusable;
    return p;
  }
  const config::VipaRoute* vr = nullptr;
  for (const auto& r : profile_.vipadynamic.routes)
    if (r.xcf_addr == xcf) vr = &r;
  if (vr) return routed_target(*vr);
  IpAddr dest = xcf;
  auto route = route_to(dest);
  if (!route || route->second) {
    p.state = "not on a shared segment and no VIPAROUTE";
    p.route = "direct";
    return p;
  }
  int port = route->first;
  IpAddr hop = dest;
  const auto& ep = engine_->ports()[size_t(port)];
  p.route = "direct " + ep.name;
  p.view.port = uint16_t(port);
  p.view.mtu = profile_.ports[size_t(port)].mtu;
  auto nb = neighbors_.find(hop);
  if (nb == neighbors_.end()) {
    wanted_.insert({hop, port});
    p.state = "next hop " + to_string(hop) + " unresolved";
    return p;
  }
  p.view.dst_mac = nb->second.mac;
  p.state = "usable";
  p.view.kind = dp::TargetKind::kDirect;
  return p;
}

// A VIPAROUTE target's path is the target cache's, as its last scheduled refresh found it.
distributor::TargetPath Node::routed_target(const config::VipaRoute& vr) const {
  distributor::TargetPath p;
  const targetcache::TargetEntry* e = cache_->find(vr.xcf_addr);
  const IpAddr& dest = vr.target_addr;
  p.route = "VIPAROUTE " + to_string(dest);
  if (!e || !e->usable()) {
    p.state = e ? std::string(targetcache::state_name(e->state)) + (e->reason.empty() ? "" : ": " + e->reason) : "not in the target cache";
    return p;
  }
  const auto& ep = engine_->ports()[size_t(e->port)];
  p.route += (e->gateway ? " via " + to_string(*e->gateway) : "") + " " + ep.name;
  p.state = "usable";
  p.view.kind = dp::TargetKind::kRouted;
  p.view.port = uint16_t(e->port);
  p.view.mtu = profile_.ports[size_t(e->port)].mtu;
  p.view.dst_mac = e->next_hop_mac->bytes;
  const IpAddr& src = *e->outer_src;
  p.view.outer = dest.v6 ? encap::ip6ip6_template(src.bytes.data(), dest.bytes.data())
                         : encap::gre4_template(src.bytes.data(), dest.bytes.data(), 0);
  const auto& g = profile_.global;
  uint16_t fixed = g.adjust_mss == config::MssMode::kFixed ? g.adjust_mss_value : 0;
  p.view.mss_v4 = fixed ? fixed : encap::mss_for(p.view.mtu, encap::kGre4Overhead, false);
  p.view.mss_v6 = fixed ? fixed : encap::mss_for(p.view.mtu, encap::kIp6Ip6Overhead, true);
  return p;
}

void Node::rebuild_snapshot() {
  auto s = std::make_unique<dp::Snapshot>();
  s->generation = ++generation_;
  for (const auto& a : locals_) {
    if (a.v6)
      s->local_v6.push_back(a.bytes);
    else
      s->local_v4.push_back(a.v4_be());
  }
  for (size_t i = 0; i < engine_->ports().size(); ++i)
    s->ports[i] = dp::PortView{engine_->ports()[i].mac, true, profile_.ports[i].mtu};
  std::vector<FibEntry> entries;
  auto next_hop = [&](const IpAddr& via, int port) {
    auto it = neighbors_.find(via);
    dp::NextHop nh{uint16_t(port < 0 ? 0 : port), it != neighbors_.end(), {}};
    if (it != neighbors_.end()) nh.dst_mac = it->second.mac;
    s->next_hops.push_back(nh);
    return uint32_t(s->next_hops.size() - 1);
  };
  for (const auto& [net, port] : connected_) entries.push_back({net, next_hop(IpAddr{}, port)});  // unresolved: no-neighbor
  for (const auto& [addr, n] : neighbors_) entries.push_back({host_prefix(addr), next_hop(addr, n.port)});
  for (const auto& r : profile_.routes) {
    int port = route_port(r);
    if (port < 0) continue;
    entries.push_back({r.dest, r.via ? next_hop(*r.via, port) : next_hop(IpAddr{}, port)});
  }
  if (!fib_ || entries != fib_entries_) {
    auto fib = build_fib(entries, name() + "_" + std::to_string(generation_));
    if (!fib) {  // keep the current snapshot; retried on the next pass (counted, not logged each time)
      ++cc_.fib_alloc_failures;
      return;
    }
    fib_ = std::move(fib);
    fib_entries_ = std::move(entries);
  }
  s->fib = fib_;
  s->fib4 = fib_->v4;
  s->fib6 = fib_->v6;
  s->adjust_mss = profile_.global.adjust_mss != config::MssMode::kNone;
  for (size_t i = 0; i < profile_.ports.size(); ++i) s->trusted[i] = profile_.ports[i].trusted;
  sas_->fill(*s);
  dist_->fill(*s, [this](const IpAddr& xcf) { return resolve_target(xcf); });
  engine_->publish(std::move(s));  // returns after the grace period: nothing reads the old one
  dist_->collect();
  sas_->collect();
  ++cc_.snapshots;
  dirty_ = false;
}

void Node::resolve_next_hops() {
  std::set<std::pair<IpAddr, int>> hops = std::move(wanted_);
  wanted_.clear();
  for (const auto& r : profile_.routes) {
    int port = route_port(r);
    if (r.via && port >= 0) hops.insert({*r.via, port});
  }
  for (const auto& [hop, port] : hops)
    if (!neighbors_.count(hop)) resolve_now(hop, port);
}

// One ARP request / neighbour solicitation for `hop` on `port`, at most every kResolveRetryMs.
void Node::resolve_now(const IpAddr& hop, int port) {
  uint64_t now = clock_();
  auto& last = last_resolution_ms_[hop];
  if (last && now < last + kResolveRetryMs) return;
  auto src = port_source(port, hop.v6);
  if (!src) return;
  last = now;
  const Mac& mac = engine_->ports()[size_t(port)].mac;
  rte_mbuf* m = hop.v6 ? build_ns(engine_->pool(), mac, src->bytes.data(), hop.bytes.data())
                       : build_arp_request(engine_->pool(), mac, src->v4_be(), hop.v4_be(), 0);
  if (m && engine_->control_tx(size_t(port), &m, 1) == 1) ++cc_.resolutions_sent;
}

}  // namespace sysplex::node
