#include "control/routesource/netlink_source.h"

#include <gtest/gtest.h>

#include <deque>
#include <variant>

#include "control/routesource/netlink_test_util.h"

namespace sysplex::routesource {
namespace {

using namespace testing;

IpAddr ip(const char* s) { return *parse_ip(s); }

// A scripted kernel: answers dump requests from its link and route lists (or refuses, or stays
// silent), and delivers whatever the test queues: notifications, errors, foreign datagrams.
struct FakeKernel {
  enum class Dumps { kAnswer, kRefuse, kSilent } dumps = Dumps::kAnswer;
  bool open_fails = false;
  bool open = false;
  int opens = 0;
  uint16_t extra_done_flags = 0;  // e.g. NLM_F_DUMP_INTR on the next answered DONE
  std::vector<std::pair<int, std::string>> links{{1, "lo"}, {2, "v0"}, {3, "v1"}};
  std::vector<RouteSpec> routes;
  std::vector<Bytes> sent;
  std::deque<std::variant<Bytes, Error>> inbox;

  void answer(const Bytes& req) {
    nlmsghdr h;
    std::memcpy(&h, req.data(), sizeof h);
    uint8_t family = req[sizeof h];
    if (dumps == Dumps::kSilent) return;
    if (dumps == Dumps::kRefuse) {
      inbox.push_back(error_message(h.nlmsg_seq, -EBUSY));
      return;
    }
    Bytes d;
    if (h.nlmsg_type == RTM_GETLINK)
      for (auto& [idx, name] : links) d = concat({d, link_message(idx, name, RTM_NEWLINK, h.nlmsg_seq, NLM_F_MULTI)});
    else
      for (auto& r : routes)
        if ((r.dst.find(':') != std::string::npos) == (family == AF_INET6))
          d = concat({d, route_message(r, RTM_NEWROUTE, h.nlmsg_seq, NLM_F_MULTI)});
    inbox.push_back(concat({d, done_message(h.nlmsg_seq, uint16_t(NLM_F_MULTI | extra_done_flags))}));
    extra_done_flags = 0;
  }
  void notify(const RouteSpec& r, uint16_t type = RTM_NEWROUTE) {
    if (type == RTM_NEWROUTE) routes.push_back(r);
    else std::erase_if(routes, [&](const RouteSpec& x) { return x.dst == r.dst && x.metric == r.metric; });
    inbox.push_back(route_message(r, type));
  }
};

class FakeSocket final : public NetlinkSocket {
 public:
  explicit FakeSocket(std::shared_ptr<FakeKernel> k) : k_(std::move(k)) {}
  Status open() override {
    ++k_->opens;
    if (k_->open_fails) return make_error(Errc::kUnavailable, "netlink socket: Permission denied");
    k_->open = true;
    k_->inbox.clear();
    return ok_status();
  }
  void close() override { k_->open = false; }
  bool is_open() const override { return k_->open; }
  Status send(std::span<const uint8_t> msg) override {
    k_->sent.emplace_back(msg.begin(), msg.end());
    k_->answer(k_->sent.back());
    return ok_status();
  }
  Result<size_t> recv(std::span<uint8_t> buf) override {
    if (k_->inbox.empty()) return size_t(0);
    auto item = std::move(k_->inbox.front());
    k_->inbox.pop_front();
    if (auto* e = std::get_if<Error>(&item)) return *e;
    auto& b = std::get<Bytes>(item);
    std::memcpy(buf.data(), b.data(), b.size());
    return b.size();
  }
  int fd() const override { return k_->open ? 99 : -1; }

 private:
  std::shared_ptr<FakeKernel> k_;
};

class NetlinkSourceTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeKernel> kernel = std::make_shared<FakeKernel>();
  NetlinkSourceOptions options;
  std::unique_ptr<NetlinkRouteSource> src;
  int64_t now = 1000;

  void SetUp() override {
    options.heartbeat_ms = 10'000;
    options.dump_timeout_ms = 2'000;
    options.retry_ms = 500;
    kernel->routes = {{"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 2, 0, RTPROT_BOOT},
                      {"2001:db8:5::/48", "2001:db8:1::fe", std::nullopt, 3, 1024, RTPROT_BOOT}};
  }
  void make() { src = std::make_unique<NetlinkRouteSource>(options, std::make_unique<FakeSocket>(kernel)); }
  void start() {
    make();
    ASSERT_TRUE(src->start(now).ok());
    ASSERT_TRUE(src->poll(now).ok());
  }
  Status advance(int64_t ms) {
    now += ms;
    return src->poll(now);
  }
};

TEST_F(NetlinkSourceTest, FirstDumpMakesItReadyWithHeartbeat) {
  make();
  EXPECT_FALSE(src->ready());
  EXPECT_FALSE(src->last_heartbeat_ms());
  ASSERT_TRUE(src->start(now).ok());
  ASSERT_TRUE(src->poll(now).ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->last_heartbeat_ms(), now);
  ASSERT_EQ(kernel->sent.size(), 3u);  // links, IPv4 routes, IPv6 routes, one at a time
  EXPECT_EQ(kernel->sent[0][4], RTM_GETLINK);
  EXPECT_EQ(kernel->sent[1][sizeof(nlmsghdr)], AF_INET);
  EXPECT_EQ(kernel->sent[2][sizeof(nlmsghdr)], AF_INET6);
  auto r = src->lookup(ip("198.18.5.77"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gateway, ip("198.18.1.254"));
  EXPECT_EQ(r->pref_src, ip("198.18.1.1"));
  EXPECT_EQ(r->oif.ifindex, 2);
  EXPECT_EQ(r->oif.name, "v0");
  EXPECT_EQ(r->origin, RouteOrigin::kKernel);
  auto r6 = src->lookup(ip("2001:db8:5::9"));
  ASSERT_TRUE(r6);
  EXPECT_EQ(r6->oif.name, "v1");
  EXPECT_EQ(r6->metric, 1024u);
  EXPECT_FALSE(src->lookup(ip("198.19.0.1")));
  EXPECT_GT(src->generation(), 0u);
  EXPECT_EQ(src->restarts(), 0u);
}

TEST_F(NetlinkSourceTest, NotificationsAddChangeAndDeleteWithGenerations) {
  start();
  uint64_t g = src->generation();
  kernel->notify({"198.18.7.0/24", "198.18.1.253", std::nullopt, 2});
  ASSERT_TRUE(advance(10).ok());
  ASSERT_TRUE(src->lookup(ip("198.18.7.1")));
  EXPECT_EQ(src->generation(), g + 1);
  kernel->notify({"198.18.7.0/24", "198.18.1.252", std::nullopt, 3});  // ip route change: same prefix, metric
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->lookup(ip("198.18.7.1"))->gateway, ip("198.18.1.252"));
  EXPECT_EQ(src->lookup(ip("198.18.7.1"))->oif.name, "v1");
  EXPECT_EQ(src->generation(), g + 2);
  kernel->notify({"198.18.7.0/24", "198.18.1.252", std::nullopt, 3}, RTM_DELROUTE);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_FALSE(src->lookup(ip("198.18.7.1")));
  EXPECT_EQ(src->generation(), g + 3);
  // The same add twice is one change.
  kernel->notify({"198.18.8.0/24"});
  kernel->notify({"198.18.8.0/24"});
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->generation(), g + 4);
}

TEST_F(NetlinkSourceTest, OnlyUnicastRoutesOfTheMainTableCount) {
  start();
  RouteSpec other_table{"198.18.20.0/24"};
  other_table.table = 100;
  RouteSpec local{"198.18.21.0/24"};
  local.type = RTN_LOCAL;
  RouteSpec cloned{"198.18.22.0/24"};
  cloned.flags = RTM_F_CLONED;
  uint64_t g = src->generation();
  for (auto& r : {other_table, local, cloned}) kernel->notify(r);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_FALSE(src->lookup(ip("198.18.20.1")));
  EXPECT_FALSE(src->lookup(ip("198.18.21.1")));
  EXPECT_FALSE(src->lookup(ip("198.18.22.1")));
  EXPECT_EQ(src->generation(), g);
}

TEST_F(NetlinkSourceTest, PeriodicDumpIsTheHeartbeat) {
  start();
  int64_t first = now;
  ASSERT_TRUE(advance(9'999).ok());
  EXPECT_EQ(src->last_heartbeat_ms(), first);
  ASSERT_TRUE(advance(1).ok());
  EXPECT_EQ(src->last_heartbeat_ms(), now);
  EXPECT_EQ(src->stats().dumps_ok, 2u);
}

TEST_F(NetlinkSourceTest, FailedDumpGivesNoHeartbeatAndIsReported) {
  start();
  int64_t first = now;
  kernel->dumps = FakeKernel::Dumps::kRefuse;
  Status st = advance(10'000);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("refused"), std::string::npos) << st.error().message;
  EXPECT_EQ(src->last_heartbeat_ms(), first);
  EXPECT_EQ(src->stats().dumps_failed, 1u);
  EXPECT_TRUE(src->ready());  // the table it has is still the last good one
  EXPECT_TRUE(src->lookup(ip("198.18.5.1")));
  kernel->dumps = FakeKernel::Dumps::kAnswer;
  ASSERT_TRUE(advance(499).ok());
  EXPECT_EQ(src->last_heartbeat_ms(), first);
  ASSERT_TRUE(advance(1).ok());  // retried after retry_ms
  EXPECT_EQ(src->last_heartbeat_ms(), now);
  EXPECT_EQ(src->restarts(), 0u);
}

TEST_F(NetlinkSourceTest, DumpTimeoutReopensTheSocketAndCountsARestart) {
  start();
  kernel->dumps = FakeKernel::Dumps::kSilent;
  ASSERT_TRUE(advance(10'000).ok());  // the verifying dump starts, nobody answers
  ASSERT_TRUE(advance(1'999).ok());
  EXPECT_EQ(src->restarts(), 0u);
  Status st = advance(1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("timed out"), std::string::npos);
  EXPECT_FALSE(src->ready());
  kernel->dumps = FakeKernel::Dumps::kAnswer;
  ASSERT_TRUE(advance(1).ok());  // reopened and dumped
  EXPECT_EQ(kernel->opens, 2);
  EXPECT_EQ(src->restarts(), 1u);
  EXPECT_EQ(src->stats().reopens, 1u);
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->last_heartbeat_ms(), now);
}

TEST_F(NetlinkSourceTest, SocketErrorReopensAndCountsARestart) {
  start();
  kernel->inbox.push_back(make_error(Errc::kInternal, "netlink recv: Bad file descriptor"));
  Status st = advance(10);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(src->ready());
  ASSERT_TRUE(advance(10).ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->restarts(), 1u);
}

TEST_F(NetlinkSourceTest, OverrunResynchronisesWithoutRestart) {
  start();
  kernel->routes.push_back({"198.18.30.0/24"});  // a change whose notification was lost
  kernel->inbox.push_back(make_error(Errc::kUnavailable, "netlink recv ENOBUFS"));
  ASSERT_TRUE(advance(10).ok());
  ASSERT_TRUE(advance(10).ok());
  EXPECT_TRUE(src->lookup(ip("198.18.30.1")));
  EXPECT_EQ(src->stats().overruns, 1u);
  EXPECT_EQ(src->restarts(), 0u);
}

TEST_F(NetlinkSourceTest, DaemonFlushAndReaddIsOneRestart) {
  kernel->routes.push_back({"198.18.40.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD});
  kernel->routes.push_back({"198.18.41.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD});
  start();
  EXPECT_EQ(src->restarts(), 0u);  // routes of the daemon at the first dump are no restart
  kernel->notify({"198.18.40.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD}, RTM_DELROUTE);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->restarts(), 0u);  // one of two withdrawn: not all
  kernel->notify({"198.18.41.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD}, RTM_DELROUTE);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->restarts(), 0u);  // all withdrawn, none back yet
  kernel->notify({"198.18.40.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD});
  kernel->notify({"198.18.41.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_BIRD});
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->restarts(), 1u);
  // Routes of other protocols coming and going are no restart.
  kernel->notify({"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 2, 0, RTPROT_BOOT}, RTM_DELROUTE);
  kernel->notify({"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 2, 0, RTPROT_BOOT});
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->restarts(), 1u);
}

TEST_F(NetlinkSourceTest, DaemonRestartSeenThroughADumpAfterAnOverrun) {
  kernel->routes.push_back({"198.18.40.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_ZEBRA});
  start();
  std::erase_if(kernel->routes, [](const RouteSpec& r) { return r.protocol == RTPROT_ZEBRA; });
  kernel->inbox.push_back(make_error(Errc::kUnavailable, "netlink recv ENOBUFS"));
  ASSERT_TRUE(advance(10).ok());
  ASSERT_TRUE(advance(10).ok());
  kernel->routes.push_back({"198.18.40.0/24", "198.18.1.9", std::nullopt, 2, 20, RTPROT_ZEBRA});
  ASSERT_TRUE(advance(10'000).ok());  // the verifying dump shows them back
  EXPECT_EQ(src->restarts(), 1u);
}

TEST_F(NetlinkSourceTest, ExplicitMarkerCountsARestart) {
  start();
  src->note_restart();
  EXPECT_EQ(src->restarts(), 1u);
}

TEST_F(NetlinkSourceTest, NotificationsDuringADumpAreReplayedOverIt) {
  start();
  kernel->dumps = FakeKernel::Dumps::kSilent;
  ASSERT_TRUE(advance(10'000).ok());  // the verifying dump's link request goes out, unanswered
  // While the dump is under way the route is deleted; the dump (answered late) still holds it.
  kernel->notify({"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 2, 0, RTPROT_BOOT}, RTM_DELROUTE);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_FALSE(src->lookup(ip("198.18.5.1")));
  kernel->routes.push_back({"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 2, 0, RTPROT_BOOT});  // stale view
  kernel->dumps = FakeKernel::Dumps::kAnswer;
  kernel->answer(kernel->sent.back());
  ASSERT_TRUE(advance(10).ok());
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->stats().dumps_ok, 2u);
  EXPECT_FALSE(src->lookup(ip("198.18.5.1")));  // the deletion replayed over the stale dump
}

TEST_F(NetlinkSourceTest, InterruptedDumpIsRedone) {
  make();
  kernel->extra_done_flags = NLM_F_DUMP_INTR;
  ASSERT_TRUE(src->start(now).ok());
  ASSERT_TRUE(src->poll(now).ok());
  ASSERT_TRUE(src->poll(now).ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->stats().dumps_interrupted, 1u);
  EXPECT_EQ(kernel->sent.size(), 4u);
}

TEST_F(NetlinkSourceTest, ForeignAndMalformedDatagramsAreDroppedAndCounted) {
  start();
  uint64_t g = src->generation();
  kernel->inbox.push_back(make_error(Errc::kInvalidArgument, "netlink recv: datagram from port 4242, not the kernel"));
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->stats().foreign_dropped, 1u);
  Bytes bad = route_message({"198.18.50.0/24"});
  bad.resize(bad.size() - 3);
  kernel->inbox.push_back(bad);
  EXPECT_FALSE(advance(10).ok());
  EXPECT_EQ(src->stats().bad_datagrams, 1u);
  EXPECT_FALSE(src->lookup(ip("198.18.50.1")));
  Bytes bad_attr = route_message({"198.18.51.0/24"});
  bad_attr[sizeof(nlmsghdr) + sizeof(rtmsg)] = 2;  // first attribute's rta_len below its header
  kernel->inbox.push_back(bad_attr);
  EXPECT_FALSE(advance(10).ok());
  EXPECT_EQ(src->stats().bad_messages, 1u);
  ASSERT_TRUE(advance(10).ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->generation(), g);  // nothing half-applied
  EXPECT_EQ(src->restarts(), 0u);
}

TEST_F(NetlinkSourceTest, InterfaceFilterAndDynamicRoutes) {
  options.interfaces = {"v1"};
  kernel->routes.push_back({"198.18.60.0/24", "198.18.2.9", std::nullopt, 3, 20, RTPROT_OSPF});
  kernel->routes.push_back({"198.18.60.0/24", "198.18.1.9", std::nullopt, 2, 10, RTPROT_OSPF});
  start();
  EXPECT_FALSE(src->lookup(ip("198.18.5.1")));  // over v0 only
  auto r = src->lookup(ip("198.18.60.1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->oif.name, "v1");  // the better-metric route over v0 is filtered out
  EXPECT_EQ(src->dynamic_routes_over("v1"), 1u);
  EXPECT_EQ(src->dynamic_routes_over("v0"), 1u);
  EXPECT_EQ(src->dynamic_routes_over("lo"), 0u);
  EXPECT_EQ(src->link_running("v0"), true);
  EXPECT_FALSE(src->link_running("nosuch"));
  kernel->inbox.push_back(link_message(2, "v0", RTM_NEWLINK, 0, 0, IFF_UP));
  ASSERT_TRUE(advance(10).ok());
  EXPECT_EQ(src->link_running("v0"), false);
}

TEST_F(NetlinkSourceTest, LinkDownDropsItsIpv4RoutesAndLinkDeletionAllItsRoutes) {
  kernel->routes.push_back({"2001:db8:7::/48", "2001:db8:1::fe", std::nullopt, 2, 1024});
  start();
  uint64_t g = src->generation();
  kernel->inbox.push_back(link_message(2, "v0", RTM_NEWLINK, 0, 0, 0));  // ip link set v0 down
  ASSERT_TRUE(advance(10).ok());
  EXPECT_FALSE(src->lookup(ip("198.18.5.1")));   // IPv4 over v0: gone, as in the kernel
  EXPECT_TRUE(src->lookup(ip("2001:db8:7::1")));  // IPv6 is withdrawn by its own notifications
  EXPECT_GT(src->generation(), g);
  kernel->inbox.push_back(link_message(2, "v0", RTM_DELLINK));
  ASSERT_TRUE(advance(10).ok());
  EXPECT_FALSE(src->lookup(ip("2001:db8:7::1")));
  EXPECT_FALSE(src->link_running("v0"));
  EXPECT_TRUE(src->lookup(ip("2001:db8:5::1")));  // over v1: untouched
}

TEST_F(NetlinkSourceTest, OpenFailureIsRetried) {
  kernel->open_fails = true;
  make();
  Status st = src->start(now);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("Permission denied"), std::string::npos);
  EXPECT_EQ(src->next_deadline_ms(), now + 500);
  kernel->open_fails = false;
  ASSERT_TRUE(advance(499).ok());
  EXPECT_FALSE(src->ready());
  ASSERT_TRUE(advance(1).ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->restarts(), 0u);  // the first successful open is no restart
}

}  // namespace
}  // namespace sysplex::routesource
