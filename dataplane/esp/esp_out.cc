// Outbound ESP: plan the layout (what is encrypted, which header stays in front), check the room,
// take a sequence number, then write [IP header][UDP][ESP][IV][payload][pad][len][nh][ICV] in place.
#include <cstring>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_common.h"

namespace sysplex::dp::esp {
namespace {

using namespace detail;

constexpr uint8_t kIpv4Df = 0x40;
constexpr uint16_t kIpv4FragMask = 0x3fff;  // MF and fragment offset

struct OutPlan {
  uint32_t ip_len = 0;       // bytes of IP header in front of UDP/ESP in the result
  uint32_t nh_off = 0;       // transport: the next-header field in that header that names ESP/UDP
  uint32_t payload_off = 0;  // from pkt.off: first byte to encrypt
  uint32_t payload_len = 0;
  uint8_t next_header = 0;   // for the ESP trailer
  uint8_t pad = 0;
};

constexpr uint8_t pad_for(uint32_t payload_len) { return uint8_t((4 - (payload_len + 2) % 4) % 4); }

uint8_t ipv6_tclass(const uint8_t* ip) { return uint8_t(((ip[0] & 0x0f) << 4) | (ip[1] >> 4)); }

// A whole IPv4 or IPv6 packet whose length fields match the bytes given: 4 or 6, else 0.
int ip_version_checked(const uint8_t* ip, uint32_t len) {
  if (len >= 1 && (ip[0] >> 4) == 4)
    return ipv4_ihl(ip, len) && load_be16(ip + 2) == len ? 4 : 0;
  if (len >= kIpv6HdrLen && (ip[0] >> 4) == 6)
    return kIpv6HdrLen + load_be16(ip + 4) == len ? 6 : 0;
  return 0;
}

EspDrop plan_tunnel(const SaRuntime& sa, const PktBuf& pkt, OutPlan& p) {
  const int v = ip_version_checked(pkt.data(), pkt.len);
  if (!v) return EspDrop::kOutBadPacket;
  p.ip_len = sa.outer_len;
  p.payload_len = pkt.len;
  p.next_header = v == 4 ? kProtoIpip : kProtoIpv6;
  return EspDrop::kNone;
}

// RFC 4303 section 3.1.1 leaves the IPv6 position to the implementation; like Linux (and scapy),
// ESP goes after hop-by-hop, routing and destination options before a routing header.
EspDrop plan_transport_v6(const uint8_t* ip, uint32_t len, OutPlan& p) {
  uint32_t off = kIpv6HdrLen, nh_off = 6;
  bool routing = false;
  for (uint32_t n = 0; n < kMaxIpv6ExtHeaders; ++n) {
    const uint8_t nh = ip[nh_off];
    if (nh == kProtoFragment) return EspDrop::kOutFragment;
    if (!is_ipv6_ext(nh) || (nh == kProtoDstOpts && routing)) break;
    routing |= nh == kProtoRouting;
    const uint32_t ext = ipv6_ext_len(ip, len, off);
    if (!ext) return EspDrop::kOutBadPacket;
    nh_off = off;
    off += ext;
  }
  p.ip_len = p.payload_off = off;
  p.nh_off = nh_off;
  p.next_header = ip[nh_off];
  return EspDrop::kNone;
}

EspDrop plan_transport(const SaRuntime& sa, const PktBuf& pkt, OutPlan& p) {
  const uint8_t* ip = pkt.data();
  const int v = ip_version_checked(ip, pkt.len);
  if (!v || (v == 6) != sa.v6) return EspDrop::kOutBadPacket;
  if (v == 6) {
    if (EspDrop d = plan_transport_v6(ip, pkt.len, p); d != EspDrop::kNone) return d;
  } else {
    if (load_be16(ip + 6) & kIpv4FragMask) return EspDrop::kOutFragment;
    p.ip_len = p.payload_off = ipv4_ihl(ip, pkt.len);
    p.nh_off = 9;
    p.next_header = ip[9];
  }
  p.payload_len = pkt.len - p.payload_off;
  return EspDrop::kNone;
}

EspDrop check_room(const SaRuntime& sa, const PktBuf& pkt, OutPlan& p) {
  p.pad = pad_for(p.payload_len);
  const uint32_t grow = (sa.mode == EspMode::kTunnel ? p.ip_len : 0) +
                        (sa.udp_encap ? kUdpHdr : 0) + kEspPrefix;
  const uint32_t kept = sa.mode == EspMode::kTunnel ? 0 : p.ip_len;
  if (kept + grow + p.payload_len + p.pad + 2 + kIcvLen > 0xffff) return EspDrop::kOutBadPacket;
  if (pkt.headroom() < grow) return EspDrop::kOutNoHeadroom;
  if (pkt.tailroom() < p.pad + 2u + kIcvLen) return EspDrop::kOutNoTailroom;
  return EspDrop::kNone;
}

// The limit is read before the number is taken: see sa_set_seq_block(). A worker uses its own
// chunk of numbers and reserves the next kSeqChunk with one atomic add when it runs out, when a
// new block voided it, or when the other workers have reserved so far past it that its numbers
// would arrive behind the peer's window (more than two chunks): the rest of it is skipped then.
EspDrop take_seq(SaRuntime& sa, unsigned worker, uint64_t& seq, uint16_t& events) {
  const uint64_t limit = sa.seq_limit.load(std::memory_order_acquire);
  const uint64_t low_water = sa.seq_low_water.load(std::memory_order_relaxed);
  SeqChunk& c = sa.seq_chunk[worker];
  const uint32_t gen = sa.seq_gen.load(std::memory_order_relaxed);
  if (c.next > c.last || c.gen != gen || sa.seq_next.load(std::memory_order_relaxed) - c.next > 2 * kSeqChunk)
      [[unlikely]] {
    c.next = sa.seq_next.fetch_add(kSeqChunk, std::memory_order_relaxed) + 1;
    c.last = c.next + kSeqChunk - 1;
    c.gen = gen;
  }
  seq = c.next++;
  if (!sa.esn && seq > UINT32_MAX) {
    events |= sa.raise(kEventSeqExhausted);
    return EspDrop::kSeqOverflow;
  }
  if (seq > limit) {
    events |= sa.raise(kEventSeqExhausted);
    return EspDrop::kSeqLimit;
  }
  if (seq >= low_water) events |= sa.raise(kEventSeqLowWater);
  return EspDrop::kNone;
}

// The checksum is summed from the values, not read back from the header just written: a wide
// load over fresh narrow stores cannot be forwarded and stalled every packet.
void write_outer_v4(const SaRuntime& sa, uint8_t* o, const uint8_t* inner, uint32_t total,
                    uint64_t seq) {
  const bool inner_v4 = (inner[0] >> 4) == 4;
  const uint8_t tos = inner_v4 ? inner[1] : ipv6_tclass(inner);  // DSCP and ECN (RFC 6040 normal mode)
  const uint8_t flags = inner_v4 ? (inner[6] & kIpv4Df) : kIpv4Df;
  const uint16_t id = uint16_t(seq);                              // unique per SA while DF is clear
  const uint8_t* t = sa.outer;  // version/IHL, TTL, protocol and the addresses
  uint32_t sum = (uint32_t(t[0]) << 8 | tos) + uint16_t(total) + id + (uint32_t(flags) << 8 | t[7]) + load_be16(t + 8);
  for (uint32_t off = 12; off < kIpv4HdrLen; off += 2) sum += load_be16(t + off);
  std::memcpy(o, t, kIpv4HdrLen);
  o[1] = tos;
  store_be16(o + 2, uint16_t(total));
  store_be16(o + 4, id);
  o[6] = flags;
  store_be16(o + 10, uint16_t(~csum_fold(sum)));
}

void write_outer_v6(const SaRuntime& sa, uint8_t* o, const uint8_t* inner, uint32_t total) {
  std::memcpy(o, sa.outer, kIpv6HdrLen);
  const bool inner_v6 = (inner[0] >> 4) == 6;
  const uint32_t tclass = inner_v6 ? ipv6_tclass(inner) : inner[1];
  const uint32_t flow = inner_v6 ? (load_be32(inner) & 0xfffff) : 0;
  store_be32(o, 0x60000000u | tclass << 20 | flow);
  store_be16(o + 4, uint16_t(total - kIpv6HdrLen));
}

// The kept (transport) header names ESP or UDP now and carries the new lengths.
void fix_transport_header(const SaRuntime& sa, uint8_t* ip, const OutPlan& p, uint32_t total) {
  ip[p.nh_off] = sa.udp_encap ? kProtoUdpNum : kProtoEspNum;
  if (sa.v6) {
    store_be16(ip + 4, uint16_t(total - kIpv6HdrLen));
    return;
  }
  store_be16(ip + 2, uint16_t(total));
  set_ipv4_checksum(ip, p.ip_len);
}

bool seal(const SaRuntime& sa, AeadContext& ctx, uint8_t* esp, const OutPlan& p, uint64_t seq) {
  uint8_t* ct = esp + kEspPrefix;
  uint8_t* trailer = ct + p.payload_len;
  for (uint8_t i = 0; i < p.pad; ++i) trailer[i] = uint8_t(i + 1);  // RFC 4303 2.4: 1, 2, 3, ...
  trailer[p.pad] = p.pad;
  trailer[p.pad + 1] = p.next_header;
  store_be32(esp, sa.spi);
  store_be32(esp + 4, uint32_t(seq));
  store_be64(esp + kEspHdr, seq);  // the IV: unique per key, as sequence numbers never repeat
  uint8_t aad[12];
  const uint32_t aad_len = build_aad(aad, sa.spi, seq, sa.esn);
  const uint32_t ct_len = p.payload_len + p.pad + 2;
  return ctx.seal(esp + kEspHdr, aad, aad_len, ct, ct_len, ct + ct_len);
}

void write_udp(const SaRuntime& sa, uint8_t* ip, uint8_t* udp, uint32_t udp_len) {
  store_be16(udp, sa.encap_sport);
  store_be16(udp + 2, sa.encap_dport);
  store_be16(udp + 4, uint16_t(udp_len));
  store_be16(udp + 6, 0);  // RFC 3948 section 2.1: 0 over IPv4
  if (!sa.v6) return;
  const uint16_t c = l4_checksum_v6(ip + 8, ip + 24, kProtoUdpNum, udp, udp_len);
  store_be16(udp + 6, c ? c : 0xffff);  // RFC 8200 8.1: never 0 over IPv6
}

bool build(SaRuntime& sa, AeadContext& ctx, PktBuf& pkt, const OutPlan& p, uint64_t seq) {
  const uint32_t udp_len = sa.udp_encap ? kUdpHdr : 0;
  uint8_t* const data = pkt.data();
  uint8_t* const esp = data + p.payload_off - kEspPrefix;
  uint8_t* const udp = esp - udp_len;
  uint8_t* const ip = udp - p.ip_len;
  const uint32_t total = p.ip_len + udp_len + kEspPrefix + p.payload_len + p.pad + 2 + kIcvLen;
  if (sa.mode == EspMode::kTunnel) {
    if (sa.v6)
      write_outer_v6(sa, ip, data, total);
    else
      write_outer_v4(sa, ip, data, total, seq);
  } else {
    std::memmove(ip, data, p.ip_len);
    fix_transport_header(sa, ip, p, total);
  }
  if (!seal(sa, ctx, esp, p, seq)) return false;
  if (udp_len) write_udp(sa, ip, udp, total - p.ip_len);
  pkt.off = uint32_t(ip - pkt.buf);
  pkt.len = total;
  return true;
}

}  // namespace

EspStatus esp_encrypt(SaRuntime& sa, unsigned worker, PktBuf& pkt, uint64_t now_ns) noexcept {
  if (worker >= kMaxSaWorkers || !sa.aead[worker])
    return refuse(sa, worker, EspDrop::kNoWorkerContext);
  if (sa.dir != SaDir::kOutbound) return refuse(sa, worker, EspDrop::kWrongDirection);
  uint16_t ev = 0;
  if (EspDrop d = admit(sa, now_ns, ev); d != EspDrop::kNone) return refuse(sa, worker, d, ev);
  OutPlan p;
  EspDrop d = sa.mode == EspMode::kTunnel ? plan_tunnel(sa, pkt, p) : plan_transport(sa, pkt, p);
  if (d == EspDrop::kNone) d = check_room(sa, pkt, p);
  uint64_t seq = 0;
  if (d == EspDrop::kNone) d = take_seq(sa, worker, seq, ev);
  if (d != EspDrop::kNone) return refuse(sa, worker, d, ev);
  if (!build(sa, *sa.aead[worker], pkt, p, seq)) return refuse(sa, worker, EspDrop::kCryptoError, ev);
  ev |= account(sa, worker, p.payload_len, now_ns);
  return {EspDrop::kNone, ev};
}

}  // namespace sysplex::dp::esp
