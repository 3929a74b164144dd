// Unit tests of the layered parser: each layer on valid bytes, every prefix of valid frames, every
// malformed input mapped to its exact Drop reason, the checksum helpers, and a seeded fuzz loop.
#include "dataplane/parse/parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <random>
#include <set>
#include <string>

#include "tests/support/packet_builder.h"

namespace sysplex::dp {
namespace {

using sysplex::testing::Frame;
using sysplex::testing::PacketBuilder;
using sysplex::testing::truncated;

constexpr std::string_view kA4 = "198.18.0.1", kB4 = "198.18.1.1";
constexpr std::string_view kA6 = "2001:db8::1", kB6 = "2001:db8::2";
constexpr uint32_t kL4v4 = kEthHdrLen + kIpv4HdrLen;  // untagged, no options
constexpr uint32_t kL4v6 = kEthHdrLen + kIpv6HdrLen;

PacketBuilder v4() { return PacketBuilder().ipv4(kA4, kB4); }
PacketBuilder v6() { return PacketBuilder().ipv6(kA6, kB6); }

PacketBuilder v6_with_dstopts(size_t n) {
  PacketBuilder b = v6();
  for (size_t i = 0; i < n; ++i) b.ipv6_ext(kProtoDstOpts);
  return b;
}

Drop parse(const Frame& f, PacketDesc& d, bool verify_csum = true) {
  return parse_frame(f.data(), uint32_t(f.size()), d, verify_csum);
}

bool addr_is(const uint8_t* a, std::string_view text) {
  const IpAddr ip = *parse_ip(text);
  return std::equal(a, a + (ip.v6 ? 16 : 4), ip.bytes.begin());
}

Frame patched(Frame f, size_t off, uint8_t v) {
  f.at(off) = v;
  return f;
}

Frame patched16(Frame f, size_t off, uint16_t v) {
  f.at(off) = uint8_t(v >> 8);
  f.at(off + 1) = uint8_t(v);
  return f;
}

uint16_t naive_checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i += 2) {
    sum += uint32_t(p[i]) << 8 | (i + 1 < n ? p[i + 1] : 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return uint16_t(~sum);
}

// ---- byte order and checksums -------------------------------------------------------------------

TEST(ByteOrder, UnalignedLoadsAndStores) {
  uint8_t b[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(load_be16(b + 1), 0x0102);
  EXPECT_EQ(load_be32(b + 3), 0x03040506u);
  store_be16(b + 5, 0xabcd);
  store_be32(b + 1, 0x11223344);
  EXPECT_EQ(b[1], 0x11);
  EXPECT_EQ(b[4], 0x44);
  EXPECT_EQ(load_be16(b + 5), 0xabcd);
}

TEST(Checksum, MatchesNaiveAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(260);
  for (auto& x : buf) x = uint8_t(rng());
  for (uint32_t off = 0; off < 4; ++off)
    for (uint32_t n = 0; n <= 256; ++n)
      ASSERT_EQ(inet_checksum(buf.data() + off, n), naive_checksum(buf.data() + off, n))
          << "off " << off << " len " << n;
}

// The 20-byte IPv4 header's native-order fast path gives the general sum's value, at every
// alignment, for random headers and for the edge words (all zero, all ones).
TEST(Checksum, Ipv4HeaderFastPathMatchesTheGeneralSum) {
  std::mt19937 rng(11);
  std::vector<uint8_t> buf(24);
  for (int i = 0; i < 200000; ++i) {
    uint8_t fill = i == 0 ? 0x00 : i == 1 ? 0xff : 0;
    for (auto& x : buf) x = i < 2 ? fill : uint8_t(rng());
    uint32_t off = uint32_t(i) % 4;
    ASSERT_EQ(ipv4_header_checksum(buf.data() + off, 20), naive_checksum(buf.data() + off, 20)) << "iteration " << i;
  }
}

// The TTL decrement's checksum shortcut equals the general incremental update (RFC 1624 eqn. 3)
// for every checksum value and every TTL it can meet.
TEST(Checksum, TtlDecrementMatchesTheGeneralUpdateExhaustively) {
  uint8_t ip[20] = {};
  for (uint32_t ttl = 2; ttl <= 255; ttl += 1)
    for (uint32_t csum = 0; csum <= 0xffff; ++csum) {
      ip[8] = uint8_t(ttl);
      ip[9] = 6;
      store_be16(ip + 10, uint16_t(csum));
      const uint16_t old_word = load_be16(ip + 8);
      const uint16_t want = csum_update16(uint16_t(csum), old_word, uint16_t(old_word - 0x100));
      ipv4_decrement_ttl(ip);
      ASSERT_EQ(ip[8], ttl - 1);
      ASSERT_EQ(load_be16(ip + 10), want) << "ttl " << ttl << " checksum " << csum;
    }
}

// Folding is reduction mod 0xffff with a non-zero sum never folding to 0 (ones-complement -0).
TEST(Checksum, FoldIsEndAroundCarryOfAnyWidth) {
  const auto reference = [](uint64_t x) -> uint16_t {
    const uint64_t r = x % 0xffff;
    return uint16_t(r != 0 ? r : (x != 0 ? 0xffff : 0));
  };
  std::mt19937_64 rng(3);
  std::vector<uint64_t> xs = {
      0,    1, 0xffff, 0x10000, 0x1fffe, 0xffffffff, 0x000100000000ffffull, 0x00010000ffffffffull,
      ~0ull};
  for (int i = 0; i < 100000; ++i) xs.push_back(rng() >> (rng() % 64));
  for (uint64_t x : xs) ASSERT_EQ(csum_fold(x), reference(x)) << std::hex << x;
}

TEST(Checksum, EvenPiecesChain) {
  std::vector<uint8_t> buf(101);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i * 37 + 11);
  const uint64_t chained =
      csum_add(csum_add(csum_add(0, buf.data(), 6), buf.data() + 6, 40), buf.data() + 46, 55);
  EXPECT_EQ(uint16_t(~csum_fold(chained)), inet_checksum(buf.data(), 101));
}

TEST(Checksum, IncrementalUpdatesEqualRecompute) {
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    Frame f = v4().ttl(uint8_t(rng())).ip_id(uint16_t(rng())).tos(uint8_t(rng())).udp(1, 2).build();
    uint8_t* ip = &f[kEthHdrLen];
    const uint16_t new_id = uint16_t(rng());
    const uint32_t new_src = 0xc6120000u | (rng() & 0x1ffff);  // inside 198.18.0.0/15
    uint16_t c = csum_update16(load_be16(ip + 10), load_be16(ip + 4), new_id);
    c = csum_update32(c, load_be32(ip + 12), new_src);
    store_be16(ip + 4, new_id);
    store_be32(ip + 12, new_src);
    store_be16(ip + 10, 0);
    ASSERT_EQ(c, ipv4_header_checksum(ip, kIpv4HdrLen)) << "iteration " << i;
  }
}

TEST(Checksum, DecrementTtlPatchesChecksum) {
  for (int ttl : {2, 64, 128, 255}) {
    Frame f = v4().ttl(uint8_t(ttl)).tcp(1, 2, kTcpSyn).build();
    ipv4_decrement_ttl(&f[kEthHdrLen]);
    EXPECT_EQ(f[kEthHdrLen + 8], ttl - 1);
    EXPECT_EQ(ipv4_header_checksum(&f[kEthHdrLen], kIpv4HdrLen), 0) << "ttl " << ttl;
    EXPECT_EQ(f, v4().ttl(uint8_t(ttl - 1)).tcp(1, 2, kTcpSyn).build());
  }
}

// A NAT-style port rewrite keeps the UDP checksum valid when patched through csum_update16.
TEST(Checksum, PortRewriteKeepsL4ChecksumValid) {
  Frame f = v4().udp(40000, 4500).payload(20).build();
  uint8_t* udp = &f[kL4v4];
  store_be16(udp + 6, csum_update16(load_be16(udp + 6), load_be16(udp), 1025));
  store_be16(udp, 1025);
  EXPECT_EQ(l4_checksum_v4(&f[26], &f[30], kProtoUdp, udp, 28), 0);
}

// ---- Ethernet -----------------------------------------------------------------------------------

TEST(ParseEth, UntaggedUnicast) {
  const Frame f = v4().build();
  PacketDesc d;
  ASSERT_EQ(parse_eth(f.data(), uint32_t(f.size()), d), Drop::kNone);
  EXPECT_EQ(d.ethertype, kEtherIpv4);
  EXPECT_EQ(d.l3_off, 14);
  EXPECT_EQ(d.vlan, 0);
  EXPECT_EQ(d.flags, 0);
}

TEST(ParseEth, OneTagKeepsIdWithoutPriority) {
  const Frame f = PacketBuilder().vlan(100, 5).ipv6(kA6, kB6).build();
  PacketDesc d;
  ASSERT_EQ(parse_eth(f.data(), uint32_t(f.size()), d), Drop::kNone);
  EXPECT_EQ(d.flags, kFlagVlan);
  EXPECT_EQ(d.vlan, 100);
  EXPECT_EQ(d.ethertype, kEtherIpv6);
  EXPECT_EQ(d.l3_off, 18);
}

TEST(ParseEth, PriorityTagIsVlanZero) {
  const Frame f = PacketBuilder().vlan(0, 3).ipv4(kA4, kB4).build();
  PacketDesc d;
  ASSERT_EQ(parse_eth(f.data(), uint32_t(f.size()), d), Drop::kNone);
  EXPECT_EQ(d.flags, kFlagVlan);
  EXPECT_EQ(d.vlan, 0);
}

TEST(ParseEth, BroadcastAndMulticastAreExclusive) {
  const MacAddr src{{0x02, 0, 0, 0, 0, 1}};
  const struct {
    MacAddr dst;
    uint16_t want;
  } cases[] = {
      {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, kFlagBroadcastMac},
      {{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x05}}, kFlagMulticastMac},
      {{{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}}, kFlagMulticastMac},
      {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}}, kFlagMulticastMac},
      {{{0x02, 0xff, 0xff, 0xff, 0xff, 0xff}}, 0},
  };
  for (const auto& c : cases) {
    const Frame f = PacketBuilder().eth(src, c.dst).ipv4(kA4, kB4).build();
    PacketDesc d;
    ASSERT_EQ(parse_eth(f.data(), uint32_t(f.size()), d), Drop::kNone);
    EXPECT_EQ(d.flags, c.want) << to_string(c.dst);
  }
}

// ---- ARP ----------------------------------------------------------------------------------------

// Literal bytes, not the builder: an ARP reply padded to the Ethernet minimum.
TEST(ParseArp, ReplyFromBytes) {
  const uint8_t f[60] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00,
                         0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
                         0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 198,  18,   0,    1,    0x02,
                         0x00, 0x5e, 0x10, 0x00, 0x02, 198,  18,   0,    2};
  PacketDesc d;
  ASSERT_EQ(parse_frame(f, sizeof f, d), Drop::kNone);
  EXPECT_EQ(d.l3, L3::kArp);
  EXPECT_EQ(d.arp_op, 2);
  EXPECT_EQ(d.l3_len, 28);
  EXPECT_TRUE(addr_is(d.src, "198.18.0.1"));
  EXPECT_TRUE(addr_is(d.dst, "198.18.0.2"));
}

// ---- IPv4 ---------------------------------------------------------------------------------------

// Literal bytes (scapy output): VLAN 100, TCP SYN with MSS and 5 bytes of data.
TEST(ParseIpv4, TcpSynFromBytes) {
  const uint8_t f[] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01,
                       0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x31, 0x12, 0x34,
                       0x40, 0x00, 0x40, 0x06, 0x9b, 0x6c, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
                       0x01, 0x01, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                       0x00, 0x00, 0x60, 0x02, 0xff, 0xff, 0x65, 0x63, 0x00, 0x00, 0x02, 0x04,
                       0x05, 0xb4, 0x01, 0x02, 0x03, 0x04, 0x05};
  PacketDesc d;
  ASSERT_EQ(parse_frame(f, sizeof f, d), Drop::kNone);
  EXPECT_EQ(d.flags, kFlagVlan | kFlagL4Valid);  // DF alone is not a fragment
  EXPECT_EQ(d.vlan, 100);
  EXPECT_EQ(d.l3, L3::kIpv4);
  EXPECT_EQ(d.l3_off, 18);
  EXPECT_EQ(d.l3_len, 49);
  EXPECT_EQ(d.ttl, 64);
  EXPECT_EQ(d.l4_proto, kProtoTcp);
  EXPECT_EQ(d.l4_off, 38);
  EXPECT_EQ(d.payload_off, 62);
  EXPECT_TRUE(addr_is(d.src, "198.18.0.1"));
  EXPECT_TRUE(addr_is(d.dst, "198.18.1.1"));
  EXPECT_EQ(d.sport, 40000);
  EXPECT_EQ(d.dport, 80);
  EXPECT_EQ(d.tcp_flags, kTcpSyn);
}

TEST(ParseIpv4, LayerAloneAtAnyOffset) {
  const Frame f = v4().ttl(9).udp(1, 2).payload(3).build();
  PacketDesc d;
  d.l3_off = kEthHdrLen;
  ASSERT_EQ(parse_ipv4(f.data(), uint32_t(f.size()), d, true), Drop::kNone);
  EXPECT_EQ(d.l3, L3::kIpv4);
  EXPECT_EQ(d.l3_len, 31);
  EXPECT_EQ(d.ttl, 9);
  EXPECT_EQ(d.l4_proto, kProtoUdp);
  EXPECT_EQ(d.l4_off, kL4v4);
  EXPECT_EQ(d.flags, 0);
}

TEST(ParseIpv4, EthernetPaddingIsIgnored) {
  const Frame f = v4().udp(1, 2).payload(2).pad_to(60).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l3_len, 30);
  EXPECT_EQ(d.payload_off, kL4v4 + 8);
}

TEST(ParseIpv4, WellFormedOptions) {
  // NOP, router alert (RFC 2113), record route with one empty slot, EOL padding.
  const Frame f = v4().ipv4_options({1, 148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0}).udp(1, 2).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.flags, kFlagIpOptions | kFlagL4Valid);
  EXPECT_EQ(d.l4_off, kL4v4 + 12);
  EXPECT_EQ(d.dport, 2);
}

TEST(ParseIpv4, ChecksumSkippedWhenTheNicVerified) {
  const Frame f = sysplex::testing::flipped(v4().udp(1, 2).build(), kEthHdrLen + 10, 0x01);
  PacketDesc d;
  EXPECT_EQ(parse(f, d, true), Drop::kBadIpv4Checksum);
  EXPECT_EQ(parse(f, d, false), Drop::kNone);
}

TEST(ParseIpv4, Fragments) {
  const struct {
    const char* name;
    Frame f;
    uint16_t flags;
  } cases[] = {
      {"first", v4().fragment(0, true).udp(1, 2).payload(64).build(),
       kFlagFragment | kFlagFirstFragment | kFlagL4Valid},
      {"middle", v4().fragment(1480, true).ip_proto(kProtoUdp).payload(64).build(), kFlagFragment},
      {"last", v4().fragment(2960, false).ip_proto(kProtoUdp).payload(3).build(), kFlagFragment},
      {"df only", v4().dont_fragment().udp(1, 2).build(), kFlagL4Valid},
  };
  for (const auto& c : cases) {
    PacketDesc d;
    ASSERT_EQ(parse(c.f, d), Drop::kNone) << c.name;
    EXPECT_EQ(d.flags, c.flags) << c.name;
    EXPECT_EQ(d.l4_proto, kProtoUdp) << c.name;
    if (!(c.flags & kFlagL4Valid)) {
      EXPECT_EQ(d.payload_off, d.l4_off) << c.name;
    }
  }
}

// A first fragment's UDP length is the whole datagram's: larger than the fragment is fine, but not
// for an unfragmented packet.
TEST(ParseIpv4, UdpLengthBeyondFirstFragment) {
  const Frame frag =
      patched16(v4().fragment(0, true).udp(1, 2).payload(64).build(), kL4v4 + 4, 3000);
  const Frame whole = patched16(v4().udp(1, 2).payload(64).build(), kL4v4 + 4, 3000);
  PacketDesc d;
  EXPECT_EQ(parse(frag, d), Drop::kNone);
  EXPECT_EQ(parse(whole, d), Drop::kBadUdpLength);
}

// RFC 1858: a first fragment too short for the TCP header is refused, not passed on with no ports.
TEST(ParseIpv4, TinyFirstFragmentIsTruncatedTcp) {
  const Frame f = v4().fragment(0, true).ip_proto(kProtoTcp).payload(8).build();
  PacketDesc d;
  EXPECT_EQ(parse(f, d), Drop::kTruncatedTcp);
}

TEST(ParseIpv4, IpInIpInnerHeaderParsesWithTheSameLayer) {
  const Frame f =
      v4().ip_in_ip(PacketBuilder().ipv4("198.18.2.1", "198.18.3.1").tcp(7, 8, kTcpAck)).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, kProtoIpip);
  EXPECT_EQ(d.l4_off, kL4v4);
  EXPECT_EQ(d.payload_off, kL4v4);
  EXPECT_FALSE(d.flags & kFlagL4Valid);

  PacketDesc inner;
  inner.l3_off = d.l4_off;
  ASSERT_EQ(parse_ipv4(f.data(), uint32_t(f.size()), inner, true), Drop::kNone);
  ASSERT_EQ(parse_l4(f.data(), uint32_t(f.size()), inner), Drop::kNone);
  EXPECT_TRUE(addr_is(inner.src, "198.18.2.1"));
  EXPECT_EQ(inner.dport, 8);
}

// ---- IPv6 ---------------------------------------------------------------------------------------

TEST(ParseIpv6, TcpFields) {
  const Frame f = v6().ttl(33).tcp(40000, 443, kTcpSyn | kTcpAck).mss(1220).payload(10).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l3, L3::kIpv6);
  EXPECT_EQ(d.l3_len, 40 + 24 + 10);
  EXPECT_EQ(d.ttl, 33);
  EXPECT_TRUE(addr_is(d.src, kA6));
  EXPECT_TRUE(addr_is(d.dst, kB6));
  EXPECT_EQ(d.l4_proto, kProtoTcp);
  EXPECT_EQ(d.l4_off, kL4v6);
  EXPECT_EQ(d.payload_off, kL4v6 + 24);
  EXPECT_EQ(d.sport, 40000);
  EXPECT_EQ(d.tcp_flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(d.flags, kFlagL4Valid);
}

TEST(ParseIpv6, ExtensionChainToUpperLayer) {
  const Frame f = v6().ipv6_ext(kProtoHopOpts, {5, 2, 0, 0})        // router alert
                      .ipv6_ext(kProtoRouting, {4, 0, 0, 0, 0, 0})  // SRH type 4, segments left 0
                      .ipv6_ext(kProtoDstOpts, std::vector<uint8_t>(14, 0))
                      .udp(1, 2)
                      .build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, kProtoUdp);
  EXPECT_EQ(d.l4_off, kL4v6 + 8 + 8 + 16);
  EXPECT_EQ(d.flags, kFlagIpOptions | kFlagL4Valid);
}

TEST(ParseIpv6, ExtensionHeaderLimitIsInclusive) {
  const Frame f = v6_with_dstopts(kMaxIpv6ExtHeaders).udp(1, 2).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_off, kL4v6 + 8 * kMaxIpv6ExtHeaders);
  EXPECT_EQ(d.dport, 2);
}

TEST(ParseIpv6, FragmentHeader) {
  const struct {
    const char* name;
    Frame f;
    uint16_t flags;
  } cases[] = {
      {"first", v6().fragment(0, true).udp(1, 2).payload(64).build(),
       kFlagIpOptions | kFlagFragment | kFlagFirstFragment | kFlagL4Valid},
      {"middle", v6().fragment(1232, true).ip_proto(kProtoUdp).payload(64).build(),
       kFlagIpOptions | kFlagFragment},
      {"atomic (RFC 6946)", v6().fragment(0, false).udp(1, 2).build(),
       kFlagIpOptions | kFlagL4Valid},
  };
  for (const auto& c : cases) {
    PacketDesc d;
    ASSERT_EQ(parse(c.f, d), Drop::kNone) << c.name;
    EXPECT_EQ(d.flags, c.flags) << c.name;
    EXPECT_EQ(d.l4_proto, kProtoUdp) << c.name;
    EXPECT_EQ(d.l4_off, kL4v6 + 8) << c.name;
  }
}

TEST(ParseIpv6, AhAndNoNextHeaderEndTheWalk) {
  for (uint8_t proto : {uint8_t(51), uint8_t(59)}) {
    const Frame f = v6().ip_proto(proto).payload(24).build();
    PacketDesc d;
    ASSERT_EQ(parse(f, d), Drop::kNone);
    EXPECT_EQ(d.l4_proto, proto);
    EXPECT_EQ(d.l4_off, kL4v6);
    EXPECT_EQ(d.payload_off, kL4v6);
    EXPECT_EQ(d.flags, 0);
  }
}

TEST(ParseIpv6, Ipv6InIpv6) {
  const Frame f =
      v6().ip_in_ip(PacketBuilder().ipv6("2001:db8:5::1", "2001:db8:6::1").udp(5, 6)).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, kProtoIpv6);
  EXPECT_EQ(d.l4_off, kL4v6);
  EXPECT_FALSE(d.flags & kFlagL4Valid);
  PacketDesc inner;
  inner.l3_off = d.l4_off;
  ASSERT_EQ(parse_ipv6(f.data(), uint32_t(f.size()), inner), Drop::kNone);
  EXPECT_TRUE(addr_is(inner.dst, "2001:db8:6::1"));
}

// ---- L4 -----------------------------------------------------------------------------------------

TEST(ParseL4, UdpPort4500Classes) {
  const struct {
    const char* name;
    Frame f;
    uint16_t flag;
    uint32_t payload_off;
  } cases[] = {
      {"keepalive", v4().udp(4500, 4500).nat_keepalive().build(), kFlagNatKeepalive, kL4v4 + 8},
      {"ike marker", v4().udp(4500, 4500).non_esp_marker().payload(28).build(), kFlagNonEspMarker,
       kL4v4 + 8},
      {"esp", v4().udp(4500, 4500).esp(0x1234, 77).payload(32).build(), kFlagUdpEncapEsp,
       kL4v4 + 16},
      {"esp from nat", v4().udp(31000, 4500).esp(0x1234, 77).build(), kFlagUdpEncapEsp, kL4v4 + 16},
      {"esp to nat", v6().udp(4500, 31000).esp(0x1234, 77).build(), kFlagUdpEncapEsp, kL4v6 + 16},
      {"esp spi starting 0xff", v4().udp(4500, 4500).esp(0xff001234, 77).build(), kFlagUdpEncapEsp,
       kL4v4 + 16},
      {"port 4501 is plain udp", v4().udp(4501, 4501).payload(9).build(), 0, kL4v4 + 8},
  };
  for (const auto& c : cases) {
    PacketDesc d;
    ASSERT_EQ(parse(c.f, d), Drop::kNone) << c.name;
    EXPECT_EQ(d.flags, kFlagL4Valid | c.flag) << c.name;
    EXPECT_EQ(d.payload_off, c.payload_off) << c.name;
    if (c.flag == kFlagUdpEncapEsp) {
      EXPECT_EQ(d.spi & 0xffff, 0x1234u) << c.name;
      EXPECT_EQ(d.esp_seq, 77u) << c.name;
    }
  }
}

TEST(ParseL4, NativeEsp) {
  const Frame f = v6().esp(0xc0ffee, 5).payload(48).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, kProtoEsp);
  EXPECT_EQ(d.spi, 0xc0ffeeu);
  EXPECT_EQ(d.esp_seq, 5u);
  EXPECT_EQ(d.payload_off, kL4v6 + 8);
  EXPECT_EQ(d.flags, kFlagL4Valid);
}

TEST(ParseL4, IcmpTypes) {
  PacketDesc d;
  ASSERT_EQ(parse(v4().icmp_echo(true, 1, 1).build(), d), Drop::kNone);
  EXPECT_EQ(d.icmp_type, 8);
  EXPECT_EQ(d.payload_off, kL4v4 + 8);
  EXPECT_TRUE(d.flags & kFlagL4Valid);
  ASSERT_EQ(parse(v4().icmp(3, 4, 1400).payload(28).build(), d), Drop::kNone);  // frag needed
  EXPECT_EQ(d.icmp_type, 3);
  EXPECT_EQ(d.icmp_code, 4);
  ASSERT_EQ(parse(v6().neighbor_solicit(kB6, MacAddr{{2, 0, 0, 0, 0, 1}}).build(), d), Drop::kNone);
  EXPECT_EQ(d.icmp_type, 135);
  EXPECT_EQ(d.ttl, 255);
  // Each ICMP's protocol number in the other family is no ICMP at all: no header is read.
  ASSERT_EQ(parse(v6().ip_proto(kProtoIcmp).payload(8).build(), d), Drop::kNone);
  EXPECT_FALSE(d.flags & kFlagL4Valid);
  ASSERT_EQ(parse(v4().ip_proto(kProtoIcmpv6).payload(8).build(), d), Drop::kNone);
  EXPECT_FALSE(d.flags & kFlagL4Valid);
}

TEST(ParseL4, GreOptionalFields) {
  const auto inner = PacketBuilder().ipv6("2001:db8:7::1", "2001:db8:8::1").udp(1, 2);
  const struct {
    const char* name;
    sysplex::testing::GreOptions opts;
    uint32_t hdr_len;
  } cases[] = {
      {"plain", {}, 4},
      {"key", {.key = 42}, 8},
      {"csum+key+seq", {.checksum = true, .key = 42, .seq = 9}, 16},
      {"csum+seq", {.checksum = true, .seq = 9}, 12},
  };
  for (const auto& c : cases) {
    const Frame f = v4().gre(inner, c.opts).build();
    PacketDesc d;
    ASSERT_EQ(parse(f, d), Drop::kNone) << c.name;
    EXPECT_EQ(d.gre_proto, kEtherIpv6) << c.name;
    EXPECT_EQ(d.payload_off, kL4v4 + c.hdr_len) << c.name;
    EXPECT_EQ(bool(d.flags & kFlagGreKey), c.opts.key.has_value()) << c.name;
    EXPECT_EQ(d.gre_key, c.opts.key.value_or(0)) << c.name;
    PacketDesc in;
    in.l3_off = d.payload_off;
    ASSERT_EQ(parse_ipv6(f.data(), uint32_t(f.size()), in), Drop::kNone) << c.name;
    EXPECT_TRUE(addr_is(in.src, "2001:db8:7::1")) << c.name;
  }
}

TEST(ParseL4, UnknownProtocolHasNoHeader) {
  const Frame f = v4().ip_proto(132).payload(16).build();  // SCTP
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, 132);
  EXPECT_EQ(d.payload_off, kL4v4);
  EXPECT_EQ(d.flags, 0);
}

// A descriptor whose l4_off points past the packet reads nothing.
TEST(ParseL4, InconsistentOffsetReadsNothing) {
  const Frame f = v4().udp(1, 2).build();
  PacketDesc d;
  ASSERT_EQ(parse(f, d), Drop::kNone);
  d.l4_off = 5000;
  EXPECT_EQ(parse_l4(f.data(), uint32_t(f.size()), d), Drop::kTruncatedUdp);
}

// ---- every malformed input and its exact reason -------------------------------------------------

struct BadCase {
  std::string name;
  Frame frame;
  Drop want;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

std::vector<BadCase> bad_cases() {
  const Frame udp4 = v4().udp(1000, 2000).payload(8).build();
  const Frame tcp4 = v4().tcp(1000, 80, kTcpSyn).build();
  const Frame arp =
      PacketBuilder().arp(1, MacAddr{}, "198.18.0.1", MacAddr{}, "198.18.0.2").build();
  const Frame gre = v4().gre(PacketBuilder().ipv4("198.18.2.1", "198.18.3.1")).build();
  const uint8_t gre_key_cut[] = {0x20, 0x00, 0x08, 0x00, 0, 0};  // K bit set, key cut after 2 bytes
  return {
      {"TruncatedEth", truncated(udp4, 13), Drop::kTruncatedEth},
      {"TruncatedVlan", truncated(PacketBuilder().vlan(7).ipv4(kA4, kB4).build(), 17),
       Drop::kTruncatedVlan},
      {"TruncatedArp", truncated(arp, 41), Drop::kTruncatedArp},
      {"BadArpHardwareType", patched(arp, 15, 6), Drop::kBadArp},
      {"BadArpProtocolType", patched16(arp, 16, kEtherIpv6), Drop::kBadArp},
      {"BadArpHardwareLength", patched(arp, 18, 8), Drop::kBadArp},
      {"BadArpProtocolLength", patched(arp, 19, 16), Drop::kBadArp},
      {"BadArpOpcode", patched16(arp, 20, 3), Drop::kBadArp},
      {"TruncatedIpv4Header", truncated(udp4, 33), Drop::kTruncatedIpv4},
      {"TruncatedIpv4Options", truncated(patched(udp4, 14, 0x4f), 14 + 40), Drop::kTruncatedIpv4},
      {"TruncatedIpv4TotalLength", patched16(udp4, 16, 37), Drop::kTruncatedIpv4},
      {"BadIpv4Version", patched(udp4, 14, 0x65), Drop::kBadIpv4Version},
      {"BadIpv4Ihl", patched(udp4, 14, 0x44), Drop::kBadIpv4Ihl},
      {"BadIpv4TotalBelowIhl", patched16(udp4, 16, 19), Drop::kBadIpv4Length},
      {"BadIpv4Checksum", patched(udp4, 24, udp4[24] ^ 0x80), Drop::kBadIpv4Checksum},
      {"BadIpv4OptionLengthOne", v4().ipv4_options({7, 1}).build(), Drop::kBadIpv4Options},
      {"BadIpv4OptionPastHeader", v4().ipv4_options({7, 9, 4, 0}).build(), Drop::kBadIpv4Options},
      // Three NOPs, then a timestamp option cut before its length byte.
      {"BadIpv4OptionWithoutLength", v4().ipv4_options({1, 1, 1, 0x44}).build(),
       Drop::kBadIpv4Options},
      {"TruncatedIpv6Header", truncated(v6().build(), 53), Drop::kTruncatedIpv6},
      {"TruncatedIpv6Payload", truncated(v6().udp(1, 2).payload(9).build(), 70),
       Drop::kTruncatedIpv6},
      {"BadIpv6Version", patched(v6().build(), 14, 0x40), Drop::kBadIpv6Version},
      {"BadIpv6LengthOver64K", v6().udp(1, 2).payload(65500).build(), Drop::kBadIpv6Length},
      {"BadIpv6HopByHopNotFirst",
       v6().ipv6_ext(kProtoDstOpts).ipv6_ext(kProtoHopOpts).udp(1, 2).build(),
       Drop::kBadIpv6ExtHeader},
      {"BadIpv6TooManyExtHeaders", v6_with_dstopts(kMaxIpv6ExtHeaders + 1).udp(1, 2).build(),
       Drop::kBadIpv6ExtHeader},
      {"BadIpv6ExtHeaderPastPayload",
       patched(v6().ipv6_ext(kProtoDstOpts).udp(1, 2).build(), 55, 5), Drop::kBadIpv6ExtHeader},
      {"BadIpv6ExtHeaderUnder8Bytes", v6().ip_proto(kProtoDstOpts).payload(4).build(),
       Drop::kBadIpv6ExtHeader},
      {"BadIpv6FirstFragmentEndsInChain",
       v6().fragment(0, true).ip_proto(kProtoRouting).payload(6).build(), Drop::kBadIpv6ExtHeader},
      {"TruncatedIcmp", v4().ip_proto(kProtoIcmp).payload(4).build(), Drop::kTruncatedIcmp},
      {"TruncatedIcmpv6", v6().ip_proto(kProtoIcmpv6).payload(7).build(), Drop::kTruncatedIcmp},
      {"TruncatedTcp", v4().ip_proto(kProtoTcp).payload(19).build(), Drop::kTruncatedTcp},
      {"BadTcpOffsetBelow5", patched(tcp4, kL4v4 + 12, 0x40), Drop::kBadTcpOffset},
      {"BadTcpOffsetPastPacket", patched(tcp4, kL4v4 + 12, 0x60), Drop::kBadTcpOffset},
      {"TruncatedUdp", v6().ip_proto(kProtoUdp).payload(7).build(), Drop::kTruncatedUdp},
      {"BadUdpLengthBelowHeader", patched16(udp4, kL4v4 + 4, 7), Drop::kBadUdpLength},
      {"BadUdpLengthPastPacket", patched16(udp4, kL4v4 + 4, 17), Drop::kBadUdpLength},
      {"TruncatedGre", v4().ip_proto(kProtoGre).payload(3).build(), Drop::kTruncatedGre},
      {"TruncatedGreKey", v4().ip_proto(kProtoGre).payload(gre_key_cut).build(),
       Drop::kTruncatedGre},
      {"BadGreVersion1", patched(gre, kL4v4 + 1, 0x01), Drop::kBadGre},
      {"BadGreRoutingBit", patched(gre, kL4v4, 0x40), Drop::kBadGre},
      {"BadGreRecursion", patched(gre, kL4v4, 0x04), Drop::kBadGre},
      {"TruncatedEsp", v4().ip_proto(kProtoEsp).payload(7).build(), Drop::kTruncatedEsp},
      {"TruncatedUdpEsp", v4().udp(4500, 4500).payload(7).build(), Drop::kTruncatedEsp},
      {"Udp4500Empty", v4().udp(4500, 4500).build(), Drop::kTruncatedEsp},
      {"Udp4500OneByteNotKeepalive",
       patched(v4().udp(4500, 4500).nat_keepalive().build(), kL4v4 + 8, 0xfe), Drop::kTruncatedEsp},
      {"StackedVlan8021ad",
       PacketBuilder().vlan(200, 0, kEtherQinQ).vlan(100).ipv4(kA4, kB4).build(),
       Drop::kStackedVlan},
      {"StackedVlanDouble8021q", PacketBuilder().vlan(200).vlan(100).ipv4(kA4, kB4).build(),
       Drop::kStackedVlan},
      {"UnsupportedEthertypeLldp", PacketBuilder().ethertype(0x88cc).payload(30).build(),
       Drop::kUnsupportedEthertype},
      {"Unsupported8023Length", PacketBuilder().ethertype(46).payload(46).build(),
       Drop::kUnsupportedEthertype},
  };
}

class ParseMalformed : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseMalformed, MapsToItsReason) {
  PacketDesc d;
  EXPECT_EQ(drop_name(parse(GetParam().frame, d)), drop_name(GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseMalformed, ::testing::ValuesIn(bad_cases()),
                         [](const auto& info) { return info.param.name; });

// The table above names every parse reason, so a reason added to Drop without a test fails here.
TEST(ParseMalformedTable, CoversEveryParseReason) {
  std::set<Drop> seen;
  for (const auto& c : bad_cases()) seen.insert(c.want);
  for (auto r = uint8_t(Drop::kTruncatedEth); r <= uint8_t(Drop::kUnsupportedEthertype); ++r)
    EXPECT_TRUE(seen.count(Drop(r))) << drop_name(Drop(r));
}

// ---- every prefix of valid frames ---------------------------------------------------------------

struct Fixture {
  const char* name;
  Frame frame;
};

std::vector<Fixture> valid_fixtures() {
  const auto gre_inner = PacketBuilder().ipv6("2001:db8:7::1", "2001:db8:8::1").tcp(1, 2, kTcpSyn);
  const MacAddr mac{{0x02, 0, 0x5e, 0x10, 0, 1}};
  return {
      {"tcp4 vlan mss", PacketBuilder()
                            .vlan(100)
                            .ipv4(kA4, kB4)
                            .tcp(40000, 80, kTcpSyn)
                            .mss(1460)
                            .payload(20)
                            .build()},
      {"tcp6 ext headers", v6().ipv6_ext(kProtoHopOpts)
                               .ipv6_ext(kProtoDstOpts, {1, 2})
                               .tcp(1, 2, kTcpAck)
                               .payload(9)
                               .build()},
      {"udp-esp4", v4().udp(4500, 4500).esp(0x100, 1).payload(40).build()},
      {"udp-esp6", v6().udp(4500, 4500).esp(0x100, 1).payload(40).build()},
      {"nat keepalive", v4().udp(4500, 4500).nat_keepalive().pad_to(60).build()},
      {"ike marker", v4().udp(500, 4500).non_esp_marker().payload(28).build()},
      {"gre key", v4().gre(gre_inner, {.key = 7}).build()},
      {"gre csum seq", v6().gre(gre_inner, {.checksum = true, .seq = 3}).build()},
      {"esp6", v6().esp(0x200, 2).payload(24).build()},
      {"icmp echo padded", v4().icmp_echo(true, 1, 2).pad_to(60).build()},
      {"icmp6 ns", v6().neighbor_solicit(kB6, mac).build()},
      {"arp padded",
       PacketBuilder().arp(1, mac, "198.18.0.1", MacAddr{}, "198.18.0.2").pad_to(60).build()},
      {"ipv4 options", v4().ipv4_options({1, 7, 3, 4}).udp(1, 2).payload(5).build()},
      {"ipv4 middle fragment", v4().fragment(8, true).ip_proto(kProtoTcp).payload(16).build()},
      {"ipv6 first fragment", v6().fragment(0, true).udp(1, 2).payload(16).build()},
      {"ipv6 last fragment", v6().fragment(1024, false).ip_proto(kProtoUdp).payload(4).build()},
      {"4in4", v4().ip_in_ip(PacketBuilder().ipv4("198.18.2.1", "198.18.3.1").udp(1, 2)).build()},
      {"6in6",
       v6().ip_in_ip(PacketBuilder().ipv6("2001:db8:7::1", "2001:db8:8::1").udp(1, 2)).build()},
  };
}

// Where a prefix of p bytes must stop, given the descriptor of the whole frame.
Drop expected_for_prefix(const PacketDesc& full, uint32_t p) {
  if (p < kEthHdrLen) return Drop::kTruncatedEth;
  if ((full.flags & kFlagVlan) && p < kEthHdrLen + kVlanTagLen) return Drop::kTruncatedVlan;
  if (p >= uint32_t(full.l3_off + full.l3_len)) return Drop::kNone;  // only padding was cut
  switch (full.l3) {
    case L3::kArp: return Drop::kTruncatedArp;
    case L3::kIpv4: return Drop::kTruncatedIpv4;
    default: return Drop::kTruncatedIpv6;
  }
}

// Each prefix is its own exact-size allocation, so under ASan any read past it aborts the test.
TEST(ParseTruncation, EveryPrefixOfValidFrames) {
  for (const auto& fx : valid_fixtures()) {
    PacketDesc full;
    ASSERT_EQ(parse(fx.frame, full), Drop::kNone) << fx.name;
    for (uint32_t p = 0; p <= fx.frame.size(); ++p) {
      const Frame prefix = truncated(fx.frame, p);
      PacketDesc d;
      const Drop want = expected_for_prefix(full, p);
      ASSERT_EQ(drop_name(parse(prefix, d)), drop_name(want)) << fx.name << " prefix " << p;
      if (want == Drop::kNone) {
        ASSERT_EQ(d, full) << fx.name << " prefix " << p;
      }
    }
  }
}

// ---- fuzz ---------------------------------------------------------------------------------------

// What any accepted frame guarantees to later stages: every offset inside the frame and ordered.
::testing::AssertionResult consistent(const Frame& f, const PacketDesc& d, Drop r) {
  if (r > Drop::kUnsupportedEthertype) return ::testing::AssertionFailure() << "non-parse reason";
  if (r != Drop::kNone) return ::testing::AssertionSuccess();
  const uint32_t end = d.l3_off + d.l3_len;
  if (d.l3 == L3::kNone || end > f.size())
    return ::testing::AssertionFailure() << "l3 end " << end << " > " << f.size();
  if (d.l3 != L3::kArp &&
      !(d.l3_off < d.l4_off && d.l4_off <= d.payload_off && d.payload_off <= end))
    return ::testing::AssertionFailure()
           << "offsets " << d.l3_off << " " << d.l4_off << " " << d.payload_off << " end " << end;
  return ::testing::AssertionSuccess();
}

// 100k random and mutated frames (fixed seed): no crash, no out-of-bounds read (ASan), and every
// accepted frame consistent. Half skip the IPv4 checksum so mutations reach the upper layers.
TEST(ParseFuzz, RandomAndMutatedFrames) {
  const std::vector<Fixture> seeds = valid_fixtures();
  const uint16_t types[] = {kEtherIpv4, kEtherIpv6, kEtherArp, kEtherVlan};
  std::mt19937 rng(0x5ca1ab1e);
  uint32_t accepted_with_l4 = 0;
  for (uint32_t i = 0; i < 100000; ++i) {
    Frame f;
    if (i % 4 == 0) {
      f.resize(rng() % 160);
      for (auto& b : f) b = uint8_t(rng());
      if (f.size() >= 15) {
        store_be16(&f[12], types[rng() % 4]);
        f[14] = uint8_t(rng() % 2 ? 0x45 : 0x60);
      }
    } else {
      f = seeds[rng() % seeds.size()].frame;
      for (uint32_t m = rng() % 4 + 1; m > 0; --m)
        f[rng() % std::min<size_t>(f.size(), 96)] ^= uint8_t(rng() | 1);
      if (i % 3 == 0) f = truncated(f, rng() % (f.size() + 1));
    }
    PacketDesc d;
    const Drop r = parse(f, d, i % 2 == 0);
    ASSERT_TRUE(consistent(f, d, r)) << "iteration " << i;
    if (r == Drop::kNone && (d.flags & kFlagL4Valid)) ++accepted_with_l4;
  }
  EXPECT_GT(accepted_with_l4, 10000u);  // the mutations did reach and pass the L4 layer
}

}  // namespace
}  // namespace sysplex::dp
