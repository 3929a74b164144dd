// The node under its group: the store backend, the group thread running the ownership machine,
// the inputs the node feeds it (peers heard, readiness, who is idle) and the actions it carries
// out (activate, deactivate, announce, ask targets for connections, tell the group).
#include <algorithm>
#include <cstring>
#include <thread>

#include <rte_ethdev.h>

#include "control/node/group_runner.h"
#include "control/node/node.h"
#include "control/store/embedded_store.h"
#include "control/store/etcd_store.h"

namespace sysplex::node {

namespace {

constexpr uint32_t kGroupStepMs = 10;
constexpr uint64_t kInputsEveryMs = 10;

IpAddr key_dst(const conn::ConnKey& k) {
  if (k.v6) return IpAddr::v6_from_bytes(k.dst);
  uint32_t be;
  std::memcpy(&be, k.dst, 4);
  return IpAddr::v4_from_be(be);
}

}  // namespace

// The store the group machine runs on: the one the process shares (several nodes in one process),
// else the profile's: an embedded one of this node's own, or an etcd cluster. etcd calls are kept
// well under the lease so a blocked call cannot delay self-fencing.
Status Node::init_store(store::Store* shared) {
  if (shared) {
    store_ = shared;
    return ok_status();
  }
  if (profile_.store.kind == config::StoreKind::kEtcd) {
    store::EtcdOptions o;
    o.endpoints = profile_.store.endpoints;
    auto lease = std::chrono::milliseconds(profile_.store.lease_ms);
    o.attempt_timeout = std::max(std::chrono::milliseconds(100), lease / 10);
    o.call_deadline = std::max(std::chrono::milliseconds(200), lease / 6);
    auto etcd = store::EtcdStore::connect(std::move(o));
    if (!etcd) return etcd.error();
    own_store_ = std::move(*etcd);
  } else {
    own_store_ = std::make_unique<store::EmbeddedStore>();
  }
  store_ = own_store_.get();
  return ok_status();
}

Status Node::start_group(store::Store* shared) {
  if (Status st = init_store(shared); !st) return st;
  auto g = GroupRunner::start(profile_, *store_, kGroupStepMs, [this] { return clock_(); });
  if (!g) return g.error();
  group_ = std::move(*g);
  // Until the group decides, nothing is owned; what this node serves as a target it serves.
  std::vector<distributor::DvipaActivation> acts = group_activations();
  apply_activations(std::move(acts));
  return ok_status();
}

void Node::shutdown(std::chrono::milliseconds timeout) {
  if (!group_ || crashed_) return;
  std::future<Status> left = group_->request(ownership::Request::leave(ownership::LeaveCause::kShutdown));
  if (left.wait_for(timeout) != std::future_status::ready) {
    note("shutdown: the group did not confirm the leave within " + std::to_string(timeout.count()) +
         " ms; backups take over when the lease expires");
    return;
  }
  // The leave is done once the machine is out; its actions need not be carried out any more.
  for (uint64_t until = clock_() + uint64_t(timeout.count()); clock_() < until;) {
    if (group_->state().join == ownership::JoinState::kOut) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Node::crash() {
  std::lock_guard<std::mutex> lock(display_mu_);
  crashed_ = true;
  group_.reset();  // no leave: the lease runs out, peers stop hearing heartbeats
  note("crashed (drill): no heartbeats, no lease renewals, no control work");
}

Status Node::restart() {
  std::lock_guard<std::mutex> lock(display_mu_);
  if (!crashed_) return make_error(Errc::kFailedPrecondition, "node " + name() + " is running");
  crashed_ = false;
  owned_.clear();
  keep_serving_.clear();
  heard_epoch_.clear();
  draining_.clear();
  reannounce_.clear();
  swsa_reset();
  if (in_group_) {
    in_group_ = false;
    cache_->stop();
  }
  if (!link_) {
    join_locally();
    return ok_status();
  }
  auto g = GroupRunner::start(profile_, *store_, kGroupStepMs, [this] { return clock_(); });
  if (!g) return g.error();
  group_ = std::move(*g);
  listen_until_ms_ = 0;
  apply_activations(group_activations());
  note("restarted (drill): joining again");
  return ok_status();
}

// Every DVIPA this node defines or backs up, owned as the group decided, served as a target when
// its VIPADISTRIBUTE names this node (or while it keeps connections after giving it up).
std::vector<distributor::DvipaActivation> Node::group_activations() const {
  std::vector<distributor::DvipaActivation> out;
  auto add = [&](const Prefix& p) {
    distributor::DvipaActivation a;
    a.dvipa = p;
    auto owned = owned_.find(p.addr);
    a.owned = owned != owned_.end();
    bool target = false;
    for (const auto& d : profile_.vipadynamic.distributes)
      if (d.dvipa == p.addr)
        for (const auto& x : profile_.node_addrs)
          target |= d.dest_all || std::any_of(d.dests.begin(), d.dests.end(), [&](const config::DestIp& t) { return t.addr == x; });
    a.target = in_group_ && (target || keep_serving_.count(p.addr) > 0);
    auto heard = heard_epoch_.find(p.addr);
    a.epoch = uint32_t(a.owned ? owned->second : heard != heard_epoch_.end() ? heard->second : 0);
    auto drain = draining_.find(p.addr);
    if (!a.owned && drain != draining_.end()) {  // forwards for the new owner, under its epoch
      a.draining = true;
      a.epoch = std::max(a.epoch, uint32_t(drain->second.epoch));
    }
    out.push_back(a);
  };
  for (const auto& d : profile_.vipadynamic.defines) add(d.dvipa);
  for (const auto& b : profile_.vipadynamic.backups) add(Prefix{b.dvipa, uint8_t(b.dvipa.family_bits())});
  return out;
}

// This node's connections for a DVIPA: its distributor entries and its kernel's sockets.
uint32_t Node::connections_for(const IpAddr& dvipa) const {
  uint64_t n = dist_->active_connections(dvipa);
  for (const auto& id : live_connections_) {
    conn::ConnKey k;
    std::memcpy(&k, id.data(), sizeof k);
    if (key_dst(k) == dvipa) ++n;
  }
  return uint32_t(std::min<uint64_t>(n, UINT32_MAX));
}

ownership::Inputs Node::group_inputs() const {
  ownership::Inputs in;
  if (link_)
    for (const auto& [peer, p] : link_->peers()) {
      // Silence counts only while this process ran: the time its own control loop stood still
      // since it last heard the peer (descheduled, the host paused) is credited to the peer.
      auto at = stalled_at_heard_.find(peer);
      uint64_t credit = at == stalled_at_heard_.end() ? 0 : stalled_ms_ - at->second;
      uint64_t heard = std::min(clock_(), p.last_heard_ms + credit);
      in.peers[peer] = ownership::PeerHeard{heard, p.incarnation, link_->alive(p)};
      for (const auto& d : p.dvipas)
        if (d.role == channel::DvipaRole::kOwner && d.connections == 0 && link_->alive(p)) in.owner_idle.insert(d.dvipa);
    }
  bool ifaces_up = !profile_.global.monitor.mon_interface;
  for (size_t p = 0; p < engine_->ports().size() && !ifaces_up; ++p) {
    struct rte_eth_link state {};
    rte_eth_link_get_nowait(engine_->ports()[p].port_id, &state);
    ifaces_up = state.link_status != 0;
  }
  in.join_ready = routes_->ready() && ifaces_up;
  for (const auto& a : dist_->activations())
    if (connections_for(a.dvipa.addr) == 0) in.local_idle.insert(a.dvipa.addr);
  return in;
}

void Node::poll_group() {
  if (!group_) return;
  uint64_t now = clock_();
  if (now >= next_group_inputs_ms_) {
    group_->set_inputs(group_inputs());
    next_group_inputs_ms_ = now + kInputsEveryMs;
  }
  if (!group_->armed()) {  // listen first: W after the control loop started hearing the channel
    if (!listen_until_ms_) listen_until_ms_ = now + uint64_t(profile_.group.heartbeat_ms) * profile_.group.miss_count;
    if (now < listen_until_ms_) return;
    group_->arm();
  }
  poll_moves(now);
  for (auto& done : group_->take_done()) done();  // store work the group thread finished
  swsa_tick();
  bool member = group_->state().join == ownership::JoinState::kMember;
  if (member != in_group_) membership_changed(member);
  std::vector<ownership::Action> actions = group_->take_actions();
  if (!actions.empty()) carry_out_actions(actions);
}

void Node::membership_changed(bool member) {
  in_group_ = member;
  if (member) {
    start_target_cache();
    if (!monitor_) monitor_ = std::make_unique<monitor::Monitor>(name(), profile_.global.monitor, int64_t(clock_()));
    note("joined group " + profile_.group.name + " (incarnation " + std::to_string(group_->incarnation()) + ")");
  } else {
    cache_->stop();
    keep_serving_.clear();
    note("out of group " + profile_.group.name + ": " + group_->state().detail);
  }
  apply_activations(group_activations());
}

// State changes first, then one snapshot, then what needs the new snapshot (the announcement,
// the connection requests of a new distributor, the notices).
void Node::carry_out_actions(const std::vector<ownership::Action>& actions) {
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<ownership::Activate>(&a)) {
      owned_[x->dvipa.addr] = x->epoch;
      draining_.erase(x->dvipa.addr);
      keep_serving_.erase(x->dvipa.addr);
      note("DVIPA " + to_string(x->dvipa.addr) + " ACTIVE here, epoch " + std::to_string(x->epoch) + " (" +
           std::string(ownership::to_string(x->reason)) + ")");
    } else if (const auto* x = std::get_if<ownership::Deactivate>(&a)) {
      if (auto was = owned_.find(x->dvipa); was != owned_.end() && distributes(x->dvipa))
        draining_[x->dvipa] = Draining{clock_() + kDrainMs, was->second};
      owned_.erase(x->dvipa);
      if (x->keep_connections) keep_serving_.insert(x->dvipa);
      note("DVIPA " + to_string(x->dvipa) + " given up (" + std::string(ownership::to_string(x->reason)) + ")" +
           (x->new_owner.empty() ? "" : ", now " + x->new_owner));
    } else if (const auto* x = std::get_if<ownership::StopServing>(&a)) {
      keep_serving_.erase(x->dvipa);
    } else if (const auto* x = std::get_if<ownership::RequestConnections>(&a)) {
      // In the very snapshot that makes the DVIPA ours: until the targets have answered, a packet
      // of a connection this node does not know yet must wait, not follow the hash to some target
      // (the announcement below brings the clients' packets here at once).
      if (distributes(x->dvipa) && link_) dist_->set_rebuilding(x->dvipa, true);
    }
  }
  apply_activations(group_activations());
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<ownership::Activate>(&a)) swsa_activate(x->dvipa.addr);
    if (const auto* x = std::get_if<ownership::Deactivate>(&a)) swsa_deactivate(x->dvipa);
  }
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<ownership::Announce>(&a)) {
      announce(x->dvipa);
      // Again after a Linux neighbour's locktime (1 s), which ignores a change too soon after one.
      for (uint64_t after : kReannounceMs) reannounce_.emplace_back(clock_() + after, x->dvipa);
    } else if (const auto* x = std::get_if<ownership::RequestConnections>(&a)) {
      start_rebuild(x->dvipa, uint32_t(x->epoch));
    } else if (const auto* x = std::get_if<ownership::SendTakeoverNotice>(&a)) {
      if (link_) link_->send_to_all(channel::TakeoverNotice{x->dvipa, name(), x->epoch, channel::TakeoverReason(x->reason)});
    } else if (const auto* x = std::get_if<ownership::BecomeBackup>(&a)) {
      note("DVIPA " + to_string(x->dvipa) + " BACKUP here" + (x->rank ? ", rank " + std::to_string(x->rank) : ""));
    }
  }
}

// Re-announcements falling due, and draining that has lasted long enough for the network to move.
void Node::poll_moves(uint64_t now) {
  for (auto it = reannounce_.begin(); it != reannounce_.end();) {
    if (now < it->first) {
      ++it;
      continue;
    }
    if (owned_.count(it->second)) announce(it->second);
    it = reannounce_.erase(it);
  }
  bool ended = false;
  for (auto it = draining_.begin(); it != draining_.end();) {
    if (now < it->second.until_ms) {
      ++it;
      continue;
    }
    note("DVIPA " + to_string(it->first) + ": stopped forwarding for the new owner");
    it = draining_.erase(it);
    ended = true;
  }
  if (ended) apply_activations(group_activations());
}

bool Node::distributes(const IpAddr& dvipa) const {
  return std::any_of(profile_.vipadynamic.distributes.begin(), profile_.vipadynamic.distributes.end(),
                     [&](const config::VipaDistribute& d) { return d.dvipa == dvipa; });
}

// What peers say about who owns what: the highest epoch heard is what a target fences with.
void Node::heard_owner(const IpAddr& dvipa, uint64_t epoch) {
  auto& e = heard_epoch_[dvipa];
  if (epoch <= e) return;
  e = epoch;
  if (!owned_.count(dvipa)) apply_activations(group_activations());
}

}  // namespace sysplex::node
