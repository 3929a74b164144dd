// The distributor's and the target's stages of the worker: connection-table lookup, target choice
// (the DVIPA:port's method for a SYN, the consistent hash for a packet whose state is unknown),
// forwarding over the direct or routed path, decapsulation at the target and local delivery.
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "dataplane/dist/flow_hash.h"
#include "dataplane/engine/engine.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp {

namespace {

using conn::ConnEntry;
using conn::ConnState;

IpAddr addr_of(const uint8_t* b, bool v6) {
  IpAddr a;
  a.v6 = v6;
  std::memcpy(a.bytes.data(), b, v6 ? 16 : 4);
  return a;
}

dist::FlowKey flow_of(const PacketDesc& d) {
  bool v6 = d.l3 == L3::kIpv6;
  return dist::FlowKey{addr_of(d.src, v6), addr_of(d.dst, v6), d.sport, d.dport, d.l4_proto};
}

uint32_t service_index(const Snapshot& s, const ServiceView& svc, uint32_t target) {
  for (uint32_t i = 0; i < svc.n_targets; ++i)
    if (s.service_targets[svc.first_target + i] == target) return i;
  return dist::kNoTarget;
}

// The entry's row index if the row still has its target there (rows change only with a new
// snapshot), else a search.
uint32_t service_index(const Snapshot& s, const ServiceView& svc, const ConnEntry& e) {
  uint32_t i = e.row_hint;
  if (i < svc.n_targets && s.service_targets[svc.first_target + i] == e.target) [[likely]]
    return i;
  return service_index(s, svc, e.target);
}

void decrement_ttl(uint8_t* f, const PacketDesc& d) {
  if (d.l3 == L3::kIpv4)
    ipv4_decrement_ttl(f + d.l3_off);
  else
    f[d.l3_off + 7] -= 1;
}

}  // namespace

void Engine::deliver_local(unsigned slot, rte_mbuf* m) {
  if (local_port_ == kNoQueue) return discard(slot, m, Drop::kNoLocalPort);
  WorkerSlot& ws = slots_[slot];
  // The TAP carries the bound port's MAC; traffic from another port (or a decapsulated packet)
  // must be addressed to it or the kernel ignores it as another host's.
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), ports_[local_bound_].mac.data(), 6);
  ++ws.counters.delivered;
  rte_eth_tx_buffer(local_port_, uint16_t(slot), ws.local_txbuf, m);
}

void Engine::hand_to_control(unsigned slot, Exception e) {
  if (rte_ring_mp_enqueue_elem(exceptions_, &e, sizeof(e)) != 0) return discard(slot, e.m, Drop::kExceptionRingFull);
  ++slots_[slot].counters.to_control;
}

// Both views of a target: its index in the DVIPA:port row and its global id.
struct Pick {
  uint32_t local = dist::kNoTarget;
  uint32_t target = dist::kNoTarget;
};

// A SYN picks by the method; WEIGHTEDACTIVE sees the row's live active counts summed over all
// workers (plain loads of the other workers' counters).
static Pick pick_target(const Snapshot& s, const ServiceView& svc, unsigned slot, unsigned workers,
                        const PacketDesc& d, uint32_t now_ms) {
  dist::Selector* sel = svc.selector[slot];
  uint32_t n = std::min<uint32_t>(svc.n_targets, kMaxServiceTargets);
  if (!sel || n == 0) return {};
  const dist::TargetState* states = &s.service_states[svc.first_target];
  dist::TargetState live[kMaxServiceTargets];
  if (svc.method == config::DistMethod::kWeightedActive) {
    for (uint32_t i = 0; i < n; ++i) {
      live[i] = states[i];
      uint64_t active = 0;
      for (unsigned w = 0; w < workers; ++w) active += svc.counters[w] ? svc.counters[w][i].active : 0;
      live[i].active = uint32_t(std::min<uint64_t>(active, UINT32_MAX));
    }
    states = live;
  }
  uint32_t local = sel->pick(dist::TargetSet(states, n), flow_of(d), now_ms);
  if (local == dist::kNoTarget) return {};
  return {local, s.service_targets[svc.first_target + local]};
}

// A packet of a connection this table does not know (state lost, e.g. just after a takeover) goes
// where the consistent hash of its 5-tuple says, the same on every distributor of the group.
static Pick hashed_target(const Snapshot& s, const ServiceView& svc, const PacketDesc& d) {
  if (svc.maglev_size == 0) return {};
  uint32_t local = svc.maglev[dist::flow_hash(flow_of(d)) % svc.maglev_size].load(std::memory_order_relaxed);
  if (local >= svc.n_targets || !s.service_states[svc.first_target + local].ready) return {};
  return {local, s.service_targets[svc.first_target + local]};
}

static TargetCounters* row_counters(const ServiceView& svc, unsigned slot, uint32_t local) {
  return svc.counters[slot] && local < kMaxServiceTargets ? &svc.counters[slot][local] : nullptr;
}

void Engine::connection_gone(WorkerSlot& ws, const Snapshot& s, const ConnEntry& e) {
  TargetCounters& tc = ws.per_target[e.target < kMaxTargetIds ? e.target : 0];
  if (tc.active) --tc.active;
  const ServiceView* svc = s.service_of(e.service);
  if (!svc) return;  // the row went away with its counters
  unsigned slot = unsigned(&ws - slots_.get());
  uint32_t local = service_index(s, *svc, e);
  if (local == dist::kNoTarget) return;
  if (TargetCounters* rc = row_counters(*svc, slot, local); rc && rc->active) --rc->active;
  if (dist::Selector* sel = svc->selector[slot]) sel->on_connection_end(addr_of(e.key.src, e.key.v6), local, ws.now_ms);
}

// An entry's idle clock moves in steps of this much: most packets of a busy connection then leave
// its cache line clean (a write-back saved per packet on a table far bigger than the caches), and
// timeouts, which are whole seconds, stay exact to within a step.
constexpr uint32_t kTouchStepMs = 250;

// Per-packet state: RST closes, FIN starts the end, the client's first ACK completes the handshake.
static bool track(ConnEntry& e, uint8_t flags, uint32_t now_ms) {
  if (now_ms - e.last_ms >= kTouchStepMs) e.last_ms = now_ms;
  if (!(flags & (kTcpRst | kTcpFin)) && (e.state != ConnState::kSyn || !(flags & kTcpAck))) return false;
  e.last_ms = now_ms;
  if (flags & kTcpRst) {
    e.state = ConnState::kClosed;
  } else if (flags & kTcpFin) {
    e.state = ConnState::kFin;
  } else if ((flags & kTcpAck) && e.state == ConnState::kSyn) {
    e.state = ConnState::kEstablished;
    return true;
  }
  return false;
}

void Engine::distribute(unsigned slot, const Snapshot& s, const DvipaView& dv, int service, rte_mbuf* m,
                        const PacketDesc& d, const conn::ConnKey& key, const conn::ConnHash& h) {
  WorkerSlot& ws = slots_[slot];
  const ServiceView& svc = s.services[size_t(service)];
  conn::ConnTable& t = *ws.conns;
  uint32_t at = t.find(key, h);
  bool syn = (d.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
  Pick p;
  if (at != conn::kNoSlot) {
    ConnEntry& e = t.entry(at);
    // A bare SYN on anything but a half-open entry starts a new connection on a reused 4-tuple
    // (an end this distributor never saw, e.g. one adopted from a target's report).
    if (syn && e.state != ConnState::kSyn) {
      connection_gone(ws, s, e);
      t.erase(at);
      at = conn::kNoSlot;
    } else {
      p = {service_index(s, svc, e), e.target};
      if (track(e, d.tcp_flags, ws.now_ms)) {
        ++ws.per_target[p.target].established;
        if (TargetCounters* rc = row_counters(svc, slot, p.local)) ++rc->established;
      }
    }
  }
  if (at == conn::kNoSlot) {
    // Given up: the new owner decides new connections. Picking here could bounce a packet the new
    // owner forwarded to this node as a target straight back to it.
    if (dv.roles & kDvipaDraining)
      return (dv.roles & kDvipaTarget) ? deliver_local(slot, m) : discard(slot, m, Drop::kDvipaNotActive);
    if (!syn && dv.rebuilding) return discard(slot, m, Drop::kAwaitingReports);
    p = syn ? pick_target(s, svc, slot, workers_, d, ws.now_ms) : hashed_target(s, svc, d);
    if (p.target == dist::kNoTarget) return discard(slot, m, Drop::kNoReadyTarget);
    if (!(d.tcp_flags & kTcpRst)) {
      ConnState st = syn ? ConnState::kSyn : (d.tcp_flags & kTcpFin) ? ConnState::kFin : ConnState::kEstablished;
      uint8_t flags = syn ? 0 : conn::kConnFromHash;
      if (uint32_t at_new = t.insert(key, h, p.target, svc.id, st, flags, ws.now_ms); at_new == conn::kNoSlot) {
        ++ws.counters.conn_full;
      } else {
        t.entry(at_new).row_hint = uint16_t(p.local);
        ++(syn ? ws.counters.conn_new : ws.counters.conn_hashed);
        for (TargetCounters* c : {&ws.per_target[p.target], row_counters(svc, slot, p.local)}) {
          if (!c) continue;
          ++c->active;
          ++c->total;
          if (syn) ++c->syns;
        }
      }
    }
  }
  for (TargetCounters* c : {&ws.per_target[p.target], row_counters(svc, slot, p.local)}) {
    if (!c) continue;
    ++c->packets;
    c->bytes += m->pkt_len;
  }
  to_target(slot, s, dv, p.target, m, d);
}

void Engine::to_target(unsigned slot, const Snapshot& s, const DvipaView& dv, uint32_t target, rte_mbuf* m,
                       const PacketDesc& d) {
  WorkerSlot& ws = slots_[slot];
  if (target >= s.targets.size()) return discard(slot, m, Drop::kTargetUnreachable);
  const TargetView& tv = s.targets[target];
  // Decrypted traffic crosses only a segment the profile trusts (PORT TRUSTED) in clear.
  if ((d.flags & kFlagDecrypted) && tv.kind != TargetKind::kLocal && tv.kind != TargetKind::kUnusable && !s.trusted[tv.port])
    return discard(slot, m, Drop::kUntrustedSegment);
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  bool syn = d.l4_proto == kProtoTcp && (d.tcp_flags & kTcpSyn);
  switch (tv.kind) {
    case TargetKind::kUnusable: return discard(slot, m, Drop::kTargetUnreachable);
    case TargetKind::kLocal:
      ++ws.counters.distributed;
      return deliver_local(slot, m);
    case TargetKind::kDirect:
      if (d.ttl <= 1) return discard(slot, m, Drop::kTtlExpired);
      std::memcpy(f, tv.dst_mac.data(), 6);
      std::memcpy(f + 6, s.ports[tv.port].mac.data(), 6);
      decrement_ttl(f, d);
      break;
    case TargetKind::kRouted: {
      if (d.ttl <= 1) return discard(slot, m, Drop::kTtlExpired);
      if (uint32_t(d.l3_len) + tv.outer.len > tv.mtu)
        return hand_to_control(slot, Exception{Exception::Kind::kTooBig, uint16_t(tv.mtu - tv.outer.len), target, dv.epoch, m});
      if (syn && s.adjust_mss) {
        uint16_t mss = d.l3 == L3::kIpv6 ? tv.mss_v6 : tv.mss_v4;
        if (mss && encap::clamp_mss(f + d.l4_off, uint32_t(d.l3_off + d.l3_len - d.l4_off), mss)) ++ws.counters.mss_clamped;
      }
      decrement_ttl(f, d);
      uint32_t tail = rte_pktmbuf_pkt_len(m) - (d.l3_off + d.l3_len);  // Ethernet padding goes
      if (tail) rte_pktmbuf_trim(m, uint16_t(tail));
      uint16_t grow = uint16_t(kEthHdrLen + tv.outer.len - d.l3_off);
      uint8_t* nf = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, grow));
      if (!nf) return discard(slot, m, Drop::kNoHeadroom);
      std::memcpy(nf, tv.dst_mac.data(), 6);
      std::memcpy(nf + 6, s.ports[tv.port].mac.data(), 6);
      store_be16(nf + 12, tv.outer.v6 ? kEtherIpv6 : kEtherIpv4);
      encap::write_outer(nf + kEthHdrLen, tv.outer, d.l3_len);
      if (!tv.outer.v6) store_be32(nf + kEthHdrLen + 24, dv.epoch);  // the GRE key fences deposed owners
      break;
    }
  }
  ++ws.counters.distributed;
  ++ws.counters.forwarded;
  ws.counters.tx_pkts += rte_eth_tx_buffer(ports_[tv.port].port_id, uint16_t(slot), ws.txbuf[tv.port], m);
}

// A distributor's tunnel to this target: the inner packet must be a DVIPA served here, from an
// owner no older than the one this node knows (the GRE key carries its ownership epoch).
void Engine::decapsulate(unsigned slot, const Snapshot& s, rte_mbuf* m, const PacketDesc& d) {
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  uint32_t len = rte_pktmbuf_data_len(m);
  PacketDesc in;
  bool gre = d.l4_proto == kProtoGre;
  in.l3_off = gre ? d.payload_off : d.l4_off;
  bool v6 = gre ? d.gre_proto == kEtherIpv6 : true;
  if (gre && d.gre_proto != kEtherIpv4 && d.gre_proto != kEtherIpv6) return discard(slot, m, Drop::kBadInner);
  Drop why = v6 ? parse_ipv6(f, len, in) : parse_ipv4(f, len, in, true);
  if (why == Drop::kNone) why = parse_l4(f, len, in);
  if (why != Drop::kNone || in.l3_off + in.l3_len > d.l3_off + d.l3_len) return discard(slot, m, Drop::kBadInner);
  const DvipaView* dv = s.find_dvipa(in.dst, v6);
  if (!dv || !(dv->roles & kDvipaTarget)) return discard(slot, m, Drop::kInnerNotServed);
  if (gre && (d.flags & kFlagGreKey) && d.gre_key < dv->epoch) return discard(slot, m, Drop::kStaleEpoch);
  uint16_t strip = uint16_t(in.l3_off - d.l3_off);
  std::memmove(f + strip, f, d.l3_off);
  rte_pktmbuf_adj(m, strip);
  f = rte_pktmbuf_mtod(m, uint8_t*);
  store_be16(f + d.l3_off - 2, v6 ? kEtherIpv6 : kEtherIpv4);
  uint32_t tail = rte_pktmbuf_pkt_len(m) - (d.l3_off + in.l3_len);
  if (tail) rte_pktmbuf_trim(m, uint16_t(tail));
  deliver_local(slot, m);
}

// A connection a report placed on a target counts as active there (and as one more, if new).
// Returns the target's index in the service's row (the entry's row hint).
uint32_t Engine::count_reported(WorkerSlot& ws, const Snapshot& s, const ConnCommand& c, bool is_new) {
  const ServiceView* svc = s.service_of(c.service);
  uint32_t local = svc ? service_index(s, *svc, c.target) : dist::kNoTarget;
  TargetCounters* rc = svc && local != dist::kNoTarget ? row_counters(*svc, unsigned(&ws - slots_.get()), local) : nullptr;
  for (TargetCounters* tc : {&ws.per_target[c.target], rc}) {
    if (!tc) continue;
    ++tc->active;
    if (is_new) ++tc->total;
  }
  return local;
}

void Engine::run_commands(unsigned slot, const Snapshot& s) {
  WorkerSlot& ws = slots_[slot];
  ConnCommand cmds[kBurst];
  unsigned n = rte_ring_sc_dequeue_burst_elem(ws.commands, cmds, sizeof(ConnCommand), kBurst, nullptr);
  conn::ConnTable& t = *ws.conns;
  for (unsigned i = 0; i < n; ++i) {
    const ConnCommand& c = cmds[i];
    conn::ConnHash h = t.hash(c.key);
    uint32_t at = t.find(c.key, h);
    if (c.op == ConnCommand::Op::kErase) {
      if (at == conn::kNoSlot) continue;
      connection_gone(ws, s, t.entry(at));
      t.erase(at);
      ++ws.counters.conn_ended;
      continue;
    }
    if (at != conn::kNoSlot) {  // a report is authoritative about where a connection lives
      ConnEntry& e = t.entry(at);
      if (e.target == c.target || c.target >= kMaxTargetIds) continue;
      connection_gone(ws, s, e);
      conn::ConnTable::begin_write(e);
      e.target = c.target;
      e.service = c.service;
      conn::ConnTable::end_write(e);
      e.row_hint = uint16_t(count_reported(ws, s, c, false));
      continue;
    }
    uint32_t added = c.target < kMaxTargetIds ? t.insert(c.key, h, c.target, c.service, ConnState::kEstablished,
                                                         conn::kConnFromReport, ws.now_ms)
                                              : conn::kNoSlot;
    if (added == conn::kNoSlot) {
      ++ws.counters.conn_full;
      continue;
    }
    t.entry(added).row_hint = uint16_t(count_reported(ws, s, c, true));
  }
}

void Engine::age_connections(unsigned slot, const Snapshot& s, uint32_t buckets) {
  WorkerSlot& ws = slots_[slot];
  ws.counters.conn_expired += ws.conns->sweep(buckets, ws.now_ms, [&](uint32_t at) {
    connection_gone(ws, s, ws.conns->entry(at));
  });
}

}  // namespace sysplex::dp
