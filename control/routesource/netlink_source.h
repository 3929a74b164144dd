// The Linux routing table of the network namespace the socket was opened in, learned over rtnetlink:
// a dump of links and the IPv4/IPv6 main tables, then the change groups; driven by poll(now) only.
#pragma once
#include "control/layer_guard.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/result.h"
#include "control/routesource/netlink_parse.h"
#include "control/routesource/netlink_socket.h"
#include "control/routesource/route_source.h"
#include "control/routesource/route_table.h"

namespace sysplex::routesource {

// RTPROT_* values of routing daemons: gated, zebra (FRR/Quagga), bird, xorp, babel, openr, bgp,
// isis, ospf, rip, eigrp. RTPROT_STATIC (4, `ip route add ... proto static`) is not among them by
// default; add it where an operator's tooling stands in for the routing daemon.
std::vector<uint8_t> default_daemon_protocols();

struct NetlinkSourceOptions {
  int64_t heartbeat_ms = 10'000;   // a verifying dump this often; each complete one is a heartbeat
  int64_t dump_timeout_ms = 5'000; // a dump not done by then counts as a socket failure (reopen)
  int64_t retry_ms = 1'000;        // after a failed dump or a failed open
  std::vector<uint8_t> daemon_protocols = default_daemon_protocols();
  std::vector<std::string> interfaces;  // lookups use only routes over these (empty: all)
  uint32_t table = 254;            // RT_TABLE_MAIN
};

struct NetlinkSourceStats {
  uint64_t dumps_ok = 0;
  uint64_t dumps_failed = 0;       // NLMSG_ERROR, a malformed message inside the dump, or a timeout
  uint64_t dumps_interrupted = 0;  // NLM_F_DUMP_INTR: the table changed under the dump; redone at once
  uint64_t reopens = 0;
  uint64_t overruns = 0;           // ENOBUFS / truncated datagram: notifications lost, resynchronised
  uint64_t notifications = 0;      // route and link changes applied
  uint64_t bad_datagrams = 0;      // failed nl::split, dropped whole
  uint64_t bad_messages = 0;       // a message that failed to parse
  uint64_t foreign_dropped = 0;    // datagrams not from the kernel
  std::string last_error;          // the most recent failure, for displays
};

// What counts as a restart of the route source (restarts() increases by one each time):
//  1. the socket had to be reopened after a socket error or a dump timeout (the first open is not);
//  2. the routing daemon's routes (rtm_protocol in daemon_protocols, in the watched table) went
//     from at least one to none, and later at least one is present again: counted when the first
//     one is back (a flush and re-add by a restarting daemon). Seen through notifications or
//     through the table a verifying dump yields, whichever shows it;
//  3. note_restart(), an explicit marker (an operator command, a daemon's start hook).
// A failed dump or an overrun is not a restart: the source resynchronises and says so in stats().
// Routes are keyed by (prefix, metric): of a multipath route only the first next hop is kept, and
// per-next-hop IPv6 messages of one prefix and metric replace each other. Links going away (or
// admin down, for IPv4) take their routes along, as the kernel does without telling.
class NetlinkRouteSource final : public RouteSource {
 public:
  NetlinkRouteSource(NetlinkSourceOptions options, std::unique_ptr<NetlinkSocket> socket);

  // Opens the socket and starts the first dump. An error here is retried by poll() after retry_ms.
  Status start(int64_t now_ms);
  // Drains what the socket holds (bounded per call), advances the dump and heartbeat schedule.
  // Never blocks. Returns the first failure of this call (socket error, failed dump); the source
  // stays usable and recovers on its own, so the caller logs the error and polls on.
  Status poll(int64_t now_ms);
  void note_restart() { ++restarts_; }

  std::optional<Route> lookup(const IpAddr& dst) const override;
  bool ready() const override { return ready_; }
  std::optional<int64_t> last_heartbeat_ms() const override { return heartbeat_; }
  uint64_t generation() const override { return generation_; }
  uint64_t restarts() const override { return restarts_; }

  // Routes of a routing daemon (daemon_protocols) over the named interface (MONINTERFACE DYNROUTE).
  size_t dynamic_routes_over(std::string_view ifname) const;
  // IFF_UP and IFF_RUNNING of the named interface; nullopt if there is none.
  std::optional<bool> link_running(std::string_view ifname) const;
  // The next time poll() has timed work to do (a dump, a timeout, a reopen): for the owner's sleep.
  int64_t next_deadline_ms() const;
  int fd() const { return socket_->fd(); }
  const NetlinkSourceStats& stats() const { return stats_; }
  const RouteTable& table() const { return table_; }

 private:
  enum class Phase : uint8_t { kIdle, kLinks, kRoutes4, kRoutes6 };
  struct Link {
    std::string name;
    uint32_t flags = 0;
    friend bool operator==(const Link&, const Link&) = default;
  };
  using Links = std::map<int32_t, Link>;
  struct RouteChange { uint16_t type; nl::RouteMsg msg; };
  struct LinkChange { uint16_t type; nl::LinkMsg msg; };
  using Change = std::variant<RouteChange, LinkChange>;

  Status reopen(int64_t now);
  Status drain(int64_t now);
  Status handle_datagram(std::span<const uint8_t> datagram, int64_t now);
  Status handle_dump_reply(const nl::Message& m, int64_t now);
  Status handle_notification(const nl::Message& m, int64_t now);
  Status begin_dump(int64_t now);
  Status send_phase_request();
  Status next_phase(int64_t now);
  Status fail_dump(int64_t now, const std::string& why);
  Status socket_failure(int64_t now, const Error& e);
  void complete_dump(int64_t now);
  bool accept(const nl::RouteMsg& r) const;
  static Route to_route(const nl::RouteMsg& r);
  bool apply(const Change& c, RouteTable& table, Links& links) const;
  void apply_current(const Change& c);
  void track_daemon_routes();
  bool is_dump_reply(const nl::Message& m) const;

  NetlinkSourceOptions options_;
  std::unique_ptr<NetlinkSocket> socket_;
  RouteTable table_;
  Links links_;
  // The dump under way: its table, links, and the notifications that arrived meanwhile, replayed
  // on top when it completes (the dump may predate them).
  RouteTable pending_;
  Links pending_links_;
  std::vector<Change> replay_;
  Phase phase_ = Phase::kIdle;
  uint32_t seq_ = 0;
  uint32_t dump_seq_ = 0;
  bool dump_interrupted_ = false;
  int64_t dump_started_ = 0;
  int64_t next_dump_at_ = 0;
  int64_t reopen_at_ = 0;
  bool opened_once_ = false;
  bool ready_ = false;
  std::optional<int64_t> heartbeat_;
  uint64_t generation_ = 0;
  uint64_t restarts_ = 0;
  uint32_t daemon_routes_ = 0;
  bool daemon_withdrawn_ = false;
  NetlinkSourceStats stats_;
};

}  // namespace sysplex::routesource
