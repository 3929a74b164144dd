#pragma once
#include "control/layer_guard.h"
// The sysplex distributor's control half: which DVIPAs this node owns or serves, the port table
// (VDPT: per DVIPA:port its targets, readiness, weights, counts), the target registry with each
// target's path, and the per-worker method state and consistent-hash tables workers use. It fills
// the distribution part of each snapshot the node publishes.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "dataplane/engine/engine.h"

namespace sysplex::distributor {

// What ownership decided about one DVIPA on this node (static from the profile until the group
// decides it).
struct DvipaActivation {
  Prefix dvipa;
  bool owned = false;        // this node owns it: ARP/ND, local delivery, distribution if configured
  bool target = false;       // this node serves it as a target of another node's distribution
  uint32_t epoch = 0;        // the ownership epoch (GRE key)
  bool draining = false;     // given up moments ago: still distributes what reaches it (the network
                             // has not yet moved to the new owner); answers no ARP for it
  friend bool operator==(const DvipaActivation&, const DvipaActivation&) = default;
};

// How to reach a target, as the node resolved it (target cache).
struct TargetPath {
  dp::TargetView view;
  std::string route;         // for displays: "local", "direct lan0", "VIPAROUTE 198.18.1.13 via ..."
  std::string state;         // "usable", "no route", "next hop unresolved", ...
};
using PathResolver = std::function<TargetPath(const IpAddr& xcf)>;

// One VIPAROUTE/DESTIP target as the displays show it.
struct TargetRow {
  uint32_t id = 0;
  IpAddr xcf;
  std::string node;          // the node name its reports carry ("" until one arrives)
  TargetPath path;
  uint8_t wlm_weight = 0;
  uint8_t responsiveness = 100;
};

// One VDPT row as the displays show it.
struct ServiceRow {
  IpAddr dvipa;
  uint16_t port = 0;
  config::DistMethod method = config::DistMethod::kRoundRobin;
  struct Target {
    uint32_t id = 0;
    IpAddr xcf;
    dist::TargetState state;
    bool listener = false;
    dp::TargetCounters counters;  // for this row only, summed over workers
  };
  std::vector<Target> targets;
};

// A target's report of its listeners: which DVIPA:ports accept connections there.
struct ListenerReport {
  IpAddr dvipa;
  uint16_t port = 0;
  bool ready = false;
};

class Distributor {
 public:
  static Result<std::unique_ptr<Distributor>> create(const config::Profile& profile, unsigned workers,
                                                     std::function<uint64_t()> clock_ms);
  ~Distributor();

  // ---- inputs (control thread) ----
  void set_activations(std::vector<DvipaActivation> a);
  const std::vector<DvipaActivation>& activations() const { return activations_; }
  // Listener readiness reported by (or, for this node, read locally for) the target `xcf`.
  void set_listeners(const IpAddr& xcf, const std::string& node, std::vector<ListenerReport> ready);
  void set_wlm_weight(const IpAddr& xcf, uint8_t weight);
  // Responsiveness (share of SYNs that reached ESTABLISHED) from the workers' per-target counters.
  void update_responsiveness(const dp::Engine& engine);
  // Group members' XCF addresses (DESTIP ALL); without a group, the nodes that reported.
  void set_members(std::vector<IpAddr> xcf);
  // A DVIPA just taken over waits for its targets' connection reports (see DvipaView::rebuilding).
  void set_rebuilding(const IpAddr& dvipa, bool on);
  // Connection-table entries for a DVIPA's rows, over all workers (WHENIDLE takeback, displays).
  uint64_t active_connections(const IpAddr& dvipa) const;
  // The stable row id of a DVIPA:port (what connection entries name), if it is distributed.
  std::optional<uint16_t> service_id(const IpAddr& dvipa, uint16_t port) const;

  // Whether the next snapshot must change (inputs changed since the last fill).
  bool dirty() const { return dirty_; }
  // Fills the DVIPA, VDPT and target parts of `s`, resolving every target's path; patches the
  // consistent-hash tables of rows whose ready targets changed.
  void fill(dp::Snapshot& s, const PathResolver& resolve);
  // After a publish (and its grace period): frees runtimes no snapshot names any more.
  void collect();

  // ---- displays ----
  std::vector<TargetRow> target_rows() const;
  std::vector<ServiceRow> service_rows() const;
  // The DVIPAs this node answers ARP/ND for.
  std::vector<IpAddr> owned() const;
  std::optional<uint32_t> target_id(const IpAddr& xcf) const;
  std::optional<IpAddr> target_addr(uint32_t id) const;
  bool distributes() const;  // any VIPADISTRIBUTE on this node
  // The VIPADISTRIBUTE statements known to this node.
  const std::vector<config::VipaDistribute>& definitions() const { return defs_; }
  // Whether any DVIPA:port row names `xcf` (and so must hear its reports).
  bool names_target(const IpAddr& xcf) const;

 private:
  struct Runtime;   // per DVIPA:port: selectors per worker and the live consistent-hash table
  struct Listener {
    std::vector<ListenerReport> ready;
    uint64_t at_ms = 0;
  };
  struct Target {
    IpAddr xcf;
    std::string node;
    TargetPath path;
    uint8_t wlm_weight = 0;
    uint8_t responsiveness = 100;
    uint64_t last_syns = 0, last_established = 0;
  };

  Distributor(const config::Profile& p, unsigned workers, std::function<uint64_t()> clock);
  uint32_t intern(const IpAddr& xcf);
  const DvipaActivation* activation(const IpAddr& dvipa) const;
  bool listener_ready(const IpAddr& xcf, const IpAddr& dvipa, uint16_t port) const;
  std::vector<config::DestIp> dests_of(const config::VipaDistribute& d) const;
  Result<Runtime*> runtime(const config::VipaDistribute& d, uint16_t port);
  void fill_service(dp::Snapshot& s, const config::VipaDistribute& d, uint16_t port, uint16_t dvipa_index);

  config::Profile profile_;
  unsigned workers_;
  std::function<uint64_t()> clock_;
  std::vector<config::VipaDistribute> defs_;
  std::vector<DvipaActivation> activations_;
  std::vector<Target> targets_;               // by dense id
  std::map<IpAddr, uint32_t> ids_;
  std::map<IpAddr, Listener> listeners_;
  std::vector<IpAddr> members_;
  std::set<IpAddr> rebuilding_;
  std::map<std::pair<IpAddr, uint16_t>, std::unique_ptr<Runtime>> runtimes_;
  std::vector<std::unique_ptr<Runtime>> retired_;
  std::vector<std::unique_ptr<dist::Selector>> retired_selectors_;
  uint16_t next_service_id_ = 0;
  bool dirty_ = true;
};

// Listener reports older than this no longer make a target ready (it stopped reporting).
inline constexpr uint64_t kListenerReportTtlMs = 5000;

}  // namespace sysplex::distributor
