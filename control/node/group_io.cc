// The node's side of the group channel: UDP datagrams on the data-plane ports (unicast along the
// node's routes, broadcast on each IPv4 segment), the heartbeat it sends, and what it does with
// what peers send: listener readiness, ended connections and capacity for the distributor.
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "control/distributor/sockets.h"
#include "control/node/node.h"
#include "dataplane/parse/parse.h"

namespace sysplex::node {

namespace {

constexpr uint64_t kReportEveryMs = 1000;          // listener readiness
constexpr uint64_t kFlushEndedEveryMs = 100;       // ended connections, batched
constexpr uint64_t kConnectionScanEveryMs = 2000;  // the backstop for missed destroy events

// An Ethernet/IP/UDP frame around `payload`, addresses in network order.
rte_mbuf* udp_frame(rte_mempool* pool, const Mac& dst_mac, const Mac& src_mac, const IpAddr& src, const IpAddr& dst,
                    uint16_t port, std::span<const uint8_t> payload) {
  bool v6 = dst.v6;
  uint32_t ip_len = v6 ? 40 : 20, udp_len = 8 + uint32_t(payload.size());
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return nullptr;
  auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(14 + ip_len + udp_len)));
  if (!f) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(f, 0, 14 + ip_len + 8);
  std::memcpy(f, dst_mac.data(), 6);
  std::memcpy(f + 6, src_mac.data(), 6);
  dp::store_be16(f + 12, v6 ? dp::kEtherIpv6 : dp::kEtherIpv4);
  uint8_t* ip = f + 14;
  uint8_t* udp = ip + ip_len;
  if (v6) {
    ip[0] = 0x60;
    dp::store_be16(ip + 4, uint16_t(udp_len));
    ip[6] = dp::kProtoUdp;
    ip[7] = 64;
    std::memcpy(ip + 8, src.bytes.data(), 16);
    std::memcpy(ip + 24, dst.bytes.data(), 16);
  } else {
    ip[0] = 0x45;
    dp::store_be16(ip + 2, uint16_t(ip_len + udp_len));
    dp::store_be16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = dp::kProtoUdp;
    std::memcpy(ip + 12, src.bytes.data(), 4);
    std::memcpy(ip + 16, dst.bytes.data(), 4);
    dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, 20));
  }
  dp::store_be16(udp, port);
  dp::store_be16(udp + 2, port);
  dp::store_be16(udp + 4, uint16_t(udp_len));
  std::memcpy(udp + 8, payload.data(), payload.size());
  uint16_t c = v6 ? dp::l4_checksum_v6(ip + 8, ip + 24, dp::kProtoUdp, udp, udp_len)
                  : dp::l4_checksum_v4(ip + 12, ip + 16, dp::kProtoUdp, udp, udp_len);
  dp::store_be16(udp + 6, c == 0 ? 0xffff : c);
  return m;
}

IpAddr directed_broadcast(const Prefix& p) {
  uint32_t host = p.addr.v4_host() | (p.len >= 32 ? 0u : (0xffffffffu >> p.len));
  return IpAddr::v4_from_host(host);
}

}  // namespace

Status Node::init_group() {
  if (profile_.group.key_file.empty()) return ok_status();  // no key: a node on its own
  auto key = channel::ChannelKey::load(profile_.group.key_file);
  if (!key) return key.error();
  group::GroupLink::Options o;
  o.group = profile_.group.name;
  o.node = name();
  o.heartbeat_ms = profile_.group.heartbeat_ms;
  o.miss_count = profile_.group.miss_count;
  o.mono_ms = clock_;
  o.on_segment = [this](const IpAddr& a) { return !a.v6 && port_for(a) >= 0; };
  auto link = group::GroupLink::create(
      std::make_shared<const channel::ChannelKey>(std::move(*key)), std::move(o),
      [this](const std::optional<IpAddr>& dst, std::span<const uint8_t> d) { return send_datagram(dst, d); },
      [this](const group::Peer& p, const channel::Message& m) { on_group_message(p, m); },
      [this] { return heartbeat(); });
  if (!link) return link.error();
  link_ = std::move(*link);
  for (const auto& [net, port] : connected_)
    if (!net.addr.v6 && net.len < 31) locals_.push_back(directed_broadcast(net));
  return ok_status();
}

bool Node::send_datagram(const std::optional<IpAddr>& dst, std::span<const uint8_t> payload) {
  if (!dst) {
    bool any = false;
    for (const auto& [net, port] : connected_) {
      auto src = net.addr.v6 ? std::nullopt : port_source(port, false);
      if (!src || net.len >= 31) continue;
      Mac bcast;
      bcast.fill(0xff);
      rte_mbuf* m = udp_frame(engine_->pool(), bcast, engine_->ports()[size_t(port)].mac, *src, directed_broadcast(net),
                              group::kGroupPort, payload);
      any |= m && engine_->control_tx(size_t(port), &m, 1) == 1;
    }
    return any;
  }
  auto route = route_to(*dst);
  auto src = std::find_if(profile_.node_addrs.begin(), profile_.node_addrs.end(), [&](const IpAddr& a) { return a.v6 == dst->v6; });
  if (!route || src == profile_.node_addrs.end()) return false;
  IpAddr hop = route->second ? *route->second : *dst;
  auto nb = neighbors_.find(hop);
  if (nb == neighbors_.end()) {  // held until the hop resolves (a node that just started knows no MACs)
    if (pending_datagrams_.size() >= kMaxPendingDatagrams) return false;
    pending_datagrams_.push_back(PendingDatagram{hop, route->first, *src, *dst, {payload.begin(), payload.end()},
                                                 clock_() + kPendingDatagramMs});
    resolve_now(hop, route->first);
    return true;
  }
  rte_mbuf* m = udp_frame(engine_->pool(), nb->second.mac, engine_->ports()[size_t(route->first)].mac, *src, *dst,
                          group::kGroupPort, payload);
  return m && engine_->control_tx(size_t(route->first), &m, 1) == 1;
}

// Sends what waited for `hop` now that it resolved; drops what waited too long.
void Node::flush_pending_datagrams(const IpAddr* resolved) {
  uint64_t now = clock_();
  for (auto it = pending_datagrams_.begin(); it != pending_datagrams_.end();) {
    auto nb = resolved && it->hop == *resolved ? neighbors_.find(it->hop) : neighbors_.end();
    if (nb != neighbors_.end()) {
      rte_mbuf* m = udp_frame(engine_->pool(), nb->second.mac, engine_->ports()[size_t(it->port)].mac, it->src, it->dst,
                              group::kGroupPort, it->payload);
      if (!m || engine_->control_tx(size_t(it->port), &m, 1) != 1) ++cc_.control_drops;
    } else if (now >= it->until_ms) {
      ++cc_.group_unresolved;
    } else {
      ++it;
      continue;
    }
    it = pending_datagrams_.erase(it);
  }
}

// Spare capacity as WLM would report it: the share of the workers' loops that found nothing to do.
uint8_t Node::spare_capacity() const {
  dp::CounterTotals t = engine_->totals();
  if (t.loops == 0) return channel::kMaxWeight;
  double busy = double(t.busy_loops) / double(t.loops);
  return uint8_t(std::clamp(1.0 - busy, 0.0, 1.0) * channel::kMaxWeight + 0.5);
}

channel::Heartbeat Node::heartbeat() {
  channel::Heartbeat hb;
  hb.node = name();
  hb.xcf_addresses = {profile_.node_addrs.begin(),
                      profile_.node_addrs.begin() + long(std::min<size_t>(profile_.node_addrs.size(), channel::kMaxXcfAddresses))};
  hb.state = !group_ || in_group_ ? channel::MemberState::kActive : channel::MemberState::kJoining;
  if (group_ && group_->state().quiesced) hb.state = channel::MemberState::kQuiesced;
  hb.incarnation = group_ ? group_->incarnation() : 1;
  for (const auto& a : dist_->activations()) {
    if (hb.dvipas.size() == channel::kMaxHeartbeatDvipas) break;
    channel::DvipaRole role = a.owned ? channel::DvipaRole::kOwner : a.target ? channel::DvipaRole::kTarget : channel::DvipaRole::kBackup;
    hb.dvipas.push_back({a.dvipa.addr, role, a.epoch, connections_for(a.dvipa.addr)});
  }
  hb.weight = spare_capacity();
  return hb;
}

void Node::on_group_message(const group::Peer& from, const channel::Message& m) {
  stalled_at_heard_[from.node] = stalled_ms_;
  if (const auto* r = std::get_if<channel::ListenerReport>(&m)) {
    std::vector<distributor::ListenerReport> ready;
    for (const auto& l : r->listeners) ready.push_back({l.dvipa, l.port, l.ready});
    for (const auto& x : from.xcf) dist_->set_listeners(x, from.node, ready);
  } else if (const auto* e = std::get_if<channel::ConnectionEnded>(&m)) {
    std::vector<conn::ConnKey> keys;
    for (const auto& c : e->connections)
      keys.push_back(conn::make_key(c.src.bytes.data(), c.dst.bytes.data(), c.src.v6, c.sport, c.dport, c.proto));
    on_connections_ended(keys);
  } else if (const auto* q = std::get_if<channel::BulkConnectionRequest>(&m)) {
    on_bulk_request(from, *q);
  } else if (const auto* b = std::get_if<channel::BulkConnectionReport>(&m)) {
    on_bulk_report(from, *b);
  } else if (const auto* sh = std::get_if<channel::ShadowSa>(&m)) {
    on_shadow_sa(from, *sh);
  } else if (const auto* t = std::get_if<channel::TakeoverNotice>(&m)) {
    heard_owner(t->dvipa, t->ownership_epoch);
  } else if (std::holds_alternative<channel::Heartbeat>(m)) {
    for (const auto& d : from.dvipas)
      if (d.role == channel::DvipaRole::kOwner) heard_owner(d.dvipa, d.ownership_epoch);
    for (const auto& x : from.xcf) dist_->set_wlm_weight(x, from.weight);
    update_members();
  }
}

// DESTIP ALL: the live members that take connections (not joining, leaving or quiesced).
// Recomputed on every heartbeat and every tick, so a member that falls silent leaves the set
// even when no other member is heard.
void Node::update_members() {
  std::vector<IpAddr> members;
  for (const auto& [name, p] : link_->peers())
    if (link_->alive(p) && p.state == channel::MemberState::kActive) members.insert(members.end(), p.xcf.begin(), p.xcf.end());
  dist_->set_members(members);
}

// The owners of the DVIPAs this node serves hear its listener readiness once a second.
// A quiesced node (VARY TCPIP,,SYSPLEX,QUIESCE) reports its listeners not ready: distributors
// give it no new connections while its existing ones carry on.
void Node::report_listeners() {
  if (!link_ || last_listeners_.empty()) return;
  bool quiesced = group_ && group_->state().quiesced;
  std::vector<channel::ListenerStatus> listeners;
  for (const auto& r : last_listeners_) listeners.push_back({r.dvipa, r.port, r.ready && !quiesced});
  link_->send_to_all(channel::ListenerReport{name(), ++report_seq_, listeners});
}

static IpAddr key_addr(const uint8_t* b, bool v6) {
  if (v6) return IpAddr::v6_from_bytes(b);
  uint32_t be;
  std::memcpy(&be, b, 4);
  return IpAddr::v4_from_be(be);
}

// Ended connections go out in small batches: to this node's own tables (it may distribute them
// too) and to every peer (the owner among them removes them from its connection table).
void Node::flush_ended() {
  if (ended_pending_.empty()) return;
  on_connections_ended(ended_pending_);
  if (link_) {
    std::map<IpAddr, std::vector<channel::ConnTuple>> by_dvipa;
    for (const auto& k : ended_pending_) {
      IpAddr src = key_addr(k.src, k.v6), dst = key_addr(k.dst, k.v6);
      by_dvipa[dst].push_back({src, dst, k.sport, k.dport, k.proto});
    }
    constexpr size_t kPerDatagram = 64;  // 14-38 bytes each: well inside one sealed datagram
    for (auto& [dvipa, conns] : by_dvipa)
      for (size_t i = 0; i < conns.size(); i += kPerDatagram) {
        size_t n = std::min(conns.size() - i, kPerDatagram);
        link_->send_to_all(channel::ConnectionEnded{dvipa, {conns.begin() + long(i), conns.begin() + long(i + n)}});
      }
  }
  cc_.ended_reported += ended_pending_.size();
  ended_pending_.clear();
}

bool Node::serves(const IpAddr& a) const {
  for (const auto& act : dist_->activations())
    if ((act.owned || act.target) && act.dvipa.addr == a) return true;
  return false;
}

static std::string key_id(const conn::ConnKey& k) { return std::string(reinterpret_cast<const char*>(&k), sizeof k); }

// The kernel's destroy events: immediate, for every connection to a served DVIPA.
void Node::watch_ended() {
  if (!destroy_watch_) return;
  std::vector<distributor::TcpSocket> gone;
  if (!destroy_watch_->drain(gone)) ++cc_.listener_scan_errors;
  for (const auto& s : gone) {
    if (s.state == distributor::kTcpListen || !serves(s.local)) continue;
    conn::ConnKey k = conn::make_key(s.remote.bytes.data(), s.local.bytes.data(), s.local.v6, s.remote_port, s.local_port, dp::kProtoTcp);
    live_connections_.erase(key_id(k));
    ended_pending_.push_back(k);
  }
}

// The backstop: connections the kernel had at the last scan and no longer has (events the
// kernel dropped under load, or a node without the destroy groups).
void Node::scan_connections() {
  bool any = false;
  for (const auto& a : dist_->activations()) any |= a.owned || a.target;
  if (!any) return;
  auto socks = distributor::dump_tcp(distributor::kConnectionStates);
  if (!socks) return;
  std::set<std::string> now;
  for (const auto& s : *socks)
    if (serves(s.local))
      now.insert(key_id(conn::make_key(s.remote.bytes.data(), s.local.bytes.data(), s.local.v6, s.remote_port,
                                       s.local_port, dp::kProtoTcp)));
  for (const auto& id : live_connections_)
    if (!now.count(id)) {
      conn::ConnKey k;
      std::memcpy(&k, id.data(), sizeof k);
      ended_pending_.push_back(k);
    }
  live_connections_ = std::move(now);
}

void Node::group_tick() {
  if (link_) {
    link_->tick();
    update_members();
  }
  watch_ended();
  uint64_t now = clock_();
  if (now >= next_flush_ms_) {
    flush_ended();
    next_flush_ms_ = now + kFlushEndedEveryMs;
  }
  if (now >= next_conn_scan_ms_) {
    scan_connections();
    next_conn_scan_ms_ = now + kConnectionScanEveryMs;
  }
  if (now >= next_report_ms_) {
    report_listeners();
    next_report_ms_ = now + kReportEveryMs;
  }
}

}  // namespace sysplex::node
