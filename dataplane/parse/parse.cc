// The layered parser and the pseudo-header checksums declared in parse.h. Every read is preceded by
// a length check against the bytes the current layer owns; nothing here allocates or throws.
#include "dataplane/parse/parse.h"

#include <algorithm>

namespace sysplex::dp {
namespace {

constexpr uint8_t kIpOptEol = 0;
constexpr uint8_t kIpOptNop = 1;
constexpr uint16_t kIpv4MoreFragments = 0x2000;
constexpr uint16_t kIpv4OffsetMask = 0x1fff;
constexpr uint16_t kIpv6OffsetMask = 0xfff8;
constexpr uint16_t kIpv6MoreFragments = 0x0001;
constexpr uint16_t kGreChecksum = 0x8000, kGreKey = 0x2000, kGreSeq = 0x1000;
// RFC 2784: bits 1 and 4-5 (RFC 1701 routing, strict route, recursion) must be zero; RFC 2890
// gave bits 2-3 to key and sequence. Bits 6-12 are ignored on receipt.
constexpr uint16_t kGreMustBeZero = 0x4c00;
constexpr uint16_t kGreVersionMask = 0x0007;
constexpr uint8_t kNatKeepaliveByte = 0xff;

// Bytes from off to the end of the frame, 0 when off is already past it.
constexpr uint32_t room(uint32_t len, uint32_t off) { return len > off ? len - off : 0; }

constexpr bool is_broadcast(const uint8_t* mac) {
  return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

// Options are TLVs except EOL (ends the list; the rest is padding) and NOP (one byte).
bool ipv4_options_ok(const uint8_t* o, uint32_t n) {
  for (uint32_t i = 0; i < n;) {
    if (o[i] == kIpOptEol) return true;
    if (o[i] == kIpOptNop) {
      ++i;
      continue;
    }
    if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i) return false;
    i += o[i + 1];
  }
  return true;
}

void set_ipv4_fragment(uint16_t frag_field, PacketDesc& d) {
  if (!(frag_field & (kIpv4MoreFragments | kIpv4OffsetMask))) return;
  d.flags |= kFlagFragment;
  if (!(frag_field & kIpv4OffsetMask)) d.flags |= kFlagFirstFragment;
}

constexpr bool is_walked_ipv6_ext(uint8_t nh) {
  return nh == kProtoHopOpts || nh == kProtoRouting || nh == kProtoFragment || nh == kProtoDstOpts;
}

// Walks the extension headers of an IPv6 packet of `total` bytes (header included) at ip. Past a
// non-first fragment's header the bytes are the middle of the datagram, so the walk stops there.
Drop walk_ipv6_ext(const uint8_t* ip, uint32_t total, PacketDesc& d) {
  uint8_t nh = ip[6];
  uint32_t off = kIpv6HdrLen;
  for (uint32_t count = 0; is_walked_ipv6_ext(nh); ++count) {
    // Every walked header is at least 8 bytes; hop-by-hop is only allowed first (RFC 8200 4.1).
    if (count == kMaxIpv6ExtHeaders || (nh == kProtoHopOpts && count != 0) || total - off < 8)
      return Drop::kBadIpv6ExtHeader;
    const uint8_t* e = ip + off;
    d.flags |= kFlagIpOptions;
    if (nh == kProtoFragment) {
      const uint16_t frag = load_be16(e + 2);
      nh = e[0];
      off += 8;
      if (!(frag & (kIpv6OffsetMask | kIpv6MoreFragments))) continue;  // atomic fragment
      d.flags |= kFlagFragment;
      if (frag & kIpv6OffsetMask) break;
      d.flags |= kFlagFirstFragment;
      continue;
    }
    const uint32_t ext_len = (e[1] + 1u) * 8;
    if (ext_len > total - off) return Drop::kBadIpv6ExtHeader;
    nh = e[0];
    off += ext_len;
  }
  d.l4_proto = nh;
  d.l4_off = uint16_t(d.l3_off + off);
  return Drop::kNone;
}

// L4 helpers: p/n are the bytes from l4_off to the end of the IP packet (or of the fragment).

Drop parse_tcp(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n < kTcpHdrLen) return Drop::kTruncatedTcp;
  const uint32_t hdr_len = (p[12] >> 4) * 4u;
  if (hdr_len < kTcpHdrLen || hdr_len > n) return Drop::kBadTcpOffset;
  d.sport = load_be16(p);
  d.dport = load_be16(p + 2);
  d.tcp_flags = p[13];
  d.payload_off = uint16_t(d.l4_off + hdr_len);
  d.flags |= kFlagL4Valid;
  return Drop::kNone;
}

// RFC 3948 section 2: what follows UDP 4500 (p/n: the UDP payload) is a lone 0xff keepalive, the
// four-zero-byte marker in front of IKE, or ESP, whose SPI is never zero.
Drop classify_udp_4500(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n == 1 && p[0] == kNatKeepaliveByte) {
    d.flags |= kFlagNatKeepalive;
  } else if (n >= 4 && load_be32(p) == 0) {
    d.flags |= kFlagNonEspMarker;
  } else {
    if (n < kEspHdrLen) return Drop::kTruncatedEsp;
    d.spi = load_be32(p);
    d.esp_seq = load_be32(p + 4);
    d.payload_off = uint16_t(d.payload_off + kEspHdrLen);
    d.flags |= kFlagUdpEncapEsp;
  }
  return Drop::kNone;
}

// The UDP length must cover the header and fit the IP payload; bytes after it in the IP payload are
// allowed (Linux trims them; UDP options use them). In a first fragment the length is that of the
// whole datagram, so it must cover at least what this fragment carries.
Drop parse_udp(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n < kUdpHdrLen) return Drop::kTruncatedUdp;
  const uint32_t udp_len = load_be16(p + 4);
  const bool first_fragment = d.flags & kFlagFragment;  // parse_l4 stops before non-first ones
  if (udp_len < kUdpHdrLen || (first_fragment ? udp_len < n : udp_len > n))
    return Drop::kBadUdpLength;
  const uint16_t sport = load_be16(p), dport = load_be16(p + 2);
  d.payload_off = uint16_t(d.l4_off + kUdpHdrLen);
  if (sport == kNatTPort || dport == kNatTPort) {
    const uint32_t present = first_fragment ? n : udp_len;
    if (Drop r = classify_udp_4500(p + kUdpHdrLen, present - kUdpHdrLen, d); r != Drop::kNone)
      return r;
  }
  d.sport = sport;
  d.dport = dport;
  d.flags |= kFlagL4Valid;
  return Drop::kNone;
}

Drop parse_icmp(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n < kIcmpHdrLen) return Drop::kTruncatedIcmp;
  d.icmp_type = p[0];
  d.icmp_code = p[1];
  d.payload_off = uint16_t(d.l4_off + kIcmpHdrLen);
  d.flags |= kFlagL4Valid;
  return Drop::kNone;
}

// Checksum, key and sequence each add 4 bytes, in that order, when their bit is set. The GRE
// checksum is left to the decapsulating stage, which reads the inner packet anyway.
Drop parse_gre(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n < kGreHdrLen) return Drop::kTruncatedGre;
  const uint16_t bits = load_be16(p);
  if (bits & (kGreMustBeZero | kGreVersionMask)) return Drop::kBadGre;
  const uint32_t hdr_len =
      kGreHdrLen + 4u * std::popcount(uint16_t(bits & (kGreChecksum | kGreKey | kGreSeq)));
  if (hdr_len > n) return Drop::kTruncatedGre;
  d.gre_proto = load_be16(p + 2);
  if (bits & kGreKey) {
    d.gre_key = load_be32(p + kGreHdrLen + (bits & kGreChecksum ? 4 : 0));
    d.flags |= kFlagGreKey;
  }
  d.payload_off = uint16_t(d.l4_off + hdr_len);
  d.flags |= kFlagL4Valid;
  return Drop::kNone;
}

Drop parse_esp(const uint8_t* p, uint32_t n, PacketDesc& d) {
  if (n < kEspHdrLen) return Drop::kTruncatedEsp;
  d.spi = load_be32(p);
  d.esp_seq = load_be32(p + 4);
  d.payload_off = uint16_t(d.l4_off + kEspHdrLen);
  d.flags |= kFlagL4Valid;
  return Drop::kNone;
}

uint16_t pseudo_checksum(uint64_t pseudo_sum, const uint8_t* l4, uint32_t l4_len) {
  return uint16_t(~csum_fold(csum_add(pseudo_sum, l4, l4_len)));
}

}  // namespace

uint16_t l4_checksum_v4(const uint8_t* src, const uint8_t* dst, uint8_t proto, const uint8_t* l4,
                        uint32_t l4_len) noexcept {
  const uint64_t sum = csum_add(csum_add(0, src, 4), dst, 4) + proto + l4_len;
  return pseudo_checksum(sum, l4, l4_len);
}

uint16_t l4_checksum_v6(const uint8_t* src, const uint8_t* dst, uint8_t proto, const uint8_t* l4,
                        uint32_t l4_len) noexcept {
  // The 32-bit upper-layer length and the next header, as words of the pseudo-header, sum the same.
  const uint64_t sum = csum_add(csum_add(0, src, 16), dst, 16) + proto + l4_len;
  return pseudo_checksum(sum, l4, l4_len);
}

Drop parse_eth(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept {
  if (len < kEthHdrLen) [[unlikely]]
    return Drop::kTruncatedEth;
  if (f[0] & 1) d.flags |= is_broadcast(f) ? kFlagBroadcastMac : kFlagMulticastMac;
  uint16_t type = load_be16(f + 12);
  uint32_t off = kEthHdrLen;
  if (type == kEtherVlan) {
    if (len < kEthHdrLen + kVlanTagLen) [[unlikely]]
      return Drop::kTruncatedVlan;
    d.flags |= kFlagVlan;
    d.vlan = load_be16(f + 14) & 0x0fff;
    type = load_be16(f + 16);
    off += kVlanTagLen;
  }
  if (type == kEtherVlan || type == kEtherQinQ) [[unlikely]]
    return Drop::kStackedVlan;
  d.ethertype = type;
  d.l3_off = uint16_t(off);
  return Drop::kNone;
}

Drop parse_arp(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept {
  if (room(len, d.l3_off) < kArpLen) return Drop::kTruncatedArp;
  const uint8_t* a = f + d.l3_off;
  const uint16_t op = load_be16(a + 6);
  // htype Ethernet, ptype IPv4, 6-byte hardware and 4-byte protocol addresses; request or reply.
  if (load_be16(a) != 1 || load_be16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4 ||
      (op != 1 && op != 2))
    return Drop::kBadArp;
  d.l3 = L3::kArp;
  d.l3_len = kArpLen;
  d.arp_op = op;
  std::memcpy(d.src, a + 14, 4);
  std::memcpy(d.dst, a + 24, 4);
  return Drop::kNone;
}

Drop parse_ipv4(const uint8_t* f, uint32_t len, PacketDesc& d, bool verify_csum) noexcept {
  const uint32_t avail = room(len, d.l3_off);
  if (avail < kIpv4HdrLen) [[unlikely]]
    return Drop::kTruncatedIpv4;
  const uint8_t* ip = f + d.l3_off;
  if (ip[0] >> 4 != 4) [[unlikely]]
    return Drop::kBadIpv4Version;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  if (ihl < kIpv4HdrLen) [[unlikely]]
    return Drop::kBadIpv4Ihl;
  const uint32_t total = load_be16(ip + 2);
  if (ihl > avail) [[unlikely]]
    return Drop::kTruncatedIpv4;
  if (total < ihl) [[unlikely]]
    return Drop::kBadIpv4Length;
  if (total > avail) [[unlikely]]
    return Drop::kTruncatedIpv4;
  if (verify_csum && ipv4_header_checksum(ip, ihl) != 0) [[unlikely]]
    return Drop::kBadIpv4Checksum;
  if (ihl > kIpv4HdrLen) {
    if (!ipv4_options_ok(ip + kIpv4HdrLen, ihl - kIpv4HdrLen)) return Drop::kBadIpv4Options;
    d.flags |= kFlagIpOptions;
  }
  set_ipv4_fragment(load_be16(ip + 6), d);
  d.l3 = L3::kIpv4;
  d.l3_len = uint16_t(total);
  d.ttl = ip[8];
  d.l4_proto = ip[9];
  std::memcpy(d.src, ip + 12, 4);
  std::memcpy(d.dst, ip + 16, 4);
  d.l4_off = uint16_t(d.l3_off + ihl);
  return Drop::kNone;
}

Drop parse_ipv6(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept {
  const uint32_t avail = room(len, d.l3_off);
  if (avail < kIpv6HdrLen) [[unlikely]]
    return Drop::kTruncatedIpv6;
  const uint8_t* ip = f + d.l3_off;
  if (ip[0] >> 4 != 6) [[unlikely]]
    return Drop::kBadIpv6Version;
  const uint32_t total = kIpv6HdrLen + load_be16(ip + 4);
  if (total > avail) [[unlikely]]
    return Drop::kTruncatedIpv6;
  // The descriptor keeps 16-bit lengths; such a packet would need a 64 KiB frame anyway.
  if (total > UINT16_MAX) [[unlikely]]
    return Drop::kBadIpv6Length;
  d.l3 = L3::kIpv6;
  d.l3_len = uint16_t(total);
  d.ttl = ip[7];
  std::memcpy(d.src, ip + 8, 16);
  std::memcpy(d.dst, ip + 24, 16);
  return walk_ipv6_ext(ip, total, d);
}

Drop parse_l4(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept {
  d.payload_off = d.l4_off;
  if ((d.flags & (kFlagFragment | kFlagFirstFragment)) == kFlagFragment) return Drop::kNone;
  const uint32_t end = std::min<uint32_t>(len, d.l3_off + d.l3_len);
  // Clamped, so a descriptor with l4_off past the packet yields n = 0 rather than a wild pointer.
  const uint32_t at = std::min<uint32_t>(d.l4_off, end);
  const uint8_t* p = f + at;
  const uint32_t n = end - at;
  switch (d.l4_proto) {
    case kProtoTcp: return parse_tcp(p, n, d);
    case kProtoUdp: return parse_udp(p, n, d);
    case kProtoIcmp: return d.l3 == L3::kIpv4 ? parse_icmp(p, n, d) : Drop::kNone;
    case kProtoIcmpv6: return d.l3 == L3::kIpv6 ? parse_icmp(p, n, d) : Drop::kNone;
    case kProtoGre: return parse_gre(p, n, d);
    case kProtoEsp: return parse_esp(p, n, d);
    default: return Drop::kNone;  // IP-in-IP (4, 41) and the rest: the payload starts at l4_off
  }
}

Drop parse_frame(const uint8_t* f, uint32_t len, PacketDesc& d, bool verify_ipv4_csum) noexcept {
  d = PacketDesc{};
  if (Drop r = parse_eth(f, len, d); r != Drop::kNone) [[unlikely]]
    return r;
  Drop r;
  switch (d.ethertype) {
    case kEtherIpv4: r = parse_ipv4(f, len, d, verify_ipv4_csum); break;
    case kEtherIpv6: r = parse_ipv6(f, len, d); break;
    case kEtherArp: return parse_arp(f, len, d);
    default: return Drop::kUnsupportedEthertype;
  }
  if (r != Drop::kNone) [[unlikely]]
    return r;
  return parse_l4(f, len, d);
}

}  // namespace sysplex::dp
