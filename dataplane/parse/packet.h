// The packet descriptor: everything later stages need from the headers, filled once by the layered
// parser (parse.h). Offsets are from the start of the frame; later stages never re-parse.
#pragma once

#include <cstdint>

#include "dataplane/counters/drop_reason.h"

namespace sysplex::dp {

enum class L3 : uint8_t { kNone, kArp, kIpv4, kIpv6 };

// Flags describing what the parser saw.
enum PktFlag : uint16_t {
  kFlagVlan = 1 << 0,          // one 802.1Q tag (QinQ is refused)
  kFlagFragment = 1 << 1,      // IPv4 MF/offset or IPv6 fragment header
  kFlagFirstFragment = 1 << 2, // offset 0 of a fragmented packet: L4 header present
  kFlagIpOptions = 1 << 3,     // IPv4 options or IPv6 extension headers
  kFlagUdpEncapEsp = 1 << 4,   // UDP 4500 with non-zero SPI (RFC 3948)
  kFlagNonEspMarker = 1 << 5,  // UDP 4500 with the zero marker: IKE
  kFlagNatKeepalive = 1 << 6,  // UDP 4500 with the single 0xff byte
  kFlagL4Valid = 1 << 7,       // sport/dport (or ICMP type/code, ESP SPI, GRE proto) filled
  kFlagBroadcastMac = 1 << 8,
  kFlagMulticastMac = 1 << 9,  // group address other than broadcast
  kFlagGreKey = 1 << 10,       // GRE key present (RFC 2890): gre_key is filled
  kFlagDecrypted = 1 << 11,    // not the parser's: the worker marks a packet an SA decrypted
};

struct PacketDesc {
  uint16_t flags = 0;
  uint16_t vlan = 0;           // VLAN id (without PCP/DEI), 0 if untagged
  uint16_t ethertype = 0;      // host order, after the VLAN tag
  L3 l3 = L3::kNone;
  uint8_t l4_proto = 0;        // upper-layer protocol after IPv6 extension headers
  uint8_t ttl = 0;             // TTL or hop limit
  uint16_t l3_off = 0;
  uint16_t l4_off = 0;         // valid with kFlagL4Valid or for protocols without ports
  uint16_t payload_off = 0;    // after the L4 header (TCP/UDP/ICMP/GRE/ESP header). For ESP,
                               // native or in UDP, after SPI+seq: the ESP header is payload_off - 8
  uint16_t l3_len = 0;         // IP total length per header (IPv6: 40 + payload length)
  // Addresses in network order. IPv4 uses the first 4 bytes.
  uint8_t src[16] = {};
  uint8_t dst[16] = {};
  uint16_t sport = 0, dport = 0;   // host order (TCP/UDP)
  uint8_t tcp_flags = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
  uint16_t gre_proto = 0;      // host order, inner ethertype of GRE
  uint32_t spi = 0;            // ESP SPI, host order (also for UDP-encapsulated ESP)
  uint32_t esp_seq = 0;        // host order
  uint16_t arp_op = 0;         // host order
  uint32_t gre_key = 0;        // host order, with kFlagGreKey

  friend bool operator==(const PacketDesc&, const PacketDesc&) = default;
};

inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint16_t kEtherVlan = 0x8100;
inline constexpr uint16_t kEtherIpv6 = 0x86dd;
inline constexpr uint16_t kEtherQinQ = 0x88a8;  // 802.1ad service tag: refused as kStackedVlan
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6 = 41;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoIpip = 4;
// IPv6 extension headers the parser walks (RFC 8200).
inline constexpr uint8_t kProtoHopOpts = 0;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoDstOpts = 60;
inline constexpr uint16_t kNatTPort = 4500;

inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10;

}  // namespace sysplex::dp
