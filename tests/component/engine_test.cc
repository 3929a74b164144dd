// Component tests: a real node (Engine + control) under EAL on in-process wires, driven one poll at
// a time. Frames go in on the far end of a wire and come out byte-exact, built by the packet builder.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <memory>

#include "config/profile_parser.h"
#include "control/node/node.h"
#include "control/node/replies.h"
#include "dataplane/engine/eal.h"
#include "dataplane/engine/wire.h"
#include "tests/support/component_main.h"
#include "tests/support/far_end.h"
#include "tests/support/packet_builder.h"

namespace sysplex {
namespace {

using testing::Frame;
using testing::PacketBuilder;

constexpr const char* kProfile = R"(
NODENAME COMP%s
NODEADDR 198.18.0.1
PORT lan0 DEVICE "wire:c%s0:a"
PORT lan1 DEVICE "wire:c%s1:a"
PORTADDR lan0 198.18.1.1/24
PORTADDR lan0 2001:db8:1::1/64
PORTADDR lan1 198.18.2.1/24
ROUTE 198.19.0.0/16 VIA 198.18.2.2
ROUTE 198.19.128.0/17 VIA 198.18.2.9
NEIGHBOR 198.18.2.2 02:00:00:00:02:02
WORKERS 1
MEMPOOL MBUFS 2047 CACHE 32
VIPADYNAMIC
  VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 198.18.5.5
ENDVIPADYNAMIC
)";

const MacAddr kHostMac = *parse_mac("02:00:00:00:01:02");
const MacAddr kNextHopMac = *parse_mac("02:00:00:00:02:02");

using testing::FarEnd;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int instance = 0;
    std::string id = std::to_string(++instance);
    char text[1024];
    std::snprintf(text, sizeof text, kProfile, id.c_str(), id.c_str(), id.c_str());
    auto parsed = config::parse_profile_text(text, "component");
    ASSERT_TRUE(parsed.ok()) << parsed.error_text();
    auto n = node::Node::create(parsed.profile(), 1, [] { return now_ms; });
    ASSERT_TRUE(n.ok()) << n.error().message;
    node_ = std::move(*n);
    host_mac_ = MacAddr{dp::wire_mac("wire:c" + id + "0:b")};
    lan0_.open("wire:c" + id + "0:b", node_->engine().pool());
    lan1_.open("wire:c" + id + "1:b", node_->engine().pool());
    port0_mac_ = MacAddr{node_->engine().ports()[0].mac};
    port1_mac_ = MacAddr{node_->engine().ports()[1].mac};
    cycle();
    lan0_.receive();  // drop start-up ARP/ND resolution traffic
    lan1_.receive();
  }
  void TearDown() override { node_.reset(); }

  // One round: the worker polls, control handles punts, the worker drains again.
  void cycle() {
    node_->engine().poll_once_quiescent(0);
    node_->poll();
    node_->engine().poll_once_quiescent(0);
  }

  static inline uint64_t now_ms = 1000;
  std::unique_ptr<node::Node> node_;
  FarEnd lan0_, lan1_;
  MacAddr port0_mac_, port1_mac_, host_mac_;
};

TEST_F(EngineTest, AnswersArpForPortAddress) {
  lan0_.send(PacketBuilder().eth(kHostMac, *parse_mac("ff:ff:ff:ff:ff:ff"))
                 .arp(1, kHostMac, "198.18.1.2", MacAddr{}, "198.18.1.1").build());
  cycle();
  auto out = lan0_.receive();
  ASSERT_EQ(out.size(), 1u);
  Frame want = PacketBuilder().eth(port0_mac_, kHostMac).arp(2, port0_mac_, "198.18.1.1", kHostMac, "198.18.1.2").build();
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(node_->control_counters().arp_replies, 1u);
}

TEST_F(EngineTest, AnswersArpForDefinedDvipa) {
  lan0_.send(PacketBuilder().eth(host_mac_, *parse_mac("ff:ff:ff:ff:ff:ff"))
                 .arp(1, host_mac_, "198.18.1.2", MacAddr{}, "198.18.5.5").build());
  cycle();
  auto out = lan0_.receive();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], PacketBuilder().eth(port0_mac_, host_mac_).arp(2, port0_mac_, "198.18.5.5", host_mac_, "198.18.1.2").build());
}

TEST_F(EngineTest, IgnoresArpForOtherAddresses) {
  lan0_.send(PacketBuilder().eth(kHostMac, *parse_mac("ff:ff:ff:ff:ff:ff"))
                 .arp(1, kHostMac, "198.18.1.2", MacAddr{}, "198.18.1.77").build());
  cycle();
  EXPECT_TRUE(lan0_.receive().empty());
  EXPECT_EQ(node_->control_counters().arp_replies, 0u);
}

TEST_F(EngineTest, AnswersEchoToNodeAddress) {
  lan0_.send(PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.18.0.1").ttl(64)
                 .icmp_echo(true, 7, 1).payload(24).build());
  cycle();
  auto out = lan0_.receive();
  ASSERT_EQ(out.size(), 1u);
  Frame want = PacketBuilder().eth(port0_mac_, kHostMac).ipv4("198.18.0.1", "198.18.1.2").ttl(64)
                   .icmp_echo(false, 7, 1).payload(24).build();
  EXPECT_EQ(out[0], want);
}

TEST_F(EngineTest, AnswersNeighborSolicitation) {
  lan0_.send(PacketBuilder().eth(kHostMac, *parse_mac("33:33:ff:00:00:01"))
                 .ipv6("2001:db8:1::2", "ff02::1:ff00:1").neighbor_solicit("2001:db8:1::1", kHostMac).build());
  cycle();
  auto out = lan0_.receive();
  ASSERT_EQ(out.size(), 1u);
  Frame want = PacketBuilder().eth(port0_mac_, kHostMac).ipv6("2001:db8:1::1", "2001:db8:1::2")
                   .neighbor_advert("2001:db8:1::1", port0_mac_, 0x60).build();
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(node_->control_counters().nd_replies, 1u);
}

TEST_F(EngineTest, ForwardsRoutedPacketByteExact) {
  auto in = PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.19.0.10").ttl(64).udp(4000, 9).payload(32);
  lan0_.send(in.build());
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 1u);
  Frame want = PacketBuilder().eth(port1_mac_, kNextHopMac).ipv4("198.18.1.2", "198.19.0.10").ttl(63).udp(4000, 9).payload(32).build();
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(node_->engine().totals().forwarded, 1u);
}

TEST_F(EngineTest, CountsEveryDropByReasonAndCountersAddUp) {
  lan0_.send(PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.20.0.1").udp(1, 2).build());  // no route
  lan0_.send(PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.19.0.10").ttl(1).udp(1, 2).build());
  lan0_.send(PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.19.200.1").udp(1, 2).build());  // unresolved
  Frame good = PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.19.0.10").tcp(1, 2, 0x02).build();
  lan0_.send(Frame(good.begin(), good.begin() + 30));  // truncated IPv4 header
  Frame bad_csum = good;
  bad_csum[24] ^= 0xff;
  lan0_.send(bad_csum);
  lan0_.send(PacketBuilder().eth(kHostMac, port0_mac_).ethertype(0x88b5).payload(50).build());
  lan0_.send(good);
  cycle();
  auto t = node_->engine().totals();
  EXPECT_EQ(t.drops[size_t(dp::Drop::kNoRoute)], 1u);
  EXPECT_EQ(t.drops[size_t(dp::Drop::kTtlExpired)], 1u);
  EXPECT_EQ(t.drops[size_t(dp::Drop::kNoNeighbor)], 1u);
  EXPECT_EQ(t.drops[size_t(dp::Drop::kTruncatedIpv4)], 1u);
  EXPECT_EQ(t.drops[size_t(dp::Drop::kBadIpv4Checksum)], 1u);
  EXPECT_EQ(t.drops[size_t(dp::Drop::kUnsupportedEthertype)], 1u);
  EXPECT_EQ(t.forwarded, 1u);
  EXPECT_EQ(t.rx_pkts, 7u);
  EXPECT_EQ(t.rx_pkts + t.from_local, t.forwarded + t.delivered + t.punted + t.to_control + t.dropped());
  EXPECT_EQ(lan1_.receive().size(), 1u);
}

TEST_F(EngineTest, LearnedNeighborResolvesNextHopAndRepublishes) {
  auto to_far = PacketBuilder().eth(kHostMac, port0_mac_).ipv4("198.18.1.2", "198.19.200.1").udp(5, 6).build();
  lan0_.send(to_far);
  cycle();
  EXPECT_TRUE(lan1_.receive().empty());  // 198.18.2.9 unknown yet
  uint64_t gen = node_->engine().snapshot()->generation;
  MacAddr nine = *parse_mac("02:00:00:00:02:09");
  lan1_.send(PacketBuilder().eth(nine, port1_mac_).arp(2, nine, "198.18.2.9", port1_mac_, "198.18.2.1").build());
  cycle();
  EXPECT_GT(node_->engine().snapshot()->generation, gen);
  lan0_.send(to_far);
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Frame(out[0].begin(), out[0].begin() + 6), Frame(nine.bytes.begin(), nine.bytes.end()));
}

// The neighbour discovery messages control sends: a solicitation to the target's solicited-node
// group (resolving a next hop) and an unsolicited advertisement to all nodes (a DVIPA that moved).
TEST_F(EngineTest, BuildsNeighborSolicitationAndUnsolicitedAdvertByteExact) {
  const node::Mac mac = port1_mac_.bytes;
  auto frame = [](rte_mbuf* m) {
    auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    Frame f(p, p + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
    return f;
  };
  const IpAddr source = *parse_ip("2001:db8:2::1"), target = *parse_ip("2001:db8:2::9");
  rte_mbuf* ns = node::build_ns(node_->engine().pool(), mac, source.bytes.data(), target.bytes.data());
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(frame(ns), PacketBuilder().eth(port1_mac_, *parse_mac("33:33:ff:00:00:09"))
                           .ipv6("2001:db8:2::1", "ff02::1:ff00:9").neighbor_solicit("2001:db8:2::9", port1_mac_).build());
  rte_mbuf* na = node::build_unsolicited_na(node_->engine().pool(), mac, target.bytes.data());
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(frame(na), PacketBuilder().eth(port1_mac_, *parse_mac("33:33:00:00:00:01"))
                           .ipv6("2001:db8:2::9", "ff02::1").neighbor_advert("2001:db8:2::9", port1_mac_, 0x20).build());
}

TEST_F(EngineTest, SendsArpRequestForUnresolvedNextHop) {
  now_ms += 5000;  // past the resolution interval
  node_->poll();
  auto out = lan1_.receive();
  ASSERT_FALSE(out.empty());
  Frame want = PacketBuilder().eth(port1_mac_, *parse_mac("ff:ff:ff:ff:ff:ff"))
                   .arp(1, port1_mac_, "198.18.2.1", MacAddr{}, "198.18.2.9").build();
  EXPECT_EQ(out[0], want);
}

}  // namespace
}  // namespace sysplex

int main(int argc, char** argv) { return sysplex::testing::run_component_tests(argc, argv, "comp"); }
