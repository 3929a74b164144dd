// The node's control loop: punt handling (ARP, ND, echo), the TAP bridge, exceptions, next-hop and
// target resolution, listener scans and snapshot building. Runs on the main lcore; the only writer
// of the node's forwarding state.
#include "control/node/node.h"

#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "control/distributor/sockets.h"
#include "control/node/group_runner.h"
#include "control/node/tap.h"
#include "dataplane/parse/parse.h"

namespace sysplex::node {

using dp::L3;
using dp::PacketDesc;

uint64_t steady_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

namespace {

constexpr uint64_t kResolveEveryMs = 1000;
constexpr uint64_t kScanEveryMs = 500;      // listener readiness from the local kernel
constexpr uint64_t kRefreshEveryMs = 1000;  // responsiveness, report ages, target paths

bool in_destips(const config::VipaDistribute& d, const std::vector<IpAddr>& mine) {
  if (d.dest_all) return true;
  for (const auto& dest : d.dests)
    if (std::find(mine.begin(), mine.end(), dest.addr) != mine.end()) return true;
  return false;
}

// The local kernel's listeners on the wanted DVIPA:ports.
Result<std::vector<distributor::ListenerReport>> kernel_listeners(const std::vector<std::pair<IpAddr, uint16_t>>& wanted) {
  auto socks = distributor::dump_tcp(distributor::kListenStates);
  if (!socks) return socks.error();
  std::vector<distributor::ListenerReport> out;
  for (const auto& [addr, port] : wanted) out.push_back({addr, port, distributor::listener_ready(*socks, addr, port)});
  return out;
}

}  // namespace

Result<std::unique_ptr<Node>> Node::create(const config::Profile& profile, unsigned workers, Clock clock) {
  NodeOptions o;
  o.clock = clock;
  return create(profile, workers, o);
}

Result<std::unique_ptr<Node>> Node::create(const config::Profile& profile, unsigned workers, const NodeOptions& o) {
  std::unique_ptr<Node> n(new Node(profile, o.clock));
  if (Status st = n->init(workers, o); !st) return st.error();
  return n;
}

Node::~Node() {
  group_.reset();  // its thread first: it calls into the store
  capture_.close();
  for (rte_mbuf* m : held_) rte_pktmbuf_free(m);
  held_.clear();
  engine_.reset();  // workers are stopped by now; the TAP goes after the engine stops sending to it
  if (tap_) {
    rte_eth_dev_stop(tap_port_);
    rte_eth_dev_close(tap_port_);
  }
}

// Until the group decides ownership, a node owns what it VIPADEFINEs, backs up what it VIPABACKUPs,
// and serves as a target every DVIPA whose VIPADISTRIBUTE names one of its addresses.
std::vector<distributor::DvipaActivation> Node::static_activations() const {
  std::vector<distributor::DvipaActivation> out;
  auto target_of = [&](const IpAddr& dvipa) {
    for (const auto& d : profile_.vipadynamic.distributes)
      if (d.dvipa == dvipa && in_destips(d, profile_.node_addrs)) return true;
    return false;
  };
  for (const auto& d : profile_.vipadynamic.defines) out.push_back({d.dvipa, true, target_of(d.dvipa.addr), 1});
  for (const auto& b : profile_.vipadynamic.backups)
    if (target_of(b.dvipa)) out.push_back({Prefix{b.dvipa, uint8_t(b.dvipa.family_bits())}, false, true, 1});
  return out;
}

Status Node::init(unsigned workers, const NodeOptions& o) {
  auto e = dp::Engine::create(profile_, workers);
  if (!e) return e.error();
  engine_ = std::move(*e);
  if (clock_ != steady_ms) engine_->set_clock(clock_);  // a test's clock drives the workers' timers too
  auto d = distributor::Distributor::create(profile_, workers, clock_);
  if (!d) return d.error();
  dist_ = std::move(*d);
  auto sas = sa::SaManager::create(profile_, workers, o.keylog, [this](const config::IpsecSa& sa) { return is_sysplex_sa(sa); });
  if (!sas) return sas.error();
  sas_ = std::move(*sas);
  if (dist_->distributes()) {
    const auto& c = profile_.conntable;
    conn::ConnTimeouts to{c.syn_secs * 1000, c.idle_secs * 1000, c.fin_secs * 1000, c.rst_secs * 1000};
    if (Status st = engine_->enable_connections(c.entries, to); !st) return st;
  }
  listener_scan_ = kernel_listeners;
  for (const auto& a : profile_.node_addrs) locals_.push_back(a);
  for (size_t i = 0; i < profile_.ports.size(); ++i)
    for (const auto& pa : profile_.ports[i].addrs) {
      locals_.push_back(pa.prefix.addr);
      // PORTADDR keeps the host address; the connected network clears the host bits.
      connected_.emplace_back(*parse_prefix(to_string(pa.prefix.addr) + "/" + std::to_string(pa.prefix.len)), int(i));
    }
  for (const auto& n : profile_.neighbors) {
    int port = n.port.empty() ? port_for(n.addr) : engine_->port_index(n.port);
    neighbors_[n.addr] = Neighbor{n.mac.bytes, port < 0 ? 0 : port, true, 0};
  }
  if (Status st = init_routes(); !st) return st;
  if (profile_.tap)
    if (Status st = init_tap(); !st) return st;
  if (Status st = init_group(); !st) return st;
  if (Status st = init_swsa(); !st) return st;
  if (link_) {  // a group: the store and the ownership machine decide what this node owns
    if (Status st = start_group(o.store); !st) return st;
  } else {
    join_locally();
  }
  // Without CAP_NET_ADMIN there are no destroy events; the periodic connection scan still works.
  if (!dist_->activations().empty() || group_)
    if (auto w = distributor::DestroyWatch::open(); w) destroy_watch_.emplace(std::move(*w));
  return ok_status();
}

Status Node::init_tap() {
  const auto& t = *profile_.tap;
  tap_bound_port_ = t.port.empty() ? 0 : engine_->port_index(t.port);
  if (tap_bound_port_ < 0 || size_t(tap_bound_port_) >= engine_->ports().size())
    return make_error(Errc::kInvalidArgument, "TAP " + t.name + " needs a port to share");
  std::vector<std::string> addrs;
  for (const auto& pa : profile_.ports[size_t(tap_bound_port_)].addrs) addrs.push_back(to_string(pa.prefix.addr) + "/" + std::to_string(pa.prefix.len));
  for (const auto& a : profile_.node_addrs) addrs.push_back(to_string(a) + (a.v6 ? "/128" : "/32"));
  std::vector<std::string> routes;
  for (const auto& r : profile_.routes)
    if (r.via) routes.push_back(to_string(r.dest) + " via " + to_string(*r.via));
  auto port = create_tap(name(), t.name, engine_->ports()[size_t(tap_bound_port_)].mac, engine_->pool(), addrs, routes,
                         uint16_t(engine_->workers() + 1));
  if (!port) return port.error();
  tap_port_ = *port;
  tap_ = true;
  engine_->attach_local(tap_port_, size_t(tap_bound_port_));
  sync_tap_addresses();
  return ok_status();
}

// The TAP carries every DVIPA this node owns or serves, so the kernel accepts their connections.
void Node::sync_tap_addresses() {
  if (!tap_) return;
  std::set<std::string> want;
  for (const auto& a : dist_->activations())
    if (a.owned || a.target) want.insert(to_string(a.dvipa.addr) + (a.dvipa.addr.v6 ? "/128" : "/32"));
  for (const auto& a : tap_addrs_)
    if (!want.count(a)) (void)tap_address(profile_.tap->name, a, false);
  for (const auto& a : want)
    if (!tap_addrs_.count(a)) (void)tap_address(profile_.tap->name, a, true);
  tap_addrs_ = std::move(want);
}

void Node::set_activations(std::vector<distributor::DvipaActivation> a) {
  std::lock_guard<std::mutex> lock(display_mu_);
  apply_activations(std::move(a));
}

// A DVIPA that became this node's is announced and, if distributed, rebuilt from the targets'
// reports; the snapshot goes first so the new DVIPA:port rows (and their ids) exist.
void Node::apply_activations(std::vector<distributor::DvipaActivation> a) {
  std::vector<distributor::DvipaActivation> before = dist_->activations();
  dist_->set_activations(std::move(a));
  sync_tap_addresses();
  rebuild_snapshot();
  if (!group_) activations_changed(before);  // with a group its actions say when to announce
}

bool Node::is_ours(const IpAddr& a) const {
  if (std::find(locals_.begin(), locals_.end(), a) != locals_.end()) return true;
  for (const auto& act : dist_->activations())
    if (act.owned && act.dvipa.addr == a) return true;
  return false;
}

int Node::port_for(const IpAddr& a) const {
  for (const auto& [net, port] : connected_)
    if (net.contains(a)) return port;
  return -1;
}

std::optional<IpAddr> Node::port_source(int port, bool v6) const {
  for (const auto& pa : profile_.ports[size_t(port)].addrs)
    if (pa.prefix.addr.v6 == v6) return pa.prefix.addr;
  return std::nullopt;
}

void Node::learn(const IpAddr& a, const Mac& mac, int port) {
  if (port < 0 || port_for(a) != port) return;  // only neighbours on our own segments
  auto it = neighbors_.find(a);
  if (it != neighbors_.end() && it->second.is_static) return;
  if (it == neighbors_.end() || it->second.mac != mac || it->second.port != port) dirty_ = neighbors_learned_ = true;
  neighbors_[a] = Neighbor{mac, port, false, clock_()};
  last_resolution_ms_.erase(a);
  if (!pending_datagrams_.empty()) flush_pending_datagrams(&a);
}

void Node::scan_listeners() {
  std::vector<std::pair<IpAddr, uint16_t>> wanted;
  for (const auto& a : dist_->activations()) {
    if (!a.owned && !a.target) continue;
    for (const auto& d : dist_->definitions())
      if (d.dvipa == a.dvipa.addr)
        for (const auto& r : d.ports)
          for (uint32_t p = r.first; p <= r.last; ++p) wanted.emplace_back(a.dvipa.addr, uint16_t(p));
  }
  if (wanted.empty()) {  // serves nothing now (left, gave up): report nothing rather than the past
    last_listeners_.clear();
    return;
  }
  auto ready = listener_scan_(wanted);
  ++cc_.listener_scans;
  if (!ready) {
    ++cc_.listener_scan_errors;
    return;
  }
  last_listeners_ = *ready;
  for (const auto& a : profile_.node_addrs)
    if (dist_->names_target(a)) dist_->set_listeners(a, name(), *ready);
}

void Node::on_listener_report(const IpAddr& xcf, const std::string& node, std::vector<distributor::ListenerReport> r) {
  std::lock_guard<std::mutex> lock(display_mu_);
  dist_->set_listeners(xcf, node, std::move(r));
}

void Node::on_connections_ended(const std::vector<conn::ConnKey>& ended) {
  for (const auto& k : ended) {
    dp::ConnCommand c;
    c.op = dp::ConnCommand::Op::kErase;
    c.key = k;
    if (!engine_->broadcast(c)) break;  // rings full: the idle timers will age the rest
  }
}

void Node::poll() {
  rte_mbuf* pkts[dp::kBurst];
  std::lock_guard<std::mutex> lock(display_mu_);
  if (crashed_) return;
  if (uint64_t t = clock_(); last_poll_ms_ && t > last_poll_ms_) {  // a stalled loop delays heartbeats
    cc_.max_poll_gap_ms = std::max(cc_.max_poll_gap_ms, t - last_poll_ms_);
    if (t - last_poll_ms_ > kStallMs) {
      ++cc_.poll_stalls;
      stalled_ms_ += t - last_poll_ms_;
    }
    last_poll_ms_ = t;
  } else {
    last_poll_ms_ = t;
  }
  while (unsigned n = engine_->take_punted(pkts, dp::kBurst))
    for (unsigned i = 0; i < n; ++i) handle_punted(pkts[i]);
  if (tap_) poll_tap();
  handle_exceptions();
  uint64_t now = clock_();
  if (now >= next_resolve_ms_) {
    resolve_next_hops();
    next_resolve_ms_ = now + kResolveEveryMs;
  }
  if (now >= next_scan_ms_) {
    scan_listeners();
    next_scan_ms_ = now + kScanEveryMs;
  }
  run_operator_commands();
  group_tick();
  poll_group();
  poll_routes();
  run_monitor();
  poll_sa_events();
  poll_capture();
  poll_rebuilds();
  if (!pending_datagrams_.empty()) flush_pending_datagrams(nullptr);
  if (now >= next_refresh_ms_) {
    dist_->update_responsiveness(*engine_);
    dirty_ = true;  // report ages and target paths are re-evaluated on this beat
    next_refresh_ms_ = now + kRefreshEveryMs;
  }
  if (dirty_ || dist_->dirty() || sas_->dirty()) rebuild_snapshot();
}

// Until the group thread decides membership (the store), a node is in its group from its start:
// it owns what it defines, its target cache starts its fast schedule, its monitor runs.
void Node::join_locally() {
  in_group_ = true;
  start_target_cache();
  monitor_ = std::make_unique<monitor::Monitor>(name(), profile_.global.monitor, int64_t(clock_()));
  apply_activations(static_activations());
}

// Leaving deletes this node's DVIPAs (backups take them over) and keeps its VIPADYNAMIC
// definitions, which a rejoin reprocesses; the monitor keeps watching so AUTOREJOIN can act.
void Node::leave_locally(const std::string& why) {
  in_group_ = false;
  cache_->stop();
  std::vector<distributor::DvipaActivation> none;
  for (auto a : dist_->activations()) {
    a.owned = false;
    a.target = false;
    none.push_back(a);
  }
  apply_activations(std::move(none));
  note("left the group (" + why + "); VIPADYNAMIC definitions kept");
}

void Node::request_group(GroupRequest r, const std::string& why) {
  if (group_) {  // the group thread carries it out; its actions follow
    (void)group_->request(r == GroupRequest::kLeave ? ownership::Request::leave(ownership::LeaveCause::kAutonomics)
                                                    : ownership::Request::join());
    note(std::string(r == GroupRequest::kLeave ? "leave" : "join") + " requested: " + why);
    return;
  }
  if (r == GroupRequest::kLeave && in_group_) leave_locally(why);
  if (r == GroupRequest::kJoin && !in_group_) {
    auto keep = std::move(monitor_);  // the monitor's memory of why it left survives the rejoin
    join_locally();
    monitor_ = std::move(keep);
    note("joined the group (" + why + ")");
  }
}

// What the workers reported about SAs: lifetimes reached, sequence blocks running low or out.
void Node::poll_sa_events() {
  uint64_t now = clock_();
  if (now < next_sa_events_ms_) return;
  next_sa_events_ms_ = now + 100;
  for (const auto& e : sas_->take_events(engine_->now_ns())) {
    std::string what;
    if (e.events & dp::esp::kEventSoftAny) what += " soft lifetime reached (renegotiate);";
    if (e.events & dp::esp::kEventHardAny) what += " hard lifetime reached, no longer used;";
    if (e.events & dp::esp::kEventSeqLowWater) what += " sequence block at its low-water mark;";
    if (e.events & dp::esp::kEventSeqExhausted) what += " sequence block used up, sending stopped;";
    if (e.events & (dp::esp::kEventSeqLowWater | dp::esp::kEventSeqExhausted)) swsa_lease_more(e.name);
    char spi[16];
    std::snprintf(spi, sizeof spi, "%08x", e.spi);
    note("SA " + e.name + " (SPI " + spi + "):" + what);
  }
}

std::optional<ownership::GroupState> Node::group_state() const {
  if (!group_) return std::nullopt;
  return group_->state();
}

ControlCounters Node::control_counters() const {
  std::lock_guard<std::mutex> lock(display_mu_);
  return cc_;
}

}  // namespace sysplex::node
