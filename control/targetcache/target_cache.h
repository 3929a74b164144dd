// The VIPAROUTE target cache: for each VIPAROUTE target, the route, egress port, outer source and
// next-hop MAC the distributor encapsulates with, refreshed on RefreshSchedule; refresh() yields a diff.
//
// Behaviour taken from z/OS (IP Configuration Reference, VIPADYNAMIC VIPAROUTE statement): a target
// address without a route gets one informational message the first time, and the target is not
// considered for distribution, as if its dynamic XCF interface were inactive. The refresh schedule
// (every 60 s; after join, rejoin or a route-source restart at 5, 5, 15, 35, 60 s) is the project's
// DESIGN.md and TargetCacheTimers. Like z/OS, a route change seen between refreshes is applied at the
// next scheduled refresh, not at once (stale() tells); the owner may call refresh() explicitly.
#pragma once
#include "control/layer_guard.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/profile.h"
#include "control/monitor/messages.h"
#include "control/routesource/route_source.h"
#include "control/targetcache/refresh_schedule.h"

namespace sysplex::targetcache {

enum class TargetState : uint8_t {
  kPending,     // not refreshed yet since the cache was made
  kUsable,      // route, egress port, outer source and next-hop MAC known
  kNoRoute,     // no route, a route over no node port, or no source address: excluded
  kUnresolved,  // route known, next hop's MAC not (yet) known: excluded until it is
};

constexpr const char* state_name(TargetState s) {
  switch (s) {
    case TargetState::kPending: return "pending";
    case TargetState::kUsable: return "usable";
    case TargetState::kNoRoute: return "no route";
    case TargetState::kUnresolved: return "next hop unresolved";
  }
  return "?";
}

struct TargetEntry {
  IpAddr xcf_addr;                   // the target's dynamic XCF address (DESTIP)
  IpAddr target_addr;                // VIPAROUTE's target address: the outer destination
  TargetState state = TargetState::kPending;
  std::string reason;                // why it is not usable, for displays and SPX8101I
  std::optional<Prefix> route_prefix;
  std::optional<IpAddr> gateway;     // the route's gateway; absent when the target is on-link
  std::optional<IpAddr> next_hop;    // gateway, or the target itself when on-link
  int port = -1;                     // egress node port
  std::optional<IpAddr> outer_src;   // the route's preferred source, else the port's address
  std::optional<MacAddr> next_hop_mac;
  std::optional<int64_t> last_refresh_ms;
  uint64_t route_generation = 0;     // the route source's generation at the last refresh

  bool usable() const { return state == TargetState::kUsable; }
  // What the data plane uses: equal views publish nothing.
  bool same_forwarding(const TargetEntry& o) const;
};

struct TargetChange {
  TargetEntry before;
  TargetEntry after;
};

struct CacheMessage {
  monitor::MsgId id;   // kTargetNoRoute or kTargetRoute
  IpAddr xcf_addr;
  std::string text;
};

struct RefreshResult {
  bool refreshed = false;             // a refresh (all targets) ran
  bool restarted = false;             // a route-source restart restarted the fast schedule
  std::vector<TargetChange> changes;  // targets whose forwarding view changed: publish at once
  std::vector<CacheMessage> messages;
};

struct TargetCacheDeps {
  const routesource::RouteSource* routes = nullptr;  // required; must outlive the cache
  // The next hop's MAC on that port; may start an ARP/ND resolution on a miss and return nullopt.
  std::function<std::optional<MacAddr>(const IpAddr& next_hop, int port)> neighbor;
  // The node port a kernel route's interface is (-1: none). Routes with oif.port >= 0 skip it.
  std::function<int(const routesource::Route&)> port_of;
  // The port's own address of that family, the outer source when the route names none.
  std::function<std::optional<IpAddr>(int port, bool v6)> port_address;
  // For displays; "port N" when absent.
  std::function<std::string(int port)> port_name;
};

struct DisplayRow {
  std::string xcf, target, route, next_hop, egress, source, mac, state, reason;
  bool route_changed = false;         // the route source changed since; the next refresh applies it
  std::optional<int64_t> last_refresh_ms, next_refresh_ms;
  std::string last_refresh, next_refresh;   // "12 s ago" / "never", "in 5 s" / "-"
};

class TargetCache {
 public:
  TargetCache(std::string node_name, const std::vector<config::VipaRoute>& targets,
              const config::TargetCacheTimers& timers, TargetCacheDeps deps);

  // Join or rejoin: the fast schedule starts (first refresh at +fast[0]).
  void restart(int64_t now_ms);
  // Left the group: no refreshes until restart().
  void stop();
  // Call every control-loop turn: restarts the fast schedule when the route source's restarts()
  // grew, and refreshes when the schedule says so. Returns an empty result otherwise.
  RefreshResult poll(int64_t now_ms);
  // Resolves every target now. If a refresh was due it is the scheduled one and the schedule steps.
  RefreshResult refresh(int64_t now_ms);
  // Retries only the MACs of targets whose next hop is unresolved (the owner learned a neighbour);
  // routes are not looked up again and the schedule does not move.
  RefreshResult resolve_pending(int64_t now_ms);

  const TargetEntry* find(const IpAddr& xcf_addr) const;
  const std::vector<TargetEntry>& entries() const { return entries_; }
  // The route source changed since the last refresh (picked up at the next scheduled one).
  bool stale() const;
  const RefreshSchedule& schedule() const { return schedule_; }
  std::vector<DisplayRow> display(int64_t now_ms) const;

 private:
  TargetEntry resolve(const TargetEntry& old, int64_t now) const;
  TargetEntry resolve_mac(TargetEntry e) const;
  void record(const TargetEntry& before, const TargetEntry& after, RefreshResult& out) const;
  std::string egress_name(int port) const;

  std::string node_;
  TargetCacheDeps deps_;
  RefreshSchedule schedule_;
  std::vector<TargetEntry> entries_;
  uint64_t seen_restarts_ = 0;
};

}  // namespace sysplex::targetcache
