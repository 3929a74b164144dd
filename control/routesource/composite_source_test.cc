#include "control/routesource/composite_source.h"

#include <gtest/gtest.h>

#include "control/routesource/route_table.h"

namespace sysplex::routesource {
namespace {

IpAddr ip(const char* s) { return *parse_ip(s); }

struct TableSource final : RouteSource {
  RouteTable table;
  bool is_ready = true;
  std::optional<int64_t> heartbeat = 100;
  uint64_t gen = 1, rst = 0;
  std::optional<Route> lookup(const IpAddr& d) const override { return table.lookup(d); }
  bool ready() const override { return is_ready; }
  std::optional<int64_t> last_heartbeat_ms() const override { return heartbeat; }
  uint64_t generation() const override { return gen; }
  uint64_t restarts() const override { return rst; }
  void add(const char* prefix, RouteOrigin origin) {
    Route r;
    r.prefix = *parse_prefix(prefix);
    r.origin = origin;
    table.upsert(r);
  }
};

TEST(CompositeRouteSource, FirstMatchLetsStaticRoutesOverrideTheKernel) {
  TableSource st, kern;
  st.add("198.18.0.0/16", RouteOrigin::kStatic);
  kern.add("198.18.4.0/24", RouteOrigin::kKernel);
  kern.add("198.19.0.0/16", RouteOrigin::kKernel);
  CompositeRouteSource c({&st, &kern});
  EXPECT_EQ(c.lookup(ip("198.18.4.1"))->origin, RouteOrigin::kStatic);
  EXPECT_EQ(c.lookup(ip("198.19.4.1"))->origin, RouteOrigin::kKernel);
  CompositeRouteSource kernel_first({&kern, &st});
  EXPECT_EQ(kernel_first.lookup(ip("198.18.4.1"))->origin, RouteOrigin::kKernel);
  EXPECT_EQ(kernel_first.lookup(ip("198.18.5.1"))->origin, RouteOrigin::kStatic);
}

TEST(CompositeRouteSource, LongestPrefixAcrossSourcesTiesToTheEarlier) {
  TableSource st, kern;
  st.add("198.18.0.0/16", RouteOrigin::kStatic);
  st.add("198.20.0.0/16", RouteOrigin::kStatic);
  kern.add("198.18.4.0/24", RouteOrigin::kKernel);
  kern.add("198.20.0.0/16", RouteOrigin::kKernel);
  CompositeRouteSource c({&st, &kern}, Precedence::kLongestPrefix);
  EXPECT_EQ(c.lookup(ip("198.18.4.1"))->origin, RouteOrigin::kKernel);
  EXPECT_EQ(c.lookup(ip("198.18.5.1"))->origin, RouteOrigin::kStatic);
  EXPECT_EQ(c.lookup(ip("198.20.5.1"))->origin, RouteOrigin::kStatic);
  EXPECT_FALSE(c.lookup(ip("198.21.0.1")));
}

TEST(CompositeRouteSource, ReadinessHeartbeatGenerationAndRestartsCombine) {
  TableSource a, b;
  a.heartbeat = 500;
  b.heartbeat = 300;
  a.gen = 4;
  b.gen = 7;
  b.rst = 2;
  CompositeRouteSource c({&a, &b});
  EXPECT_TRUE(c.ready());
  EXPECT_EQ(c.last_heartbeat_ms(), 300);
  EXPECT_EQ(c.generation(), 11u);
  EXPECT_EQ(c.restarts(), 2u);
  b.is_ready = false;
  EXPECT_FALSE(c.ready());
  b.heartbeat.reset();
  EXPECT_FALSE(c.last_heartbeat_ms());
  uint64_t g = c.generation();
  ++a.gen;
  EXPECT_GT(c.generation(), g);
}

}  // namespace
}  // namespace sysplex::routesource
