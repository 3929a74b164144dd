// Test-only builders of rtnetlink datagrams (route, link, done, error) as the kernel lays them out,
// shared by the parser tests and the source tests' scripted socket.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "config/net.h"

namespace sysplex::routesource::testing {

using Bytes = std::vector<uint8_t>;

inline void put(Bytes& b, const void* p, size_t n) {
  const auto* c = static_cast<const uint8_t*>(p);
  b.insert(b.end(), c, c + n);
}

inline void pad4(Bytes& b) {
  while (b.size() % 4) b.push_back(0);
}

inline void attr(Bytes& b, uint16_t type, const void* p, size_t n) {
  rtattr a{uint16_t(sizeof(rtattr) + n), type};
  put(b, &a, sizeof a);
  put(b, p, n);
  pad4(b);
}

inline void attr_u32(Bytes& b, uint16_t type, uint32_t v) { attr(b, type, &v, 4); }
inline void attr_addr(Bytes& b, uint16_t type, const IpAddr& a) { attr(b, type, a.bytes.data(), a.v6 ? 16 : 4); }

// Wraps a payload in an nlmsghdr.
inline Bytes message(uint16_t type, const Bytes& payload, uint32_t seq = 0, uint16_t flags = 0, uint32_t pid = 0) {
  Bytes b;
  nlmsghdr h{uint32_t(sizeof(nlmsghdr) + payload.size()), type, flags, seq, pid};
  put(b, &h, sizeof h);
  put(b, payload.data(), payload.size());
  pad4(b);
  return b;
}

struct RouteSpec {
  std::string dst = "198.18.5.0/24";
  std::optional<std::string> gateway;
  std::optional<std::string> prefsrc;
  uint32_t oif = 2;
  uint32_t metric = 0;
  uint8_t protocol = RTPROT_BOOT;
  uint8_t type = RTN_UNICAST;
  uint32_t table = RT_TABLE_MAIN;
  uint32_t flags = 0;
};

inline Bytes route_payload(const RouteSpec& s) {
  Prefix p = *parse_prefix(s.dst);
  rtmsg rt{};
  rt.rtm_family = uint8_t(p.addr.v6 ? AF_INET6 : AF_INET);
  rt.rtm_dst_len = p.len;
  rt.rtm_table = uint8_t(s.table < 256 ? s.table : RT_TABLE_UNSPEC);
  rt.rtm_protocol = s.protocol;
  rt.rtm_scope = s.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt.rtm_type = s.type;
  rt.rtm_flags = s.flags;
  Bytes b;
  put(b, &rt, sizeof rt);
  attr_u32(b, RTA_TABLE, s.table);
  if (p.len > 0) attr_addr(b, RTA_DST, p.addr);
  if (s.gateway) attr_addr(b, RTA_GATEWAY, *parse_ip(*s.gateway));
  if (s.prefsrc) attr_addr(b, RTA_PREFSRC, *parse_ip(*s.prefsrc));
  attr_u32(b, RTA_PRIORITY, s.metric);
  attr_u32(b, RTA_OIF, s.oif);
  return b;
}

inline Bytes route_message(const RouteSpec& s, uint16_t type = RTM_NEWROUTE, uint32_t seq = 0, uint16_t flags = 0) {
  return message(type, route_payload(s), seq, flags);
}

inline Bytes link_payload(int32_t index, const std::string& name, uint32_t flags = IFF_UP | IFF_RUNNING) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = flags;
  Bytes b;
  put(b, &ifi, sizeof ifi);
  attr(b, IFLA_IFNAME, name.c_str(), name.size() + 1);
  return b;
}

inline Bytes link_message(int32_t index, const std::string& name, uint16_t type = RTM_NEWLINK, uint32_t seq = 0,
                          uint16_t flags = 0, uint32_t ifflags = IFF_UP | IFF_RUNNING) {
  return message(type, link_payload(index, name, ifflags), seq, flags);
}

inline Bytes done_message(uint32_t seq, uint16_t flags = NLM_F_MULTI) {
  int32_t zero = 0;
  Bytes payload;
  put(payload, &zero, 4);
  return message(NLMSG_DONE, payload, seq, flags);
}

inline Bytes error_message(uint32_t seq, int32_t err) {
  Bytes payload;
  put(payload, &err, 4);
  nlmsghdr orig{};
  put(payload, &orig, sizeof orig);
  return message(NLMSG_ERROR, payload, seq);
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace sysplex::routesource::testing
