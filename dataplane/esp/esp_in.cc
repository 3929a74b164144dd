// Inbound ESP: frame the packet (outer lengths, SA context, UDP encapsulation), replay check, ICV
// check and in-place decryption, replay update, trailer checks, then tunnel or transport finish.
#include <cstring>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_common.h"

namespace sysplex::dp::esp {
namespace {

using namespace detail;

constexpr uint8_t kEcnMask = 0x03, kEcnCe = 0x03;
constexpr uint32_t kMinEsp = kEspPrefix + 4 + kIcvLen;  // the smallest ciphertext is 4 bytes

struct InView {
  uint8_t* ip = nullptr;
  uint32_t hdr_len = 0;  // bytes in front of the UDP or ESP header
  uint32_t esp_off = 0;
  uint32_t ct_len = 0;   // payload, padding, pad length, next header
};

EspDrop outer_length(const uint8_t* ip, uint32_t len, bool& v6, uint32_t& ip_len) {
  if (len < 1) return EspDrop::kTruncated;
  const uint8_t version = ip[0] >> 4;
  if (version == 4) {
    if (len < kIpv4HdrLen) return EspDrop::kTruncated;
    const uint32_t ihl = (ip[0] & 0x0f) * 4u;
    ip_len = load_be16(ip + 2);
    if (ihl < kIpv4HdrLen || ip_len < ihl) return EspDrop::kBadOuterHeader;
    v6 = false;
  } else if (version == 6) {
    if (len < kIpv6HdrLen) return EspDrop::kTruncated;
    ip_len = kIpv6HdrLen + load_be16(ip + 4);
    v6 = true;
  } else {
    return EspDrop::kBadOuterHeader;
  }
  return ip_len > len ? EspDrop::kTruncated : EspDrop::kNone;
}

// The UDP header before ESP bounds the ESP payload by its length (bytes after it are ignored).
EspDrop udp_bounds(const uint8_t* ip, uint32_t ip_len, uint32_t esp_off, uint32_t& end) {
  const uint32_t udp = esp_off - kUdpHdr;
  if (esp_off > ip_len) return EspDrop::kTruncated;
  const uint32_t udp_len = load_be16(ip + udp + 4);
  if (udp_len < kUdpHdr) return EspDrop::kBadOuterHeader;
  if (udp_len > ip_len - udp) return EspDrop::kTruncated;
  end = udp + udp_len;
  return EspDrop::kNone;
}

EspDrop frame(const SaRuntime& sa, const PktBuf& pkt, const EspInput& in, InView& v) {
  const uint8_t* ip = pkt.data();
  bool v6 = false;
  uint32_t ip_len = 0;
  if (EspDrop d = outer_length(ip, pkt.len, v6, ip_len); d != EspDrop::kNone) return d;
  if (v6 != sa.v6 || std::memcmp(ip + (v6 ? 24 : 16), sa.local, v6 ? 16 : 4) != 0)
    return EspDrop::kAddressMismatch;
  if (in.udp_encap != sa.udp_encap) return EspDrop::kEncapMismatch;
  const uint32_t min_hdr = (v6 ? kIpv6HdrLen : kIpv4HdrLen) + (in.udp_encap ? kUdpHdr : 0);
  if (in.esp_off < min_hdr) return EspDrop::kBadOuterHeader;
  uint32_t end = ip_len;
  if (in.udp_encap)
    if (EspDrop d = udp_bounds(ip, ip_len, in.esp_off, end); d != EspDrop::kNone) return d;
  if (in.esp_off > end || end - in.esp_off < kMinEsp) return EspDrop::kTruncated;
  v.ip = pkt.data();
  v.esp_off = in.esp_off;
  v.hdr_len = in.esp_off - (in.udp_encap ? kUdpHdr : 0);
  v.ct_len = end - in.esp_off - kEspPrefix - kIcvLen;
  return v.ct_len % 4 ? EspDrop::kBadAlignment : EspDrop::kNone;
}

// RFC 4303 section 2.4: padding bytes are 1, 2, 3, ...; the receiver checks them.
EspDrop strip_trailer(const uint8_t* ct, uint32_t ct_len, uint32_t& payload_len, uint8_t& nh) {
  const uint8_t pad = ct[ct_len - 2];
  nh = ct[ct_len - 1];
  if (pad + 2u > ct_len) return EspDrop::kBadPadding;
  payload_len = ct_len - 2 - pad;
  for (uint32_t i = 0; i < pad; ++i)
    if (ct[payload_len + i] != uint8_t(i + 1)) return EspDrop::kBadPadding;
  return nh == kProtoNone ? EspDrop::kDummyPacket : EspDrop::kNone;
}

// RFC 6040 normal mode: congestion seen on the outer header is kept on an ECN-capable inner one.
void decap_ecn(const uint8_t* outer, bool outer_v6, uint8_t* inner, bool inner_v6) {
  const uint8_t outer_ecn = outer_v6 ? (outer[1] >> 4) & kEcnMask : outer[1] & kEcnMask;
  if (outer_ecn != kEcnCe) return;
  if (inner_v6) {
    if ((inner[1] >> 4) & kEcnMask) inner[1] |= kEcnCe << 4;
    return;
  }
  if (!(inner[1] & kEcnMask) || (inner[1] & kEcnMask) == kEcnCe) return;
  const uint16_t old_word = load_be16(inner);
  inner[1] |= kEcnCe;
  store_be16(inner + 10, csum_update16(load_be16(inner + 10), old_word, load_be16(inner)));
}

// The decrypted inner packet: its own length (TFC padding after it is dropped) must fit.
// payload_len becomes the inner packet's length.
EspDrop finish_tunnel(const SaRuntime& sa, PktBuf& pkt, const InView& v, uint8_t* inner,
                      uint8_t nh, uint32_t& payload_len) {
  uint32_t inner_len = 0;
  if (nh == kProtoIpip) {
    const uint32_t ihl = ipv4_ihl(inner, payload_len);
    inner_len = ihl ? load_be16(inner + 2) : 0;
    if (!ihl || inner_len < ihl || inner_len > payload_len) return EspDrop::kBadInnerPacket;
  } else if (nh == kProtoIpv6) {
    if (payload_len < kIpv6HdrLen || (inner[0] >> 4) != 6) return EspDrop::kBadInnerPacket;
    inner_len = kIpv6HdrLen + load_be16(inner + 4);
    if (inner_len > payload_len) return EspDrop::kBadInnerPacket;
  } else {
    return EspDrop::kBadNextHeader;
  }
  decap_ecn(v.ip, sa.v6, inner, nh == kProtoIpv6);
  pkt.off += uint32_t(inner - v.ip);
  pkt.len = payload_len = inner_len;
  return EspDrop::kNone;
}

// The next-header field that names UDP/ESP in the IPv6 header chain of hdr_len bytes.
EspDrop ipv6_esp_field(const uint8_t* ip, uint32_t hdr_len, uint32_t& nh_off) {
  uint32_t off = kIpv6HdrLen;
  nh_off = 6;
  for (uint32_t n = 0; off < hdr_len; ++n) {
    const uint32_t ext = ipv6_ext_len(ip, hdr_len, off);
    if (n == kMaxIpv6ExtHeaders || !is_ipv6_ext(ip[nh_off]) || !ext)
      return EspDrop::kBadTransportHeader;
    nh_off = off;
    off += ext;
  }
  return off == hdr_len ? EspDrop::kNone : EspDrop::kBadTransportHeader;
}

EspDrop finish_transport(const SaRuntime& sa, PktBuf& pkt, const InView& v, uint8_t* payload,
                         uint8_t nh, uint32_t payload_len) {
  if (nh == kProtoIpip || nh == kProtoIpv6) return EspDrop::kBadNextHeader;  // a tunnel-mode peer
  uint8_t* ip = v.ip;
  uint32_t nh_off = 9;
  if (sa.v6) {
    if (EspDrop d = ipv6_esp_field(ip, v.hdr_len, nh_off); d != EspDrop::kNone) return d;
  } else if ((ip[0] & 0x0f) * 4u != v.hdr_len) {
    return EspDrop::kBadOuterHeader;  // options or an offset that does not match the header
  }
  if (ip[nh_off] != (sa.udp_encap ? kProtoUdpNum : kProtoEspNum))
    return sa.v6 ? EspDrop::kBadTransportHeader : EspDrop::kBadOuterHeader;
  const uint32_t delta = uint32_t(payload - ip) - v.hdr_len;
  uint8_t* n = static_cast<uint8_t*>(std::memmove(ip + delta, ip, v.hdr_len));
  n[nh_off] = nh;
  if (sa.v6) {
    store_be16(n + 4, uint16_t(v.hdr_len - kIpv6HdrLen + payload_len));
  } else {
    store_be16(n + 2, uint16_t(v.hdr_len + payload_len));
    set_ipv4_checksum(n, v.hdr_len);
  }
  pkt.off += delta;
  pkt.len = v.hdr_len + payload_len;
  return EspDrop::kNone;
}

// Decrypts and records the sequence number; the trailer is checked afterwards.
EspDrop open_payload(SaRuntime& sa, AeadContext& ctx, const InView& v) {
  uint8_t* esp = v.ip + v.esp_off;
  if (load_be32(esp) != sa.spi) return EspDrop::kSpiMismatch;
  uint64_t seq = 0;
  if (EspDrop d = sa.replay.check(load_be32(esp + 4), seq); d != EspDrop::kNone) return d;
  uint8_t aad[12];
  const uint32_t aad_len = build_aad(aad, sa.spi, seq, sa.esn);
  uint8_t* ct = esp + kEspPrefix;
  if (!ctx.open(esp + kEspHdr, aad, aad_len, ct, v.ct_len, ct + v.ct_len))
    return EspDrop::kAuthFailed;
  sa.replay.update(seq);  // authentic: the number is used even if the contents are refused below
  return EspDrop::kNone;
}

}  // namespace

EspInput esp_input(const dp::PacketDesc& d) noexcept {
  return {uint16_t(d.payload_off - kEspHdr - d.l3_off), (d.flags & kFlagUdpEncapEsp) != 0};
}

EspDrop esp_locate(const uint8_t* ip, uint32_t len, EspInput& out, uint16_t encap_port) noexcept {
  PacketDesc d;
  const bool v6 = len >= 1 && (ip[0] >> 4) == 6;
  Drop r = v6 ? parse_ipv6(ip, len, d) : parse_ipv4(ip, len, d, true);
  if (r == Drop::kNone && (d.flags & kFlagFragment)) return EspDrop::kBadOuterHeader;
  if (r == Drop::kNone) r = parse_l4(ip, len, d);
  if (r != Drop::kNone)
    return r == Drop::kTruncatedIpv4 || r == Drop::kTruncatedIpv6 || r == Drop::kTruncatedUdp ||
                   r == Drop::kTruncatedEsp || r == Drop::kBadUdpLength
               ? EspDrop::kTruncated
               : EspDrop::kBadOuterHeader;
  if (d.l4_proto == kProtoEsp) {
    out = {d.l4_off, false};
  } else if (d.flags & kFlagUdpEncapEsp) {
    out = {uint16_t(d.payload_off - kEspHdr), true};
  } else if (d.l4_proto == kProtoUdp && (d.sport == encap_port || d.dport == encap_port) &&
             uint32_t(d.l3_len) >= d.payload_off + kEspHdr && load_be32(ip + d.payload_off) != 0) {
    out = {d.payload_off, true};
  } else {
    return EspDrop::kBadOuterHeader;  // neither ESP nor UDP-encapsulated ESP
  }
  return EspDrop::kNone;
}

EspStatus esp_decrypt(SaRuntime& sa, unsigned worker, PktBuf& pkt, const EspInput& in,
                      uint64_t now_ns) noexcept {
  if (worker >= kMaxSaWorkers || !sa.aead[worker])
    return refuse(sa, worker, EspDrop::kNoWorkerContext);
  if (sa.dir != SaDir::kInbound) return refuse(sa, worker, EspDrop::kWrongDirection);
  uint16_t ev = 0;
  if (EspDrop d = admit(sa, now_ns, ev); d != EspDrop::kNone) return refuse(sa, worker, d, ev);
  InView v;
  EspDrop d = frame(sa, pkt, in, v);
  if (d == EspDrop::kNone) d = open_payload(sa, *sa.aead[worker], v);
  if (d != EspDrop::kNone) return refuse(sa, worker, d, ev);
  uint32_t payload_len = 0;
  uint8_t nh = 0;
  uint8_t* payload = v.ip + v.esp_off + kEspPrefix;
  d = strip_trailer(payload, v.ct_len, payload_len, nh);
  if (d == EspDrop::kNone)
    d = sa.mode == EspMode::kTunnel ? finish_tunnel(sa, pkt, v, payload, nh, payload_len)
                                    : finish_transport(sa, pkt, v, payload, nh, payload_len);
  if (d != EspDrop::kNone) return refuse(sa, worker, d, ev);
  ev |= account(sa, worker, payload_len, now_ns);
  return {EspDrop::kNone, ev};
}

}  // namespace sysplex::dp::esp
