// The worker half of the engine: RX burst -> parse -> classify -> act -> buffered TX. Nothing here
// allocates, locks, logs or makes a system call; every packet ends forwarded, delivered to the
// local kernel, punted, handed to control or counted under a drop reason.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <cstring>

#include <optional>

#include "dataplane/conn/conn_table.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/ipsec.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp {

// kForward and kProtect are routed traffic after the outbound policy (with_outbound_policy):
// permitted in clear, or to be sent through an SA.
enum class Action : uint8_t { kDrop, kPunt, kForward, kProtect, kDistribute, kLocal, kDecap, kEspIn };

// What classification decided for one packet. 16 bytes, so a classify() that is not inlined
// returns it in two registers: built in a stack temporary and copied out with one 16-byte load,
// it cost a store-forwarding stall on every packet.
struct Verdict {
  Action action = Action::kDrop;
  Drop reason = Drop::kNone;
  uint16_t service = 0;              // kDistribute: index into the snapshot's services
  uint32_t next_hop = 0;             // kForward
  union {
    const DvipaView* dvipa = nullptr;  // kDistribute
    esp::SaRuntime* sa;                // kProtect
  };
};
static_assert(sizeof(Verdict) == 16);

namespace {

// The connection table is aged in one sweep per period, paced by the clock: each poll ages the
// buckets its share of the period allows, so aging costs the same per second busy or idle and
// no entry outlives its timeout by more than the period. Sweeping touches every entry (one cache
// miss each on a big table), so pacing matters: unpaced, a busy worker would age constantly.
constexpr uint64_t kSweepPeriodMs = 2000;

constexpr Verdict drop(Drop r) { return {Action::kDrop, r, 0, 0, nullptr}; }
constexpr Verdict punt() { return {Action::kPunt, Drop::kNone, 0, 0, nullptr}; }
constexpr Verdict local() { return {Action::kLocal, Drop::kNone, 0, 0, nullptr}; }

// Multicast that control must see: IPv6 all-nodes and solicited-node (neighbour discovery).
bool is_nd_multicast(const uint8_t* a) {
  static constexpr uint8_t kSolicited[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(a, kSolicited, 13) == 0 || std::memcmp(a, kAllNodes, 16) == 0;
}

Verdict route_hop(const Snapshot& s, uint32_t nh, uint8_t ttl) {
  if (ttl <= 1) return drop(Drop::kTtlExpired);
  if (nh >= s.next_hops.size() || !s.next_hops[nh].resolved) return drop(Drop::kNoNeighbor);
  return {Action::kForward, Drop::kNone, 0, nh, nullptr};
}

// A DVIPA's traffic: its distributed TCP ports go to targets; the rest is delivered here when this
// node owns or serves it. Fragments of distributed ports cannot be steered without reassembly.
Verdict classify_dvipa(const Snapshot& s, const DvipaView& dv, const PacketDesc& d) {
  if ((dv.roles & kDvipaDistributor) && d.l4_proto == kProtoTcp) {
    if (d.flags & kFlagFragment) return drop(Drop::kDistributedFragment);
    int svc = s.find_service(dv, d.dport);
    if (svc >= 0) return {Action::kDistribute, Drop::kNone, uint16_t(svc), 0, &dv};
  }
  if (dv.roles & (kDvipaOwned | kDvipaTarget)) return local();
  return drop(Drop::kDvipaNotActive);
}

// Tunnels from a distributor end at a node address: GRE (IPv4) or IPv6-in-IPv6.
bool is_tunnel(const PacketDesc& d) {
  return (d.l4_proto == kProtoGre && !(d.flags & kFlagFragment)) || (d.l4_proto == kProtoIpv6 && d.l3 == L3::kIpv6);
}

bool is_esp(const PacketDesc& d) { return d.l4_proto == kProtoEsp || (d.flags & kFlagUdpEncapEsp); }

// Traffic to this node (an address of its own or a DVIPA it has): ESP goes to its SA, NAT-T
// keepalives end here, IKE waits for the IKE daemon; anything else in clear must pass the
// inbound policy (after decryption it is checked against the SA it came through instead). A
// target takes clear traffic for a DVIPA it serves (and neither owns nor distributes) from a
// TRUSTED port: that is what the distributor decrypted and checked against its policy.
bool from_distributor(const Snapshot& s, const DvipaView* dv, uint16_t port) {
  return dv && (dv->roles & kDvipaTarget) && !(dv->roles & (kDvipaOwned | kDvipaDistributor)) && s.trusted[port];
}

std::optional<Verdict> ipsec_inbound(const Snapshot& s, const PacketDesc& d, const DvipaView* dv, uint16_t port,
                                     bool decrypted) {
  if (decrypted || !s.spd) return std::nullopt;
  if (is_esp(d) && s.sad) return Verdict{Action::kEspIn};
  if (d.flags & kFlagNatKeepalive) return drop(Drop::kNatKeepalive);
  if (d.flags & kFlagNonEspMarker) return drop(Drop::kIke);
  if (!spd_enabled(s) || from_distributor(s, dv, port)) return std::nullopt;
  Drop why = spd_inbound(s, d);
  return why == Drop::kNone ? std::nullopt : std::optional<Verdict>(drop(why));
}

Verdict classify_v4(const Snapshot& s, const PacketDesc& d, uint16_t port, bool decrypted) {
  uint32_t dst;
  std::memcpy(&dst, d.dst, 4);
  const DvipaView* dv = s.find_dvipa(d.dst, false);
  if (dv || s.is_local_v4(dst))
    if (auto v = ipsec_inbound(s, d, dv, port, decrypted)) return *v;
  if (dv) return classify_dvipa(s, *dv, d);
  if (s.is_local_v4(dst)) return is_tunnel(d) ? Verdict{Action::kDecap} : punt();
  if (d.flags & (kFlagBroadcastMac | kFlagMulticastMac)) return drop(Drop::kNotForUs);
  uint32_t nh = 0;
  if (!s.fib4 || rte_lpm_lookup(s.fib4, rte_be_to_cpu_32(dst), &nh) != 0) return drop(Drop::kNoRoute);
  return route_hop(s, nh, d.ttl);
}

Verdict classify_v6(const Snapshot& s, const PacketDesc& d, uint16_t port, bool decrypted) {
  const DvipaView* dv = s.find_dvipa(d.dst, true);
  if (dv || s.is_local_v6(d.dst))
    if (auto v = ipsec_inbound(s, d, dv, port, decrypted)) return *v;
  if (dv) return classify_dvipa(s, *dv, d);
  if (s.is_local_v6(d.dst)) return is_tunnel(d) ? Verdict{Action::kDecap} : punt();
  if (is_nd_multicast(d.dst)) return punt();
  if (d.dst[0] == 0xff || (d.dst[0] == 0xfe && (d.dst[1] & 0xc0) == 0x80)) return drop(Drop::kNotForUs);
  uint32_t nh = 0;
  if (!s.fib6 || rte_lpm6_lookup(s.fib6, d.dst, &nh) != 0) return drop(Drop::kNoRoute);
  return route_hop(s, nh, d.ttl);
}

// Promiscuous ports (af_packet, tap) also see unicast frames meant for other hosts on the segment;
// those are not ours to route or deliver, or a flooded frame would be handled twice.
bool for_this_port(const PacketDesc& d, const uint8_t* f, const PortView& p) {
  return (d.flags & (kFlagBroadcastMac | kFlagMulticastMac)) || std::memcmp(f, p.mac.data(), 6) == 0;
}

Verdict classify(const Snapshot& s, const PacketDesc& d, const uint8_t* f, uint16_t port, bool decrypted = false) {
  if (d.l3 == L3::kArp) return punt();
  if (!decrypted && !for_this_port(d, f, s.ports[port])) return drop(Drop::kNotForUs);
  switch (d.l3) {
    case L3::kIpv4: return classify_v4(s, d, port, decrypted);
    case L3::kIpv6: return classify_v6(s, d, port, decrypted);
    default: return drop(Drop::kUnsupportedEthertype);
  }
}

// Rewrites the frame for the next hop: MACs, TTL / hop limit (IPv4 checksum patched incrementally).
void rewrite_for_next_hop(uint8_t* f, const PacketDesc& d, const NextHop& nh, const PortView& out) {
  std::memcpy(f, nh.dst_mac.data(), 6);
  std::memcpy(f + 6, out.mac.data(), 6);
  if (d.l3 == L3::kIpv4)
    ipv4_decrement_ttl(f + d.l3_off);
  else
    f[d.l3_off + 7] -= 1;
}

// The AEAD reads (and writes) every line of a packet it protects or opens. Lines a NIC (or another
// core) wrote arrive from the shared cache or memory; the hardware's streamer follows one packet
// but not the jump to the next one, so while one packet is sealed or opened the next one's lines
// are fetched (cross-core, AES-GCM at 1400 bytes: decrypt ~+25%, encrypt ~+8%).
void prefetch_payload(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  for (uint32_t off = 64; off < rte_pktmbuf_data_len(m); off += 64) rte_prefetch0(p + off);
}

bool is_crypto(Action a) { return a == Action::kEspIn || a == Action::kProtect; }

// Routed traffic passes the outbound policy as ROUTED: a DENY (or the implicit discard) drops it,
// a PROTECT sends it through the rule's SA, a PERMIT leaves it kForward.
Verdict with_outbound_policy(const Snapshot& s, Verdict v, const PacketDesc& d) {
  if (v.action != Action::kForward || !spd_enabled(s)) return v;
  OutboundPolicy pol = spd_outbound(s, d, true);
  if (pol.drop != Drop::kNone) return drop(pol.drop);
  if (pol.sa) v.action = Action::kProtect, v.sa = pol.sa;
  return v;
}

}  // namespace

void Engine::discard(unsigned slot, rte_mbuf* m, Drop why) {
  slots_[slot].counters.drop(why);
  rte_pktmbuf_free(m);
}

// Passes over a burst. The first parses and classifies every packet (and its outbound policy),
// hashing the keys of those to distribute and prefetching their first-choice bucket of
// signatures; by its end those lines have arrived, so the second prefetches the matching entries
// of all of them at once (and, for the few keys not in their first bucket, the second bucket's);
// then each packet is handled in order, the next one's payload prefetched when it is to be sealed
// or opened. A burst's misses overlap instead of being paid one by one (bench/run steering, a
// million connections: ~330 cycles a packet with a sliding window of 4-8 packets ahead, ~283 with
// these stages).
void Engine::process_burst(unsigned slot, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts, uint16_t n) {
  WorkerSlot& ws = slots_[slot];
  WorkerCounters& c = ws.counters;
  PacketDesc d[kBurst];
  Verdict v[kBurst];
  conn::ConnKey keys[kBurst];
  conn::ConnHash hashes[kBurst];
  uint16_t ndist = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + 2 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void*));
    rte_mbuf* m = pkts[i];
    m->port = ports_[in_port].port_id;  // not every PMD sets it; control needs the ingress port
    const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
    c.rx_bytes += m->pkt_len;
    bool csum_ok = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    Drop why = parse_frame(f, rte_pktmbuf_data_len(m), d[i], !csum_ok);
    v[i] = why == Drop::kNone ? with_outbound_policy(s, classify(s, d[i], f, in_port), d[i]) : drop(why);
    if (v[i].action == Action::kDistribute && ws.conns) {
      keys[i] = conn::make_key(d[i].src, d[i].dst, d[i].l3 == L3::kIpv6, d[i].sport, d[i].dport, kProtoTcp);
      hashes[i] = ws.conns->hash(keys[i]);
      ws.conns->prefetch(hashes[i]);
      ++ndist;
    }
  }
  if (ndist) {
    uint16_t second[kBurst], nsecond = 0;
    for (uint16_t i = 0; i < n; ++i)
      if (v[i].action == Action::kDistribute && !ws.conns->prefetch_entries(hashes[i])) second[nsecond++] = i;
    for (uint16_t k = 0; k < nsecond; ++k) ws.conns->prefetch_second_entries(hashes[second[k]]);
  }
  for (uint16_t k = 0; k < n; ++k) {
    if (k + 1 < n && is_crypto(v[k + 1].action)) prefetch_payload(pkts[k + 1]);
    act(slot, s, v[k], pkts[k], d[k], keys[k], hashes[k]);
  }
}

void Engine::act(unsigned slot, const Snapshot& s, const Verdict& v, rte_mbuf* m, const PacketDesc& d,
                 const conn::ConnKey& key, const conn::ConnHash& h) {
  WorkerSlot& ws = slots_[slot];
  WorkerCounters& c = ws.counters;
  switch (v.action) {
    case Action::kForward: {
      const NextHop& nh = s.next_hops[v.next_hop];
      // Decrypted traffic crosses only a segment the profile trusts (PORT TRUSTED) in clear.
      if ((d.flags & kFlagDecrypted) && !s.trusted[nh.port]) return discard(slot, m, Drop::kUntrustedSegment);
      rewrite_for_next_hop(rte_pktmbuf_mtod(m, uint8_t*), d, nh, s.ports[nh.port]);
      ++c.forwarded;
      c.tx_pkts += rte_eth_tx_buffer(ports_[nh.port].port_id, uint16_t(slot), ws.txbuf[nh.port], m);
      return;
    }
    case Action::kProtect: return esp_out(slot, s, *v.sa, m, d, true);
    case Action::kEspIn: return esp_in(slot, s, m, d);
    case Action::kDistribute:
      if (!ws.conns) return discard(slot, m, Drop::kNoReadyTarget);
      return distribute(slot, s, *v.dvipa, v.service, m, d, key, h);
    case Action::kLocal: return deliver_local(slot, m);
    case Action::kDecap: return decapsulate(slot, s, m, d);
    case Action::kPunt:
      if (rte_ring_mp_enqueue(punt_, m) == 0)
        ++c.punted;
      else
        discard(slot, m, Drop::kPuntRingFull);
      return;
    case Action::kDrop: return discard(slot, m, v.reason);
  }
}

// What the local kernel sends: out of the TAP's port as the kernel framed it (it resolved the
// next hop itself over the same segment), with the SYN-ACK MSS of connections that reach this
// target encapsulated clamped by the encapsulation overhead (ADJUSTDVIPAMSS).
void Engine::process_local(unsigned slot, const Snapshot& s, rte_mbuf** pkts, uint16_t n) {
  WorkerSlot& ws = slots_[slot];
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    ++ws.counters.from_local;
    uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
    PacketDesc d;
    bool ip = parse_frame(f, rte_pktmbuf_data_len(m), d, false) == Drop::kNone && d.l3 != L3::kArp && d.l3 != L3::kNone;
    if (ip && s.adjust_mss && d.l4_proto == kProtoTcp && (d.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck) &&
        !(d.flags & kFlagFragment)) {
      const DvipaView* dv = s.find_dvipa(d.src, d.l3 == L3::kIpv6);
      if (dv && (dv->roles & kDvipaTarget)) {
        bool v6 = d.l3 == L3::kIpv6;
        uint16_t max = encap::mss_for(s.ports[local_bound_].mtu, v6 ? encap::kIp6Ip6Overhead : encap::kGre4Overhead, v6);
        if (encap::clamp_mss(f + d.l4_off, uint32_t(d.l3_off + d.l3_len - d.l4_off), max)) ++ws.counters.mss_clamped;
      }
    }
    if (ip && spd_enabled(s)) {  // the node's own traffic passes the outbound policy as LOCAL
      OutboundPolicy pol = spd_outbound(s, d, false);
      if (pol.drop != Drop::kNone) {
        discard(slot, m, pol.drop);
        continue;
      }
      if (pol.sa) {
        esp_out(slot, s, *pol.sa, m, d, false);
        continue;
      }
    }
    ++ws.counters.forwarded;
    ws.counters.tx_pkts += rte_eth_tx_buffer(ports_[local_bound_].port_id, uint16_t(slot), ws.txbuf[local_bound_], m);
  }
}

// A packet decrypted by an inbound SA: parsed again, checked against the policy (a PROTECT rule
// naming that SA must admit it) and handled as if it had arrived in clear.
void Engine::after_decrypt(unsigned slot, const Snapshot& s, rte_mbuf* m, uint32_t sa_id) {
  PacketDesc d;
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  if (parse_frame(f, rte_pktmbuf_data_len(m), d, true) != Drop::kNone || d.l3 == L3::kArp) return discard(slot, m, Drop::kBadInner);
  if (Drop why = spd_decrypted(s, d, sa_id); why != Drop::kNone) return discard(slot, m, why);
  d.flags |= kFlagDecrypted;
  Verdict v = with_outbound_policy(s, classify(s, d, f, 0, true), d);
  WorkerSlot& ws = slots_[slot];
  conn::ConnKey key{};
  conn::ConnHash h{};
  if (v.action == Action::kDistribute && ws.conns) {
    key = conn::make_key(d.src, d.dst, d.l3 == L3::kIpv6, d.sport, d.dport, kProtoTcp);
    h = ws.conns->hash(key);
  }
  act(slot, s, v, m, d, key, h);
}

void Engine::send_for_control(const EnginePort& p) {
  rte_mbuf* pkts[kBurst];
  unsigned n = rte_ring_sc_dequeue_burst(p.control_ring, reinterpret_cast<void**>(pkts), kBurst, nullptr);
  if (n == 0) return;
  WorkerCounters& c = slots_[0].counters;
  uint16_t sent = rte_eth_tx_burst(p.port_id, 0, pkts, uint16_t(n));
  c.tx_pkts += sent;
  if (sent < n) {
    c.control_tx_dropped += n - sent;
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
}

void Engine::flush(unsigned slot) {
  WorkerSlot& ws = slots_[slot];
  for (size_t p = 0; p < ports_.size(); ++p) {
    uint16_t sent = rte_eth_tx_buffer_flush(ports_[p].port_id, uint16_t(slot), ws.txbuf[p]);
    ws.counters.tx_pkts += sent;
  }
  if (local_port_ != kNoQueue) rte_eth_tx_buffer_flush(local_port_, uint16_t(slot), ws.local_txbuf);
}

unsigned Engine::poll(unsigned slot) {
  WorkerSlot& ws = slots_[slot];
  const Snapshot* s = snap_.load(std::memory_order_acquire);
  uint64_t now = rte_rdtsc();
  ws.now_ms = clock_ms_ ? uint32_t(clock_ms_()) : uint32_t((now - start_tsc_) / tsc_per_ms_);
  ws.now_ns = clock_ms_ ? clock_ms_() * 1000000ull : uint64_t(double(now - start_tsc_) * ns_per_tsc_);
  unsigned total = 0;
  rte_mbuf* pkts[kBurst];
  for (uint16_t pi = 0; pi < ports_.size(); ++pi) {
    const EnginePort& p = ports_[pi];
    for (uint16_t q = uint16_t(slot); q < p.rx_queues; q = uint16_t(q + workers_)) {
      uint16_t n = rte_eth_rx_burst(p.port_id, q, pkts, kBurst);
      if (n == 0) continue;
      ws.counters.rx_pkts += n;
      process_burst(slot, *s, pi, pkts, n);
      total += n;
    }
    if (slot == 0 && p.control_ring) send_for_control(p);
  }
  if (local_port_ != kNoQueue) {
    uint16_t n = rte_eth_rx_burst(local_port_, uint16_t(slot), pkts, kBurst);
    if (n) process_local(slot, *s, pkts, n);
    total += n;
  }
  if (ws.conns) {
    run_commands(slot, *s);
    ws.sweep_credit += uint64_t(ws.conns->buckets()) * uint32_t(ws.now_ms - ws.last_sweep_ms);
    ws.last_sweep_ms = ws.now_ms;
    if (uint64_t buckets = ws.sweep_credit / kSweepPeriodMs) {
      ws.sweep_credit -= buckets * kSweepPeriodMs;
      age_connections(slot, *s, uint32_t(std::min<uint64_t>(buckets, ws.conns->buckets())));
    }
  }
  ++ws.counters.loops;
  if (total) ++ws.counters.busy_loops;
  if (total == 0 || now - ws.last_drain_tsc >= drain_tsc_) {
    flush(slot);
    ws.last_drain_tsc = now;
  }
  return total;
}

void Engine::run_worker(unsigned slot, const std::atomic<bool>& stop) {
  rte_rcu_qsbr_thread_online(qsbr_, slot);
  while (!stop.load(std::memory_order_relaxed)) {
    poll(slot);
    rte_rcu_qsbr_quiescent(qsbr_, slot);
  }
  flush(slot);
  rte_rcu_qsbr_thread_offline(qsbr_, slot);
}

unsigned Engine::poll_once_quiescent(unsigned slot) {
  rte_rcu_qsbr_thread_online(qsbr_, slot);
  unsigned n = poll(slot);
  flush(slot);
  rte_rcu_qsbr_quiescent(qsbr_, slot);
  rte_rcu_qsbr_thread_offline(qsbr_, slot);
  return n;
}

}  // namespace sysplex::dp
