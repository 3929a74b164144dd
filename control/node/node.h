#pragma once
#include "control/layer_guard.h"
// A node's control thread state: it owns the node's Engine, answers ARP/ND/echo for the node's
// addresses, bridges the TAP exception path, resolves next hops and builds the snapshots workers read.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "control/node/replies.h"
#include "dataplane/engine/engine.h"

namespace sysplex::node {

struct ControlCounters {
  uint64_t arp_replies = 0, nd_replies = 0, echo_replies = 0;
  uint64_t to_tap = 0, from_tap = 0, resolutions_sent = 0;
  uint64_t control_drops = 0;   // punted packets control had no use for (no TAP, malformed)
};

struct Neighbor {
  Mac mac{};
  int port = 0;
  bool is_static = false;
  uint64_t learned_ms = 0;
};

// Monotonic milliseconds; injected so tests drive timers without sleeping.
using Clock = uint64_t (*)();
uint64_t steady_ms();

class Node {
 public:
  static Result<std::unique_ptr<Node>> create(const config::Profile& profile, unsigned workers, Clock clock = steady_ms);
  ~Node();

  // One pass of control work: punted packets, TAP, next-hop resolution, snapshot refresh.
  void poll();
  dp::Engine& engine() { return *engine_; }
  const config::Profile& profile() const { return profile_; }
  const std::string& name() const { return profile_.node_name; }
  ControlCounters control_counters() const;
  // Displays read control state under this lock (telemetry runs on its own thread).
  std::mutex& display_lock() { return display_mu_; }
  const std::map<IpAddr, Neighbor>& neighbors() const { return neighbors_; }
  const std::vector<std::pair<Prefix, int>>& connected() const { return connected_; }
  // The port index a static route leaves by, or -1 when neither its PORT nor its VIA names one.
  int route_port(const config::RouteConfig& r) const;
  uint16_t tap_port_id() const { return tap_port_; }
  bool has_tap() const { return tap_; }

 private:
  Node(const config::Profile& p, Clock clock) : profile_(p), clock_(clock) {}
  Status init(unsigned workers);
  Status init_tap();
  void handle_punted(rte_mbuf* m);
  void handle_arp(rte_mbuf* m, const dp::PacketDesc& d);
  void handle_icmpv6(rte_mbuf* m, const dp::PacketDesc& d);
  void to_tap_or_drop(rte_mbuf* m);
  void poll_tap();
  void resolve_next_hops();
  void learn(const IpAddr& a, const Mac& mac, int port);
  void rebuild_snapshot();
  int port_for(const IpAddr& a) const;
  std::optional<IpAddr> port_source(int port, bool v6) const;

  config::Profile profile_;
  Clock clock_;
  std::unique_ptr<dp::Engine> engine_;
  std::map<IpAddr, Neighbor> neighbors_;
  std::vector<IpAddr> locals_;
  std::vector<std::pair<Prefix, int>> connected_;   // port networks -> port index
  ControlCounters cc_;
  mutable std::mutex display_mu_;
  bool dirty_ = true;
  bool tap_ = false;
  uint16_t tap_port_ = 0;
  int tap_bound_port_ = 0;
  uint64_t next_resolve_ms_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace sysplex::node
