// rtnetlink wire format, parsed and built by hand (no libnl): pure, bounds-checked functions over byte
// spans, one per layer (nlmsghdr, rtmsg + rtattr, ifinfomsg + rtattr, nlmsgerr), tested with byte arrays.
#pragma once
#include "control/layer_guard.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/net.h"
#include "config/result.h"

namespace sysplex::routesource::nl {

// One netlink message: the header fields and its payload (a view into the datagram).
struct Message {
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
  std::span<const uint8_t> payload;
};

// Splits a datagram into its messages. Fails (and yields nothing) if any header is truncated, a
// length is below the header size or runs past the datagram: a bad datagram is dropped whole.
Result<std::vector<Message>> split(std::span<const uint8_t> datagram);

// RTM_NEWROUTE / RTM_DELROUTE payload: rtmsg and the attributes this project uses.
struct RouteMsg {
  bool v6 = false;
  uint8_t dst_len = 0;
  uint8_t tos = 0;
  uint32_t table = 0;        // RTA_TABLE if present, else rtm_table
  uint8_t protocol = 0;      // rtm_protocol
  uint8_t scope = 0;
  uint8_t type = 0;          // rtm_type (RTN_UNICAST, ...)
  uint32_t flags = 0;        // rtm_flags (RTM_F_CLONED, ...)
  IpAddr dst;                // RTA_DST; all zero (the default route) when absent
  std::optional<IpAddr> gateway;   // RTA_GATEWAY, or the first RTA_MULTIPATH next hop's
  std::optional<IpAddr> prefsrc;   // RTA_PREFSRC
  uint32_t oif = 0;          // RTA_OIF, or the first RTA_MULTIPATH next hop's ifindex
  uint32_t priority = 0;     // RTA_PRIORITY (the metric)
  bool has_via = false;      // RTA_VIA (a next hop of another family): not usable here
  bool multipath = false;    // had RTA_MULTIPATH; only its first next hop is kept
};

// Fails for a family other than AF_INET/AF_INET6 (kInvalidArgument, message says "family"), a
// truncated rtmsg, a malformed attribute or an address attribute of the wrong length.
Result<RouteMsg> parse_route(std::span<const uint8_t> payload);

// RTM_NEWLINK / RTM_DELLINK payload.
struct LinkMsg {
  int32_t index = 0;
  uint32_t flags = 0;        // IFF_UP, IFF_RUNNING, ...
  std::string name;          // IFLA_IFNAME (empty if absent)
};

Result<LinkMsg> parse_link(std::span<const uint8_t> payload);

// NLMSG_ERROR payload: the (negative) errno; 0 is an ACK.
Result<int32_t> parse_error(std::span<const uint8_t> payload);

// A dump request: RTM_GETROUTE (family AF_INET or AF_INET6) or RTM_GETLINK (family AF_UNSPEC).
std::vector<uint8_t> dump_request(uint16_t type, uint8_t family, uint32_t seq);

}  // namespace sysplex::routesource::nl
