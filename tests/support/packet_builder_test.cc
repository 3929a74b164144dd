// Proves the fixture builder emits what the RFCs specify: byte-exact golden frames (produced once
// by an independent tool), layouts and lengths, and checksums checked two ways (parser helpers,
// naive).
#include "tests/support/packet_builder.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "dataplane/parse/parse.h"

namespace sysplex::testing {
namespace {

using dp::load_be16;
using dp::load_be32;

const MacAddr kMacA{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}};
const MacAddr kMacB{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}};

// RFC 1071 as written: one 16-bit word at a time, carries folded as they happen. Independent of the
// 32-bit-word implementation in parse.h on purpose.
uint16_t naive_checksum(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    sum += uint32_t(b[i]) << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return uint16_t(~sum);
}

std::vector<uint8_t> bytes(const Frame& f, size_t off, size_t n) {
  return {f.begin() + off, f.begin() + off + n};
}

// The pseudo-header spelled out byte by byte (RFC 768 / RFC 8200 8.1), then the segment.
std::vector<uint8_t> pseudo_v4(const Frame& f, size_t l3, size_t l4, size_t n, uint8_t proto) {
  std::vector<uint8_t> b = bytes(f, l3 + 12, 8);  // source, destination
  for (uint8_t x : {uint8_t(0), proto, uint8_t(n >> 8), uint8_t(n)}) b.push_back(x);
  const auto seg = bytes(f, l4, n);
  b.insert(b.end(), seg.begin(), seg.end());
  return b;
}

std::vector<uint8_t> pseudo_v6(const Frame& f, size_t l3, size_t l4, size_t n, uint8_t nh) {
  std::vector<uint8_t> b = bytes(f, l3 + 8, 32);  // source, destination
  for (uint8_t x : {uint8_t(0), uint8_t(0), uint8_t(n >> 8), uint8_t(n), uint8_t(0), uint8_t(0),
                    uint8_t(0), nh})
    b.push_back(x);
  const auto seg = bytes(f, l4, n);
  b.insert(b.end(), seg.begin(), seg.end());
  return b;
}

// Both implementations must accept the segment, and must both reject it once a byte is flipped,
// so a checksum field left at zero or computed over the wrong range cannot pass.
void expect_l4_checksum_v4(const Frame& f, size_t l3, size_t l4, size_t n, uint8_t proto) {
  EXPECT_EQ(dp::l4_checksum_v4(&f[l3 + 12], &f[l3 + 16], proto, &f[l4], uint32_t(n)), 0);
  EXPECT_EQ(naive_checksum(pseudo_v4(f, l3, l4, n, proto)), 0);
  const Frame bad = flipped(f, l4 + n - 1, 0x01);
  EXPECT_NE(dp::l4_checksum_v4(&bad[l3 + 12], &bad[l3 + 16], proto, &bad[l4], uint32_t(n)), 0);
  EXPECT_NE(naive_checksum(pseudo_v4(bad, l3, l4, n, proto)), 0);
}

void expect_l4_checksum_v6(const Frame& f, size_t l3, size_t l4, size_t n, uint8_t nh) {
  EXPECT_EQ(dp::l4_checksum_v6(&f[l3 + 8], &f[l3 + 24], nh, &f[l4], uint32_t(n)), 0);
  EXPECT_EQ(naive_checksum(pseudo_v6(f, l3, l4, n, nh)), 0);
  const Frame bad = flipped(f, l4 + n - 1, 0x01);
  EXPECT_NE(dp::l4_checksum_v6(&bad[l3 + 8], &bad[l3 + 24], nh, &bad[l4], uint32_t(n)), 0);
  EXPECT_NE(naive_checksum(pseudo_v6(bad, l3, l4, n, nh)), 0);
}

void expect_ipv4_header_checksum(const Frame& f, size_t l3) {
  const uint32_t ihl = (f[l3] & 0x0f) * 4u;
  EXPECT_EQ(dp::ipv4_header_checksum(&f[l3], ihl), 0);
  EXPECT_EQ(naive_checksum(bytes(f, l3, ihl)), 0);
}

// Golden frames: produced by scapy 2.5 from the same description, pasted here once.
TEST(PacketBuilderGolden, TcpSynIpv4VlanMss) {
  const Frame want = {
      0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x81, 0x00,
      0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x31, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
      0x9b, 0x6c, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0x9c, 0x40, 0x00, 0x50,
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0xff, 0xff, 0x65, 0x63,
      0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x02, 0x03, 0x04, 0x05,
  };
  const Frame got = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .vlan(100)
                        .ipv4("198.18.0.1", "198.18.1.1")
                        .ttl(64)
                        .ip_id(0x1234)
                        .dont_fragment()
                        .tcp(40000, 80, dp::kTcpSyn)
                        .seq(1)
                        .mss(1460)
                        .payload(5)
                        .build();
  EXPECT_EQ(got, want);
}

TEST(PacketBuilderGolden, NeighborSolicitWithSourceLladdr) {
  const Frame want = {
      0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x86, 0xdd, 0x60,
      0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x87, 0x00, 0x8e, 0x62, 0x00, 0x00,
      0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01,
  };
  const Frame got = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .neighbor_solicit("2001:db8::2", kMacA)
                        .build();
  EXPECT_EQ(got, want);
}

TEST(PacketBuilderGolden, GreWithChecksumKeySequence) {
  const Frame want = {
      0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x08, 0x00,
      0x45, 0x00, 0x00, 0x43, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f, 0xed, 0x64, 0xc6, 0x12,
      0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0xb0, 0x00, 0x08, 0x00, 0xc9, 0x3a, 0x00, 0x00,
      0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x07, 0x45, 0x00, 0x00, 0x1f, 0x00, 0x01,
      0x00, 0x00, 0x40, 0x11, 0xe9, 0xa6, 0xc6, 0x12, 0x02, 0x01, 0xc6, 0x12, 0x03, 0x01,
      0x13, 0x88, 0x17, 0x70, 0x00, 0x0b, 0x3f, 0xb7, 0x01, 0x02, 0x03,
  };
  const auto inner =
      PacketBuilder().ipv4("198.18.2.1", "198.18.3.1").ip_id(1).udp(5000, 6000).payload(3);
  const Frame got = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv4("198.18.0.1", "198.18.1.1")
                        .ip_id(1)
                        .gre(inner, {.checksum = true, .key = 0x1001, .seq = 7})
                        .build();
  EXPECT_EQ(got, want);
}

TEST(PacketBuilderChecksum, TcpIpv4OddPayload) {
  const Frame f = PacketBuilder()
                      .ipv4("198.18.0.1", "198.18.1.1")
                      .tcp(40000, 443, dp::kTcpAck | dp::kTcpPsh)
                      .seq(0x01020304)
                      .ack(0x0a0b0c0d)
                      .window(1024)
                      .payload(101)
                      .build();
  ASSERT_EQ(f.size(), 14u + 20 + 20 + 101);
  EXPECT_EQ(load_be16(&f[16]), 20 + 20 + 101);
  EXPECT_EQ(load_be32(&f[38]), 0x01020304u);
  EXPECT_EQ(load_be32(&f[42]), 0x0a0b0c0du);
  EXPECT_EQ(f[46], 5 << 4);
  EXPECT_EQ(f[47], dp::kTcpAck | dp::kTcpPsh);
  EXPECT_EQ(load_be16(&f[48]), 1024);
  expect_ipv4_header_checksum(f, 14);
  expect_l4_checksum_v4(f, 14, 34, 20 + 101, dp::kProtoTcp);
}

TEST(PacketBuilderChecksum, TcpIpv6WithMss) {
  const Frame f = PacketBuilder()
                      .ipv6("2001:db8::1", "2001:db8:1::1")
                      .tcp(40000, 80, dp::kTcpSyn)
                      .mss(1440)
                      .payload(7)
                      .build();
  ASSERT_EQ(f.size(), 14u + 40 + 24 + 7);
  EXPECT_EQ(load_be16(&f[18]), 24 + 7);  // payload length
  EXPECT_EQ(f[20], dp::kProtoTcp);
  EXPECT_EQ(f[54 + 12], 6 << 4);
  EXPECT_EQ(load_be16(&f[54 + 22]), 1440);
  expect_l4_checksum_v6(f, 14, 54, 24 + 7, dp::kProtoTcp);
}

TEST(PacketBuilderChecksum, UdpIpv4AndIpv6) {
  const Frame v4 =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(5000, 53).payload(33).build();
  EXPECT_EQ(load_be16(&v4[34 + 4]), 8 + 33);
  expect_ipv4_header_checksum(v4, 14);
  expect_l4_checksum_v4(v4, 14, 34, 8 + 33, dp::kProtoUdp);

  const Frame v6 =
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(5000, 53).payload(33).build();
  EXPECT_EQ(load_be16(&v6[18]), 8 + 33);
  EXPECT_EQ(load_be16(&v6[54 + 4]), 8 + 33);
  expect_l4_checksum_v6(v6, 14, 54, 8 + 33, dp::kProtoUdp);
}

// A UDP checksum that computes to 0 must go on the wire as 0xffff (RFC 768). Choose the two payload
// bytes that make it so: with payload 0000 the checksum is c, and adding the word c sums to 0xffff.
TEST(PacketBuilderChecksum, UdpZeroIsSentAsAllOnes) {
  const auto with = [](uint8_t hi, uint8_t lo) {
    const uint8_t p[2] = {hi, lo};
    return PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(1, 2).payload(p).build();
  };
  const uint16_t c = load_be16(&with(0, 0)[34 + 6]);
  const Frame f = with(uint8_t(c >> 8), uint8_t(c));
  EXPECT_EQ(load_be16(&f[34 + 6]), 0xffff);
  expect_l4_checksum_v4(f, 14, 34, 10, dp::kProtoUdp);
}

TEST(PacketBuilderChecksum, Ipv4HeaderWithOptions) {
  const Frame f = PacketBuilder()
                      .ipv4("198.18.0.1", "198.18.1.1")
                      .ipv4_options({1, 1, 7, 7, 4, 0, 0, 0, 0})  // 2 NOPs, record route, 1 slot
                      .udp(1, 2)
                      .build();
  EXPECT_EQ(f[14], 0x40 | 8);  // 20 + 12: 9 option bytes padded with EOL
  EXPECT_EQ(bytes(f, 14 + 20 + 9, 3), std::vector<uint8_t>(3, 0));
  EXPECT_EQ(load_be16(&f[16]), 32 + 8);
  expect_ipv4_header_checksum(f, 14);
  expect_l4_checksum_v4(f, 14, 46, 8, dp::kProtoUdp);
}

TEST(PacketBuilderChecksum, IcmpEchoIpv4HasNoPseudoHeader) {
  const Frame f =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").icmp_echo(true, 0x77, 3).payload(9).build();
  EXPECT_EQ(f[23], dp::kProtoIcmp);
  EXPECT_EQ(f[34], kIcmpEchoRequest);
  EXPECT_EQ(load_be16(&f[38]), 0x77);
  EXPECT_EQ(load_be16(&f[40]), 3);
  const auto icmp = bytes(f, 34, 8 + 9);
  EXPECT_EQ(dp::inet_checksum(icmp.data(), uint32_t(icmp.size())), 0);
  EXPECT_EQ(naive_checksum(icmp), 0);
}

TEST(PacketBuilderChecksum, Icmpv6EchoAndNeighborAdvert) {
  const Frame echo =
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").icmp_echo(false, 1, 2).payload(3).build();
  EXPECT_EQ(echo[20], dp::kProtoIcmpv6);
  EXPECT_EQ(echo[54], kIcmpv6EchoReply);
  expect_l4_checksum_v6(echo, 14, 54, 8 + 3, dp::kProtoIcmpv6);

  const Frame na = PacketBuilder()
                       .ipv6("2001:db8::2", "2001:db8::1")
                       .neighbor_advert("2001:db8::2", kMacB, kNaSolicited | kNaOverride)
                       .build();
  EXPECT_EQ(na[21], 255);  // hop limit required by RFC 4861
  EXPECT_EQ(na[54], kIcmpv6NeighborAdvert);
  EXPECT_EQ(na[58], kNaSolicited | kNaOverride);
  EXPECT_EQ(bytes(na, 62, 16), bytes(na, 22, 16));  // target == our source address
  EXPECT_EQ(na[78], 2);                             // target link-layer address option
  EXPECT_EQ(na[79], 1);
  EXPECT_EQ(bytes(na, 80, 6), std::vector<uint8_t>(kMacB.bytes.begin(), kMacB.bytes.end()));
  expect_l4_checksum_v6(na, 14, 54, 32, dp::kProtoIcmpv6);
}

TEST(PacketBuilderChecksum, NeighborSolicitFromUnspecifiedHasNoOption) {
  const Frame f = PacketBuilder()
                      .ipv6("::", "2001:db8::2")
                      .neighbor_solicit("2001:db8::2", std::nullopt)
                      .build();
  EXPECT_EQ(load_be16(&f[18]), 24);
  expect_l4_checksum_v6(f, 14, 54, 24, dp::kProtoIcmpv6);
}

TEST(PacketBuilderLayout, GreWithoutOptionsCarriesIpv6) {
  const auto inner = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(4);
  const Frame f = PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").gre(inner).build();
  EXPECT_EQ(f[23], dp::kProtoGre);
  EXPECT_EQ(load_be16(&f[34]), 0);  // no C/K/S, version 0
  EXPECT_EQ(load_be16(&f[36]), dp::kEtherIpv6);
  EXPECT_EQ(bytes(f, 38, f.size() - 38), inner.build_l3());
}

TEST(PacketBuilderLayout, GreKeyOnly) {
  const auto inner = PacketBuilder().ipv4("198.18.2.1", "198.18.3.1").udp(1, 2);
  const Frame f =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").gre(inner, {.key = 0xdeadbeef}).build();
  EXPECT_EQ(load_be16(&f[34]), 0x2000);
  EXPECT_EQ(load_be32(&f[38]), 0xdeadbeefu);
  expect_ipv4_header_checksum(f, 42);
  expect_l4_checksum_v4(f, 42, 62, 8, dp::kProtoUdp);
}

TEST(PacketBuilderLayout, IpInIpPicksProtocolByInnerFamily) {
  const auto in4 = PacketBuilder().ipv4("198.18.2.1", "198.18.3.1").udp(1, 2);
  const auto in6 = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2);
  const Frame a = PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").ip_in_ip(in4).build();
  const Frame b = PacketBuilder().ipv6("2001:db8::a", "2001:db8::b").ip_in_ip(in6).build();
  EXPECT_EQ(a[23], dp::kProtoIpip);
  EXPECT_EQ(bytes(a, 34, a.size() - 34), in4.build_l3());
  EXPECT_EQ(b[20], dp::kProtoIpv6);
  EXPECT_EQ(load_be16(&b[18]), 48);
  EXPECT_EQ(bytes(b, 54, b.size() - 54), in6.build_l3());
}

TEST(PacketBuilderLayout, EspNativeAndOverUdp) {
  const Frame native =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").esp(0x1000, 9).payload(16).build();
  EXPECT_EQ(native[23], dp::kProtoEsp);
  EXPECT_EQ(load_be32(&native[34]), 0x1000u);
  EXPECT_EQ(load_be32(&native[38]), 9u);
  EXPECT_EQ(native.size(), 34u + 8 + 16);

  const Frame encap = PacketBuilder()
                          .ipv4("198.18.0.1", "198.18.1.1")
                          .udp(4500, 4500)
                          .esp(0x1000, 9)
                          .payload(16)
                          .build();
  EXPECT_EQ(encap[23], dp::kProtoUdp);
  EXPECT_EQ(load_be16(&encap[38]), 8 + 8 + 16);
  EXPECT_EQ(load_be32(&encap[42]), 0x1000u);
  EXPECT_EQ(load_be32(&encap[46]), 9u);
  expect_l4_checksum_v4(encap, 14, 34, 32, dp::kProtoUdp);
}

TEST(PacketBuilderLayout, NatTraversalKeepaliveAndMarker) {
  const Frame ka =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(4500, 4500).nat_keepalive().build();
  EXPECT_EQ(load_be16(&ka[38]), 9);
  EXPECT_EQ(ka.back(), 0xff);
  const Frame ike = PacketBuilder()
                        .ipv4("198.18.0.1", "198.18.1.1")
                        .udp(4500, 4500)
                        .non_esp_marker()
                        .payload(28)
                        .build();
  EXPECT_EQ(load_be16(&ike[38]), 8 + 4 + 28);
  EXPECT_EQ(load_be32(&ike[42]), 0u);
  EXPECT_NE(ike[46], 0);  // the pattern payload never starts with zero
}

TEST(PacketBuilderLayout, VlanTagsOutermostFirst) {
  const Frame f = PacketBuilder()
                      .vlan(200, 0, dp::kEtherQinQ)
                      .vlan(100, 5)
                      .ipv4("198.18.0.1", "198.18.1.1")
                      .build();
  EXPECT_EQ(load_be16(&f[12]), dp::kEtherQinQ);
  EXPECT_EQ(load_be16(&f[14]), 200);
  EXPECT_EQ(load_be16(&f[16]), dp::kEtherVlan);
  EXPECT_EQ(load_be16(&f[18]), 5 << 13 | 100);
  EXPECT_EQ(load_be16(&f[20]), dp::kEtherIpv4);
  expect_ipv4_header_checksum(f, 22);
}

TEST(PacketBuilderLayout, ArpRequestPaddedToMinimum) {
  const MacAddr bcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  const Frame f = PacketBuilder()
                      .eth(kMacA, bcast)
                      .arp(kArpRequest, kMacA, "198.18.0.1", MacAddr{}, "198.18.0.2")
                      .pad_to(60)
                      .build();
  ASSERT_EQ(f.size(), 60u);
  EXPECT_EQ(load_be16(&f[12]), dp::kEtherArp);
  const std::vector<uint8_t> want = {0,   1,  8, 0, 6, 4, 0, 1, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01,
                                     198, 18, 0, 1, 0, 0, 0, 0, 0,    0,    198,  18,   0,    2};
  EXPECT_EQ(bytes(f, 14, 28), want);
  EXPECT_EQ(bytes(f, 42, 18), std::vector<uint8_t>(18, 0));
}

TEST(PacketBuilderLayout, Ipv4FragmentFields) {
  const Frame first =
      PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").ip_id(7).fragment(0, true).udp(1, 2).build();
  EXPECT_EQ(load_be16(&first[20]), 0x2000);
  const Frame last = PacketBuilder()
                         .ipv4("198.18.0.1", "198.18.1.1")
                         .dont_fragment()
                         .fragment(1480, false)
                         .ip_proto(dp::kProtoUdp)
                         .payload(10)
                         .build();
  EXPECT_EQ(load_be16(&last[20]), 0x4000 | 185);
  EXPECT_EQ(load_be16(&last[16]), 30);
  expect_ipv4_header_checksum(last, 14);
}

TEST(PacketBuilderLayout, Ipv6ExtensionChainAndFragmentHeader) {
  const Frame f = PacketBuilder()
                      .ipv6("2001:db8::1", "2001:db8::2")
                      .ip_id(0x4242)
                      .ipv6_ext(dp::kProtoHopOpts)
                      .ipv6_ext(dp::kProtoDstOpts, std::vector<uint8_t>(10, 0))
                      .fragment(8, true)
                      .udp(1, 2)
                      .build();
  EXPECT_EQ(f[20], dp::kProtoHopOpts);
  EXPECT_EQ(f[54], dp::kProtoDstOpts);  // hop-by-hop: next header, 8 bytes
  EXPECT_EQ(f[55], 0);
  EXPECT_EQ(f[62], dp::kProtoFragment);  // destination options: 2 + 10 -> 16 bytes
  EXPECT_EQ(f[63], 1);
  EXPECT_EQ(f[78], dp::kProtoUdp);  // fragment header
  EXPECT_EQ(load_be16(&f[80]), 8 | 1);
  EXPECT_EQ(load_be32(&f[82]), 0x4242u);
  EXPECT_EQ(load_be16(&f[18]), 8 + 16 + 8 + 8);
}

TEST(PacketBuilderLayout, Ipv6WithoutUpperLayerSaysNoNextHeader) {
  const Frame f =
      PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").ipv6_ext(dp::kProtoDstOpts).build();
  EXPECT_EQ(f[20], dp::kProtoDstOpts);
  EXPECT_EQ(f[54], 59);
}

TEST(PacketBuilderCorrupt, TruncateAndFlip) {
  const Frame f = PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(1, 2).build();
  const Frame t = truncated(f, 20);
  EXPECT_EQ(t, bytes(f, 0, 20));
  EXPECT_EQ(t.capacity(), 20u);  // exact allocation, so ASan sees reads past the end
  EXPECT_EQ(truncated(f, 1000), f);
  const Frame x = flipped(f, 22, 0x0f);
  EXPECT_EQ(x[22], f[22] ^ 0x0f);
  EXPECT_THROW(flipped(f, f.size()), std::out_of_range);
}

TEST(PacketBuilderCorrupt, FixIpv4ChecksumAfterPatch) {
  Frame f = PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(1, 2).build();
  f[22] = 1;  // TTL
  EXPECT_NE(dp::ipv4_header_checksum(&f[14], 20), 0);
  fix_ipv4_checksum(f, 14);
  expect_ipv4_header_checksum(f, 14);
}

TEST(PacketBuilderMisuse, ThrowsOnOrderAndInput) {
  EXPECT_THROW(PacketBuilder().tcp(1, 2, 0), std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(1, 2).mss(1400),
               std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").udp(1, 2).tcp(1, 2, 0),
               std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0.1", "2001:db8::1"), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0", "198.18.1.1"), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv6("198.18.0.1", "198.18.1.1"), std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").fragment(12, true),
               std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv4("198.18.0.1", "198.18.1.1").ipv6_ext(0), std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(65535).build(),
               std::length_error);
}

}  // namespace
}  // namespace sysplex::testing
