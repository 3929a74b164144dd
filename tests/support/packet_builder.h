// Fluent builder of test frames with correct lengths and checksums, shared by unit tests, component
// tests and benchmarks so all three exercise the same bytes (the Katran testing/ fixture style).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "config/net.h"
#include "dataplane/parse/packet.h"

namespace sysplex::testing {

using Frame = std::vector<uint8_t>;

inline constexpr uint16_t kArpRequest = 1, kArpReply = 2;
inline constexpr uint8_t kIcmpEchoReply = 0, kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpv6EchoRequest = 128, kIcmpv6EchoReply = 129;
inline constexpr uint8_t kIcmpv6NeighborSolicit = 135, kIcmpv6NeighborAdvert = 136;
inline constexpr uint8_t kNaRouter = 0x80, kNaSolicited = 0x40, kNaOverride = 0x20;

struct GreOptions {
  bool checksum = false;  // C bit: checksum over the GRE header and payload
  std::optional<uint32_t> key;
  std::optional<uint32_t> seq;
};

// Calls describe the frame outer to inner: L2, then one L3 (arp/ipv4/ipv6), then at most one L4
// and its modifiers, then payload. A call in the wrong order or family throws std::logic_error;
// a bad address literal throws std::invalid_argument. Lengths and checksums are filled by build().
// A fragment is built as the bytes given; its L4 checksum covers only those bytes.
class PacketBuilder {
 public:
  // Ethernet. Without eth(), 02:00:00:00:00:01 -> 02:00:00:00:00:02 is used.
  PacketBuilder& eth(const MacAddr& src, const MacAddr& dst);
  PacketBuilder& eth(std::string_view src, std::string_view dst);
  // One tag per call, outermost first; tpid 0x88a8 makes an 802.1ad S-tag.
  PacketBuilder& vlan(uint16_t id, uint8_t pcp = 0, uint16_t tpid = dp::kEtherVlan);
  PacketBuilder& ethertype(uint16_t type);      // instead of the one the L3 implies
  PacketBuilder& pad_to(size_t min_frame_len);  // zero padding after the L3 packet, as NICs add

  // L3.
  PacketBuilder& arp(uint16_t op, const MacAddr& sender_mac, std::string_view sender_ip,
                     const MacAddr& target_mac, std::string_view target_ip);
  PacketBuilder& ip(const IpAddr& src, const IpAddr& dst);  // family from the addresses
  PacketBuilder& ipv4(std::string_view src, std::string_view dst);
  PacketBuilder& ipv6(std::string_view src, std::string_view dst);
  PacketBuilder& ttl(uint8_t ttl);    // IPv4 TTL or IPv6 hop limit (default 64)
  PacketBuilder& tos(uint8_t tos);    // IPv4 TOS or IPv6 traffic class
  PacketBuilder& ip_id(uint16_t id);  // IPv4 identification or IPv6 fragment id
  PacketBuilder& dont_fragment();     // IPv4 DF
  // IPv4 MF/offset, or an IPv6 fragment header appended to the extension headers so far.
  PacketBuilder& fragment(uint16_t offset_bytes, bool more);
  PacketBuilder& ipv4_options(std::vector<uint8_t> raw);  // padded with EOL to 4 bytes
  // An IPv6 extension header in the generic format (hop-by-hop 0, routing 43, destination options
  // 60): body follows next-header and length, zero-padded (Pad1) to a multiple of 8.
  PacketBuilder& ipv6_ext(uint8_t type, std::vector<uint8_t> body = {});
  PacketBuilder& ip_proto(uint8_t proto);  // a protocol with no header from the builder

  // L4 and what follows it.
  PacketBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags);
  PacketBuilder& seq(uint32_t seq);
  PacketBuilder& ack(uint32_t ack);
  PacketBuilder& window(uint16_t window);
  PacketBuilder& mss(uint16_t mss);  // appends the MSS option
  PacketBuilder& udp(uint16_t sport, uint16_t dport);
  // Native ESP, or after udp() the RFC 3948 UDP-encapsulated ESP header.
  PacketBuilder& esp(uint32_t spi, uint32_t seq);
  PacketBuilder& nat_keepalive();   // after udp(): the single 0xff byte
  PacketBuilder& non_esp_marker();  // after udp(): four zero bytes, IKE follows in payload()
  PacketBuilder& icmp(uint8_t type, uint8_t code, uint32_t rest = 0);  // ICMP or ICMPv6 by family
  PacketBuilder& icmp_echo(bool request, uint16_t id, uint16_t seq);
  // RFC 4861 with hop limit 255; NS from the unspecified address carries no source link-layer
  // option.
  PacketBuilder& neighbor_solicit(std::string_view target, std::optional<MacAddr> source_lladdr);
  PacketBuilder& neighbor_advert(std::string_view target, const MacAddr& target_lladdr,
                                 uint8_t flags);
  PacketBuilder& gre(const PacketBuilder& inner, const GreOptions& opts = {});
  PacketBuilder& ip_in_ip(const PacketBuilder& inner);  // protocol 4 or 41 by the inner family
  PacketBuilder& payload(size_t n);                     // n bytes of a fixed, non-zero pattern
  PacketBuilder& payload(std::span<const uint8_t> bytes);

  Frame build() const;     // the Ethernet frame
  Frame build_l3() const;  // the L3 packet alone, for nesting

 private:
  enum class L3Kind : uint8_t { kNone, kArp, kIpv4, kIpv6 };
  enum class L4Kind : uint8_t { kNone, kTcp, kUdp, kIcmp, kGre, kEsp, kRaw };
  struct Ext {
    uint8_t type;
    std::vector<uint8_t> body;
  };

  void need_ip(L3Kind only = L3Kind::kNone) const;  // kNone: either family
  void need_l4(L4Kind kind) const;
  void set_l4(L4Kind kind, uint8_t proto, std::vector<uint8_t> header);
  uint16_t implied_ethertype() const;
  Frame segment() const;
  void fill_l4_checksum(Frame& seg) const;
  Frame build_ipv4() const;
  Frame build_ipv6() const;

  MacAddr src_mac_{{0x02, 0, 0, 0, 0, 0x01}}, dst_mac_{{0x02, 0, 0, 0, 0, 0x02}};
  std::vector<uint32_t> tags_;  // tpid << 16 | tci
  std::optional<uint16_t> ethertype_;
  size_t pad_to_ = 0;
  L3Kind l3_ = L3Kind::kNone;
  IpAddr src_, dst_;
  uint8_t ttl_ = 64, tos_ = 0;
  uint16_t ip_id_ = 0, ipv4_frag_ = 0;  // ipv4_frag_: flags and offset as on the wire
  std::vector<uint8_t> ipv4_opts_;
  std::vector<Ext> exts_;
  Frame arp_;
  L4Kind l4_ = L4Kind::kNone;
  uint8_t proto_ = 0;
  Frame l4_hdr_;  // checksum and length fields are filled by build()
  bool gre_checksum_ = false;
  Frame payload_;  // everything after the L4 header: ESP header, ND body, inner packet, data
};

// Corruptions for negative tests.
Frame truncated(Frame f, size_t n);
Frame flipped(Frame f, size_t off, uint8_t xor_mask = 0xff);
// Recomputes the IPv4 header checksum after a test patched a header field.
void fix_ipv4_checksum(Frame& f, size_t l3_off);

}  // namespace sysplex::testing
