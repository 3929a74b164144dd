// Packets the workers hand back: too big for a target's encapsulated path. As a router would, the
// distributor answers ICMP "fragmentation needed" (IPv4 with DF) or "packet too big" (IPv6) so the
// client lowers its path MTU, and fragments IPv4 packets without DF itself before encapsulating
// each fragment (the target's kernel reassembles them).
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "control/node/node.h"
#include "control/node/replies.h"
#include "dataplane/parse/parse.h"

namespace sysplex::node {

namespace {

constexpr uint16_t kIpv6MinMtu = 1280;

// ICMP type 3 code 4 (RFC 1191) quoting the offending header and 8 bytes of its payload.
rte_mbuf* icmp4_too_big(rte_mempool* pool, const uint8_t* in, const dp::PacketDesc& d, uint16_t mtu) {
  uint32_t ihl = uint32_t(d.l4_off - d.l3_off);
  uint16_t quote = uint16_t(std::min<uint32_t>(ihl + 8, d.l3_len));
  uint8_t* f;
  rte_mbuf* m = new_frame(pool, uint16_t(14 + 20 + 8 + quote), &f);
  if (!m) return nullptr;
  std::memcpy(f, in + 6, 6);
  std::memcpy(f + 6, in, 6);
  dp::store_be16(f + 12, dp::kEtherIpv4);
  uint8_t* ip = f + 14;
  const uint8_t* orig = in + d.l3_off;
  ip[0] = 0x45;
  dp::store_be16(ip + 2, uint16_t(20 + 8 + quote));
  ip[8] = 64;
  ip[9] = dp::kProtoIcmp;
  std::memcpy(ip + 12, orig + 16, 4);  // from the DVIPA the client was sending to
  std::memcpy(ip + 16, orig + 12, 4);
  dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, 20));
  uint8_t* icmp = ip + 20;
  icmp[0] = 3;
  icmp[1] = 4;
  dp::store_be16(icmp + 6, mtu);
  std::memcpy(icmp + 8, orig, quote);
  dp::store_be16(icmp + 2, dp::inet_checksum(icmp, 8u + quote));
  return m;
}

// ICMPv6 type 2 (RFC 4443) quoting as much of the packet as fits in the minimum MTU.
rte_mbuf* icmp6_too_big(rte_mempool* pool, const uint8_t* in, const dp::PacketDesc& d, uint16_t mtu) {
  uint16_t quote = uint16_t(std::min<uint32_t>(d.l3_len, kIpv6MinMtu - 40 - 8));
  uint8_t* f;
  rte_mbuf* m = new_frame(pool, uint16_t(14 + 40 + 8 + quote), &f);
  if (!m) return nullptr;
  std::memcpy(f, in + 6, 6);
  std::memcpy(f + 6, in, 6);
  dp::store_be16(f + 12, dp::kEtherIpv6);
  uint8_t* ip = f + 14;
  const uint8_t* orig = in + d.l3_off;
  ip[0] = 0x60;
  dp::store_be16(ip + 4, uint16_t(8 + quote));
  ip[6] = dp::kProtoIcmpv6;
  ip[7] = 64;
  std::memcpy(ip + 8, orig + 24, 16);
  std::memcpy(ip + 24, orig + 8, 16);
  uint8_t* icmp = ip + 40;
  icmp[0] = 2;
  dp::store_be32(icmp + 4, mtu);
  std::memcpy(icmp + 8, orig, quote);
  dp::store_be16(icmp + 2, dp::l4_checksum_v6(ip + 8, ip + 24, dp::kProtoIcmpv6, icmp, 8u + quote));
  return m;
}

}  // namespace

void Node::handle_exceptions() {
  dp::Exception ex[dp::kBurst];
  while (unsigned n = engine_->take_exceptions(ex, dp::kBurst))
    for (unsigned i = 0; i < n; ++i) {
      too_big(ex[i]);
      rte_pktmbuf_free(ex[i].m);
    }
}

void Node::too_big(const dp::Exception& e) {
  const uint8_t* f = rte_pktmbuf_mtod(e.m, const uint8_t*);
  dp::PacketDesc d;
  int port = ingress_index(e.m->port);
  if (port < 0 || dp::parse_frame(f, rte_pktmbuf_data_len(e.m), d, false) != dp::Drop::kNone) {
    ++cc_.control_drops;
    return;
  }
  bool df = d.l3 == dp::L3::kIpv4 && (dp::load_be16(f + d.l3_off + 6) & 0x4000);
  if (d.l3 == dp::L3::kIpv4 && !df) {
    const dp::Snapshot* s = engine_->snapshot();
    if (s && e.target < s->targets.size() && s->targets[e.target].kind == dp::TargetKind::kRouted) {
      uint32_t sent = 0;
      const dp::TargetView& tv = s->targets[e.target];
      // Fragments of the inner packet, each encapsulated; offsets in 8-byte units (RFC 791).
      uint32_t ihl = uint32_t(d.l4_off - d.l3_off), data = d.l3_len - ihl;
      uint32_t step = (uint32_t(e.mtu) - ihl) & ~7u;
      const uint8_t* ip = f + d.l3_off;
      uint16_t base_off = uint16_t((dp::load_be16(ip + 6) & 0x1fff) * 8);
      bool more_after = dp::load_be16(ip + 6) & 0x2000;
      for (uint32_t off = 0; step >= 8 && off < data; off += step) {
        uint32_t chunk = std::min(step, data - off);
        uint8_t* nf;
        uint16_t inner = uint16_t(ihl + chunk);
        rte_mbuf* m = new_frame(engine_->pool(), uint16_t(14 + tv.outer.len + inner), &nf);
        if (!m) break;
        std::memcpy(nf, tv.dst_mac.data(), 6);
        std::memcpy(nf + 6, engine_->ports()[tv.port].mac.data(), 6);
        dp::store_be16(nf + 12, dp::kEtherIpv4);
        encap::write_outer(nf + 14, tv.outer, inner);
        dp::store_be32(nf + 14 + 24, e.epoch);
        uint8_t* in = nf + 14 + tv.outer.len;
        std::memcpy(in, ip, ihl);
        std::memcpy(in + ihl, ip + ihl + off, chunk);
        bool more = more_after || off + chunk < data;
        dp::store_be16(in + 2, inner);
        dp::store_be16(in + 6, uint16_t((more ? 0x2000 : 0) | ((base_off + off) / 8)));
        in[8] = uint8_t(in[8] - 1);
        dp::store_be16(in + 10, 0);
        dp::store_be16(in + 10, dp::ipv4_header_checksum(in, ihl));
        sent += engine_->control_tx(tv.port, &m, 1);
      }
      if (sent) ++cc_.fragmented;
      return;
    }
  }
  rte_mbuf* reply = d.l3 == dp::L3::kIpv4 ? icmp4_too_big(engine_->pool(), f, d, e.mtu)
                                          : icmp6_too_big(engine_->pool(), f, d, e.mtu);
  if (reply && engine_->control_tx(size_t(port), &reply, 1) == 1) ++cc_.too_big_sent;
}

}  // namespace sysplex::node
