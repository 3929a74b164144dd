// NetlinkRouteSource: the dump state machine (links, IPv4 routes, IPv6 routes), notifications applied
// as they come and replayed over a dump that was under way, heartbeats, resyncs and restart detection.
#include "control/routesource/netlink_source.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace sysplex::routesource {

namespace {

constexpr size_t kMaxDatagramsPerPoll = 256;  // bounds one poll() so the control loop stays responsive
constexpr size_t kDatagramBuffer = 64 * 1024;

void keep_first(Status& acc, Status st) {
  if (acc.ok() && !st.ok()) acc = std::move(st);
}

}  // namespace

std::vector<uint8_t> default_daemon_protocols() {
  return {RTPROT_GATED, RTPROT_ZEBRA, RTPROT_BIRD, RTPROT_XORP, RTPROT_BABEL, RTPROT_OPENR,
          RTPROT_BGP,   RTPROT_ISIS,  RTPROT_OSPF, RTPROT_RIP,  RTPROT_EIGRP};
}

NetlinkRouteSource::NetlinkRouteSource(NetlinkSourceOptions options, std::unique_ptr<NetlinkSocket> socket)
    : options_(std::move(options)), socket_(std::move(socket)) {}

Status NetlinkRouteSource::start(int64_t now_ms) { return reopen(now_ms); }

Status NetlinkRouteSource::reopen(int64_t now) {
  socket_->close();
  phase_ = Phase::kIdle;
  ready_ = false;
  if (Status st = socket_->open(); !st) {
    reopen_at_ = now + options_.retry_ms;
    stats_.last_error = st.error().message;
    return st;
  }
  if (opened_once_) {
    ++stats_.reopens;
    ++restarts_;
  }
  opened_once_ = true;
  return begin_dump(now);
}

Status NetlinkRouteSource::poll(int64_t now_ms) {
  Status result;
  if (!socket_->is_open()) {
    if (now_ms < reopen_at_) return result;
    keep_first(result, reopen(now_ms));
    if (!socket_->is_open()) return result;
  }
  keep_first(result, drain(now_ms));
  if (socket_->is_open() && phase_ != Phase::kIdle && now_ms - dump_started_ >= options_.dump_timeout_ms) {
    ++stats_.dumps_failed;
    std::string why = "netlink dump timed out after " + std::to_string(options_.dump_timeout_ms) + " ms; reopening";
    keep_first(result, socket_failure(now_ms, make_error(Errc::kUnavailable, why)));
  }
  if (socket_->is_open() && phase_ == Phase::kIdle && now_ms >= next_dump_at_) {
    keep_first(result, begin_dump(now_ms));
    keep_first(result, drain(now_ms));  // the kernel answers the first part of a dump at once
  }
  return result;
}

// The socket is unusable: close it now and reopen on the next poll (a restart of the source).
Status NetlinkRouteSource::socket_failure(int64_t now, const Error& e) {
  stats_.last_error = e.message;
  socket_->close();
  phase_ = Phase::kIdle;
  ready_ = false;
  reopen_at_ = now;
  return e;
}

Status NetlinkRouteSource::drain(int64_t now) {
  std::array<uint8_t, kDatagramBuffer> buf;
  Status result;
  for (size_t i = 0; i < kMaxDatagramsPerPoll && socket_->is_open(); ++i) {
    auto got = socket_->recv(buf);
    if (!got) {
      const Error& e = got.error();
      if (e.code == Errc::kInvalidArgument) {  // not from the kernel: dropped, nothing else changes
        ++stats_.foreign_dropped;
        continue;
      }
      if (e.code == Errc::kUnavailable) {  // notifications lost: resynchronise with a fresh dump
        ++stats_.overruns;
        stats_.last_error = e.message;
        keep_first(result, begin_dump(now));
        continue;
      }
      keep_first(result, socket_failure(now, e));
      break;
    }
    if (*got == 0) break;
    keep_first(result, handle_datagram(std::span<const uint8_t>(buf.data(), *got), now));
  }
  return result;
}

Status NetlinkRouteSource::handle_datagram(std::span<const uint8_t> datagram, int64_t now) {
  auto msgs = nl::split(datagram);
  if (!msgs) {
    ++stats_.bad_datagrams;
    stats_.last_error = msgs.error().message;
    // Part of a dump or a notification is lost either way: start over from a consistent dump.
    Status st = begin_dump(now);
    return st.ok() ? Status(msgs.error()) : st;
  }
  Status result;
  for (const auto& m : *msgs)
    keep_first(result, is_dump_reply(m) ? handle_dump_reply(m, now) : handle_notification(m, now));
  return result;
}

bool NetlinkRouteSource::is_dump_reply(const nl::Message& m) const {
  return phase_ != Phase::kIdle && m.seq == dump_seq_ && ((m.flags & NLM_F_MULTI) || m.type == NLMSG_ERROR);
}

Status NetlinkRouteSource::handle_dump_reply(const nl::Message& m, int64_t now) {
  if (m.flags & NLM_F_DUMP_INTR) dump_interrupted_ = true;
  if (m.type == NLMSG_ERROR || m.type == NLMSG_DONE) {
    auto err = nl::parse_error(m.payload);
    if (m.type == NLMSG_DONE && (!err || *err == 0)) return next_phase(now);  // DONE may carry no code
    if (!err) return fail_dump(now, err.error().message);
    if (*err == 0) return ok_status();  // an ACK
    return fail_dump(now, std::string("netlink dump refused: ") + std::strerror(-*err));
  }
  if (m.type == RTM_NEWROUTE) {
    auto r = nl::parse_route(m.payload);
    if (!r) return fail_dump(now, "netlink dump: " + r.error().message);
    if (accept(*r)) pending_.upsert(to_route(*r));
  } else if (m.type == RTM_NEWLINK) {
    auto l = nl::parse_link(m.payload);
    if (!l) return fail_dump(now, "netlink dump: " + l.error().message);
    pending_links_[l->index] = Link{l->name, l->flags};
  }
  return ok_status();
}

Status NetlinkRouteSource::handle_notification(const nl::Message& m, int64_t now) {
  if (m.flags & NLM_F_MULTI) return ok_status();  // a part of an abandoned dump: superseded, not news
  std::optional<Change> change;
  Error bad;
  if (m.type == RTM_NEWROUTE || m.type == RTM_DELROUTE) {
    auto r = nl::parse_route(m.payload);
    if (r) change = RouteChange{m.type, *r};
    else bad = r.error();
  } else if (m.type == RTM_NEWLINK || m.type == RTM_DELLINK) {
    auto l = nl::parse_link(m.payload);
    if (l) change = LinkChange{m.type, *l};
    else bad = l.error();
  } else {
    return ok_status();  // stale replies of an abandoned dump, other groups' messages
  }
  if (!change) {  // a change we could not read: the table may be stale, so resynchronise
    ++stats_.bad_messages;
    stats_.last_error = bad.message;
    Status st = begin_dump(now);
    return st.ok() ? Status(bad) : st;
  }
  ++stats_.notifications;
  apply_current(*change);
  if (phase_ != Phase::kIdle) replay_.push_back(std::move(*change));
  return ok_status();
}

Status NetlinkRouteSource::begin_dump(int64_t now) {
  phase_ = Phase::kLinks;
  pending_.clear();
  pending_links_.clear();
  replay_.clear();
  dump_interrupted_ = false;
  dump_started_ = now;
  return send_phase_request();
}

Status NetlinkRouteSource::send_phase_request() {
  dump_seq_ = ++seq_;
  std::vector<uint8_t> req = phase_ == Phase::kLinks     ? nl::dump_request(RTM_GETLINK, AF_UNSPEC, dump_seq_)
                             : phase_ == Phase::kRoutes4 ? nl::dump_request(RTM_GETROUTE, AF_INET, dump_seq_)
                                                         : nl::dump_request(RTM_GETROUTE, AF_INET6, dump_seq_);
  if (Status st = socket_->send(req); !st) return socket_failure(dump_started_, st.error());
  return ok_status();
}

Status NetlinkRouteSource::next_phase(int64_t now) {
  if (dump_interrupted_) {  // inconsistent snapshot: the kernel asks for a fresh one
    ++stats_.dumps_interrupted;
    return begin_dump(now);
  }
  switch (phase_) {
    case Phase::kLinks: phase_ = Phase::kRoutes4; return send_phase_request();
    case Phase::kRoutes4: phase_ = Phase::kRoutes6; return send_phase_request();
    case Phase::kRoutes6: complete_dump(now); return ok_status();
    case Phase::kIdle: return ok_status();
  }
  return ok_status();
}

Status NetlinkRouteSource::fail_dump(int64_t now, const std::string& why) {
  ++stats_.dumps_failed;
  stats_.last_error = why;
  phase_ = Phase::kIdle;
  next_dump_at_ = now + std::min(options_.retry_ms, options_.heartbeat_ms);
  return make_error(Errc::kUnavailable, why + " (no heartbeat; retried in " +
                                            std::to_string(next_dump_at_ - now) + " ms)");
}

void NetlinkRouteSource::complete_dump(int64_t now) {
  for (const auto& c : replay_) apply(c, pending_, pending_links_);
  replay_.clear();
  bool names_changed = pending_links_.size() != links_.size() ||
                       !std::equal(links_.begin(), links_.end(), pending_links_.begin(), [](const auto& a, const auto& b) {
                         return a.first == b.first && a.second.name == b.second.name;
                       });
  if (!(pending_ == table_) || names_changed) ++generation_;
  table_ = std::move(pending_);
  links_ = std::move(pending_links_);
  pending_ = RouteTable{};
  pending_links_ = Links{};
  track_daemon_routes();
  phase_ = Phase::kIdle;
  ready_ = true;
  heartbeat_ = now;
  ++stats_.dumps_ok;
  next_dump_at_ = now + options_.heartbeat_ms;
}

bool NetlinkRouteSource::accept(const nl::RouteMsg& r) const {
  return r.table == options_.table && r.type == RTN_UNICAST && !(r.flags & RTM_F_CLONED) && !r.has_via;
}

Route NetlinkRouteSource::to_route(const nl::RouteMsg& r) {
  Route out;
  out.prefix = Prefix{r.dst, r.dst_len};
  out.gateway = r.gateway;
  out.oif.ifindex = int(r.oif);
  out.pref_src = r.prefsrc;
  out.metric = r.priority;
  out.protocol = r.protocol;
  out.origin = RouteOrigin::kKernel;
  return out;
}

// Applies one change to a table and link map; true if what lookups return may differ.
bool NetlinkRouteSource::apply(const Change& c, RouteTable& table, Links& links) const {
  if (const auto* rc = std::get_if<RouteChange>(&c)) {
    if (!accept(rc->msg)) return false;
    if (rc->type == RTM_DELROUTE) return table.remove(Prefix{rc->msg.dst, rc->msg.dst_len}, rc->msg.priority);
    return table.upsert(to_route(rc->msg));
  }
  const auto& lc = std::get<LinkChange>(c);
  // The kernel drops a deleted link's routes, and an admin-down link's IPv4 routes, without
  // RTM_DELROUTE notifications (IPv6 does notify): mirror that here.
  bool deleted = lc.type == RTM_DELLINK, down = !(lc.msg.flags & IFF_UP);
  bool purged = (deleted || down) && table.remove_if([&](const Route& r) {
    return r.oif.ifindex == lc.msg.index && (deleted || !r.prefix.addr.v6);
  }) > 0;
  auto it = links.find(lc.msg.index);
  if (deleted) {
    if (it == links.end()) return purged;
    links.erase(it);
    return true;
  }
  bool renamed = it == links.end() || it->second.name != lc.msg.name;
  links[lc.msg.index] = Link{lc.msg.name, lc.msg.flags};
  return renamed || purged;
}

void NetlinkRouteSource::apply_current(const Change& c) {
  if (apply(c, table_, links_)) ++generation_;
  track_daemon_routes();
}

void NetlinkRouteSource::track_daemon_routes() {
  uint32_t n = 0;
  for (uint8_t p : options_.daemon_protocols) n += table_.count_protocol(p);
  if (daemon_routes_ > 0 && n == 0) daemon_withdrawn_ = true;
  if (n > 0 && daemon_withdrawn_) {
    daemon_withdrawn_ = false;
    ++restarts_;
  }
  daemon_routes_ = n;
}

std::optional<Route> NetlinkRouteSource::lookup(const IpAddr& dst) const {
  auto name_of = [&](int ifindex) -> std::string {
    auto it = links_.find(ifindex);
    return it == links_.end() ? std::string() : it->second.name;
  };
  RouteTable::Filter over_watched;
  if (!options_.interfaces.empty()) {
    over_watched = [&](const Route& r) {
      return std::find(options_.interfaces.begin(), options_.interfaces.end(), name_of(r.oif.ifindex)) !=
             options_.interfaces.end();
    };
  }
  auto r = table_.lookup(dst, over_watched);
  if (r) r->oif.name = name_of(r->oif.ifindex);
  return r;
}

size_t NetlinkRouteSource::dynamic_routes_over(std::string_view ifname) const {
  size_t n = 0;
  table_.for_each([&](const Route& r) {
    auto it = links_.find(r.oif.ifindex);
    if (it == links_.end() || it->second.name != ifname) return;
    if (std::find(options_.daemon_protocols.begin(), options_.daemon_protocols.end(), r.protocol) !=
        options_.daemon_protocols.end())
      ++n;
  });
  return n;
}

std::optional<bool> NetlinkRouteSource::link_running(std::string_view ifname) const {
  for (const auto& [index, link] : links_)
    if (link.name == ifname) return (link.flags & IFF_UP) && (link.flags & IFF_RUNNING);
  return std::nullopt;
}

int64_t NetlinkRouteSource::next_deadline_ms() const {
  if (!socket_->is_open()) return reopen_at_;
  if (phase_ != Phase::kIdle) return dump_started_ + options_.dump_timeout_ms;
  return next_dump_at_;
}

}  // namespace sysplex::routesource
