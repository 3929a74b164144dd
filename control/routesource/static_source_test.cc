#include "control/routesource/static_source.h"

#include <gtest/gtest.h>

namespace sysplex::routesource {
namespace {

IpAddr ip(const char* s) { return *parse_ip(s); }

config::Profile profile() {
  config::Profile p;
  p.ports.resize(2);
  p.ports[0].name = "lan0";
  p.ports[0].addrs.resize(2);
  p.ports[0].addrs[0].prefix.addr = ip("198.18.1.1");  // PORTADDR keeps the host address
  p.ports[0].addrs[0].prefix.len = 24;
  p.ports[0].addrs[1].prefix.addr = ip("2001:db8:1::1");
  p.ports[0].addrs[1].prefix.len = 64;
  p.ports[1].name = "lan1";
  p.ports[1].addrs.resize(1);
  p.ports[1].addrs[0].prefix.addr = ip("198.18.2.1");
  p.ports[1].addrs[0].prefix.len = 24;
  config::RouteConfig def;
  def.dest = Prefix{IpAddr{}, 0};
  def.via = ip("198.18.2.254");
  def.metric = 7;
  config::RouteConfig net;
  net.dest = *parse_prefix("198.19.0.0/16");
  net.port = "lan0";
  p.routes = {def, net};
  return p;
}

TEST(StaticRouteSource, ConnectedPrefixesAndRoutes) {
  int64_t t = 5000;
  auto src = StaticRouteSource::from_profile(profile(), [&] { return t; });
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  auto c = src->lookup(ip("198.18.2.9"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->origin, RouteOrigin::kConnected);
  EXPECT_EQ(c->prefix, *parse_prefix("198.18.2.0/24"));
  EXPECT_FALSE(c->gateway);
  EXPECT_EQ(c->oif.port, 1);
  EXPECT_EQ(c->oif.name, "lan1");
  EXPECT_EQ(c->pref_src, ip("198.18.2.1"));
  auto d = src->lookup(ip("198.20.0.1"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->origin, RouteOrigin::kStatic);
  EXPECT_EQ(d->gateway, ip("198.18.2.254"));
  EXPECT_EQ(d->oif.port, 1);  // the port whose prefix holds VIA
  EXPECT_EQ(d->metric, 7u);
  EXPECT_FALSE(d->pref_src);
  auto n = src->lookup(ip("198.19.3.4"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->oif.port, 0);
  EXPECT_FALSE(n->gateway);
  auto v6 = src->lookup(ip("2001:db8:1::42"));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->oif.port, 0);
  EXPECT_FALSE(src->lookup(ip("2001:db8:2::1")));
}

TEST(StaticRouteSource, AlwaysReadyAndFresh) {
  int64_t t = 5000;
  auto src = StaticRouteSource::from_profile(profile(), [&] { return t; });
  ASSERT_TRUE(src.ok());
  EXPECT_TRUE(src->ready());
  EXPECT_EQ(src->last_heartbeat_ms(), 5000);
  t = 99'000;
  EXPECT_EQ(src->last_heartbeat_ms(), 99'000);
  EXPECT_EQ(src->restarts(), 0u);
}

TEST(StaticRouteSource, UnknownPortOrUnreachableViaFails) {
  auto p = profile();
  p.routes[1].port = "lan9";
  p.routes[1].pos = {"sys1.profile", 12, 3};
  auto src = StaticRouteSource::from_profile(p, [] { return int64_t(0); });
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message.find("sys1.profile:12:3"), std::string::npos) << src.error().message;
  EXPECT_NE(src.error().message.find("lan9"), std::string::npos);
  p = profile();
  p.routes[0].via = ip("198.18.77.1");
  src = StaticRouteSource::from_profile(p, [] { return int64_t(0); });
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message.find("198.18.77.1"), std::string::npos);
}

}  // namespace
}  // namespace sysplex::routesource
