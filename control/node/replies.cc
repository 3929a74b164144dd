#include "control/node/replies.h"

#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/parse/parse.h"

namespace sysplex::node {

using dp::PacketDesc;

namespace {

constexpr uint8_t kIcmpEchoRequest = 8, kIcmpEchoReply = 0;
constexpr uint8_t kIcmp6EchoRequest = 128, kIcmp6EchoReply = 129;
constexpr uint8_t kNdSolicit = 135, kNdAdvert = 136;

void swap_macs(uint8_t* f, const Mac* our) {
  uint8_t tmp[6];
  std::memcpy(tmp, f + 6, 6);
  std::memcpy(f + 6, our ? our->data() : f, 6);
  std::memcpy(f, tmp, 6);
}

void set_icmp6_checksum(uint8_t* f, const PacketDesc& d, uint32_t l4_len) {
  uint8_t* l4 = f + d.l4_off;
  dp::store_be16(l4 + 2, 0);
  dp::store_be16(l4 + 2, dp::l4_checksum_v6(f + d.l3_off + 8, f + d.l3_off + 24, dp::kProtoIcmpv6, l4, l4_len));
}

// A neighbour solicitation or advertisement from `source` to `dest` (and `dest_mac`), hop limit
// 255: ICMPv6 `type` with `flags`, `target`, and one link-layer address option (`option`: 1
// source, 2 target) carrying our MAC; checksummed.
rte_mbuf* build_nd(rte_mempool* pool, const Mac& our_mac, const uint8_t* dest_mac, const uint8_t* source,
                   const uint8_t* dest, uint8_t type, uint32_t flags, const uint8_t* target, uint8_t option) {
  constexpr uint16_t kL4 = 32;
  uint8_t* f = nullptr;
  rte_mbuf* m = new_frame(pool, 14 + 40 + kL4, &f);
  if (!m) return nullptr;
  std::memcpy(f, dest_mac, 6);
  std::memcpy(f + 6, our_mac.data(), 6);
  dp::store_be16(f + 12, dp::kEtherIpv6);
  uint8_t* ip = f + 14;
  ip[0] = 0x60;
  dp::store_be16(ip + 4, kL4);
  ip[6] = dp::kProtoIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, source, 16);
  std::memcpy(ip + 24, dest, 16);
  uint8_t* l4 = ip + 40;
  l4[0] = type;
  dp::store_be32(l4 + 4, flags);
  std::memcpy(l4 + 8, target, 16);
  l4[24] = option;
  l4[25] = 1;
  std::memcpy(l4 + 26, our_mac.data(), 6);
  dp::store_be16(l4 + 2, dp::l4_checksum_v6(ip + 8, ip + 24, dp::kProtoIcmpv6, l4, kL4));
  return m;
}

}  // namespace

rte_mbuf* new_frame(rte_mempool* pool, uint16_t len, uint8_t** f) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return nullptr;
  *f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
  if (!*f) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(*f, 0, len);
  return m;
}

void arp_request_to_reply(rte_mbuf* m, const PacketDesc& d, const Mac& our_mac) {
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* a = f + d.l3_off;
  swap_macs(f, &our_mac);
  dp::store_be16(a + 6, 2);                  // reply
  uint8_t sha[6], spa[4];
  std::memcpy(sha, a + 8, 6);
  std::memcpy(spa, a + 14, 4);
  std::memcpy(a + 8, our_mac.data(), 6);     // sender = us, for the address asked about
  std::memcpy(a + 14, a + 24, 4);
  std::memcpy(a + 18, sha, 6);               // target = the asker
  std::memcpy(a + 24, spa, 4);
}

void echo_request_to_reply(rte_mbuf* m, const PacketDesc& d) {
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* ip = f + d.l3_off;
  uint8_t* l4 = f + d.l4_off;
  swap_macs(f, nullptr);
  if (d.l3 == dp::L3::kIpv4) {
    uint8_t tmp[4];
    std::memcpy(tmp, ip + 12, 4);
    std::memcpy(ip + 12, ip + 16, 4);
    std::memcpy(ip + 16, tmp, 4);
    ip[8] = 64;
    dp::store_be16(ip + 10, 0);
    dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, uint32_t(d.l4_off - d.l3_off)));
    l4[0] = kIcmpEchoReply;
    dp::store_be16(l4 + 2, dp::csum_update16(dp::load_be16(l4 + 2), kIcmpEchoRequest << 8, kIcmpEchoReply << 8));
  } else {
    uint8_t tmp[16];
    std::memcpy(tmp, ip + 8, 16);
    std::memcpy(ip + 8, ip + 24, 16);
    std::memcpy(ip + 24, tmp, 16);
    ip[7] = 64;
    l4[0] = kIcmp6EchoReply;
    set_icmp6_checksum(f, d, uint32_t(d.l3_off + d.l3_len - d.l4_off));
  }
  (void)kIcmp6EchoRequest;
}

bool nd_target(const uint8_t* f, uint32_t len, const PacketDesc& d, uint8_t* target, Mac* lladdr) {
  uint32_t end = std::min<uint32_t>(len, d.l3_off + d.l3_len);
  if (uint32_t(d.l4_off) + 24 > end) return false;
  std::memcpy(target, f + d.l4_off + 8, 16);
  for (uint32_t o = d.l4_off + 24; lladdr && o + 8 <= end;) {  // options: type, length in 8-byte units
    uint32_t olen = uint32_t(f[o + 1]) * 8;
    if (olen == 0) return false;
    if (f[o] == 1 || f[o] == 2) std::memcpy(lladdr->data(), f + o + 2, 6);
    o += olen;
  }
  return true;
}

bool ns_to_na(rte_mbuf* m, const PacketDesc& d, const Mac& our_mac) {
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t target[16];
  if (!nd_target(f, rte_pktmbuf_data_len(m), d, target, nullptr)) return false;
  uint8_t* ip = f + d.l3_off;
  uint8_t* l4 = f + d.l4_off;
  swap_macs(f, &our_mac);
  std::memcpy(ip + 24, ip + 8, 16);   // to the solicitor
  std::memcpy(ip + 8, target, 16);    // from the address solicited
  ip[7] = 255;
  l4[0] = kNdAdvert;
  l4[1] = 0;
  dp::store_be32(l4 + 4, 0x60000000u);  // Solicited | Override
  uint32_t l4_len = 24 + 8;             // header + target, then our target link-layer option
  l4[24] = 2;
  l4[25] = 1;
  std::memcpy(l4 + 26, our_mac.data(), 6);
  dp::store_be16(ip + 4, uint16_t(l4_len));
  uint32_t frame_len = d.l4_off + l4_len;
  rte_pktmbuf_data_len(m) = uint16_t(frame_len);
  m->pkt_len = frame_len;
  PacketDesc nd = d;
  set_icmp6_checksum(f, nd, l4_len);
  return true;
}

rte_mbuf* build_arp_request(rte_mempool* pool, const Mac& our_mac, uint32_t sender_be, uint32_t target_be,
                            uint16_t vlan) {
  uint16_t hdr = vlan ? 18 : 14;
  uint8_t* f = nullptr;
  rte_mbuf* m = new_frame(pool, uint16_t(hdr + 28), &f);
  if (!m) return nullptr;
  std::memset(f, 0xff, 6);
  std::memcpy(f + 6, our_mac.data(), 6);
  if (vlan) {
    dp::store_be16(f + 12, dp::kEtherVlan);
    dp::store_be16(f + 14, vlan);
  }
  uint8_t* a = f + hdr;
  dp::store_be16(a - 2, dp::kEtherArp);
  static constexpr uint8_t kArpHdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
  std::memcpy(a, kArpHdr, 8);
  std::memcpy(a + 8, our_mac.data(), 6);
  std::memcpy(a + 14, &sender_be, 4);
  std::memcpy(a + 24, &target_be, 4);
  return m;
}

rte_mbuf* build_gratuitous_arp(rte_mempool* pool, const Mac& our_mac, uint32_t addr_be) {
  return build_arp_request(pool, our_mac, addr_be, addr_be, 0);
}

rte_mbuf* build_unsolicited_na(rte_mempool* pool, const Mac& our_mac, const uint8_t* addr) {
  static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr uint8_t kAllNodesMac[6] = {0x33, 0x33, 0, 0, 0, 1};
  return build_nd(pool, our_mac, kAllNodesMac, addr, kAllNodes, kNdAdvert, 0x20000000u /* Override */, addr, 2);
}

rte_mbuf* build_ns(rte_mempool* pool, const Mac& our_mac, const uint8_t* source, const uint8_t* target) {
  const uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, target[13], target[14], target[15]};
  const uint8_t mcast_mac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
  return build_nd(pool, our_mac, mcast_mac, source, group, kNdSolicit, 0, target, 1);
}

}  // namespace sysplex::node
