#include "control/routesource/route_table.h"

#include <gtest/gtest.h>

namespace sysplex::routesource {
namespace {

IpAddr ip(const char* s) { return *parse_ip(s); }

Route route(const char* prefix, uint32_t metric = 0, uint8_t protocol = 0, const char* gw = nullptr) {
  Route r;
  r.prefix = *parse_prefix(prefix);
  r.metric = metric;
  r.protocol = protocol;
  if (gw) r.gateway = ip(gw);
  return r;
}

TEST(RouteTable, LongestPrefixWinsThenLowestMetric) {
  RouteTable t;
  t.upsert(route("0.0.0.0/0", 0, 0, "198.18.0.1"));
  t.upsert(route("198.18.0.0/16", 5, 0, "198.18.0.2"));
  t.upsert(route("198.18.4.0/24", 20, 0, "198.18.0.3"));
  t.upsert(route("198.18.4.0/24", 10, 0, "198.18.0.4"));
  EXPECT_EQ(t.lookup(ip("198.18.4.9"))->gateway, ip("198.18.0.4"));
  EXPECT_EQ(t.lookup(ip("198.18.9.9"))->gateway, ip("198.18.0.2"));
  EXPECT_EQ(t.lookup(ip("198.19.0.1"))->gateway, ip("198.18.0.1"));
  EXPECT_FALSE(t.lookup(ip("2001:db8::1")));  // no IPv6 default
}

TEST(RouteTable, HostRouteAndIpv6) {
  RouteTable t;
  t.upsert(route("2001:db8::/32", 0, 0, "2001:db8::fe"));
  t.upsert(route("2001:db8::7/128", 0, 0, "2001:db8::fd"));
  EXPECT_EQ(t.lookup(ip("2001:db8::7"))->gateway, ip("2001:db8::fd"));
  EXPECT_EQ(t.lookup(ip("2001:db8::8"))->gateway, ip("2001:db8::fe"));
  EXPECT_FALSE(t.lookup(ip("198.18.0.1")));
}

TEST(RouteTable, UpsertReplacesSamePrefixAndMetricAndReportsChange) {
  RouteTable t;
  EXPECT_TRUE(t.upsert(route("198.18.4.0/24", 0, 0, "198.18.0.3")));
  EXPECT_FALSE(t.upsert(route("198.18.4.0/24", 0, 0, "198.18.0.3")));
  EXPECT_TRUE(t.upsert(route("198.18.4.0/24", 0, 0, "198.18.0.9")));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.lookup(ip("198.18.4.1"))->gateway, ip("198.18.0.9"));
  EXPECT_TRUE(t.remove(*parse_prefix("198.18.4.0/24"), 0));
  EXPECT_FALSE(t.remove(*parse_prefix("198.18.4.0/24"), 0));
  EXPECT_EQ(t.size(), 0u);
}

TEST(RouteTable, HostBitsOfAStoredPrefixAreCleared) {
  RouteTable t;
  Route r = route("198.18.4.0/24");
  r.prefix.addr = ip("198.18.4.77");
  t.upsert(r);
  EXPECT_EQ(t.lookup(ip("198.18.4.1"))->prefix.addr, ip("198.18.4.0"));
}

TEST(RouteTable, ProtocolCountsFollowChanges) {
  RouteTable t;
  t.upsert(route("198.18.1.0/24", 0, 12));
  t.upsert(route("198.18.2.0/24", 0, 12));
  EXPECT_EQ(t.count_protocol(12), 2u);
  t.upsert(route("198.18.2.0/24", 0, 3));  // replaced by a route of another protocol
  EXPECT_EQ(t.count_protocol(12), 1u);
  EXPECT_EQ(t.count_protocol(3), 1u);
  t.remove(*parse_prefix("198.18.1.0/24"), 0);
  EXPECT_EQ(t.count_protocol(12), 0u);
  t.clear();
  EXPECT_EQ(t.count_protocol(3), 0u);
}

TEST(RouteTable, RemoveIfKeepsCountsRight) {
  RouteTable t;
  t.upsert(route("198.18.1.0/24", 0, 12));
  t.upsert(route("198.18.2.0/24", 0, 3));
  t.upsert(route("198.18.3.0/24", 0, 12));
  EXPECT_EQ(t.remove_if([](const Route& r) { return r.protocol == 12; }), 2u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.count_protocol(12), 0u);
  EXPECT_EQ(t.count_protocol(3), 1u);
}

TEST(RouteTable, FilterSkipsRoutesButKeepsLongestOfTheRest) {
  RouteTable t;
  t.upsert(route("198.18.0.0/16", 0, 1));
  t.upsert(route("198.18.4.0/24", 0, 2));
  auto r = t.lookup(ip("198.18.4.1"), [](const Route& x) { return x.protocol == 1; });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prefix.len, 16);
}

}  // namespace
}  // namespace sysplex::routesource
