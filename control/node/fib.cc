// Building the workers' snapshot (addresses, FIB, next hops) and resolving next hops by ARP / ND.
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "control/node/node.h"

namespace sysplex::node {

namespace {

constexpr uint32_t kFibRules = 4096;

struct FibBuilder {
  dp::Snapshot& s;
  void add(const Prefix& p, uint32_t nh) {
    if (p.addr.v6)
      rte_lpm6_add(s.fib6, p.addr.bytes.data(), p.len, nh);
    else
      rte_lpm_add(s.fib4, p.addr.v4_host(), p.len, nh);
  }
};

Prefix host_prefix(const IpAddr& a) { return Prefix{a, uint8_t(a.family_bits())}; }

}  // namespace

int Node::route_port(const config::RouteConfig& r) const {
  return !r.port.empty() ? engine_->port_index(r.port) : r.via ? port_for(*r.via) : -1;
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
  for (size_t i = 0; i < engine_->ports().size(); ++i) s->ports[i] = dp::PortView{engine_->ports()[i].mac, true};
  std::string tag = name() + "_" + std::to_string(generation_);
  rte_lpm_config c4{kFibRules, 256, 0};
  rte_lpm6_config c6{kFibRules, 1024, 0};
  s->fib4 = rte_lpm_create(("f4_" + tag).c_str(), int(rte_socket_id()), &c4);
  s->fib6 = rte_lpm6_create(("f6_" + tag).c_str(), int(rte_socket_id()), &c6);
  if (!s->fib4 || !s->fib6) return;  // keep the current snapshot; retried on the next change
  FibBuilder fib{*s};
  auto next_hop = [&](const IpAddr& via, int port) {
    auto it = neighbors_.find(via);
    dp::NextHop nh{uint16_t(port < 0 ? 0 : port), it != neighbors_.end(), {}};
    if (it != neighbors_.end()) nh.dst_mac = it->second.mac;
    s->next_hops.push_back(nh);
    return uint32_t(s->next_hops.size() - 1);
  };
  for (const auto& [net, port] : connected_) fib.add(net, next_hop(IpAddr{}, port));  // unresolved: no-neighbor
  for (const auto& [addr, n] : neighbors_) fib.add(host_prefix(addr), next_hop(addr, n.port));
  for (const auto& r : profile_.routes) {
    int port = route_port(r);
    if (port < 0) continue;
    fib.add(r.dest, r.via ? next_hop(*r.via, port) : next_hop(IpAddr{}, port));
  }
  engine_->publish(std::move(s));
  dirty_ = false;
}

void Node::resolve_next_hops() {
  for (const auto& r : profile_.routes) {
    if (!r.via || neighbors_.count(*r.via)) continue;
    int port = route_port(r);
    auto src = port < 0 ? std::nullopt : port_source(port, r.via->v6);
    if (!src) continue;
    const Mac& mac = engine_->ports()[size_t(port)].mac;
    rte_mbuf* m = r.via->v6 ? build_ns(engine_->pool(), mac, src->bytes.data(), r.via->bytes.data())
                            : build_arp_request(engine_->pool(), mac, src->v4_be(), r.via->v4_be(), 0);
    if (m && engine_->control_tx(size_t(port), &m, 1) == 1) ++cc_.resolutions_sent;
  }
}

}  // namespace sysplex::node
