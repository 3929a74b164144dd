// Component tests of the sysplex distributor's data path: a real node (Engine + control) under EAL
// on in-process wires. Clients send on lan0; targets live on lan1, one on the shared segment
// (direct path: MAC rewrite) and one behind a router (VIPAROUTE: GRE / IPv6-in-IPv6). Outputs are
// compared byte for byte with frames from the packet builder.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "config/profile_parser.h"
#include "control/node/node.h"
#include "dataplane/dist/flow_hash.h"
#include "dataplane/dist/maglev.h"
#include "dataplane/engine/eal.h"
#include "dataplane/parse/parse.h"
#include "tests/support/component_main.h"
#include "tests/support/far_end.h"
#include "tests/support/packet_builder.h"

namespace sysplex {
namespace {

using testing::FarEnd;
using testing::Frame;
using testing::PacketBuilder;
using dp::Drop;

constexpr const char* kDistributorProfile = R"(
NODENAME DIST%s
NODEADDR 198.18.2.1
NODEADDR 2001:db8:2::1
PORT lan0 DEVICE "wire:d%s0:a"
PORT lan1 DEVICE "wire:d%s1:a"
PORTADDR lan0 198.18.1.1/24
PORTADDR lan0 2001:db8:1::1/64
PORTADDR lan1 198.18.2.1/24
PORTADDR lan1 2001:db8:2::1/64
NEIGHBOR 198.18.2.2 02:00:00:00:02:02
NEIGHBOR 198.18.2.254 02:00:00:00:02:fe
NEIGHBOR 2001:db8:2::2 02:00:00:00:02:02
NEIGHBOR 2001:db8:2::fe 02:00:00:00:02:fe
NEIGHBOR 198.18.1.100 02:00:00:00:01:64
ROUTE 198.18.3.0/24 VIA 198.18.2.254
ROUTE 2001:db8:3::/64 VIA 2001:db8:2::fe
WORKERS 1
MEMPOOL MBUFS 4095 CACHE 32
CONNTABLE ENTRIES 4096 SYNTIMEOUT 5 IDLETIMEOUT 30 FINTIMEOUT 10 RSTTIMEOUT 2
VIPADYNAMIC
  VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 198.19.10.1
  VIPADEFINE /128 2001:db8:10::1
  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN 198.19.10.1 PORT 80 DESTIP 198.18.2.2 198.18.2.3
  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN 198.19.10.1 PORT 81 DESTIP 198.18.2.3
  VIPADISTRIBUTE DISTMETHOD ROUNDROBIN 2001:db8:10::1 PORT 80 DESTIP 2001:db8:2::2 2001:db8:2::3
  VIPAROUTE DEFINE 198.18.2.3 198.18.3.3
  VIPAROUTE DEFINE 2001:db8:2::3 2001:db8:3::3
ENDVIPADYNAMIC
)";

const MacAddr kClientMac = *parse_mac("02:00:00:00:01:64");
const MacAddr kT2Mac = *parse_mac("02:00:00:00:02:02");
const MacAddr kRouterMac = *parse_mac("02:00:00:00:02:fe");
const char* kClient = "198.18.1.100";
const char* kDvipa = "198.19.10.1";
const char* kClient6 = "2001:db8:1::100";
const char* kDvipa6 = "2001:db8:10::1";

uint64_t g_now_ms = 1000;
uint64_t test_clock() { return g_now_ms; }

std::unique_ptr<node::Node> make_node(const char* profile_fmt, const std::string& id) {
  char text[4096];
  std::snprintf(text, sizeof text, profile_fmt, id.c_str(), id.c_str(), id.c_str());
  auto parsed = config::parse_profile_text(text, "component");
  EXPECT_TRUE(parsed.ok()) << parsed.error_text();
  auto n = node::Node::create(parsed.profile(), 1, test_clock);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(*n) : nullptr;
}

class DistributorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int instance = 0;
    std::string id = std::to_string(++instance);
    g_now_ms = 1000;
    node_ = make_node(kDistributorProfile, id);
    ASSERT_NE(node_, nullptr);
    node_->set_listener_scan([](const auto& wanted) {
      std::vector<distributor::ListenerReport> r;
      for (const auto& [a, p] : wanted) r.push_back({a, p, true});
      return Result<std::vector<distributor::ListenerReport>>(r);
    });
    lan0_.open("wire:d" + id + "0:b", node_->engine().pool());
    lan1_.open("wire:d" + id + "1:b", node_->engine().pool());
    port0_mac_ = MacAddr{node_->engine().ports()[0].mac};
    port1_mac_ = MacAddr{node_->engine().ports()[1].mac};
    ready("198.18.2.2", kDvipa, true);
    ready("198.18.2.3", kDvipa, true);
    ready("2001:db8:2::2", kDvipa6, true);
    ready("2001:db8:2::3", kDvipa6, true);
    cycle();
    lan0_.receive();
    lan1_.receive();
  }
  void TearDown() override { node_.reset(); }

  void ready(const char* target, const char* dvipa, bool is_ready) {
    node_->on_listener_report(*parse_ip(target), "T", {{*parse_ip(dvipa), 80, is_ready}});
  }
  void cycle() {
    node_->engine().poll_once_quiescent(0);
    node_->poll();
    node_->engine().poll_once_quiescent(0);
  }
  PacketBuilder from_client(uint16_t sport, uint8_t flags, uint8_t ttl = 64) {
    PacketBuilder b;
    b.eth(kClientMac, port0_mac_).ipv4(kClient, kDvipa).ttl(ttl).tcp(sport, 80, flags);
    return b;
  }
  dp::CounterTotals totals() { return node_->engine().totals(); }
  uint64_t drops(Drop d) { return totals().drops[size_t(d)]; }
  const conn::ConnTable& table() { return node_->engine().conn_table(0); }

  std::unique_ptr<node::Node> node_;
  FarEnd lan0_, lan1_;
  MacAddr port0_mac_, port1_mac_;
};

// One DVIPA, two definitions (port 80 to both targets, port 81 to .3 only): each port's row takes
// its targets' readiness from its own definition, not from the DVIPA's last one.
TEST_F(DistributorTest, EachPortsRowJudgesReadinessByItsOwnDefinition) {
  node_->on_listener_report(*parse_ip("198.18.2.2"), "T2", {{*parse_ip(kDvipa), 80, true}, {*parse_ip(kDvipa), 81, false}});
  node_->on_listener_report(*parse_ip("198.18.2.3"), "T3", {{*parse_ip(kDvipa), 80, true}, {*parse_ip(kDvipa), 81, true}});
  cycle();
  std::map<std::pair<uint16_t, std::string>, bool> seen;
  for (const auto& row : node_->distributor().service_rows())
    if (row.dvipa == *parse_ip(kDvipa))
      for (const auto& t : row.targets) seen[{row.port, to_string(t.xcf)}] = t.state.ready;
  std::map<std::pair<uint16_t, std::string>, bool> want{
      {{80, "198.18.2.2"}, true}, {{80, "198.18.2.3"}, true}, {{81, "198.18.2.3"}, true}};
  EXPECT_EQ(seen, want);
}

TEST_F(DistributorTest, SynGoesToTheMethodsTargetOverTheDirectPathAndLaterPacketsFollow) {
  lan0_.send(from_client(40000, dp::kTcpSyn).mss(1460).build());
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 1u);
  Frame want = PacketBuilder().eth(port1_mac_, kT2Mac).ipv4(kClient, kDvipa).ttl(63).tcp(40000, 80, dp::kTcpSyn).mss(1460).build();
  EXPECT_EQ(out[0], want);  // MAC rewrite, TTL down, MSS untouched on a direct path
  for (int i = 0; i < 5; ++i) lan0_.send(from_client(40000, dp::kTcpAck).payload(100).build());
  cycle();
  out = lan1_.receive();
  ASSERT_EQ(out.size(), 5u);
  for (const Frame& f : out) EXPECT_EQ(Frame(f.begin(), f.begin() + 6), Frame(kT2Mac.bytes.begin(), kT2Mac.bytes.end()));
  EXPECT_EQ(table().size(), 1u);
  EXPECT_EQ(totals().conn_new, 1u);
  auto t2 = node_->engine().target_totals(*node_->distributor().target_id(*parse_ip("198.18.2.2")));
  EXPECT_EQ(t2.syns, 1u);
  EXPECT_EQ(t2.established, 1u);  // the client's ACK completed the handshake
  EXPECT_EQ(t2.active, 1u);
  EXPECT_EQ(t2.packets, 6u);
}

TEST_F(DistributorTest, RoutedTargetGetsGreKeyedByTheEpochWithTheMssClamped) {
  lan0_.send(from_client(40000, dp::kTcpSyn).mss(1460).build());  // round robin: T2 first
  lan0_.send(from_client(40001, dp::kTcpSyn).mss(1460).build());  // then T3, routed
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 2u);
  PacketBuilder inner;
  inner.ipv4(kClient, kDvipa).ttl(63).tcp(40001, 80, dp::kTcpSyn).mss(1432);
  Frame want = PacketBuilder().eth(port1_mac_, kRouterMac).ipv4("198.18.2.1", "198.18.3.3").dont_fragment()
                   .gre(inner, {.key = 1}).build();
  EXPECT_EQ(out[1], want);
  EXPECT_EQ(totals().mss_clamped, 1u);
  lan0_.send(from_client(40001, dp::kTcpAck).payload(64).build());
  cycle();
  out = lan1_.receive();
  ASSERT_EQ(out.size(), 1u);
  PacketBuilder data;
  data.ipv4(kClient, kDvipa).ttl(63).tcp(40001, 80, dp::kTcpAck).payload(64);
  EXPECT_EQ(out[0], PacketBuilder().eth(port1_mac_, kRouterMac).ipv4("198.18.2.1", "198.18.3.3").dont_fragment()
                        .gre(data, {.key = 1}).build());
}

TEST_F(DistributorTest, Ipv6DirectAndIpv6InIpv6) {
  auto syn6 = [&](uint16_t sport) {
    return PacketBuilder().eth(kClientMac, port0_mac_).ipv6(kClient6, kDvipa6).tcp(sport, 80, dp::kTcpSyn).mss(1440);
  };
  lan0_.send(syn6(50000).build());
  lan0_.send(syn6(50001).build());
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], PacketBuilder().eth(port1_mac_, kT2Mac).ipv6(kClient6, kDvipa6).ttl(63).tcp(50000, 80, dp::kTcpSyn)
                        .mss(1440).build());
  PacketBuilder inner;
  inner.ipv6(kClient6, kDvipa6).ttl(63).tcp(50001, 80, dp::kTcpSyn).mss(1400);
  EXPECT_EQ(out[1], PacketBuilder().eth(port1_mac_, kRouterMac).ipv6("2001:db8:2::1", "2001:db8:3::3").ip_in_ip(inner).build());
}

// A packet of a connection the table does not know goes where Maglev over the ready targets puts
// its 5-tuple, which every distributor computes alike, and the entry is remembered.
TEST_F(DistributorTest, UnknownFlowWithoutSynFollowsTheConsistentHash) {
  std::vector<dist::Endpoint> eps = {{0, 1, dist::endpoint_key(*parse_ip("198.18.2.2"))},
                                     {1, 1, dist::endpoint_key(*parse_ip("198.18.2.3"))}};
  auto table_or = dist::build_maglev(eps);
  ASSERT_TRUE(table_or.ok());
  int to_t2 = 0, to_t3 = 0;
  for (uint16_t sport = 41000; sport < 41040; ++sport) {
    dist::FlowKey k{*parse_ip(kClient), *parse_ip(kDvipa), sport, 80, dp::kProtoTcp};
    uint32_t expect = dist::maglev_lookup(*table_or, dist::flow_hash(k));
    lan0_.send(from_client(sport, dp::kTcpAck).payload(10).build());
    cycle();
    auto out = lan1_.receive();
    ASSERT_EQ(out.size(), 1u);
    bool direct = Frame(out[0].begin(), out[0].begin() + 6) == Frame(kT2Mac.bytes.begin(), kT2Mac.bytes.end());
    EXPECT_EQ(direct ? 0u : 1u, expect) << "sport " << sport;
    (direct ? to_t2 : to_t3)++;
  }
  EXPECT_GT(to_t2, 5);
  EXPECT_GT(to_t3, 5);
  EXPECT_EQ(totals().conn_hashed, 40u);
  EXPECT_EQ(table().size(), 40u);
}

TEST_F(DistributorTest, EntriesAgeByTheTimeoutOfTheirState) {
  lan0_.send(from_client(40000, dp::kTcpSyn).build());  // never completed: SYNTIMEOUT 5
  lan0_.send(from_client(40001, dp::kTcpSyn).build());
  lan0_.send(from_client(40001, dp::kTcpRst).build());  // RSTTIMEOUT 2
  lan0_.send(from_client(40002, dp::kTcpSyn).build());
  lan0_.send(from_client(40002, dp::kTcpAck).build());
  lan0_.send(from_client(40002, dp::kTcpFin | dp::kTcpAck).build());  // FINTIMEOUT 10
  cycle();
  EXPECT_EQ(table().size(), 3u);
  g_now_ms += 2001;
  for (int i = 0; i < 3; ++i) cycle();  // idle polls sweep the whole small table
  EXPECT_EQ(table().size(), 2u);
  g_now_ms += 3000;
  for (int i = 0; i < 3; ++i) cycle();
  EXPECT_EQ(table().size(), 1u);
  g_now_ms += 5000;
  for (int i = 0; i < 3; ++i) cycle();
  EXPECT_EQ(table().size(), 0u);
  EXPECT_EQ(totals().conn_expired, 3u);
  for (uint32_t id = 0; id < 2; ++id) EXPECT_EQ(node_->engine().target_totals(id).active, 0u);
}

TEST_F(DistributorTest, ANewSynOnAClosedTupleIsANewConnection) {
  lan0_.send(from_client(40000, dp::kTcpSyn).build());
  lan0_.send(from_client(40000, dp::kTcpRst).build());
  lan0_.send(from_client(40000, dp::kTcpSyn).build());  // round robin moves on: T3
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(Frame(out[2].begin(), out[2].begin() + 6), Frame(kRouterMac.bytes.begin(), kRouterMac.bytes.end()));
  EXPECT_EQ(totals().conn_new, 2u);
  EXPECT_EQ(table().size(), 1u);
}

TEST_F(DistributorTest, ATargetWithoutAListenerGetsNoNewConnections) {
  ready("198.18.2.2", kDvipa, false);
  cycle();
  for (uint16_t p = 0; p < 6; ++p) lan0_.send(from_client(uint16_t(42000 + p), dp::kTcpSyn).build());
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 6u);
  for (const Frame& f : out) EXPECT_EQ(Frame(f.begin(), f.begin() + 6), Frame(kRouterMac.bytes.begin(), kRouterMac.bytes.end()));
  ready("198.18.2.3", kDvipa, false);
  cycle();
  lan0_.send(from_client(42100, dp::kTcpSyn).build());
  cycle();
  EXPECT_TRUE(lan1_.receive().empty());
  EXPECT_EQ(drops(Drop::kNoReadyTarget), 1u);
}

TEST_F(DistributorTest, ListenerReportsExpireWhenATargetStopsReporting) {
  g_now_ms += distributor::kListenerReportTtlMs + 1;
  ready("198.18.2.3", kDvipa, true);  // only T3 keeps reporting
  cycle();
  for (uint16_t p = 0; p < 4; ++p) lan0_.send(from_client(uint16_t(43000 + p), dp::kTcpSyn).build());
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 4u);
  for (const Frame& f : out) EXPECT_EQ(Frame(f.begin(), f.begin() + 6), Frame(kRouterMac.bytes.begin(), kRouterMac.bytes.end()));
}

TEST_F(DistributorTest, ATargetsReportOfAnEndedConnectionRemovesItsEntry) {
  lan0_.send(from_client(40000, dp::kTcpSyn).build());
  lan0_.send(from_client(40001, dp::kTcpSyn).build());
  cycle();
  ASSERT_EQ(table().size(), 2u);
  uint8_t c[4] = {198, 18, 1, 100}, v[4] = {198, 19, 10, 1};
  node_->on_connections_ended({conn::make_key(c, v, false, 40000, 80, dp::kProtoTcp)});
  cycle();
  EXPECT_EQ(table().size(), 1u);
  EXPECT_EQ(totals().conn_ended, 1u);
}

TEST_F(DistributorTest, FragmentsAndMalformedInputAreCountedDrops) {
  lan0_.send(from_client(40000, dp::kTcpSyn).fragment(0, true).payload(64).build());
  lan0_.send(PacketBuilder().eth(kClientMac, port0_mac_).ipv4(kClient, kDvipa).fragment(64, false).ip_proto(6).payload(40).build());
  Frame syn = from_client(40001, dp::kTcpSyn).build();
  Frame short_tcp(syn.begin(), syn.begin() + 14 + 20 + 10);  // a TCP header cut at 10 bytes
  dp::store_be16(short_tcp.data() + 14 + 2, 30);
  testing::fix_ipv4_checksum(short_tcp, 14);
  lan0_.send(short_tcp);
  lan0_.send(Frame(syn.begin(), syn.begin() + 14 + 20 + 10));  // shorter than its IPv4 length says
  Frame bad_off = syn;
  bad_off[14 + 20 + 12] = 0x20;  // data offset 8 bytes
  lan0_.send(bad_off);
  lan0_.send(from_client(40002, dp::kTcpSyn, 1).build());  // TTL 1: must not be forwarded
  Frame other = from_client(40003, dp::kTcpSyn).build();
  other[0] ^= 0x02;  // a unicast frame for another host on the segment (promiscuous port)
  lan0_.send(other);
  cycle();
  EXPECT_EQ(drops(Drop::kDistributedFragment), 2u);
  EXPECT_EQ(drops(Drop::kTruncatedTcp), 1u);
  EXPECT_EQ(drops(Drop::kTruncatedIpv4), 1u);  // the frame ends before its IPv4 length
  EXPECT_EQ(drops(Drop::kBadTcpOffset), 1u);
  EXPECT_EQ(drops(Drop::kTtlExpired), 1u);
  EXPECT_EQ(drops(Drop::kNotForUs), 1u);
  EXPECT_TRUE(lan1_.receive().empty());
  auto t = totals();
  EXPECT_EQ(t.rx_pkts + t.from_local, t.forwarded + t.delivered + t.punted + t.to_control + t.dropped());
}

TEST_F(DistributorTest, TooBigForTheTunnelMeansIcmpWithDfAndFragmentsWithout) {
  lan0_.send(from_client(40000, dp::kTcpSyn).build());
  lan0_.send(from_client(40001, dp::kTcpSyn).build());  // T3: routed
  cycle();
  lan1_.receive();
  Frame big_df = from_client(40001, dp::kTcpAck).dont_fragment().payload(1460).build();  // 1500-byte inner
  lan0_.send(big_df);
  cycle();
  auto icmp = lan0_.receive();
  ASSERT_EQ(icmp.size(), 1u);
  dp::PacketDesc d;
  ASSERT_EQ(dp::parse_frame(icmp[0].data(), uint32_t(icmp[0].size()), d), Drop::kNone);
  EXPECT_EQ(d.l4_proto, dp::kProtoIcmp);
  EXPECT_EQ(d.icmp_type, 3);
  EXPECT_EQ(d.icmp_code, 4);
  EXPECT_EQ(dp::load_be16(icmp[0].data() + d.l4_off + 6), 1472);  // 1500 minus the GRE overhead
  EXPECT_EQ(Frame(icmp[0].begin(), icmp[0].begin() + 6), Frame(kClientMac.bytes.begin(), kClientMac.bytes.end()));
  EXPECT_EQ(Frame(icmp[0].begin() + d.l4_off + 8, icmp[0].begin() + d.l4_off + 8 + 28),
            Frame(big_df.begin() + 14, big_df.begin() + 14 + 28));  // quotes the header and 8 bytes
  EXPECT_EQ(node_->control_counters().too_big_sent, 1u);

  lan0_.send(from_client(40001, dp::kTcpAck).payload(1460).build());  // no DF: fragmented, then tunnelled
  cycle();
  auto frags = lan1_.receive();
  ASSERT_EQ(frags.size(), 2u);
  uint32_t carried = 0;
  for (const Frame& f : frags) {
    dp::PacketDesc o;
    ASSERT_EQ(dp::parse_frame(f.data(), uint32_t(f.size()), o), Drop::kNone);
    EXPECT_LE(o.l3_len, 1500);
    EXPECT_EQ(o.gre_key, 1u);
    const uint8_t* in = f.data() + o.payload_off;
    EXPECT_EQ(dp::ipv4_header_checksum(in, 20), 0);
    carried += dp::load_be16(in + 2) - 20u;
  }
  EXPECT_EQ(carried, 1460u + 20u);  // the TCP header and payload, split on an 8-byte boundary
  EXPECT_EQ(node_->control_counters().fragmented, 1u);
}

// ---- the target side: GRE from a distributor to a DVIPA this node serves ----

constexpr const char* kTargetProfile = R"(
NODENAME TGT%s
NODEADDR 198.18.3.3
PORT lan0 DEVICE "wire:t%s0:a"
PORT lan1 DEVICE "wire:t%s1:a"
PORTADDR lan0 198.18.3.3/24
PORTADDR lan1 198.18.4.3/24
WORKERS 1
MEMPOOL MBUFS 2047 CACHE 32
VIPADYNAMIC
  VIPABACKUP 100 198.19.10.1
  VIPADISTRIBUTE DISTMETHOD ROUNDROBIN 198.19.10.1 PORT 80 DESTIP 198.18.2.2 198.18.3.3
ENDVIPADYNAMIC
)";

class TargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int instance = 0;
    std::string id = std::to_string(++instance);
    node_ = make_node(kTargetProfile, id);
    ASSERT_NE(node_, nullptr);
    lan0_.open("wire:t" + id + "0:b", node_->engine().pool());
    mac_ = MacAddr{node_->engine().ports()[0].mac};
    node_->engine().poll_once_quiescent(0);
    node_->poll();
    lan0_.receive();
  }
  void cycle() {
    node_->engine().poll_once_quiescent(0);
    node_->poll();
  }
  Frame tunnelled(const char* inner_dst, uint32_t key) {
    PacketBuilder inner;
    inner.ipv4(kClient, inner_dst).ttl(63).tcp(40000, 80, dp::kTcpSyn);
    return PacketBuilder().eth(kRouterMac, mac_).ipv4("198.18.2.1", "198.18.3.3").gre(inner, {.key = key}).build();
  }
  uint64_t drops(Drop d) { return node_->engine().totals().drops[size_t(d)]; }

  std::unique_ptr<node::Node> node_;
  FarEnd lan0_;
  MacAddr mac_;
};

// Without a TAP the decapsulated packet has nowhere to go: counting it as no-local-port shows it
// got through every check a tunnelled packet must pass.
TEST_F(TargetTest, AcceptsTunnelsToServedDvipasFromCurrentOwners) {
  lan0_.send(tunnelled(kDvipa, 1));
  lan0_.send(tunnelled(kDvipa, 7));   // a newer owner than this node has heard of: accepted
  lan0_.send(tunnelled(kDvipa, 0));   // older than the epoch this node knows: a deposed owner
  lan0_.send(tunnelled("198.19.99.9", 1));  // not a DVIPA served here
  Frame bad = tunnelled(kDvipa, 1);
  bad[14 + 20 + 8] = 0x47;  // inner IPv4 with a bad IHL
  lan0_.send(bad);
  cycle();
  EXPECT_EQ(drops(Drop::kNoLocalPort), 2u);
  EXPECT_EQ(drops(Drop::kStaleEpoch), 1u);
  EXPECT_EQ(drops(Drop::kInnerNotServed), 1u);
  EXPECT_EQ(drops(Drop::kBadInner), 1u);
}

TEST_F(TargetTest, DoesNotAnswerArpForADvipaItOnlyServes) {
  lan0_.send(PacketBuilder().eth(kClientMac, *parse_mac("ff:ff:ff:ff:ff:ff"))
                 .arp(1, kClientMac, "198.18.3.100", MacAddr{}, kDvipa).build());
  cycle();
  EXPECT_TRUE(lan0_.receive().empty());
  EXPECT_EQ(node_->control_counters().arp_replies, 0u);
}

TEST_F(TargetTest, DirectPathFramesForTheDvipaAreDeliveredLocally) {
  lan0_.send(PacketBuilder().eth(kRouterMac, mac_).ipv4(kClient, kDvipa).ttl(63).tcp(40000, 80, dp::kTcpSyn).build());
  cycle();
  EXPECT_EQ(drops(Drop::kNoLocalPort), 1u);
}

}  // namespace
}  // namespace sysplex

int main(int argc, char** argv) { return sysplex::testing::run_component_tests(argc, argv, "dist"); }
