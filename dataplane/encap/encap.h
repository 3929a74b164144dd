// VIPAROUTE encapsulation for the distributor's routed path (GRE over IPv4 with the ownership epoch
// as its key, IPv6-in-IPv6) and TCP MSS clamping (ADJUSTDVIPAMSS). Pure byte work on headers built
// from templates control precomputes; no DPDK, no allocation.
#pragma once

#include <array>
#include <cstdint>

namespace sysplex::encap {

inline constexpr uint16_t kGre4Overhead = 20 + 8;  // outer IPv4 + GRE with key
inline constexpr uint16_t kIp6Ip6Overhead = 40;    // outer IPv6
inline constexpr uint16_t kMaxOuterLen = 40;

// The outer header of a routed target, written once by control, copied per packet.
struct OuterTemplate {
  std::array<uint8_t, kMaxOuterLen> bytes{};
  uint16_t len = 0;            // kGre4Overhead or kIp6Ip6Overhead; 0: direct path, no outer header
  bool v6 = false;
  uint16_t partial_csum = 0;   // IPv4: the header checksum with total length 0 (folded, not inverted)
};

// Outer IPv4 (DF set, TTL 64, protocol GRE) + GRE (RFC 2890: key present, protocol 0x0800) from
// `src` to `dst` (4 bytes each, network order) with `key` (the DVIPA's ownership epoch, which
// targets check so a deposed distributor's traffic is refused).
OuterTemplate gre4_template(const uint8_t* src, const uint8_t* dst, uint32_t key) noexcept;
// Outer IPv6 (hop limit 64, next header 41) from `src` to `dst` (16 bytes each).
OuterTemplate ip6ip6_template(const uint8_t* src, const uint8_t* dst) noexcept;

// Writes the outer header at `out`, which the inner packet of `inner_len` bytes follows: lengths
// and (IPv4) the header checksum are filled in.
void write_outer(uint8_t* out, const OuterTemplate& t, uint16_t inner_len) noexcept;

// The largest MSS a TCP segment may announce when its packets must fit `mtu` after `overhead` bytes
// of encapsulation: mtu - overhead - IP header - TCP header.
constexpr uint16_t mss_for(uint16_t mtu, uint16_t overhead, bool v6) noexcept {
  return uint16_t(mtu - overhead - (v6 ? 40 : 20) - 20);
}

// Lowers the MSS option of the TCP header at `tcp` (of `tcp_len` bytes, options included) to
// `max_mss` if it is larger, patching the TCP checksum incrementally. Returns true if it changed
// anything. Options are walked with every length checked; a malformed option list is left alone.
bool clamp_mss(uint8_t* tcp, uint32_t tcp_len, uint16_t max_mss) noexcept;

}  // namespace sysplex::encap
