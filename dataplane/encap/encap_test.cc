#include "dataplane/encap/encap.h"

#include <gtest/gtest.h>

#include "dataplane/parse/parse.h"
#include "tests/support/packet_builder.h"

namespace sysplex::encap {
namespace {

using testing::Frame;
using testing::PacketBuilder;

std::array<uint8_t, 16> addr(const char* text) { return parse_ip(text)->bytes; }

TEST(Encap, Gre4MatchesTheBuildersFrameByteForByte) {
  PacketBuilder inner;
  inner.ipv4("198.18.1.100", "198.19.10.1").tcp(40000, 80, dp::kTcpAck).payload(100);
  Frame inner_pkt = inner.build_l3();
  OuterTemplate t = gre4_template(addr("198.18.0.1").data(), addr("198.18.0.3").data(), 0x01020304);
  ASSERT_EQ(t.len, kGre4Overhead);
  Frame out(t.len + inner_pkt.size());
  std::copy(inner_pkt.begin(), inner_pkt.end(), out.begin() + t.len);
  write_outer(out.data(), t, uint16_t(inner_pkt.size()));

  PacketBuilder want;
  want.ipv4("198.18.0.1", "198.18.0.3").dont_fragment().gre(inner, {.key = 0x01020304});
  EXPECT_EQ(out, want.build_l3());
  EXPECT_EQ(dp::ipv4_header_checksum(out.data(), 20), 0);
}

TEST(Encap, Ip6Ip6MatchesTheBuildersFrame) {
  PacketBuilder inner;
  inner.ipv6("2001:db8:1::100", "2001:db8:10::1").tcp(40000, 80, dp::kTcpSyn).mss(1440);
  Frame inner_pkt = inner.build_l3();
  OuterTemplate t = ip6ip6_template(addr("2001:db8::1").data(), addr("2001:db8::3").data());
  Frame out(t.len + inner_pkt.size());
  std::copy(inner_pkt.begin(), inner_pkt.end(), out.begin() + t.len);
  write_outer(out.data(), t, uint16_t(inner_pkt.size()));
  PacketBuilder want;
  want.ipv6("2001:db8::1", "2001:db8::3").ip_in_ip(inner);
  EXPECT_EQ(out, want.build_l3());
}

TEST(Encap, MssFor) {
  EXPECT_EQ(mss_for(1500, kGre4Overhead, false), 1432);
  EXPECT_EQ(mss_for(1500, kIp6Ip6Overhead, true), 1400);
}

// The clamped SYN equals one built with the smaller MSS: value and checksum both right.
TEST(Encap, ClampLowersALargerMssAndFixesTheChecksum) {
  Frame syn = PacketBuilder().ipv4("198.18.1.100", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn).mss(1460).build_l3();
  Frame want = PacketBuilder().ipv4("198.18.1.100", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn).mss(1432).build_l3();
  EXPECT_TRUE(clamp_mss(syn.data() + 20, uint32_t(syn.size() - 20), 1432));
  EXPECT_EQ(syn, want);
  EXPECT_FALSE(clamp_mss(syn.data() + 20, uint32_t(syn.size() - 20), 1432));  // already small enough
  Frame v6 = PacketBuilder().ipv6("2001:db8:1::1", "2001:db8:10::1").tcp(1, 80, dp::kTcpSyn).mss(9000).build_l3();
  Frame v6want = PacketBuilder().ipv6("2001:db8:1::1", "2001:db8:10::1").tcp(1, 80, dp::kTcpSyn).mss(1400).build_l3();
  EXPECT_TRUE(clamp_mss(v6.data() + 40, uint32_t(v6.size() - 40), 1400));
  EXPECT_EQ(v6, v6want);
}

// An MSS option after a single NOP sits at an odd offset; the checksum must still verify.
TEST(Encap, ClampAtAnOddOffset) {
  Frame p = PacketBuilder().ipv4("198.18.1.100", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn).mss(1460).mss(1460).build_l3();
  uint8_t* tcp = p.data() + 20;
  // Rewrite the options as NOP, MSS(1460), NOP, NOP, NOP and fix the checksum from scratch.
  uint8_t opts[8] = {1, 2, 4, 0x05, 0xb4, 1, 1, 1};
  std::memcpy(tcp + 20, opts, 8);
  tcp[16] = tcp[17] = 0;
  dp::store_be16(tcp + 16, dp::l4_checksum_v4(p.data() + 12, p.data() + 16, 6, tcp, uint32_t(p.size() - 20)));
  ASSERT_TRUE(clamp_mss(tcp, uint32_t(p.size() - 20), 1000));
  EXPECT_EQ(dp::load_be16(tcp + 23), 1000);
  EXPECT_EQ(dp::l4_checksum_v4(p.data() + 12, p.data() + 16, 6, tcp, uint32_t(p.size() - 20)), 0);
}

TEST(Encap, ClampLeavesMalformedOptionsAlone) {
  Frame p = PacketBuilder().ipv4("198.18.1.100", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn).mss(1460).build_l3();
  uint8_t* tcp = p.data() + 20;
  Frame before = p;
  tcp[21] = 40;  // option length past the header
  Frame bad = p;
  EXPECT_FALSE(clamp_mss(tcp, uint32_t(p.size() - 20), 1000));
  EXPECT_EQ(p, bad);
  tcp[21] = 0;  // zero length
  EXPECT_FALSE(clamp_mss(tcp, uint32_t(p.size() - 20), 1000));
  tcp[21] = 4;
  tcp[12] = 0xf0;  // data offset past the segment
  EXPECT_FALSE(clamp_mss(tcp, uint32_t(p.size() - 20), 1000));
  tcp[12] = 0x40;  // data offset below 20 bytes
  EXPECT_FALSE(clamp_mss(tcp, uint32_t(p.size() - 20), 1000));
  for (uint32_t n = 0; n < before.size() - 20; ++n) {  // truncated segments: never read past n
    Frame t(before.begin() + 20, before.begin() + 20 + n);
    clamp_mss(t.data(), n, 1000);
  }
  EXPECT_FALSE(clamp_mss(tcp, 10, 1000));
}

}  // namespace
}  // namespace sysplex::encap
