#include "control/targetcache/target_cache.h"

#include <gtest/gtest.h>

#include <map>

#include "control/routesource/route_table.h"

namespace sysplex::targetcache {
namespace {

using routesource::Route;
using routesource::RouteOrigin;

constexpr int64_t s = 1000;

IpAddr ip(const char* t) { return *parse_ip(t); }
MacAddr mac(const char* t) { return *parse_mac(t); }

struct FakeRoutes final : routesource::RouteSource {
  routesource::RouteTable table;
  uint64_t gen = 1, rst = 0;
  std::optional<Route> lookup(const IpAddr& d) const override { return table.lookup(d); }
  bool ready() const override { return true; }
  std::optional<int64_t> last_heartbeat_ms() const override { return 0; }
  uint64_t generation() const override { return gen; }
  uint64_t restarts() const override { return rst; }
  void add(const char* prefix, std::optional<const char*> gw, int port, int ifindex = 0,
           std::optional<const char*> src = std::nullopt) {
    Route r;
    r.prefix = *parse_prefix(prefix);
    if (gw) r.gateway = ip(*gw);
    r.oif.port = port;
    r.oif.ifindex = ifindex;
    r.oif.name = ifindex ? "eth" + std::to_string(ifindex) : "lan" + std::to_string(port);
    if (src) r.pref_src = ip(*src);
    r.origin = port >= 0 ? RouteOrigin::kStatic : RouteOrigin::kKernel;
    table.upsert(r);
    ++gen;
  }
  void del(const char* prefix) {
    table.remove(*parse_prefix(prefix), 0);
    ++gen;
  }
};

class TargetCacheTest : public ::testing::Test {
 protected:
  FakeRoutes routes;
  std::map<std::pair<IpAddr, int>, MacAddr> neighbors;
  int resolutions_asked = 0;
  std::vector<config::VipaRoute> vipa{{ip("198.18.0.2"), ip("198.19.2.1")}, {ip("198.18.0.3"), ip("198.19.3.1")}};
  std::unique_ptr<TargetCache> cache;

  void SetUp() override {
    routes.add("198.19.2.0/24", "198.18.1.254", 0);
    routes.add("198.19.3.0/24", std::nullopt, 1);  // on-link
    neighbors[{ip("198.18.1.254"), 0}] = mac("02:00:00:00:01:fe");
    neighbors[{ip("198.19.3.1"), 1}] = mac("02:00:00:00:03:01");
    make();
  }
  void make() {
    TargetCacheDeps deps;
    deps.routes = &routes;
    deps.neighbor = [this](const IpAddr& nh, int port) -> std::optional<MacAddr> {
      auto it = neighbors.find({nh, port});
      if (it == neighbors.end()) {
        ++resolutions_asked;  // the owner would send ARP/ND here
        return std::nullopt;
      }
      return it->second;
    };
    deps.port_of = [](const Route& r) { return r.oif.ifindex == 7 ? 2 : -1; };
    deps.port_address = [](int port, bool v6) -> std::optional<IpAddr> {
      if (v6) return std::nullopt;
      return IpAddr::v4_from_host(0xc6120001 + uint32_t(port) * 256);  // 198.18.<port>.1
    };
    deps.port_name = [](int port) { return "lan" + std::to_string(port); };
    cache = std::make_unique<TargetCache>("SYS1", vipa, config::TargetCacheTimers{}, deps);
  }
  // Polls once a second from `from` to `to` (inclusive); returns the times a refresh ran.
  std::vector<int64_t> poll_between(int64_t from, int64_t to) {
    std::vector<int64_t> ran;
    for (int64_t t = from; t <= to; t += s)
      if (cache->poll(t).refreshed) ran.push_back(t);
    return ran;
  }
};

TEST_F(TargetCacheTest, ScheduleAfterJoin) {
  EXPECT_TRUE(poll_between(0, 100 * s).empty());  // not joined: no refreshes
  cache->restart(100 * s);
  auto ran = poll_between(100 * s, 400 * s);
  std::vector<int64_t> want{105, 110, 125, 160, 220, 280, 340, 400};
  ASSERT_EQ(ran.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(ran[i], want[i] * s) << "refresh " << i;
}

TEST_F(TargetCacheTest, ScheduleAfterRejoin) {
  cache->restart(0);
  poll_between(0, 200 * s);
  cache->stop();  // left the group
  EXPECT_TRUE(poll_between(201 * s, 400 * s).empty());
  cache->restart(400 * s);  // rejoined
  auto ran = poll_between(401 * s, 520 * s);
  EXPECT_EQ(ran, (std::vector<int64_t>{405 * s, 410 * s, 425 * s, 460 * s, 520 * s}));
}

TEST_F(TargetCacheTest, RouteSourceRestartRestartsTheFastList) {
  cache->restart(0);
  poll_between(0, 200 * s);  // steady: last refresh at 180 s, next at 240 s
  routes.rst = 1;
  auto r = cache->poll(201 * s);
  EXPECT_TRUE(r.restarted);
  EXPECT_FALSE(r.refreshed);
  auto ran = poll_between(202 * s, 330 * s);
  EXPECT_EQ(ran, (std::vector<int64_t>{206 * s, 211 * s, 226 * s, 261 * s, 321 * s}));
  // During the fast list, another restart starts it over.
  routes.rst = 2;
  EXPECT_TRUE(cache->poll(331 * s).restarted);
  EXPECT_EQ(cache->schedule().next_at(), 336 * s);
}

TEST_F(TargetCacheTest, RouteSourceRestartWhileOutOfTheGroupDoesNothing) {
  routes.rst = 3;
  auto r = cache->poll(10 * s);
  EXPECT_FALSE(r.restarted);
  EXPECT_FALSE(cache->schedule().next_at());
  cache->restart(20 * s);
  EXPECT_FALSE(cache->poll(21 * s).restarted);  // the join took the count in
}

TEST_F(TargetCacheTest, FirstRefreshResolvesEverything) {
  cache->restart(0);
  auto r = cache->poll(5 * s);
  ASSERT_TRUE(r.refreshed);
  EXPECT_EQ(r.changes.size(), 2u);
  EXPECT_TRUE(r.messages.empty());
  const TargetEntry* a = cache->find(ip("198.18.0.2"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, TargetState::kUsable);
  EXPECT_EQ(a->target_addr, ip("198.19.2.1"));
  EXPECT_EQ(a->route_prefix, *parse_prefix("198.19.2.0/24"));
  EXPECT_EQ(a->gateway, ip("198.18.1.254"));
  EXPECT_EQ(a->next_hop, ip("198.18.1.254"));
  EXPECT_EQ(a->port, 0);
  EXPECT_EQ(a->outer_src, ip("198.18.0.1"));  // the port's address: the route names none
  EXPECT_EQ(a->next_hop_mac, mac("02:00:00:00:01:fe"));
  EXPECT_EQ(a->last_refresh_ms, 5 * s);
  const TargetEntry* b = cache->find(ip("198.18.0.3"));
  EXPECT_FALSE(b->gateway);
  EXPECT_EQ(b->next_hop, ip("198.19.3.1"));  // on-link: the target itself
  EXPECT_EQ(b->port, 1);
  EXPECT_TRUE(b->usable());
  EXPECT_FALSE(cache->find(ip("198.18.0.9")));
}

TEST_F(TargetCacheTest, RouteChangeIsPickedUpAtTheNextScheduledRefresh) {
  cache->restart(0);
  poll_between(0, 200 * s);  // steady; next refresh at 240 s
  routes.del("198.19.2.0/24");
  routes.add("198.19.2.0/24", "198.18.1.253", 0, 0, "198.18.1.9");
  neighbors[{ip("198.18.1.253"), 0}] = mac("02:00:00:00:01:fd");
  EXPECT_TRUE(cache->stale());
  auto early = cache->poll(239 * s);
  EXPECT_FALSE(early.refreshed);
  EXPECT_EQ(cache->find(ip("198.18.0.2"))->gateway, ip("198.18.1.254"));  // not yet: z/OS waits too
  auto r = cache->poll(240 * s);
  ASSERT_TRUE(r.refreshed);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].before.gateway, ip("198.18.1.254"));
  EXPECT_EQ(r.changes[0].after.gateway, ip("198.18.1.253"));
  EXPECT_EQ(r.changes[0].after.outer_src, ip("198.18.1.9"));  // the route's preferred source
  EXPECT_EQ(r.changes[0].after.next_hop_mac, mac("02:00:00:00:01:fd"));
  EXPECT_FALSE(cache->stale());
  EXPECT_TRUE(r.messages.empty());
}

TEST_F(TargetCacheTest, ExplicitRefreshAppliesAChangeAtOnceWithoutMovingTheSchedule) {
  cache->restart(0);
  poll_between(0, 200 * s);
  routes.del("198.19.3.0/24");
  auto r = cache->refresh(210 * s);
  EXPECT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(cache->find(ip("198.18.0.3"))->state, TargetState::kNoRoute);
  EXPECT_EQ(cache->schedule().next_at(), 240 * s);
}

TEST_F(TargetCacheTest, LostRouteGivesOneMessageAndOneWhenItComesBack) {
  cache->restart(0);
  poll_between(0, 130 * s);
  routes.del("198.19.3.0/24");
  auto lost = cache->poll(180 * s);
  ASSERT_EQ(lost.messages.size(), 1u);
  EXPECT_EQ(lost.messages[0].id, monitor::MsgId::kTargetNoRoute);
  EXPECT_EQ(lost.messages[0].xcf_addr, ip("198.18.0.3"));
  EXPECT_EQ(lost.messages[0].text,
            "SPX8101I SYS1 VIPAROUTE TARGET 198.19.3.1 FOR 198.18.0.3 HAS NO ROUTE (no route to 198.19.3.1): "
            "EXCLUDED FROM DISTRIBUTION");
  ASSERT_EQ(lost.changes.size(), 1u);
  EXPECT_FALSE(lost.changes[0].after.usable());
  // Refresh after refresh without a route: silence.
  for (int64_t t : {240 * s, 300 * s, 360 * s}) {
    auto r = cache->poll(t);
    EXPECT_TRUE(r.refreshed);
    EXPECT_TRUE(r.messages.empty());
    EXPECT_TRUE(r.changes.empty());
  }
  routes.add("198.19.3.0/24", std::nullopt, 1);
  auto back = cache->poll(420 * s);
  ASSERT_EQ(back.messages.size(), 1u);
  EXPECT_EQ(back.messages[0].id, monitor::MsgId::kTargetRoute);
  EXPECT_EQ(back.messages[0].text,
            "SPX8102I SYS1 VIPAROUTE TARGET 198.19.3.1 FOR 198.18.0.3 HAS A ROUTE AGAIN VIA 198.19.3.1 ON lan1");
  EXPECT_TRUE(cache->find(ip("198.18.0.3"))->usable());
  EXPECT_TRUE(cache->poll(480 * s).messages.empty());
}

TEST_F(TargetCacheTest, TargetWithoutARouteFromTheStartGetsOneMessage) {
  vipa.push_back({ip("198.18.0.4"), ip("198.19.4.1")});
  make();
  cache->restart(0);
  auto r = cache->poll(5 * s);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].xcf_addr, ip("198.18.0.4"));
  EXPECT_TRUE(cache->poll(10 * s).messages.empty());
}

TEST_F(TargetCacheTest, UnresolvedNextHopBecomesResolved) {
  neighbors.erase({ip("198.18.1.254"), 0});
  cache->restart(0);
  auto r = cache->poll(5 * s);
  const TargetEntry* a = cache->find(ip("198.18.0.2"));
  EXPECT_EQ(a->state, TargetState::kUnresolved);
  EXPECT_FALSE(a->usable());
  EXPECT_EQ(a->next_hop, ip("198.18.1.254"));
  EXPECT_GE(resolutions_asked, 1);
  EXPECT_TRUE(r.messages.empty());  // unresolved is not a lost route
  // Still unresolved at the next refresh: no change, no message.
  auto again = cache->poll(10 * s);
  EXPECT_TRUE(again.changes.empty());
  // The owner learned the neighbour; resolve_pending applies it without a refresh.
  neighbors[{ip("198.18.1.254"), 0}] = mac("02:00:00:00:01:fe");
  auto res = cache->resolve_pending(12 * s);
  EXPECT_FALSE(res.refreshed);
  ASSERT_EQ(res.changes.size(), 1u);
  EXPECT_EQ(res.changes[0].before.state, TargetState::kUnresolved);
  EXPECT_TRUE(res.changes[0].after.usable());
  EXPECT_EQ(cache->schedule().next_at(), 25 * s);
}

TEST_F(TargetCacheTest, UnresolvedIsResolvedByTheNextRefreshToo) {
  neighbors.erase({ip("198.19.3.1"), 1});
  cache->restart(0);
  cache->poll(5 * s);
  neighbors[{ip("198.19.3.1"), 1}] = mac("02:00:00:00:03:01");
  auto r = cache->poll(10 * s);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_TRUE(cache->find(ip("198.18.0.3"))->usable());
}

TEST_F(TargetCacheTest, KernelRoutesMapToNodePortsOrAreExcluded) {
  routes.table.clear();
  routes.add("198.19.2.0/24", "198.18.3.254", -1, 7);  // a kernel interface that is node port 2
  routes.add("198.19.3.0/24", "198.18.9.254", -1, 9);  // a kernel interface that is no node port
  neighbors[{ip("198.18.3.254"), 2}] = mac("02:00:00:00:02:fe");
  cache->restart(0);
  auto r = cache->poll(5 * s);
  EXPECT_EQ(cache->find(ip("198.18.0.2"))->port, 2);
  EXPECT_TRUE(cache->find(ip("198.18.0.2"))->usable());
  const TargetEntry* b = cache->find(ip("198.18.0.3"));
  EXPECT_EQ(b->state, TargetState::kNoRoute);
  EXPECT_NE(b->reason.find("eth9, which is no node port"), std::string::npos) << b->reason;
  ASSERT_EQ(r.messages.size(), 1u);
}

TEST_F(TargetCacheTest, NoSourceAddressExcludes) {
  vipa = {{ip("2001:db8::2"), ip("2001:db8:2::1")}};
  routes.add("2001:db8:2::/48", "2001:db8:1::fe", 0);
  neighbors[{ip("2001:db8:1::fe"), 0}] = mac("02:00:00:00:06:fe");
  make();
  cache->restart(0);
  cache->poll(5 * s);
  const TargetEntry* e = cache->find(ip("2001:db8::2"));
  EXPECT_EQ(e->state, TargetState::kNoRoute);
  EXPECT_EQ(e->reason, "no IPv6 source address on lan0");
}

TEST_F(TargetCacheTest, DisplayRows) {
  neighbors.erase({ip("198.19.3.1"), 1});
  cache->restart(0);
  auto before = cache->display(1 * s);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].state, "pending");
  EXPECT_EQ(before[0].last_refresh, "never");
  EXPECT_EQ(before[0].next_refresh, "in 4 s");
  cache->poll(5 * s);
  auto rows = cache->display(7 * s);
  EXPECT_EQ(rows[0].xcf, "198.18.0.2");
  EXPECT_EQ(rows[0].target, "198.19.2.1");
  EXPECT_EQ(rows[0].route, "198.19.2.0/24");
  EXPECT_EQ(rows[0].next_hop, "198.18.1.254");
  EXPECT_EQ(rows[0].egress, "lan0");
  EXPECT_EQ(rows[0].source, "198.18.0.1");
  EXPECT_EQ(rows[0].mac, "02:00:00:00:01:fe");
  EXPECT_EQ(rows[0].state, "usable");
  EXPECT_EQ(rows[0].last_refresh, "2 s ago");
  EXPECT_EQ(rows[0].next_refresh, "in 3 s");
  EXPECT_EQ(rows[0].next_refresh_ms, 10 * s);
  EXPECT_FALSE(rows[0].route_changed);
  EXPECT_EQ(rows[1].state, "next hop unresolved");
  EXPECT_EQ(rows[1].mac, "-");
  routes.add("198.19.9.0/24", std::nullopt, 0);
  EXPECT_TRUE(cache->display(8 * s)[0].route_changed);
}

}  // namespace
}  // namespace sysplex::targetcache
