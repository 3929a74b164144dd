#include "control/routesource/netlink_parse.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "control/routesource/netlink_test_util.h"

namespace sysplex::routesource {
namespace {

using namespace testing;

IpAddr ip(const char* s) { return *parse_ip(s); }

// Offsets at which a route payload may end and still be whole: after rtmsg and after each attribute.
std::set<size_t> attribute_boundaries(const Bytes& payload, size_t header) {
  std::set<size_t> ends{header};
  for (size_t off = header; off + 4 <= payload.size();) {
    uint16_t len;
    std::memcpy(&len, payload.data() + off, 2);
    ends.insert(off + len);
    off += (len + 3u) & ~3u;
    ends.insert(off);
  }
  return ends;
}

TEST(NetlinkSplit, TwoMessagesInOneDatagram) {
  Bytes d = concat({route_message({}, RTM_NEWROUTE, 7, NLM_F_MULTI), done_message(7)});
  auto msgs = nl::split(d);
  ASSERT_TRUE(msgs.ok()) << msgs.error().to_string();
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].type, RTM_NEWROUTE);
  EXPECT_EQ((*msgs)[0].seq, 7u);
  EXPECT_EQ((*msgs)[0].flags, NLM_F_MULTI);
  EXPECT_EQ((*msgs)[1].type, NLMSG_DONE);
}

TEST(NetlinkSplit, EmptyDatagramHasNoMessages) {
  auto msgs = nl::split({});
  ASSERT_TRUE(msgs.ok());
  EXPECT_TRUE(msgs->empty());
}

TEST(NetlinkSplit, TruncatedAtEveryByteFails) {
  Bytes d = concat({route_message({}), link_message(2, "v0")});
  size_t first_len = route_message({}).size();
  for (size_t cut = 1; cut < d.size(); ++cut) {
    if (cut == first_len) continue;  // a whole first message alone is a valid datagram
    auto msgs = nl::split(std::span<const uint8_t>(d.data(), cut));
    EXPECT_FALSE(msgs.ok()) << "cut at " << cut;
  }
}

TEST(NetlinkSplit, LengthBelowHeaderOrPastDatagramFails) {
  Bytes d = route_message({});
  uint32_t small = 8;
  Bytes bad = d;
  std::memcpy(bad.data(), &small, 4);
  EXPECT_FALSE(nl::split(bad).ok());
  uint32_t big = uint32_t(d.size() + 4);
  bad = d;
  std::memcpy(bad.data(), &big, 4);
  EXPECT_FALSE(nl::split(bad).ok());
}

TEST(NetlinkRoute, ParsesIpv4RouteWithEveryAttribute) {
  RouteSpec s{"198.18.5.0/24", "198.18.1.254", "198.18.1.1", 3, 20, RTPROT_BIRD};
  auto r = nl::parse_route(route_payload(s));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->v6);
  EXPECT_EQ(r->dst, ip("198.18.5.0"));
  EXPECT_EQ(r->dst_len, 24);
  EXPECT_EQ(r->gateway, ip("198.18.1.254"));
  EXPECT_EQ(r->prefsrc, ip("198.18.1.1"));
  EXPECT_EQ(r->oif, 3u);
  EXPECT_EQ(r->priority, 20u);
  EXPECT_EQ(r->protocol, RTPROT_BIRD);
  EXPECT_EQ(r->table, uint32_t(RT_TABLE_MAIN));
  EXPECT_EQ(r->type, RTN_UNICAST);
}

TEST(NetlinkRoute, ParsesIpv6RouteAndDefaultRoute) {
  auto r = nl::parse_route(route_payload({"2001:db8:5::/48", "2001:db8:1::fe", std::nullopt, 4, 1024}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->v6);
  EXPECT_EQ(r->dst, ip("2001:db8:5::"));
  EXPECT_EQ(r->gateway, ip("2001:db8:1::fe"));
  auto d = nl::parse_route(route_payload({"0.0.0.0/0", "198.18.1.254"}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->dst_len, 0);
  EXPECT_TRUE(d->dst.is_unspecified());
}

TEST(NetlinkRoute, MultipathKeepsFirstNextHop) {
  Bytes p;
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = 24;
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_type = RTN_UNICAST;
  put(p, &rt, sizeof rt);
  attr_addr(p, RTA_DST, ip("198.18.9.0"));
  Bytes hops;
  for (auto [ifx, gw] : {std::pair{5, "198.18.1.2"}, std::pair{6, "198.18.2.2"}}) {
    Bytes gwattr;
    attr_addr(gwattr, RTA_GATEWAY, ip(gw));
    rtnexthop nh{uint16_t(sizeof(rtnexthop) + gwattr.size()), 0, 0, ifx};
    put(hops, &nh, sizeof nh);
    put(hops, gwattr.data(), gwattr.size());
  }
  attr(p, RTA_MULTIPATH, hops.data(), hops.size());
  auto r = nl::parse_route(p);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->multipath);
  EXPECT_EQ(r->oif, 5u);
  EXPECT_EQ(r->gateway, ip("198.18.1.2"));
}

TEST(NetlinkRoute, TruncatedAtEveryByteFailsUnlessOnAttributeBoundary) {
  Bytes p = route_payload({"2001:db8:5::/48", "2001:db8:1::fe", "2001:db8:1::1", 4, 1024, RTPROT_ZEBRA});
  auto ends = attribute_boundaries(p, sizeof(rtmsg));
  for (size_t cut = 0; cut < p.size(); ++cut) {
    auto r = nl::parse_route(std::span<const uint8_t>(p.data(), cut));
    EXPECT_EQ(r.ok(), ends.count(cut) == 1) << "cut at " << cut;
  }
}

TEST(NetlinkRoute, MalformedAttributesFail) {
  Bytes base;
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = 24;
  put(base, &rt, sizeof rt);
  auto with = [&](auto fn) {
    Bytes b = base;
    fn(b);
    return nl::parse_route(b);
  };
  // rta_len below the attribute header.
  EXPECT_FALSE(with([](Bytes& b) { rtattr a{2, RTA_OIF}; put(b, &a, 4); }).ok());
  // rta_len past the end of the payload.
  EXPECT_FALSE(with([](Bytes& b) { rtattr a{40, RTA_OIF}; put(b, &a, 4); uint32_t x = 1; put(b, &x, 4); }).ok());
  // An IPv4 RTA_DST of 16 bytes, an RTA_GATEWAY of 3, an RTA_OIF of 2.
  EXPECT_FALSE(with([](Bytes& b) { attr_addr(b, RTA_DST, ip("2001:db8::1")); }).ok());
  EXPECT_FALSE(with([](Bytes& b) { uint8_t g[3] = {198, 18, 1}; attr(b, RTA_GATEWAY, g, 3); }).ok());
  EXPECT_FALSE(with([](Bytes& b) { uint16_t o = 1; attr(b, RTA_OIF, &o, 2); }).ok());
  // A multipath next hop whose length runs past the attribute.
  EXPECT_FALSE(with([](Bytes& b) { rtnexthop nh{64, 0, 0, 1}; attr(b, RTA_MULTIPATH, &nh, sizeof nh); }).ok());
}

TEST(NetlinkRoute, BadFamilyOrPrefixLengthFails) {
  Bytes p = route_payload({});
  p[0] = AF_UNIX;
  auto r = nl::parse_route(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("family"), std::string::npos);
  p = route_payload({});
  p[1] = 33;  // rtm_dst_len of an IPv4 route
  EXPECT_FALSE(nl::parse_route(p).ok());
}

TEST(NetlinkRoute, UnknownAttributesAreSkipped) {
  Bytes p = route_payload({});
  uint32_t x = 7;
  attr(p, 200, &x, 4);
  EXPECT_TRUE(nl::parse_route(p).ok());
}

TEST(NetlinkLink, ParsesIndexFlagsAndName) {
  auto l = nl::parse_link(link_payload(7, "veth-a", IFF_UP));
  ASSERT_TRUE(l.ok()) << l.error().to_string();
  EXPECT_EQ(l->index, 7);
  EXPECT_EQ(l->name, "veth-a");
  EXPECT_EQ(l->flags, uint32_t(IFF_UP));
}

TEST(NetlinkLink, TruncatedAtEveryByteFailsUnlessOnAttributeBoundary) {
  Bytes p = link_payload(7, "v0");  // IFLA_IFNAME of 3 bytes: rta_len 7, padded to 8
  auto ends = attribute_boundaries(p, sizeof(ifinfomsg));
  for (size_t cut = 0; cut < p.size(); ++cut) {
    auto l = nl::parse_link(std::span<const uint8_t>(p.data(), cut));
    EXPECT_EQ(l.ok(), ends.count(cut) == 1) << "cut at " << cut;
  }
}

TEST(NetlinkLink, NameWithoutNulOrTooLongFails) {
  Bytes p;
  ifinfomsg ifi{};
  put(p, &ifi, sizeof ifi);
  Bytes q = p;
  attr(p, IFLA_IFNAME, "abc", 3);
  EXPECT_FALSE(nl::parse_link(p).ok());
  std::string longname(20, 'x');
  attr(q, IFLA_IFNAME, longname.c_str(), longname.size() + 1);
  EXPECT_FALSE(nl::parse_link(q).ok());
}

TEST(NetlinkError, ParsesErrnoAndRejectsTruncation) {
  Bytes m = error_message(3, -EBUSY);
  auto msgs = nl::split(m);
  ASSERT_TRUE(msgs.ok());
  auto e = nl::parse_error((*msgs)[0].payload);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, -EBUSY);
  for (size_t cut = 0; cut < 4; ++cut) EXPECT_FALSE(nl::parse_error((*msgs)[0].payload.first(cut)).ok());
}

// Mutated datagrams (fixed seed): every layer either parses or fails cleanly; ASan builds check
// that no read leaves the buffer.
TEST(NetlinkFuzz, MutatedDatagramsNeverCrash) {
  Bytes good = concat({route_message({"2001:db8:5::/48", "2001:db8:1::fe", "2001:db8:1::1", 4, 1024}),
                       link_message(3, "veth-b"), error_message(1, -EINVAL)});
  std::mt19937 rng(1234);
  size_t parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes d = good;
    for (int flips = 1 + int(rng() % 4); flips > 0; --flips) d[rng() % d.size()] = uint8_t(rng());
    d.resize(rng() % (d.size() + 1));
    auto msgs = nl::split(d);
    if (!msgs) continue;
    for (const auto& m : *msgs) {
      parsed += nl::parse_route(m.payload).ok() + nl::parse_link(m.payload).ok() + nl::parse_error(m.payload).ok();
    }
  }
  EXPECT_GT(parsed, 0u);  // the mutations leave some messages intact
}

TEST(NetlinkRequest, DumpRequestLayout) {
  Bytes r = nl::dump_request(RTM_GETROUTE, AF_INET6, 42);
  ASSERT_EQ(r.size(), sizeof(nlmsghdr) + sizeof(rtmsg));
  nlmsghdr h;
  std::memcpy(&h, r.data(), sizeof h);
  EXPECT_EQ(h.nlmsg_len, r.size());
  EXPECT_EQ(h.nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(h.nlmsg_seq, 42u);
  EXPECT_EQ(r[sizeof h], AF_INET6);
  EXPECT_EQ(nl::dump_request(RTM_GETLINK, AF_UNSPEC, 1).size(), sizeof(nlmsghdr) + sizeof(ifinfomsg));
}

}  // namespace
}  // namespace sysplex::routesource
