// Test support: several GroupMembers on one EmbeddedStore with a manual clock, a simulated group
// channel (who hears whom), process deaths and restarts, and the safety checks every test shares.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "control/ownership/member.h"
#include "control/store/embedded_store.h"

namespace sysplex::ownership::testing {

inline IpAddr ip(const char* text) { return *parse_ip(text); }

// Profiles: the DVIPAs a node defines and backs up, on 198.18.0.0/15 only.
struct Def {
  const char* dvipa;
  config::Moveable moveable = config::Moveable::kImmediate;
  bool distribute = false;
};
struct Backup {
  const char* dvipa;
  uint8_t rank;
};

inline config::Profile profile(const std::string& name, int index, std::vector<Def> defs, std::vector<Backup> backups,
                               config::JoinMode join = config::JoinMode::kNoDelayJoin) {
  config::Profile p;
  p.node_name = name;
  p.node_addrs = {IpAddr::v4_from_host(0xC6120000u + uint32_t(index))};  // 198.18.0.index
  p.store.lease_ms = 3000;
  p.group.heartbeat_ms = 100;
  p.group.miss_count = 3;
  p.global.monitor.join = join;
  for (const auto& d : defs) {
    p.vipadynamic.defines.push_back(config::VipaDefine{Prefix{ip(d.dvipa), 32}, d.moveable, {}});
    if (d.distribute) {
      config::VipaDistribute vd;
      vd.dvipa = ip(d.dvipa);
      vd.ports = {{80, 80}};
      vd.dest_all = true;
      p.vipadynamic.distributes.push_back(vd);
    }
  }
  for (const auto& b : backups) p.vipadynamic.backups.push_back(config::VipaBackup{ip(b.dvipa), b.rank, {}, {}});
  return p;
}

// A client in front of the node's embedded client: transparent unless a test freezes its watch (a
// stale view) or makes its next transaction end the way an ambiguous etcd failure does.
class FlakyStore final : public store::Store {
 public:
  enum class TxnFault : uint8_t { kNone, kUnknownApplied, kUnknownNotApplied };
  explicit FlakyStore(store::Store& inner) : inner_(inner) {}
  bool freeze_watch = false;
  TxnFault next_txn = TxnFault::kNone;

  Result<std::vector<store::KeyValue>> get(const std::string& k, bool prefix, store::Revision* rev) override {
    return inner_.get(k, prefix, rev);
  }
  Result<store::Revision> put(const std::string& k, const std::string& v, store::LeaseId l) override {
    return inner_.put(k, v, l);
  }
  Result<int64_t> del(const std::string& k, bool prefix) override { return inner_.del(k, prefix); }
  Result<store::TxnResult> txn(const store::Txn& t) override {
    TxnFault fault = std::exchange(next_txn, TxnFault::kNone);
    if (fault == TxnFault::kNone) return inner_.txn(t);
    if (fault == TxnFault::kUnknownApplied) (void)inner_.txn(t);
    return make_error(Errc::kUnavailable, "txn: timed out after the request was sent; the outcome is unknown "
                                          "(re-read before retrying)");
  }
  Result<store::LeaseId> grant_lease(std::chrono::milliseconds ttl) override { return inner_.grant_lease(ttl); }
  Status keep_alive(store::LeaseId l) override { return inner_.keep_alive(l); }
  Status revoke_lease(store::LeaseId l) override { return inner_.revoke_lease(l); }
  Result<store::WatchId> watch(const std::string& p, store::Revision r) override { return inner_.watch(p, r); }
  Result<std::vector<store::WatchEvent>> poll_watch(store::WatchId id, std::chrono::milliseconds wait) override {
    if (freeze_watch) return std::vector<store::WatchEvent>{};
    return inner_.poll_watch(id, wait);
  }
  void cancel_watch(store::WatchId id) override { inner_.cancel_watch(id); }
  store::StoreHealth health() const override { return inner_.health(); }

 private:
  store::Store& inner_;
};

struct SimNode {
  std::string name;
  config::Profile profile;
  std::unique_ptr<store::EmbeddedStore> client;
  std::unique_ptr<FlakyStore> front;  // what the machine calls
  std::unique_ptr<GroupMember> m;   // null while the process is dead
  bool join_ready = true;
  bool store_cut = false;           // this node's client is down (a partition from the store)
  std::set<IpAddr> local_idle, owner_idle;
  std::vector<Request> pending;
  std::map<std::string, PeerHeard> heard;
  std::vector<Action> last;         // the last step's actions
  std::vector<Action> all;          // every action since the process started
  std::vector<Status> replies;
  bool alive() const { return m != nullptr; }
};

// Counts of one action type in a list.
template <typename T>
size_t count(const std::vector<Action>& v) {
  return size_t(std::count_if(v.begin(), v.end(), [](const Action& a) { return std::holds_alternative<T>(a); }));
}

template <typename T>
std::vector<T> of(const std::vector<Action>& v) {
  std::vector<T> out;
  for (const auto& a : v)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}

class Sim {
 public:
  explicit Sim(Options options = {}) : root_(store::EmbeddedOptions{clock.clock(), 100000}), options_(options) {}

  store::ManualClock clock{1'000'000};

  SimNode& add(config::Profile p) {
    SimNode& n = nodes_[p.node_name];
    n.name = p.node_name;
    n.profile = std::move(p);
    start(n);
    return n;
  }
  SimNode& node(const std::string& name) { return nodes_.at(name); }
  std::map<std::string, SimNode>& nodes() { return nodes_; }
  uint64_t now() const { return clock.now(); }
  store::EmbeddedStore& store() { return root_; }

  // One step of `name`'s machine with what its channel heard, then its heartbeat to those that
  // hear it; the shared safety checks after it.
  const std::vector<Action>& step(const std::string& name) {
    SimNode& n = nodes_.at(name);
    if (!n.alive()) ADD_FAILURE() << "stepping dead node " << name;
    Inputs in;
    in.join_ready = n.join_ready;
    in.requests = std::move(n.pending);
    n.pending.clear();
    in.owner_idle = n.owner_idle;
    in.local_idle = n.local_idle;
    uint64_t window = n.profile.group.heartbeat_ms * n.profile.group.miss_count;
    for (auto [peer, h] : n.heard) {
      h.alive = now() - h.last_heard_ms < window;
      in.peers[peer] = h;
    }
    StepResult r = n.m->step(now(), in);
    for (const auto& a : r.actions) note(name + " " + to_string(a));
    n.last = std::move(r.actions);
    n.all.insert(n.all.end(), n.last.begin(), n.last.end());
    n.replies = std::move(r.replies);
    beat(n);
    check(name);
    return n.last;
  }
  void step_all() {
    for (auto& [name, n] : nodes_)
      if (n.alive()) step(name);
  }
  // Advances the clock in `tick` steps for `ms`, stepping every live node at each.
  void run(uint64_t ms, uint64_t tick = 50) {
    for (uint64_t t = 0; t < ms; t += tick) {
      clock.advance(std::chrono::milliseconds(tick));
      step_all();
    }
  }

  // What happened, newest last (the last kTraceLines lines), for failure messages.
  void note(const std::string& line) {
    trace_.push_back(std::to_string(now()) + " " + line);
    if (trace_.size() > kTraceLines) trace_.erase(trace_.begin());
  }
  std::string trace() const {
    std::string out;
    for (const auto& l : trace_) out += l + "\n";
    return out;
  }

  void kill(const std::string& name) { nodes_.at(name).m.reset(); }
  void restart(const std::string& name) {
    SimNode& n = nodes_.at(name);
    n.m.reset();
    start(n);
  }
  // The group channel between a and b, both ways.
  void cut(const std::string& a, const std::string& b) {
    cuts_.insert({a, b});
    cuts_.insert({b, a});
  }
  void heal(const std::string& a, const std::string& b) {
    cuts_.erase({a, b});
    cuts_.erase({b, a});
  }
  void isolate_from_peers(const std::string& a) {
    for (auto& [b, n] : nodes_)
      if (b != a) cut(a, b);
  }
  void heal_peers() { cuts_.clear(); }
  void cut_store(const std::string& name, bool down) {
    SimNode& n = nodes_.at(name);
    n.store_cut = down;
    n.client->set_client_down(down);
  }
  void store_down(bool down) {
    store_down_ = down;
    root_.set_store_down(down);
  }
  bool reaches_store(const SimNode& n) const { return !n.store_cut && !store_down_; }

  // The node's display row for the DVIPA (null before its first step or if it does not know it).
  const DvipaRow* find_row(const std::string& name, const IpAddr& dvipa) {
    for (const auto& r : nodes_.at(name).m->state().dvipas)
      if (r.dvipa.addr == dvipa) return &r;
    return nullptr;
  }
  const DvipaRow& row(const std::string& name, const IpAddr& dvipa) {
    if (const DvipaRow* r = find_row(name, dvipa)) return *r;
    static DvipaRow none;
    ADD_FAILURE() << name << " has no row for " << to_string(dvipa);
    return none;
  }
  DvipaStatus status(const std::string& name, const char* dvipa) { return row(name, ip(dvipa)).status; }
  // The live nodes acting as owner of the DVIPA.
  std::vector<std::string> believers(const IpAddr& dvipa) {
    std::vector<std::string> out;
    for (auto& [name, n] : nodes_) {
      const DvipaRow* r = n.alive() ? find_row(name, dvipa) : nullptr;
      if (r && r->acting) out.push_back(name);
    }
    return out;
  }
  std::vector<std::string> believers(const char* dvipa) { return believers(ip(dvipa)); }
  // The ownership record as the store holds it now (read through the root client).
  std::optional<store::KeyValue> owner_kv(const IpAddr& dvipa) {
    Keys keys(options_.key_prefix, "EZBTCPCS");
    auto kvs = root_.get(keys.owner(dvipa));
    if (!kvs.ok() || kvs->empty()) return std::nullopt;
    return kvs->front();
  }
  std::string store_owner(const char* dvipa) {
    auto kv = owner_kv(ip(dvipa));
    if (!kv) return "";
    auto rec = decode_owner(kv->value);
    return rec.ok() ? rec->node : "<malformed>";
  }
  std::set<IpAddr> all_dvipas() const {
    std::set<IpAddr> out;
    for (const auto& [name, n] : nodes_) {
      for (const auto& d : n.profile.vipadynamic.defines) out.insert(d.dvipa.addr);
      for (const auto& b : n.profile.vipadynamic.backups) out.insert(b.dvipa);
    }
    return out;
  }
  // Safety: every DVIPA has believers with distinct epochs and claim revisions; an epoch is only
  // ever held by one node; nobody acts above the store's epoch; the node that just stepped acts
  // only before its fence and, with the store in reach, exactly on what the store says it owns.
  void check(const std::string& stepped) {
    if (store_down_) return;  // the root client cannot read either
    for (const IpAddr& d : all_dvipas()) check_dvipa(d, stepped);
  }

 private:
  void start(SimNode& n) {
    n.m.reset();
    n.client = root_.connect();
    n.client->set_client_down(n.store_cut);
    n.front = std::make_unique<FlakyStore>(*n.client);
    auto m = GroupMember::create(n.profile, *n.front, options_);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    n.m = std::move(m).value();
    n.all.clear();
    n.heard.clear();
  }
  void beat(const SimNode& from) {
    for (auto& [name, to] : nodes_) {
      if (name == from.name || cuts_.contains({name, from.name}) || !to.alive()) continue;
      to.heard[from.name] = PeerHeard{now(), from.m->incarnation(), true};
    }
  }
  void check_dvipa(const IpAddr& d, const std::string& stepped);
  void check_believers(const IpAddr& d, const std::optional<OwnerRecord>& rec, const std::string& stepped);
  void check_stepped(const IpAddr& d, const std::optional<store::KeyValue>& kv, const std::optional<OwnerRecord>& rec,
                     const std::string& stepped);

  store::EmbeddedStore root_;
  Options options_;
  std::map<std::string, SimNode> nodes_;
  std::set<std::pair<std::string, std::string>> cuts_;  // (receiver, sender): receiver does not hear sender
  bool store_down_ = false;
  std::map<std::pair<IpAddr, uint64_t>, std::string> epoch_holder_;
  static constexpr size_t kTraceLines = 60;
  std::vector<std::string> trace_;
};

inline void Sim::check_dvipa(const IpAddr& d, const std::string& stepped) {
  auto kv = owner_kv(d);
  std::optional<OwnerRecord> rec;
  if (kv) {
    auto r = decode_owner(kv->value);
    if (r.ok()) rec = *r;
  }
  check_believers(d, rec, stepped);
  if (!::testing::Test::HasFatalFailure()) check_stepped(d, kv, rec, stepped);
}

// Across every node acting on `d`: distinct epochs and claim revisions, an epoch never held by two
// nodes over the whole run, none above the store's epoch, and the stepped one before its fence.
inline void Sim::check_believers(const IpAddr& d, const std::optional<OwnerRecord>& rec, const std::string& stepped) {
  std::set<uint64_t> epochs;
  std::set<store::Revision> revisions;
  for (const auto& name : believers(d)) {
    const DvipaRow& r = row(name, d);
    ASSERT_TRUE(epochs.insert(r.acting_epoch).second) << to_string(d) << ": two owners at epoch " << r.acting_epoch;
    ASSERT_TRUE(revisions.insert(r.claim_revision).second)
        << to_string(d) << ": two owners at revision " << r.claim_revision;
    auto [it, fresh] = epoch_holder_.try_emplace({d, r.acting_epoch}, name);
    ASSERT_EQ(it->second, name) << to_string(d) << " epoch " << r.acting_epoch << " held by two nodes";
    if (name == stepped) {  // a node not stepped since a clock jump is like a paused process
      ASSERT_LT(now(), nodes_.at(name).m->state().fence_at_ms)
          << name << " acts on " << to_string(d) << " past its fence";
    }
    if (rec) {
      ASSERT_LE(r.acting_epoch, rec->epoch) << name << " acts above the store's epoch for " << to_string(d);
      if (r.acting_epoch == rec->epoch) {
        ASSERT_EQ(rec->node, name) << to_string(d);
      }
    }
  }
}

// The node that just stepped with the store in reach acts on `d` exactly when the store gives it
// `d` (a stalled watch may lag, but never past the periodic full read).
inline void Sim::check_stepped(const IpAddr& d, const std::optional<store::KeyValue>& kv,
                               const std::optional<OwnerRecord>& rec, const std::string& stepped) {
  if (!nodes_.count(stepped) || !nodes_.at(stepped).alive()) return;
  const SimNode& s = nodes_.at(stepped);
  const GroupState& st = s.m->state();
  const DvipaRow* r = find_row(stepped, d);
  if (!r || !reaches_store(s) || !st.store_reachable) return;
  if (s.front->freeze_watch) {
    if (st.join == JoinState::kMember) {
      ASSERT_LT(now(), st.last_read_ms + 1000) << stepped << " has not re-read the group for too long";
    }
    return;
  }
  bool owns = rec && rec->node == stepped && kv->lease == st.lease && st.join == JoinState::kMember;
  if (r->acting) {
    ASSERT_TRUE(owns) << stepped << " acts on " << to_string(d) << " the store does not give it\n" << trace();
    ASSERT_EQ(r->acting_epoch, rec->epoch);
  } else if (owns && !st.fenced && r->status != DvipaStatus::kQuiescing && r->status != DvipaStatus::kDeactivated) {
    ADD_FAILURE() << stepped << " owns " << to_string(d) << " in the store but does not act on it\n" << trace();
  }
}

}  // namespace sysplex::ownership::testing
