#pragma once
#include "control/layer_guard.h"
// A node's control thread state: it owns the node's Engine, answers ARP/ND/echo for the node's
// addresses and owned DVIPAs, bridges the TAP exception path, resolves next hops and targets, runs
// the distributor's control half and builds the snapshots workers read.

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "control/distributor/distributor.h"
#include "control/distributor/sockets.h"
#include "control/channel/bulk.h"
#include "control/group/link.h"
#include "control/monitor/monitor.h"
#include "control/ownership/member.h"
#include "control/sa/sa_manager.h"
#include "control/store/store.h"
#include "control/swsa/lease.h"
#include "control/swsa/record.h"
#include "control/routesource/composite_source.h"
#include "control/routesource/netlink_source.h"
#include "control/routesource/static_source.h"
#include "control/targetcache/target_cache.h"
#include "control/node/group_runner.h"
#include "control/node/replies.h"
#include "dataplane/engine/engine.h"

namespace sysplex::node {

struct ControlCounters {
  uint64_t arp_replies = 0, nd_replies = 0, echo_replies = 0;
  uint64_t to_tap = 0, from_tap = 0, resolutions_sent = 0;
  uint64_t control_drops = 0;   // punted packets control had no use for (no TAP, malformed)
  uint64_t too_big_sent = 0;    // ICMP too-big / packet-too-big for the encapsulated path
  uint64_t fragmented = 0;      // IPv4 packets without DF fragmented for the encapsulated path
  uint64_t listener_scans = 0, listener_scan_errors = 0;
  uint64_t ended_reported = 0;  // connections this node reported ended (as a target)
  uint64_t cache_refreshes = 0; // VIPAROUTE target cache refreshes
  uint64_t announcements = 0;   // gratuitous ARPs / unsolicited NAs for DVIPAs that moved here
  uint64_t connections_adopted = 0;  // connection entries rebuilt from targets' reports
  uint64_t bulk_reports_sent = 0;    // as a target: answers to a new distributor
  uint64_t snapshots = 0;
  uint64_t group_unresolved = 0;     // group datagrams dropped: their next hop never resolved
  uint64_t max_poll_gap_ms = 0;      // the longest time between two control-loop passes
  uint64_t poll_stalls = 0;          // passes that came more than kStallMs after the previous one
  uint64_t fib_alloc_failures = 0;   // snapshots not built: no memory for the FIB tables
  uint64_t shadows_sent = 0, shadows_installed = 0;
  uint64_t shadows_refused = 0;      // malformed, or not from the DVIPA's owner
  uint64_t seq_leases = 0;           // sequence blocks leased after the first
};

// One FIB entry; the snapshot's tables are rebuilt only when the entries change.
struct FibEntry {
  Prefix prefix;
  uint32_t next_hop = 0;
  friend bool operator==(const FibEntry&, const FibEntry&) = default;
};

struct Neighbor {
  Mac mac{};
  int port = 0;
  bool is_static = false;
  uint64_t learned_ms = 0;
};

// An ESP capture in progress (capture.cc): a pcapng file and how many packets it still takes.
struct Capture {
  int fd = -1;
  uint32_t spi = 0;
  uint64_t remaining = 0, written = 0;
  std::string path;
  bool active() const { return spi != 0; }
  Status open(const std::string& path);
  bool write_packet(const uint8_t* data, uint32_t len, uint64_t ts_us);
  void close();
};

// Monotonic milliseconds; injected so tests drive timers without sleeping.
using Clock = uint64_t (*)();
uint64_t steady_ms();

struct NodeOptions {
  Clock clock = steady_ms;
  bool keylog = false;                 // print SA keys as they are installed (--log-level keylog)
  store::Store* store = nullptr;       // a store several nodes of this process share (the demo)
};

// Where the node finds which of its DVIPA:ports have listeners (the local kernel, or a test).
// Where the node finds its own connections to a DVIPA when a new distributor asks (the local
// kernel's sockets, or the demo's emulated service).
using ConnectionSource = std::function<std::vector<channel::ConnTuple>(const IpAddr& dvipa)>;

using ListenerScan = std::function<Result<std::vector<distributor::ListenerReport>>(
    const std::vector<std::pair<IpAddr, uint16_t>>& wanted)>;

class Node {
 public:
  static Result<std::unique_ptr<Node>> create(const config::Profile& profile, unsigned workers, Clock clock = steady_ms);
  static Result<std::unique_ptr<Node>> create(const config::Profile& profile, unsigned workers, const NodeOptions& o);
  ~Node();

  // One pass of control work: punted packets, TAP, exceptions, next-hop and target resolution,
  // listener scans, snapshot refresh.
  void poll();
  dp::Engine& engine() { return *engine_; }
  const dp::Engine& engine() const { return *engine_; }
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
  distributor::Distributor& distributor() { return *dist_; }
  const distributor::Distributor& distributor() const { return *dist_; }

  // Ownership and target roles of DVIPAs (static from the profile until the group decides them).
  void set_activations(std::vector<distributor::DvipaActivation> a);
  // The same from the control thread itself (the caller holds the display lock).
  void apply_activations(std::vector<distributor::DvipaActivation> a);
  // Replaces the local kernel as the source of listener readiness (tests).
  void set_listener_scan(ListenerScan scan) { listener_scan_ = std::move(scan); }
  void set_connection_source(ConnectionSource source) { connection_source_ = std::move(source); }
  // Listener reports from other targets (the group channel delivers them).
  void on_listener_report(const IpAddr& xcf, const std::string& node, std::vector<distributor::ListenerReport> r);
  // Connections a target reports ended: removed from every worker's table at once.
  void on_connections_ended(const std::vector<conn::ConnKey>& ended);
  // The group channel (nullptr without a group key).
  const group::GroupLink* link() const { return link_.get(); }
  // An operator command (sysplexctl, over telemetry): queued from any thread, carried out by the
  // control thread at its next poll; the caller waits up to `timeout` for the outcome.
  Result<std::string> operator_command(const std::string& verb, const std::vector<std::string>& args,
                                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // What the group thread is asked to do (operator commands, autonomics).
  enum class GroupRequest : uint8_t { kJoin, kLeave };
  void request_group(GroupRequest r, const std::string& why);
  bool in_group() const { return in_group_; }
  uint64_t now_ms() const { return clock_(); }
  const targetcache::TargetCache& target_cache() const { return *cache_; }
  const routesource::RouteSource& routes() const { return *routes_; }
  const monitor::Monitor* sysplex_monitor() const { return monitor_.get(); }
  sa::SaManager& sa_manager() { return *sas_; }
  const sa::SaManager& sa_manager() const { return *sas_; }
  // Leaves the group as a shutdown does (DVIPAs released at once, so backups need not wait for the
  // lease), waiting up to `timeout` for the store to take it; then the node is out of its group.
  void shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Demo drills: crash() stops the node dead (no control work, no heartbeats, no lease renewals:
  // the group sees a failure); the caller stops polling its workers too. restart() brings it back
  // as a new incarnation that joins again (its profile reprocessed).
  void crash();
  Status restart();
  bool crashed() const { return crashed_; }
  // The ownership machine's view (null without a group); copied, for displays.
  std::optional<ownership::GroupState> group_state() const;
  struct LoggedMessage {
    uint64_t at_ms;
    std::string text;
  };
  const std::deque<LoggedMessage>& messages() const { return messages_; }

 private:
  Node(const config::Profile& p, Clock clock) : profile_(p), clock_(clock) {}
  Status init(unsigned workers, const NodeOptions& o);
  Status init_store(store::Store* shared);
  Status start_group(store::Store* shared);
  std::vector<distributor::DvipaActivation> group_activations() const;
  uint32_t connections_for(const IpAddr& dvipa) const;
  ownership::Inputs group_inputs() const;
  void poll_group();
  void membership_changed(bool member);
  void carry_out_actions(const std::vector<ownership::Action>& actions);
  void heard_owner(const IpAddr& dvipa, uint64_t epoch);
  static bool is_group_verb(const std::string& verb);
  Result<ownership::Request> group_request(const std::string& verb, const std::vector<std::string>& args) const;
  void poll_sa_events();
  Result<std::string> capture_command(const std::vector<std::string>& args);
  Result<std::string> stop_capture(const std::string& why);
  void poll_capture();
  // swsa.cc: sysplex-wide SAs.
  enum class SwsaRole : uint8_t { kMaster, kShadow };
  struct SwsaState {
    SwsaRole role = SwsaRole::kShadow;
    swsa::SaRecord record;                 // key material
    std::optional<swsa::SeqBlock> block;   // outbound: the numbers this node may use now
    bool leasing = false;
  };
  struct SwsaInstall {
    swsa::SaRecord record;
    bool recovered = false;
    std::optional<swsa::SeqBlock> block;
  };
  bool is_sysplex_sa(const config::IpsecSa& sa) const;
  Status init_swsa();
  void swsa_activate(const IpAddr& dvipa);
  void install_master(const IpAddr& dvipa, SwsaInstall in);
  void swsa_deactivate(const IpAddr& dvipa);
  std::vector<std::string> target_nodes(const IpAddr& dvipa) const;
  void push_shadows(const IpAddr& dvipa);
  void on_shadow_sa(const group::Peer& from, const channel::ShadowSa& m);
  void swsa_lease_more(const std::string& sa_name);
  void swsa_tick();
  void swsa_reset();
  Status init_tap();
  Status init_group();
  Status init_routes();
  int port_of_interface(const std::string& ifname) const;
  std::string kernel_name(int port) const;
  void note(const std::string& line);
  void start_target_cache();
  void poll_routes();
  monitor::CheckInput check_input() const;
  void run_monitor();
  void announce(const IpAddr& dvipa);
  void activations_changed(const std::vector<distributor::DvipaActivation>& before);
  void start_rebuild(const IpAddr& dvipa, uint32_t epoch);
  std::vector<channel::ConnTuple> local_connections(const IpAddr& dvipa) const;
  void adopt_connections(const std::string& target_node, const IpAddr& dvipa, const std::vector<channel::ConnTuple>& conns);
  void on_bulk_request(const group::Peer& from, const channel::BulkConnectionRequest& r);
  void on_bulk_report(const group::Peer& from, channel::BulkConnectionReport r);
  void finish_rebuild(size_t i, const std::string& why);
  void poll_rebuilds();
  void join_locally();
  void leave_locally(const std::string& why);
  void run_operator_commands();
  Result<std::string> carry_out(const std::string& verb, const std::vector<std::string>& args);
  Result<std::string> hold_buffers(const std::vector<std::string>& args);
  bool send_datagram(const std::optional<IpAddr>& dst, std::span<const uint8_t> payload);
  void flush_pending_datagrams(const IpAddr* resolved);
  void resolve_now(const IpAddr& hop, int port);
  channel::Heartbeat heartbeat();
  uint8_t spare_capacity() const;
  void on_group_message(const group::Peer& from, const channel::Message& m);
  void group_tick();
  void update_members();
  void report_listeners();
  void watch_ended();
  void scan_connections();
  void flush_ended();
  bool serves(const IpAddr& a) const;
  std::vector<distributor::DvipaActivation> static_activations() const;
  void handle_punted(rte_mbuf* m);
  void handle_arp(rte_mbuf* m, const dp::PacketDesc& d);
  void handle_icmpv6(rte_mbuf* m, const dp::PacketDesc& d);
  void to_tap_or_drop(rte_mbuf* m);
  void poll_tap();
  void handle_exceptions();
  void too_big(const dp::Exception& e);
  void resolve_next_hops();
  void scan_listeners();
  void learn(const IpAddr& a, const Mac& mac, int port);
  void rebuild_snapshot();
  void sync_tap_addresses();
  bool is_ours(const IpAddr& a) const;
  int port_for(const IpAddr& a) const;
  int ingress_index(uint16_t port_id) const;
  std::optional<IpAddr> port_source(int port, bool v6) const;
  // The port and next hop (nullopt: on link) toward `dst`: connected prefixes, then static routes.
  std::optional<std::pair<int, std::optional<IpAddr>>> route_to(const IpAddr& dst) const;
  distributor::TargetPath resolve_target(const IpAddr& xcf);
  distributor::TargetPath routed_target(const config::VipaRoute& vr) const;

  config::Profile profile_;
  Clock clock_;
  std::unique_ptr<dp::Engine> engine_;
  std::unique_ptr<distributor::Distributor> dist_;
  std::unique_ptr<group::GroupLink> link_;
  std::unique_ptr<store::Store> own_store_;
  store::Store* store_ = nullptr;
  std::unique_ptr<GroupRunner> group_;
  std::map<IpAddr, uint64_t> owned_;                // DVIPA -> epoch, as the group decided
  std::set<IpAddr> keep_serving_;                   // given up, still serving its connections
  std::map<IpAddr, uint64_t> heard_epoch_;          // the highest owner epoch peers announced
  struct Draining {                                 // a DVIPA given up that still distributes
    uint64_t until_ms = 0;
    uint64_t epoch = 0;
  };
  std::map<IpAddr, Draining> draining_;
  std::vector<std::pair<uint64_t, IpAddr>> reannounce_;  // (when, DVIPA): gratuitous ARP again
  static constexpr uint64_t kDrainMs = 5000;
  static constexpr uint64_t kReannounceMs[] = {1100, 3000};
  void poll_moves(uint64_t now);
  bool distributes(const IpAddr& dvipa) const;
  uint64_t next_group_inputs_ms_ = 0;
  uint64_t listen_until_ms_ = 0;                    // the group thread is armed then
  std::unique_ptr<sa::SaManager> sas_;
  Capture capture_;
  std::optional<swsa::RecordSealer> sealer_;        // DVIPSEC with a group: seals SA records
  std::map<std::string, SwsaState> swsa_;           // sysplex-wide SAs installed here, by name
  std::set<std::string> shadow_notes_;              // SPX1726I given once per SA and version
  uint64_t next_shadow_push_ms_ = 0, next_replay_record_ms_ = 0;
  uint64_t next_sa_events_ms_ = 0;
  struct Rebuild {  // a takeover waiting for its targets' connection reports
    IpAddr dvipa;
    uint64_t request_id = 0;
    uint64_t deadline_ms = 0;
    std::set<std::string> waiting;
    std::map<std::string, channel::BulkCollector> collectors;
  };
  std::vector<Rebuild> rebuilds_;
  struct Settling {  // a rebuilt table waiting for the workers to apply its entries
    IpAddr dvipa;
    std::string why;
    uint64_t deadline_ms = 0;
  };
  std::vector<Settling> settling_;
  static constexpr uint64_t kSettleMs = 500;
  uint32_t rebuild_seq_ = 0;
  std::unique_ptr<routesource::StaticRouteSource> static_routes_;
  std::unique_ptr<routesource::NetlinkRouteSource> kernel_routes_;
  std::unique_ptr<routesource::CompositeRouteSource> routes_;
  std::unique_ptr<targetcache::TargetCache> cache_;
  std::unique_ptr<monitor::Monitor> monitor_;
  std::deque<LoggedMessage> messages_;
  struct Command {
    std::string verb;
    std::vector<std::string> args;
    std::optional<Result<std::string>> outcome;
    std::optional<std::future<Status>> pending;   // a group verb the group thread has queued
    uint64_t deadline_ms = 0;
  };
  static constexpr uint64_t kGroupReplyMs = 3000;
  std::vector<std::shared_ptr<Command>> waiting_;  // group verbs awaiting the group thread
  bool collect_group_replies();
  void finish_command(Command& c, Result<std::string> r);
  std::mutex commands_mu_;
  std::condition_variable commands_cv_;
  std::deque<std::shared_ptr<Command>> commands_;
  std::vector<rte_mbuf*> held_;                     // hold-buffers: mbufs taken out of the pool
  std::string last_route_error_;
  bool in_group_ = false;
  bool crashed_ = false;
  bool neighbors_learned_ = false;
  std::vector<distributor::ListenerReport> last_listeners_;
  std::set<std::string> live_connections_;         // served connections at the last scan (ConnKey bytes)
  std::optional<distributor::DestroyWatch> destroy_watch_;
  std::vector<conn::ConnKey> ended_pending_;        // to report at the next flush
  uint64_t report_seq_ = 0;
  uint64_t next_report_ms_ = 0, next_flush_ms_ = 0, next_conn_scan_ms_ = 0;
  std::map<IpAddr, Neighbor> neighbors_;
  std::vector<IpAddr> locals_;                      // node and port addresses
  std::vector<std::pair<Prefix, int>> connected_;   // port networks -> port index
  std::set<std::pair<IpAddr, int>> wanted_;         // neighbours a target path waits for
  std::map<IpAddr, uint64_t> last_resolution_ms_;   // unresolved hops: when last asked
  struct PendingDatagram {                          // a group datagram waiting for its next hop's MAC
    IpAddr hop;
    int port = 0;
    IpAddr src, dst;
    std::vector<uint8_t> payload;
    uint64_t until_ms = 0;
  };
  static constexpr size_t kMaxPendingDatagrams = 256;
  static constexpr uint64_t kPendingDatagramMs = 1000;
  static constexpr uint64_t kResolveRetryMs = 100;
  std::deque<PendingDatagram> pending_datagrams_;
  std::set<std::string> tap_addrs_;                 // what the TAP carries now ("addr/len")
  ListenerScan listener_scan_;
  ConnectionSource connection_source_;
  ControlCounters cc_;
  mutable std::mutex display_mu_;
  bool dirty_ = true;
  bool tap_ = false;
  uint16_t tap_port_ = 0;
  int tap_bound_port_ = 0;
  uint64_t next_resolve_ms_ = 0;
  uint64_t next_scan_ms_ = 0;
  uint64_t next_refresh_ms_ = 0;
  uint64_t generation_ = 0;
  std::shared_ptr<const dp::FibTables> fib_;          // the current snapshot's FIB tables
  std::vector<FibEntry> fib_entries_;                 // what they hold
  uint64_t last_poll_ms_ = 0;
  uint64_t stalled_ms_ = 0;                          // the control loop's stalls, summed
  std::map<std::string, uint64_t> stalled_at_heard_; // stalled_ms_ when each peer was last heard
  static constexpr uint64_t kStallMs = 50;
};

}  // namespace sysplex::node
