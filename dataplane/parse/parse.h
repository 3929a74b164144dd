// Layered, bounds-checked parsing of a frame into one PacketDesc, plus the byte-order and Internet
// checksum helpers shared by every stage that reads or rewrites headers. Pure: no DPDK, no
// allocation.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "dataplane/counters/drop_reason.h"
#include "dataplane/parse/packet.h"

namespace sysplex::dp {

inline constexpr uint32_t kEthHdrLen = 14;
inline constexpr uint32_t kVlanTagLen = 4;
inline constexpr uint32_t kArpLen = 28;  // Ethernet/IPv4 ARP body
inline constexpr uint32_t kIpv4HdrLen = 20;
inline constexpr uint32_t kIpv6HdrLen = 40;
inline constexpr uint32_t kTcpHdrLen = 20;
inline constexpr uint32_t kUdpHdrLen = 8;
inline constexpr uint32_t kIcmpHdrLen = 8;  // type, code, checksum and the 4-byte rest of header
inline constexpr uint32_t kGreHdrLen = 4;   // without the optional checksum, key and sequence
inline constexpr uint32_t kEspHdrLen = 8;   // SPI and sequence number
inline constexpr uint32_t kMaxIpv6ExtHeaders = 8;

// ---- Byte order ---------------------------------------------------------------------------------
// Headers sit at any alignment inside a frame, so fields are copied out rather than cast: memcpy of
// a fixed size compiles to one unaligned load (plus bswap/movbe), and casting would be UB.

inline uint16_t load_be16(const uint8_t* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  return v;
}

inline uint32_t load_be32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

inline void store_be16(uint8_t* p, uint16_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof v);
}

inline void store_be32(uint8_t* p, uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}

// ---- Internet checksum (RFC 1071, RFC 1624) -----------------------------------------------------
// Checksum values are host-order numbers: write them with store_be16, compare with load_be16.

// Adds n bytes to a running ones-complement sum. The sum is neither folded nor complemented, so
// pieces chain (pseudo-header, then segment); every piece but the last must have an even length.
// 32-bit words are summed into 64 bits: 2^16 == 1 mod 0xffff, so folding later gives the same
// result.
inline uint64_t csum_add(uint64_t sum, const uint8_t* p, uint32_t n) noexcept {
  for (; n >= 4; p += 4, n -= 4) sum += load_be32(p);
  if (n >= 2) {
    sum += load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n) sum += uint32_t(p[0]) << 8;  // an odd last byte is the high half of a zero-padded word
  return sum;
}

// Folds a running sum to 16 bits with end-around carry (not complemented).
constexpr uint16_t csum_fold(uint64_t sum) noexcept {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t((sum & 0xffff) + (sum >> 16));
}

// The Internet checksum of n bytes as stored. With the checksum field zeroed this is the value to
// write; over bytes that carry a correct checksum it is 0. Used for ICMPv4 and GRE.
inline uint16_t inet_checksum(const uint8_t* p, uint32_t n) noexcept {
  return uint16_t(~csum_fold(csum_add(0, p, n)));
}

// IPv4 header checksum over ihl_bytes (IHL * 4): 0 for a valid header, or the value to store when
// the checksum field is zero.
// The usual 20-byte header is summed as five native-order words (RFC 1071: the one's-complement
// sum is byte-order independent up to a swap of the result), without the general loop's setup.
inline uint16_t ipv4_header_checksum(const uint8_t* hdr, uint32_t ihl_bytes) noexcept {
  if (ihl_bytes == 20) {
    uint32_t w[5];
    std::memcpy(w, hdr, sizeof w);
    uint64_t sum = (uint64_t(w[0]) + w[1]) + (uint64_t(w[2]) + w[3]) + w[4];
    uint16_t folded = uint16_t(~csum_fold(sum));
    if constexpr (std::endian::native == std::endian::little) return uint16_t(folded >> 8 | folded << 8);
    return folded;
  }
  return inet_checksum(hdr, ihl_bytes);
}

// TCP/UDP/ICMPv6 checksum with the pseudo-header (RFC 793/768, RFC 8200 section 8.1). src and dst
// are the 4 or 16 address bytes in network order. Same convention: 0 over a segment with a correct
// checksum. A UDP sender must write a computed 0 as 0xffff (0 means "no checksum" over IPv4).
uint16_t l4_checksum_v4(const uint8_t* src, const uint8_t* dst, uint8_t proto, const uint8_t* l4,
                        uint32_t l4_len) noexcept;
uint16_t l4_checksum_v6(const uint8_t* src, const uint8_t* dst, uint8_t proto, const uint8_t* l4,
                        uint32_t l4_len) noexcept;

// Incremental update when one 16-bit word of the covered data changes from old_val to new_val:
// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which never produces the -0 that eqn. 2 can.
// For UDP, leave a zero checksum ("none") alone and store a resulting 0 as 0xffff.
constexpr uint16_t csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val) noexcept {
  return uint16_t(~csum_fold(uint32_t(uint16_t(~csum)) + uint16_t(~old_val) + new_val));
}

// The same for a 32-bit field (an IPv4 address, an SPI): two 16-bit words in one pass.
constexpr uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val) noexcept {
  const uint32_t inv_old = ~old_val;
  return uint16_t(~csum_fold(uint64_t(uint16_t(~csum)) + (inv_old >> 16) + (inv_old & 0xffff) +
                             (new_val >> 16) + (new_val & 0xffff)));
}

// Forwarding's TTL decrement on an IPv4 header with the checksum patched, not recomputed. TTL
// shares its checksummed 16-bit word with the protocol byte. The caller has checked TTL > 1.
// The TTL is the high byte of the word at offset 8: that word drops by 0x0100, so the checksum
// (the complement of the sum) rises by 0x0100 with end-around carry. The same value as RFC 1624
// eqn. 3 (csum_update16), which never yields 0xffff, without its dependent chain of folds.
inline void ipv4_decrement_ttl(uint8_t* ip) noexcept {
  --ip[8];
  uint32_t c = uint32_t(load_be16(ip + 10)) + 0x0100;
  c = (c & 0xffff) + (c >> 16);
  store_be16(ip + 10, uint16_t(c == 0xffff ? 0 : c));
}

// ---- Layers -------------------------------------------------------------------------------------
// Each layer reads its header at the offset the previous one left in the descriptor (l3_off,
// l4_off), checks every length before reading, fills its fields and returns Drop::kNone or the
// reason. f/len is always the whole frame, so a layer can be rerun on an inner packet by pointing
// l3_off at it (GRE and IP-in-IP decapsulation). Layers do not clear the descriptor; parse_frame
// does.

// Ethernet II with at most one 802.1Q tag. An 802.1ad S-tag (0x88a8) or a second 802.1Q tag is
// refused as kStackedVlan: no port is configured for QinQ, and skipping the outer tag would leak
// traffic across service VLANs. Sets ethertype, vlan, l3_off and the broadcast/multicast flags.
[[nodiscard]] Drop parse_eth(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept;

// Ethernet/IPv4 ARP request or reply at l3_off: arp_op, src (sender IP), dst (target IP).
[[nodiscard]] Drop parse_arp(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept;

// IPv4 at l3_off. Trailing Ethernet padding after total length is allowed and ignored. The header
// checksum is verified unless the NIC already did (verify_csum = false). Options are walked for
// well-formedness only. Sets l3_len, ttl, l4_proto, l4_off, addresses and the fragment flags.
[[nodiscard]] Drop parse_ipv4(const uint8_t* f, uint32_t len, PacketDesc& d,
                              bool verify_csum) noexcept;

// IPv6 at l3_off, walking at most kMaxIpv6ExtHeaders hop-by-hop (first only), routing, destination
// options and fragment headers to the upper-layer protocol. AH is not walked: it is reported as
// l4_proto 51 as in IPv4, so policy sees the same protocol for both families. A fragment header
// with offset 0 and M clear is an atomic fragment (RFC 6946) and is not flagged as a fragment.
[[nodiscard]] Drop parse_ipv6(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept;

// The upper layer at l4_off, bounded by the IP packet (l3_off + l3_len), dispatching on l4_proto:
// TCP, UDP (with the RFC 3948 split of port 4500 into ESP, the non-ESP marker and keepalives),
// ICMP/ICMPv6 (8-byte header, as every message has), GRE (RFC 2784/2890, version 0), ESP. For
// IP-in-IP, unknown protocols and non-first fragments there is no header: payload_off = l4_off.
// L4 checksums are not verified: forwarding does not need them and local delivery (the kernel on
// the TAP side) checks them.
[[nodiscard]] Drop parse_l4(const uint8_t* f, uint32_t len, PacketDesc& d) noexcept;

// All layers of a received frame into a cleared descriptor. Unknown ethertypes are
// kUnsupportedEthertype. verify_ipv4_csum = false when the NIC reported a good IPv4 checksum.
[[nodiscard]] Drop parse_frame(const uint8_t* f, uint32_t len, PacketDesc& d,
                               bool verify_ipv4_csum = true) noexcept;

}  // namespace sysplex::dp
