// ESP packet processing (RFC 4303) on packet bytes in a buffer with head- and tailroom, so it
// runs in place on an mbuf: outbound encapsulation and inbound decapsulation, tunnel and transport
// mode, IPv4 and IPv6, optional UDP encapsulation (RFC 3948). noexcept, no allocation, no logs.
#pragma once

#include <cstdint>

#include "dataplane/esp/esp_drop.h"
#include "dataplane/esp/sa.h"
#include "dataplane/parse/packet.h"

namespace sysplex::dp::esp {

// A packet inside its buffer. For an mbuf: buf = buf_addr, size = buf_len, off = data_off,
// len = data_len (single segment); copy off/len back after a call that succeeded.
struct PktBuf {
  uint8_t* buf = nullptr;
  uint32_t size = 0;
  uint32_t off = 0;
  uint32_t len = 0;
  uint8_t* data() const { return buf + off; }
  uint32_t headroom() const { return off; }
  uint32_t tailroom() const { return size - off - len; }
};

// Where the ESP header is in an inbound packet: bytes from the outer IP header to the SPI, and
// whether a UDP header (RFC 3948) sits right before it.
struct EspInput {
  uint16_t esp_off = 0;
  bool udp_encap = false;
};

// From the parser's descriptor of the frame (offsets there are from the frame start).
EspInput esp_input(const dp::PacketDesc& d) noexcept;
// Without a descriptor: parses the IP packet at ip. encap_port: the UDP port that carries ESP
// (besides 4500, which the parser always recognises). kNone and `out` filled, or why not ESP.
EspDrop esp_locate(const uint8_t* ip, uint32_t len, EspInput& out,
                   uint16_t encap_port = kDefaultEncapPort) noexcept;

struct EspStatus {
  EspDrop drop = EspDrop::kNone;
  uint16_t events = 0;  // SaEvent bits this call raised for the first time (tell control)
  bool ok() const { return drop == EspDrop::kNone; }
};

// Room the outbound path needs at most: outer IPv6 + UDP + ESP header + IV before the packet;
// padding (up to 3) + pad length + next header + ICV after it.
inline constexpr uint32_t kEspMaxHeadroom = 40 + 8 + 8 + kIvLen;
inline constexpr uint32_t kEspMaxTailroom = 3 + 2 + kIcvLen;

// Outbound: pkt holds the IP packet to protect (whole datagram in transport mode). On success pkt
// holds the outer IP packet: tunnel mode adds the SA's outer header (IPv4: TTL 64, DF copied from
// an IPv4 inner packet and set for IPv6, ID = low 16 bits of the sequence number; IPv6: hop limit
// 64, traffic class and flow label copied), transport mode keeps the IP header (and IPv6 extension
// headers before ESP, as Linux places them) and adjusts protocol/next header, lengths, checksum.
// With UDP encapsulation the UDP checksum is 0 over IPv4 and computed over IPv6. The sequence
// number (64-bit with ESN, high half in the AAD only) is also the 8-byte IV. now_ns: read once
// per burst by the caller. On failure pkt is unchanged.
EspStatus esp_encrypt(SaRuntime& sa, unsigned worker, PktBuf& pkt, uint64_t now_ns) noexcept;

// Inbound: pkt starts at the outer IP header (trailing link padding allowed); sa was found by the
// caller (Sad::find). Replay check, ICV check and in-place decryption, replay update, padding and
// next-header checks, then tunnel mode returns the inner packet (TFC padding removed, outer CE
// copied onto an ECT inner packet) and transport mode the restored packet. On failure pkt's bytes
// may be partly decrypted and must be dropped; off/len are unchanged.
EspStatus esp_decrypt(SaRuntime& sa, unsigned worker, PktBuf& pkt, const EspInput& in,
                      uint64_t now_ns) noexcept;

}  // namespace sysplex::dp::esp
