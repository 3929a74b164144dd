// Internal to the ESP library: pieces both directions share (AAD, lifetime accounting, counting a
// drop, IPv6 extension-header walks). Everything here is inline, noexcept and allocation-free.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/esp/esp.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp::esp::detail {

inline constexpr uint32_t kEspHdr = 8;                      // SPI + sequence number
inline constexpr uint32_t kEspPrefix = kEspHdr + kIvLen;    // what precedes the ciphertext
inline constexpr uint32_t kUdpHdr = 8;
inline constexpr uint8_t kProtoNone = 59;                   // IPv6 "no next header": TFC dummy
inline constexpr uint8_t kProtoEspNum = 50, kProtoUdpNum = 17;

inline void store_be64(uint8_t* p, uint64_t v) noexcept {
  store_be32(p, uint32_t(v >> 32));
  store_be32(p + 4, uint32_t(v));
}

// RFC 4106 section 5 / RFC 7634 section 2.1: SPI || seq (32-bit), or SPI || seq high || seq low
// with ESN. Returns the AAD length.
inline uint32_t build_aad(uint8_t* aad, uint32_t spi, uint64_t seq, bool esn) noexcept {
  store_be32(aad, spi);
  if (!esn) {
    store_be32(aad + 4, uint32_t(seq));
    return 8;
  }
  store_be64(aad + 4, seq);
  return 12;
}

inline EspStatus refuse(SaRuntime& sa, unsigned worker, EspDrop d, uint16_t events = 0) noexcept {
  if (worker < kMaxSaWorkers) ++sa.counters[worker].drops[size_t(d)];
  return {d, events};
}

// Before any work: a hard lifetime reached (now or earlier) closes the SA.
inline EspDrop admit(SaRuntime& sa, uint64_t now_ns, uint16_t& events) noexcept {
  if (now_ns >= sa.hard_deadline_ns) events |= sa.raise(kEventHardTime);
  if (sa.events_raised.load(std::memory_order_relaxed) & kEventHardAny) return EspDrop::kSaHardExpired;
  return EspDrop::kNone;
}

// After a packet went through: counters, volume lifetimes and the soft time limit. The packet that
// reaches a hard limit is the last one accepted.
inline uint16_t account(SaRuntime& sa, unsigned worker, uint32_t bytes, uint64_t now_ns) noexcept {
  SaWorkerCounters& c = sa.counters[worker];
  ++c.packets;
  c.bytes += bytes;
  uint16_t ev = now_ns >= sa.soft_deadline_ns ? kEventSoftTime : 0;
  if (sa.volume_limits) {
    const uint64_t b = sa.life_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    const uint64_t p = sa.life_packets.fetch_add(1, std::memory_order_relaxed) + 1;
    if (b >= sa.soft_bytes) ev |= kEventSoftBytes;
    if (p >= sa.soft_packets) ev |= kEventSoftPackets;
    if (b >= sa.hard_bytes) ev |= kEventHardBytes;
    if (p >= sa.hard_packets) ev |= kEventHardPackets;
  }
  return ev ? sa.raise(ev) : 0;
}

constexpr bool is_ipv6_ext(uint8_t nh) noexcept {
  return nh == kProtoHopOpts || nh == kProtoRouting || nh == kProtoDstOpts;
}

// One generic IPv6 extension header at off: its length, or 0 when it does not fit in len.
inline uint32_t ipv6_ext_len(const uint8_t* ip, uint32_t len, uint32_t off) noexcept {
  if (len < off || len - off < 8) return 0;
  const uint32_t n = (ip[off + 1] + 1u) * 8;
  return n <= len - off ? n : 0;
}

// Length of an IPv4 header, or 0 when the bytes are not a plausible one.
inline uint32_t ipv4_ihl(const uint8_t* ip, uint32_t len) noexcept {
  if (len < kIpv4HdrLen || (ip[0] >> 4) != 4) return 0;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  return ihl >= kIpv4HdrLen && ihl <= len ? ihl : 0;
}

inline void set_ipv4_checksum(uint8_t* ip, uint32_t ihl) noexcept {
  store_be16(ip + 10, 0);
  store_be16(ip + 10, ipv4_header_checksum(ip, ihl));
}

}  // namespace sysplex::dp::esp::detail
