// The worker's ESP stages: inbound ESP to this node (the distributor's one authoritative replay
// window), decrypted in place and handled as the inner packet; outbound protection of what the
// policy says to protect (replies a target sends with its shadow SA, forwarded traffic), routed
// by the outer destination. In place on the mbuf; no allocation.
#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/engine/engine.h"
#include "dataplane/engine/ipsec.h"
#include "dataplane/esp/esp.h"
#include "dataplane/esp/sad.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp {

namespace {

esp::PktBuf pkt_buf(rte_mbuf* m, uint16_t l3_off, uint32_t l3_len) {
  return esp::PktBuf{static_cast<uint8_t*>(m->buf_addr), m->buf_len, uint32_t(m->data_off + l3_off), l3_len};
}

// Points the mbuf at `len` bytes starting `at` bytes into its buffer.
void set_span(rte_mbuf* m, uint32_t at, uint32_t len) {
  m->data_off = uint16_t(at);
  m->data_len = uint16_t(len);
  m->pkt_len = len;
}

// The next hop of an outer destination by the FIB; nullptr when there is none or it is unresolved.
const NextHop* route(const Snapshot& s, const uint8_t* dst, bool v6) {
  uint32_t nh = 0;
  int rc = v6 ? (s.fib6 ? rte_lpm6_lookup(s.fib6, dst, &nh) : -1)
              : (s.fib4 ? rte_lpm_lookup(s.fib4, load_be32(dst), &nh) : -1);
  if (rc != 0 || nh >= s.next_hops.size() || !s.next_hops[nh].resolved) return nullptr;
  return &s.next_hops[nh];
}

}  // namespace

void Engine::esp_in(unsigned slot, const Snapshot& s, rte_mbuf* m, const PacketDesc& d) {
  bool v6 = d.l3 == L3::kIpv6;
  uint32_t id = s.sad ? s.sad->find(d.spi, d.dst, v6) : esp::kNoSaId;
  if (id >= s.sas.size() || !s.sas[id]) return discard(slot, m, Drop::kEspNoSa);
  uint32_t tail = rte_pktmbuf_pkt_len(m) - (d.l3_off + d.l3_len);  // Ethernet padding goes
  if (tail) rte_pktmbuf_trim(m, uint16_t(tail));
  maybe_capture(m, d.spi);
  esp::PktBuf pb = pkt_buf(m, d.l3_off, d.l3_len);
  esp::EspStatus st = esp::esp_decrypt(*s.sas[id], slot, pb, esp::esp_input(d), slots_[slot].now_ns);
  if (!st.ok()) return discard(slot, m, Drop::kEspFailed);  // the SA's counters say why
  // The Ethernet header (and VLAN tag) moves up to sit right before the inner packet.
  auto* buf = static_cast<uint8_t*>(m->buf_addr);
  uint32_t start = pb.off - d.l3_off;
  std::memmove(buf + start, buf + m->data_off, d.l3_off);
  store_be16(buf + start + d.l3_off - 2, (buf[pb.off] >> 4) == 6 ? kEtherIpv6 : kEtherIpv4);
  set_span(m, start, d.l3_off + pb.len);
  after_decrypt(slot, s, m, id);
}

void Engine::esp_out(unsigned slot, const Snapshot& s, esp::SaRuntime& sa, rte_mbuf* m, const PacketDesc& d,
                     bool routed) {
  WorkerSlot& ws = slots_[slot];
  uint32_t tail = rte_pktmbuf_pkt_len(m) - (d.l3_off + d.l3_len);
  if (tail) rte_pktmbuf_trim(m, uint16_t(tail));
  if (routed) {  // as a router would: one hop less before protection
    if (d.ttl <= 1) return discard(slot, m, Drop::kTtlExpired);
    uint8_t* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, d.l3_off);
    if (d.l3 == L3::kIpv4)
      ipv4_decrement_ttl(ip);
    else
      ip[7] -= 1;
  }
  esp::PktBuf pb = pkt_buf(m, d.l3_off, d.l3_len);
  esp::EspStatus st = esp::esp_encrypt(sa, slot, pb, ws.now_ns);
  if (!st.ok()) return discard(slot, m, Drop::kEspFailed);
  auto* buf = static_cast<uint8_t*>(m->buf_addr);
  // Routed by what the SA says, not by reading back the header esp_encrypt has just written: the
  // tunnel's outer destination is the SA's remote end, transport keeps the packet's destination.
  const bool v6 = sa.v6;
  const NextHop* nh = route(s, sa.mode == esp::EspMode::kTunnel ? sa.remote : d.dst, v6);
  if (!nh) return discard(slot, m, Drop::kNoNeighbor);
  if (pb.off < kEthHdrLen) return discard(slot, m, Drop::kNoHeadroom);
  uint8_t* f = buf + pb.off - kEthHdrLen;
  std::memcpy(f, nh->dst_mac.data(), 6);
  std::memcpy(f + 6, s.ports[nh->port].mac.data(), 6);
  store_be16(f + 12, v6 ? kEtherIpv6 : kEtherIpv4);
  set_span(m, pb.off - kEthHdrLen, kEthHdrLen + pb.len);
  maybe_capture(m, sa.spi);
  ++ws.counters.forwarded;
  ws.counters.tx_pkts += rte_eth_tx_buffer(ports_[nh->port].port_id, uint16_t(slot), ws.txbuf[nh->port], m);
}

}  // namespace sysplex::dp
