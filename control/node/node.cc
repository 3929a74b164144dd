// The node's control loop: punt handling (ARP, ND, echo), the TAP bridge, next-hop resolution and
// snapshot building. Runs on the main lcore; the only writer of the node's forwarding state.
#include "control/node/node.h"

#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include <cstring>

#include "control/node/tap.h"
#include "dataplane/parse/parse.h"

namespace sysplex::node {

using dp::L3;
using dp::PacketDesc;

uint64_t steady_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

namespace {

constexpr uint64_t kResolveEveryMs = 1000;
constexpr uint32_t kUnresolved = 0;  // next-hop slot 0: connected prefix, neighbour unknown

}  // namespace

Result<std::unique_ptr<Node>> Node::create(const config::Profile& profile, unsigned workers, Clock clock) {
  std::unique_ptr<Node> n(new Node(profile, clock));
  if (Status st = n->init(workers); !st) return st.error();
  return n;
}

Node::~Node() {
  if (tap_) {
    rte_eth_dev_stop(tap_port_);
    rte_eth_dev_close(tap_port_);
  }
}

Status Node::init(unsigned workers) {
  auto e = dp::Engine::create(profile_, workers);
  if (!e) return e.error();
  engine_ = std::move(*e);
  for (const auto& a : profile_.node_addrs) locals_.push_back(a);
  // Until the group exists (a later issue), a node owns the DVIPAs it defines with VIPADEFINE:
  // it answers ARP/ND for them and its kernel accepts connections to them through the TAP.
  for (const auto& d : profile_.vipadynamic.defines) locals_.push_back(d.dvipa.addr);
  for (size_t i = 0; i < profile_.ports.size(); ++i)
    for (const auto& pa : profile_.ports[i].addrs) {
      locals_.push_back(pa.prefix.addr);
      // PORTADDR keeps the host address; the connected network clears the host bits.
      connected_.emplace_back(*parse_prefix(to_string(pa.prefix.addr) + "/" + std::to_string(pa.prefix.len)), int(i));
    }
  for (const auto& n : profile_.neighbors) {
    int port = n.port.empty() ? port_for(n.addr) : engine_->port_index(n.port);
    neighbors_[n.addr] = Neighbor{n.mac.bytes, port < 0 ? 0 : port, true, 0};
  }
  if (profile_.tap)
    if (Status st = init_tap(); !st) return st;
  rebuild_snapshot();
  return ok_status();
}

Status Node::init_tap() {
  const auto& t = *profile_.tap;
  tap_bound_port_ = t.port.empty() ? 0 : engine_->port_index(t.port);
  if (tap_bound_port_ < 0 || size_t(tap_bound_port_) >= engine_->ports().size())
    return make_error(Errc::kInvalidArgument, "TAP " + t.name + " needs a port to share");
  std::vector<std::string> addrs;
  for (const auto& pa : profile_.ports[size_t(tap_bound_port_)].addrs) addrs.push_back(to_string(pa.prefix.addr) + "/" + std::to_string(pa.prefix.len));
  for (const auto& a : profile_.node_addrs) addrs.push_back(to_string(a) + (a.v6 ? "/128" : "/32"));
  for (const auto& d : profile_.vipadynamic.defines)
    addrs.push_back(to_string(d.dvipa.addr) + (d.dvipa.addr.v6 ? "/128" : "/32"));
  auto port = create_tap(name(), t.name, engine_->ports()[size_t(tap_bound_port_)].mac, engine_->pool(), addrs);
  if (!port) return port.error();
  tap_port_ = *port;
  tap_ = true;
  return ok_status();
}

int Node::port_for(const IpAddr& a) const {
  for (const auto& [net, port] : connected_)
    if (net.contains(a)) return port;
  return -1;
}

std::optional<IpAddr> Node::port_source(int port, bool v6) const {
  for (const auto& pa : profile_.ports[size_t(port)].addrs)
    if (pa.prefix.addr.v6 == v6) return pa.prefix.addr;
  return std::nullopt;
}

void Node::learn(const IpAddr& a, const Mac& mac, int port) {
  if (port < 0 || port_for(a) != port) return;  // only neighbours on our own segments
  auto it = neighbors_.find(a);
  if (it != neighbors_.end() && it->second.is_static) return;
  if (it == neighbors_.end() || it->second.mac != mac || it->second.port != port) dirty_ = true;
  neighbors_[a] = Neighbor{mac, port, false, clock_()};
}

void Node::poll() {
  rte_mbuf* pkts[dp::kBurst];
  std::lock_guard<std::mutex> lock(display_mu_);
  while (unsigned n = engine_->take_punted(pkts, dp::kBurst))
    for (unsigned i = 0; i < n; ++i) handle_punted(pkts[i]);
  if (tap_) poll_tap();
  if (clock_() >= next_resolve_ms_) {
    resolve_next_hops();
    next_resolve_ms_ = clock_() + kResolveEveryMs;
  }
  if (dirty_) rebuild_snapshot();
}

ControlCounters Node::control_counters() const {
  std::lock_guard<std::mutex> lock(display_mu_);
  return cc_;
}

}  // namespace sysplex::node
