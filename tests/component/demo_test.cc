// Component tests of the embedded default, the one-host sysplex demo, in this process (EAL on
// in-process wires, the real clock): N1 owns and distributes the DVIPA to all three nodes; killed,
// N2 takes over within 2 s and traffic goes on through it; revived, N1 takes it back at a higher
// epoch; drained and joined again, the same. Also the demo's pieces: the switch and the TCP service.
#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "config/profile_parser.h"
#include "control/demo/client.h"
#include "control/demo/frames.h"
#include "control/demo/lan_switch.h"
#include "control/demo/server.h"
#include "control/demo/sysplex.h"
#include "dataplane/engine/eal.h"
#include "dataplane/engine/wire.h"
#include "dataplane/parse/parse.h"
#include "tests/support/component_main.h"
#include "tests/support/far_end.h"
#include "tests/support/packet_builder.h"

namespace sysplex {
namespace {

using demo::Sysplex;
using testing::FarEnd;
using testing::Frame;
using testing::PacketBuilder;

rte_mempool* test_pool() {
  static rte_mempool* pool = rte_pktmbuf_pool_create("demo_test", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  return pool;
}

// ---- the profiles and the key file ----

TEST(DemoProfiles, EachNodesProfileParsesWithItsRole) {
  auto key = demo::GroupKeyFile::create();
  ASSERT_TRUE(key.ok()) << key.error().message;
  struct stat st {};
  ASSERT_EQ(stat(key->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 64);  // 32 bytes as hex
  for (size_t i = 0; i < demo::kSysplexNodes; ++i) {
    auto p = config::parse_profile_text(demo::sysplex_profile(i, key->path()), "demo");
    ASSERT_TRUE(p.ok()) << p.error_text();
    const auto& vd = p.profile().vipadynamic;
    EXPECT_EQ(p.profile().node_name, "N" + std::to_string(i + 1));
    EXPECT_EQ(p.profile().group.key_file, key->path());
    ASSERT_EQ(vd.distributes.size(), 1u);
    EXPECT_TRUE(vd.distributes[0].dest_all);
    EXPECT_EQ(vd.defines.size(), i == 0 ? 1u : 0u);
    ASSERT_EQ(vd.backups.size(), i == 0 ? 0u : 1u);
    if (i > 0) {
      EXPECT_EQ(vd.backups[0].rank, i == 1 ? 100 : 90);
    }
  }
  std::string path = key->path();
  { auto gone = std::move(*key); }
  EXPECT_NE(access(path.c_str(), F_OK), 0);  // removed with its owner
}

// ---- the TCP service a node's local traffic goes to ----

// One service for the suite (ethdev ports are few): each test uses its own client ports and
// compares counter deltas.
class DemoServerTest : public ::testing::Test {
 protected:
  static constexpr const char* kClient = "198.18.0.100";
  static void SetUpTestSuite() {
    demo::ServerOptions o{"wire:srvt:b", *parse_ip(demo::kSysplexDvipa), 80, kNodeMac.bytes, kClientMac.bytes, 7};
    auto s = demo::Server::create(o, test_pool());
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
    node_.open("wire:srvt:a", test_pool());
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    was_ = server_->counters();
    open_ = server_->open();
  }
  PacketBuilder to_service(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack = 0) {
    PacketBuilder b;
    b.eth(kClientMac, kNodeMac).ipv4(kClient, demo::kSysplexDvipa).tcp(sport, 80, flags).seq(seq).ack(ack);
    return b;
  }
  std::vector<Frame> exchange(const Frame& f) {
    node_.send(f);
    server_->poll(now_ms_);
    return node_.receive();
  }
  // The reply the service must send, given its sequence number.
  Frame expected(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack) {
    return PacketBuilder().eth(kNodeMac, kClientMac).ipv4(demo::kSysplexDvipa, kClient).dont_fragment()
        .tcp(80, sport, flags).seq(seq).ack(ack).window(65535).build();
  }
  static uint32_t seq_of(const Frame& f) { return dp::load_be32(f.data() + 14 + 20 + 4); }
  demo::ServerCounters delta() const {
    demo::ServerCounters c = server_->counters();
    return {c.segments - was_.segments, c.accepted - was_.accepted, c.closed - was_.closed, c.resets - was_.resets,
            c.idled - was_.idled, c.other - was_.other};
  }

  static inline const MacAddr kNodeMac = *parse_mac("02:00:00:00:00:11");
  static inline const MacAddr kClientMac = *parse_mac("02:00:00:00:00:64");
  static inline std::unique_ptr<demo::Server> server_;
  static inline FarEnd node_;
  demo::ServerCounters was_;
  size_t open_ = 0;
  static inline uint64_t now_ms_ = 1000;
};

TEST_F(DemoServerTest, AcceptsAcknowledgesAndClosesAConnection) {
  auto out = exchange(to_service(40000, dp::kTcpSyn, 1000).build());
  ASSERT_EQ(out.size(), 1u);
  uint32_t isn = seq_of(out[0]);
  EXPECT_EQ(out[0], expected(40000, dp::kTcpSyn | dp::kTcpAck, isn, 1001));
  EXPECT_EQ(server_->open(), open_ + 1);
  auto conns = server_->connections();
  channel::ConnTuple mine{*parse_ip(kClient), *parse_ip(demo::kSysplexDvipa), 40000, 80, channel::kProtoTcp};
  EXPECT_NE(std::find(conns.begin(), conns.end(), mine), conns.end());
  EXPECT_TRUE(exchange(to_service(40000, dp::kTcpAck, 1001, isn + 1).build()).empty());  // the handshake's ACK
  out = exchange(to_service(40000, dp::kTcpAck | dp::kTcpPsh, 1001, isn + 1).payload(100).build());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], expected(40000, dp::kTcpAck, isn + 1, 1101));
  out = exchange(to_service(40000, dp::kTcpFin | dp::kTcpAck, 1101, isn + 1).build());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], expected(40000, dp::kTcpFin | dp::kTcpAck, isn + 1, 1102));
  EXPECT_EQ(server_->open(), open_ + 1);  // LAST-ACK until the client's last ACK
  EXPECT_TRUE(exchange(to_service(40000, dp::kTcpAck, 1102, isn + 2).build()).empty());
  EXPECT_EQ(server_->open(), open_);
  EXPECT_EQ(delta().accepted, 1u);
  EXPECT_EQ(delta().closed, 1u);
  EXPECT_EQ(delta().resets, 0u);
}

TEST_F(DemoServerTest, ARetransmittedSynGetsTheSameAnswer) {
  auto first = exchange(to_service(40001, dp::kTcpSyn, 5).build());
  auto again = exchange(to_service(40001, dp::kTcpSyn, 5).build());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(again, first);
  EXPECT_EQ(delta().accepted, 1u);
}

// A segment of a connection started on another host (it moved after a takeover) is reset.
TEST_F(DemoServerTest, ResetsSegmentsOfConnectionsItNeverAccepted) {
  auto out = exchange(to_service(40002, dp::kTcpAck | dp::kTcpPsh, 77, 4242).payload(100).build());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], expected(40002, dp::kTcpRst, 4242, 0));
  EXPECT_EQ(delta().resets, 1u);
  EXPECT_TRUE(exchange(to_service(40002, dp::kTcpRst, 77).build()).empty());  // never a reset for a reset
}

TEST_F(DemoServerTest, DropsConnectionsIdleForLong) {
  now_ms_ += 20000;  // what earlier tests left open goes first
  server_->poll(now_ms_);
  SetUp();
  ASSERT_EQ(exchange(to_service(40004, dp::kTcpSyn, 1).build()).size(), 1u);
  now_ms_ += 9000;
  ASSERT_EQ(exchange(to_service(40005, dp::kTcpSyn, 1).build()).size(), 1u);
  now_ms_ += 1500;  // 40004 idle 10.5 s, 40005 1.5 s
  server_->poll(now_ms_);
  EXPECT_EQ(delta().idled, 1u);
  EXPECT_EQ(server_->open(), open_ + 1);
  auto out = exchange(to_service(40004, dp::kTcpAck | dp::kTcpPsh, 2, 3).payload(10).build());
  ASSERT_EQ(out.size(), 1u);  // forgotten: reset
  EXPECT_EQ(out[0], expected(40004, dp::kTcpRst, 3, 0));
}

TEST_F(DemoServerTest, MalformedAndForeignFramesAreCountedNotAnswered) {
  Frame syn = to_service(40003, dp::kTcpSyn, 9).build();
  for (size_t n = 0; n < syn.size(); ++n) EXPECT_TRUE(exchange(testing::truncated(syn, n)).empty()) << "cut at " << n;
  Frame other = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient, demo::kSysplexDvipa).tcp(40003, 81, dp::kTcpSyn).build();
  EXPECT_TRUE(exchange(other).empty());  // another port
  EXPECT_TRUE(exchange(PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient, demo::kSysplexDvipa).udp(1, 80).build()).empty());
  EXPECT_EQ(delta().other, syn.size() + 2);
  EXPECT_EQ(delta().segments, 0u);
  EXPECT_EQ(server_->open(), open_);
}

// ---- the client ----

// The client alone, against a far end playing the DVIPA's owner; its clock is the test's.
class DemoClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int instance = 0;
    std::string wire = "clt" + std::to_string(++instance);
    demo::ClientOptions o{"wire:" + wire + ":a", *parse_ip(kClient), *parse_ip(demo::kSysplexDvipa), 80};
    o.new_per_second = 10;
    o.long_lived = 1;
    auto c = demo::Client::create(o, test_pool());
    ASSERT_TRUE(c.ok()) << c.error().message;
    client_ = std::move(*c);
    owner_.open("wire:" + wire + ":b", test_pool());
    mac_ = MacAddr{client_->mac()};
  }
  std::vector<Frame> step(uint64_t now_ms) {
    client_->step(now_ms);
    return owner_.receive();
  }
  Frame arp(uint16_t op, const MacAddr& from, const char* sender_ip, const char* target_ip) {
    return PacketBuilder().eth(from, op == 1 ? *parse_mac("ff:ff:ff:ff:ff:ff") : mac_).arp(op, from, sender_ip, op == 1 ? MacAddr{} : mac_, target_ip).build();
  }
  static std::vector<Frame> syns(const std::vector<Frame>& frames) {
    std::vector<Frame> out;
    for (const Frame& f : frames)
      if (auto s = demo::read_segment(f.data(), uint32_t(f.size())); s && s->flags == dp::kTcpSyn) out.push_back(f);
    return out;
  }
  static MacAddr dst_of(const Frame& f) { return MacAddr{{f[0], f[1], f[2], f[3], f[4], f[5]}}; }

  static constexpr const char* kClient = "198.18.0.100";
  const MacAddr kOwnerA = *parse_mac("02:00:00:00:0a:01");
  const MacAddr kOwnerB = *parse_mac("02:00:00:00:0b:01");
  std::unique_ptr<demo::Client> client_;
  FarEnd owner_;
  MacAddr mac_;
};

TEST_F(DemoClientTest, FindsTheDvipaByArpAndFollowsItsGratuitousArp) {
  auto out = step(1000);
  ASSERT_EQ(out.size(), 1u);  // nothing but the ARP request until the DVIPA is resolved
  EXPECT_EQ(out[0], PacketBuilder().eth(mac_, *parse_mac("ff:ff:ff:ff:ff:ff"))
                        .arp(1, mac_, kClient, MacAddr{}, demo::kSysplexDvipa).build());
  EXPECT_TRUE(step(1500).empty());  // asked again only after a second
  owner_.send(arp(2, kOwnerA, demo::kSysplexDvipa, kClient));
  out = syns(step(1600));
  ASSERT_EQ(out.size(), 2u);  // the long-lived one and the short one 100 ms at 10 a second owe
  for (const Frame& f : out) EXPECT_EQ(dst_of(f), kOwnerA);
  out = syns(step(1800));
  ASSERT_EQ(out.size(), 2u);  // 10 a second: two short ones in 200 ms
  owner_.send(arp(1, kOwnerB, demo::kSysplexDvipa, demo::kSysplexDvipa));  // moved: gratuitous ARP
  out = syns(step(1900));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(dst_of(out[0]), kOwnerB);
  EXPECT_EQ(client_->counters().announcements, 1u);
  EXPECT_EQ(client_->counters().mac_changes, 1u);
  EXPECT_EQ(client_->counters().opened, 5u);
}

TEST_F(DemoClientTest, RetransmitsUnansweredSynsThenGivesUp) {
  (void)step(1000);
  owner_.send(arp(2, kOwnerA, demo::kSysplexDvipa, kClient));
  auto first = syns(step(1001));
  ASSERT_EQ(first.size(), 1u);  // the long-lived one
  (void)step(2000);  // the rate opens ten short ones meanwhile; all go unanswered
  auto again = syns(step(2001));
  ASSERT_FALSE(again.empty());
  EXPECT_NE(std::find(again.begin(), again.end(), first[0]), again.end());  // the same SYN, sent again
  (void)step(3001);
  (void)step(4001);  // the third try has gone unanswered for the timeout
  EXPECT_GE(client_->counters().failed, 1u);
  EXPECT_EQ(client_->counters().established, 0u);
}

TEST_F(DemoClientTest, CountsResetsAndIgnoresWhatIsNotForIt) {
  (void)step(1000);
  owner_.send(arp(2, kOwnerA, demo::kSysplexDvipa, kClient));
  auto syn = syns(step(1001));
  ASSERT_EQ(syn.size(), 1u);
  auto seg = demo::read_segment(syn[0].data(), uint32_t(syn[0].size()));
  ASSERT_TRUE(seg);
  Frame rst = PacketBuilder().eth(kOwnerA, mac_).ipv4(demo::kSysplexDvipa, kClient).tcp(80, seg->sport, dp::kTcpRst | dp::kTcpAck)
                  .ack(seg->seq + 1).build();
  for (size_t n = 0; n < rst.size(); ++n) owner_.send(testing::truncated(rst, n));  // cut short: ignored
  owner_.send(PacketBuilder().eth(kOwnerA, mac_).ipv4("198.18.0.99", kClient).tcp(80, seg->sport, dp::kTcpRst).build());
  (void)step(1002);
  EXPECT_EQ(client_->counters().reset, 0u);
  owner_.send(rst);
  (void)step(1003);
  EXPECT_EQ(client_->counters().reset, 1u);
}

// ---- the switch ----

// One three-port switch for the suite; each test sends from MACs of its own, which is what the
// switch learns.
class DemoSwitchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> sides;
    for (int p = 0; p < 3; ++p) {
      sides.push_back("wire:swt" + std::to_string(p) + ":b");
      hosts_[p].open("wire:swt" + std::to_string(p) + ":a", test_pool());
    }
    auto sw = demo::LanSwitch::create(sides, test_pool());
    ASSERT_TRUE(sw.ok()) << sw.error().message;
    sw_ = std::move(*sw);
  }
  static void TearDownTestSuite() { sw_.reset(); }
  void SetUp() override {
    ASSERT_NE(sw_, nullptr);
    static uint8_t next = 0;
    for (auto& m : macs_) m = MacAddr{{0x02, 0, 0, 0, 0x5c, ++next}};
    was_ = sw_->counters();
  }
  Frame from(int p, const MacAddr& dst) { return PacketBuilder().eth(macs_[p], dst).ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).build(); }
  // What each host received after host `sender` sent `f`.
  std::array<size_t, 3> deliver(int sender, const Frame& f) {
    hosts_[sender].send(f);
    sw_->poll();
    std::array<size_t, 3> got{};
    for (int p = 0; p < 3; ++p) {
      auto r = hosts_[p].receive();
      got[size_t(p)] = r.size();
      for (const auto& x : r) EXPECT_EQ(x, f);
    }
    return got;
  }

  static inline FarEnd hosts_[3];
  static inline std::unique_ptr<demo::LanSwitch> sw_;
  MacAddr macs_[3];
  demo::SwitchCounters was_;
};

TEST_F(DemoSwitchTest, FloodsBroadcastAndUnknownThenForwardsWhatItLearned) {
  const MacAddr bcast = *parse_mac("ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(deliver(0, from(0, bcast)), (std::array<size_t, 3>{0, 1, 1}));
  EXPECT_EQ(deliver(0, from(0, macs_[1])), (std::array<size_t, 3>{0, 1, 1}));  // port 1 not learned yet
  EXPECT_EQ(deliver(1, from(1, macs_[0])), (std::array<size_t, 3>{1, 0, 0}));  // port 0 was learned
  EXPECT_EQ(deliver(0, from(0, macs_[1])), (std::array<size_t, 3>{0, 1, 0}));
  EXPECT_EQ(sw_->counters().forwarded - was_.forwarded, 2u);
  EXPECT_EQ(sw_->counters().flooded - was_.flooded, 2u);
}

TEST_F(DemoSwitchTest, APortThatIsDownGetsNothingSendsNothingAndIsForgotten) {
  (void)deliver(1, from(1, macs_[0]));  // learn port 1
  sw_->set_up(1, false);
  EXPECT_EQ(deliver(0, from(0, macs_[1])), (std::array<size_t, 3>{0, 0, 1}));  // flooded to the live port
  EXPECT_EQ(deliver(1, from(1, macs_[0])), (std::array<size_t, 3>{0, 0, 0}));
  sw_->set_up(1, true);
  EXPECT_EQ(deliver(0, from(0, macs_[1])), (std::array<size_t, 3>{0, 1, 1}));
}

// ---- the sysplex ----

// One sysplex per process (fixed node names and wires): the tests below run on it in order, each
// starting from N1 owning the DVIPA.
class SysplexDemo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = Sysplex::create();
    ASSERT_TRUE(s.ok()) << s.error().message;
    plex_ = std::move(*s);
  }
  static void TearDownTestSuite() { plex_.reset(); }
  // Each test starts with N1 owning the DVIPA, whatever the one before left.
  void SetUp() override {
    ASSERT_NE(plex_, nullptr);
    for (size_t i = 0; i < demo::kSysplexNodes; ++i) {
      if (plex_->killed(i)) {
        ASSERT_TRUE(operate(plex_->node(i).name(), "revive").ok());
      }
    }
    ASSERT_TRUE(run_until([] { return owned_by(0); }, 5000)) << "N1 does not own " << demo::kSysplexDvipa;
  }

  static bool owned_by(size_t i) { return plex_->owner() && plex_->owner()->first == i; }
  static uint64_t epoch() { return plex_->owner() ? plex_->owner()->second : 0; }
  // Steps the demo as sysplexd's loop does until `done` or `ms` have passed.
  static bool run_until(const std::function<bool()>& done, uint64_t ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      plex_->step();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return done();
  }
  static void run_for(uint64_t ms) { run_until([] { return false; }, ms); }
  // A verb as sysplexctl sends it: from another thread while this one steps the demo.
  static Result<std::string> operate(const std::string& node, const std::string& verb) {
    auto f = std::async(std::launch::async, [=]() -> Result<std::string> {
      if (auto r = plex_->command(node, verb, {})) return std::move(*r);
      return plex_->node(*plex_->index_of(node)).operator_command(verb, {});
    });
    run_until([&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }, 6000);
    return f.get();
  }
  static uint64_t served(size_t i) { return plex_->server(i).counters().segments; }
  static uint64_t distributed(size_t i) { return plex_->node(i).engine().totals().distributed; }

  static std::unique_ptr<Sysplex> plex_;
};
std::unique_ptr<Sysplex> SysplexDemo::plex_;

TEST_F(SysplexDemo, N1DistributesTheClientsConnectionsToAllThree) {
  run_for(1000);  // listener reports from every target have arrived
  uint64_t before[3] = {served(0), served(1), served(2)};
  uint64_t completed = plex_->client().counters().completed;
  run_for(1500);
  for (size_t i = 0; i < 3; ++i) EXPECT_GT(served(i) - before[i], 50u) << "N" << i + 1 << " served too little";
  EXPECT_GT(plex_->client().counters().completed - completed, 30u);
  EXPECT_EQ(distributed(1), 0u);  // only the owner distributes
  EXPECT_EQ(plex_->client().dvipa_mac(), plex_->node(0).engine().ports()[0].mac);
}

// The drill a newcomer does first: kill the owner, watch the backup take over, revive it, watch it
// take the DVIPA back (MOVEABLE IMMEDIATE).
TEST_F(SysplexDemo, KilledN1IsTakenOverByN2ThenTakesItBackWhenRevived) {
  uint64_t e1 = epoch();
  Result<std::string> r = operate("N1", "kill");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(plex_->killed(0));
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([] { return owned_by(1); }, 2000)) << "N2 did not take over within 2 s";
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(2));
  uint64_t e2 = epoch();
  EXPECT_GT(e2, e1);
  uint64_t dist = distributed(1), served3 = served(2), served1 = served(0);
  uint64_t completed = plex_->client().counters().completed;
  run_for(1500);
  EXPECT_GT(distributed(1) - dist, 200u);  // N2 distributes now
  EXPECT_GT(served(2) - served3, 50u);
  EXPECT_EQ(served(0), served1);           // a dead host gets nothing
  EXPECT_GT(plex_->client().counters().completed - completed, 30u);
  EXPECT_EQ(plex_->client().dvipa_mac(), plex_->node(1).engine().ports()[0].mac);  // by the gratuitous ARP

  run_for(1000);  // what the kill ended (N1's own connections) has ended
  uint64_t resets = plex_->client().counters().reset;
  r = operate("N1", "revive");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(run_until([] { return owned_by(0); }, 3000)) << "N1 did not take its DVIPA back";
  EXPECT_GT(epoch(), e2);
  dist = distributed(0);
  completed = plex_->client().counters().completed;
  run_for(1000);
  // Taking back resets nothing: until N2 and N3 have reported, N1 holds what it does not know.
  EXPECT_EQ(plex_->client().counters().reset, resets);
  EXPECT_GT(distributed(0) - dist, 150u);
  EXPECT_GT(plex_->client().counters().completed - completed, 20u);
  EXPECT_EQ(plex_->client().dvipa_mac(), plex_->node(0).engine().ports()[0].mac);
}

// A planned move: drained, N1 leaves the group and N2 takes over at once (no heartbeats to miss);
// joined again, N1 takes the DVIPA back.
TEST_F(SysplexDemo, DrainedN1HandsOverAndTakesBackWhenItJoins) {
  uint64_t e1 = epoch();
  Result<std::string> r = operate("N1", "drain");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(run_until([] { return owned_by(1); }, 1000)) << "N2 did not take over from a leaving N1";
  EXPECT_GT(epoch(), e1);
  ASSERT_TRUE(run_until([] { return !plex_->node(0).in_group(); }, 1000));
  uint64_t dist = distributed(1);
  run_for(1000);
  EXPECT_GT(distributed(1) - dist, 150u);
  uint64_t e2 = epoch();
  r = operate("N1", "join");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(run_until([] { return owned_by(0); }, 3000)) << "N1 did not take its DVIPA back after joining";
  EXPECT_GT(epoch(), e2);
}

TEST_F(SysplexDemo, ProcessVerbsSayWhatIsWrong) {
  EXPECT_FALSE(plex_->command("N9", "kill", {}).has_value());    // not a node of the demo: telemetry answers
  EXPECT_FALSE(plex_->command("N3", "vipadyn", {}).has_value());  // the node's own business
  auto r = plex_->command("N3", "kill", {"now"});
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().message, "kill takes no arguments");
  Result<std::string> revived = operate("N3", "revive");
  ASSERT_FALSE(revived.ok());
  EXPECT_EQ(revived.error().message, "N3 is running");
  ASSERT_TRUE(operate("N3", "kill").ok());
  r = plex_->command("N3", "leave", {});
  ASSERT_TRUE(r.has_value() && !r->ok());
  EXPECT_EQ(r->error().message, "N3 is down (killed); `sysplexctl -n N3 revive` brings it back");
  Result<std::string> again = operate("N3", "kill");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "N3 is down already");
  ASSERT_TRUE(operate("N3", "revive").ok());
  EXPECT_TRUE(run_until([] { return plex_->node(2).in_group(); }, 3000));
  EXPECT_TRUE(owned_by(0));  // N1 kept its DVIPA throughout
}

}  // namespace
}  // namespace sysplex

int main(int argc, char** argv) { return sysplex::testing::run_component_tests(argc, argv, "demo"); }
