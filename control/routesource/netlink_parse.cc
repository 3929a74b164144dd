// rtnetlink parsing with explicit host-endian, unaligned-safe reads (netlink is host byte order) and
// every length checked against what remains before it is used.
#include "control/routesource/netlink_parse.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>

namespace sysplex::routesource::nl {

namespace {

constexpr size_t kHdr = sizeof(nlmsghdr);       // 16
constexpr size_t kRtmsg = sizeof(rtmsg);        // 12
constexpr size_t kIfinfo = sizeof(ifinfomsg);   // 16
constexpr size_t kRta = sizeof(rtattr);         // 4
constexpr size_t kRtnh = sizeof(rtnexthop);     // 8

size_t align4(size_t n) { return (n + 3) & ~size_t(3); }

template <typename T>
T read(std::span<const uint8_t> b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

Error malformed(const std::string& what) { return make_error(Errc::kInvalidArgument, "netlink: " + what); }

// Calls fn(type, value) for each attribute; fails on a header or length running past the buffer.
Status for_each_attr(std::span<const uint8_t> b, const std::function<Status(uint16_t, std::span<const uint8_t>)>& fn) {
  size_t off = 0;
  while (off < b.size()) {
    if (b.size() - off < kRta) return malformed("attribute header truncated at byte " + std::to_string(off));
    uint16_t len = read<uint16_t>(b, off);
    uint16_t type = read<uint16_t>(b, off + 2) & NLA_TYPE_MASK;
    if (len < kRta || len > b.size() - off)
      return malformed("attribute " + std::to_string(type) + " length " + std::to_string(len) + " out of bounds");
    if (Status st = fn(type, b.subspan(off + kRta, len - kRta)); !st) return st;
    off += align4(len);
  }
  return ok_status();
}

Result<IpAddr> read_addr(std::span<const uint8_t> v, bool v6, const char* what) {
  if (v.size() != (v6 ? 16u : 4u))
    return malformed(std::string(what) + " is " + std::to_string(v.size()) + " bytes, want " + (v6 ? "16" : "4"));
  IpAddr a;
  a.v6 = v6;
  std::memcpy(a.bytes.data(), v.data(), v.size());
  return a;
}

Result<uint32_t> read_u32(std::span<const uint8_t> v, const char* what) {
  if (v.size() != 4) return malformed(std::string(what) + " is " + std::to_string(v.size()) + " bytes, want 4");
  return read<uint32_t>(v, 0);
}

// The first next hop of RTA_MULTIPATH: its ifindex and RTA_GATEWAY.
Status first_nexthop(std::span<const uint8_t> v, RouteMsg& r) {
  if (v.size() < kRtnh) return malformed("RTA_MULTIPATH next hop truncated");
  uint16_t len = read<uint16_t>(v, 0);
  if (len < kRtnh || len > v.size()) return malformed("RTA_MULTIPATH next hop length out of bounds");
  r.oif = uint32_t(read<int32_t>(v, 4));
  r.multipath = true;
  return for_each_attr(v.subspan(kRtnh, len - kRtnh), [&](uint16_t type, std::span<const uint8_t> a) -> Status {
    if (type == RTA_GATEWAY) {
      auto gw = read_addr(a, r.v6, "multipath RTA_GATEWAY");
      if (!gw) return gw.error();
      r.gateway = *gw;
    }
    if (type == RTA_VIA) r.has_via = true;
    return ok_status();
  });
}

Status route_attr(uint16_t type, std::span<const uint8_t> v, RouteMsg& r) {
  auto set_addr = [&](std::optional<IpAddr>& out, const char* what) -> Status {
    auto a = read_addr(v, r.v6, what);
    if (!a) return a.error();
    out = *a;
    return ok_status();
  };
  auto set_u32 = [&](uint32_t& out, const char* what) -> Status {
    auto n = read_u32(v, what);
    if (!n) return n.error();
    out = *n;
    return ok_status();
  };
  switch (type) {
    case RTA_DST: {
      auto a = read_addr(v, r.v6, "RTA_DST");
      if (!a) return a.error();
      r.dst = *a;
      return ok_status();
    }
    case RTA_GATEWAY: return set_addr(r.gateway, "RTA_GATEWAY");
    case RTA_PREFSRC: return set_addr(r.prefsrc, "RTA_PREFSRC");
    case RTA_OIF: return set_u32(r.oif, "RTA_OIF");
    case RTA_PRIORITY: return set_u32(r.priority, "RTA_PRIORITY");
    case RTA_TABLE: return set_u32(r.table, "RTA_TABLE");
    case RTA_MULTIPATH: return first_nexthop(v, r);
    case RTA_VIA: r.has_via = true; return ok_status();
    default: return ok_status();  // attributes this project does not use
  }
}

}  // namespace

Result<std::vector<Message>> split(std::span<const uint8_t> datagram) {
  std::vector<Message> out;
  size_t off = 0;
  while (off < datagram.size()) {
    if (datagram.size() - off < kHdr) return malformed("message header truncated at byte " + std::to_string(off));
    uint32_t len = read<uint32_t>(datagram, off);
    if (len < kHdr || len > datagram.size() - off)
      return malformed("message length " + std::to_string(len) + " out of bounds at byte " + std::to_string(off));
    Message m{read<uint16_t>(datagram, off + 4), read<uint16_t>(datagram, off + 6), read<uint32_t>(datagram, off + 8),
              read<uint32_t>(datagram, off + 12), datagram.subspan(off + kHdr, len - kHdr)};
    out.push_back(m);
    off += std::min<size_t>(align4(len), datagram.size() - off);  // the last message may lack padding
  }
  return out;
}

Result<RouteMsg> parse_route(std::span<const uint8_t> payload) {
  if (payload.size() < kRtmsg) return malformed("rtmsg truncated: " + std::to_string(payload.size()) + " bytes");
  rtmsg h = read<rtmsg>(payload, 0);
  if (h.rtm_family != AF_INET && h.rtm_family != AF_INET6)
    return malformed("route family " + std::to_string(h.rtm_family) + " is neither IPv4 nor IPv6");
  RouteMsg r;
  r.v6 = h.rtm_family == AF_INET6;
  if (h.rtm_dst_len > (r.v6 ? 128 : 32)) return malformed("route prefix length " + std::to_string(h.rtm_dst_len));
  r.dst_len = h.rtm_dst_len;
  r.tos = h.rtm_tos;
  r.table = h.rtm_table;
  r.protocol = h.rtm_protocol;
  r.scope = h.rtm_scope;
  r.type = h.rtm_type;
  r.flags = h.rtm_flags;
  r.dst.v6 = r.v6;
  Status st = for_each_attr(payload.subspan(align4(kRtmsg)),
                            [&](uint16_t type, std::span<const uint8_t> v) { return route_attr(type, v, r); });
  if (!st) return st.error();
  return r;
}

Result<LinkMsg> parse_link(std::span<const uint8_t> payload) {
  if (payload.size() < kIfinfo) return malformed("ifinfomsg truncated: " + std::to_string(payload.size()) + " bytes");
  ifinfomsg h = read<ifinfomsg>(payload, 0);
  LinkMsg l{h.ifi_index, h.ifi_flags, {}};
  Status st = for_each_attr(payload.subspan(kIfinfo), [&](uint16_t type, std::span<const uint8_t> v) -> Status {
    if (type != IFLA_IFNAME) return ok_status();
    const void* nul = std::memchr(v.data(), 0, v.size());
    if (!nul || v.size() > IFNAMSIZ) return malformed("IFLA_IFNAME not a NUL-terminated name of at most 15 bytes");
    l.name.assign(reinterpret_cast<const char*>(v.data()));
    return ok_status();
  });
  if (!st) return st.error();
  return l;
}

Result<int32_t> parse_error(std::span<const uint8_t> payload) {
  if (payload.size() < sizeof(int32_t)) return malformed("nlmsgerr truncated");
  return read<int32_t>(payload, 0);
}

std::vector<uint8_t> dump_request(uint16_t type, uint8_t family, uint32_t seq) {
  size_t body = type == RTM_GETLINK ? kIfinfo : kRtmsg;
  std::vector<uint8_t> msg(kHdr + body, 0);
  nlmsghdr h{uint32_t(msg.size()), type, uint16_t(NLM_F_REQUEST | NLM_F_DUMP), seq, 0};
  std::memcpy(msg.data(), &h, kHdr);
  msg[kHdr] = family;  // rtm_family and ifi_family are both the first byte
  return msg;
}

}  // namespace sysplex::routesource::nl
