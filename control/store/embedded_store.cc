// One mutex over the whole state: store calls are rare and short next to the network round trip
// they stand in for, and one lock makes every call atomic the way etcd's single raft log does.
#include "control/store/embedded_store.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "control/store/validate.h"

namespace sysplex::store {
namespace {

uint64_t steady_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::string lease_name(LeaseId id) {
  char text[32];
  std::snprintf(text, sizeof(text), "%llx", static_cast<unsigned long long>(id));
  return text;
}

Error embedded_error(Errc code, const std::string& message) {
  return make_error(code, "embedded store: " + message);
}

bool starts_with(const std::string& key, const std::string& prefix) { return key.starts_with(prefix); }

}  // namespace

struct EmbeddedStore::State {
  struct Lease {
    int64_t ttl_ms = 0;
    uint64_t expiry_ms = 0;
    std::set<std::string> keys;
  };
  struct Watch {
    std::string prefix;
    Revision next = 0;             // the first revision not yet delivered
    std::optional<Error> failure;  // set once the watch fell out of the history
  };

  explicit State(EmbeddedOptions o)
      : clock(o.clock ? std::move(o.clock) : ClockMs(steady_ms)),
        history_limit(std::max<size_t>(1, o.history_events)) {}

  std::mutex mu;
  std::condition_variable changed;  // signalled on new events, cancels and outage changes
  ClockMs clock;
  size_t history_limit;
  bool store_down = false;
  Revision revision = 1;
  Revision history_floor = 1;  // every event at or after this revision is in `history`
  std::map<std::string, KeyValue> kv;
  std::map<LeaseId, Lease> leases;
  LeaseId next_lease = 1;
  std::deque<WatchEvent> history;  // in revision order; kv.mod_revision is the event's revision
  std::map<WatchId, Watch> watches;
  WatchId next_watch = 1;
};

namespace {

using State = EmbeddedStore::State;

// The writes of one transaction: all at revision + 1, committed (revision bumped, events
// published) only if something changed.
class Batch {
 public:
  explicit Batch(State& s) : s_(s), rev_(s.revision + 1) {}

  void put(const std::string& key, const std::string& value, LeaseId lease) {
    auto [it, fresh] = s_.kv.try_emplace(key);
    KeyValue& kv = it->second;
    if (fresh) {
      kv.key = key;
      kv.create_revision = rev_;
    } else if (kv.lease != 0 && kv.lease != lease) {
      detach(kv);
    }
    kv.value = value;
    kv.mod_revision = rev_;
    ++kv.version;
    kv.lease = lease;
    if (lease != 0) s_.leases.at(lease).keys.insert(key);
    events_.push_back(WatchEvent{WatchEvent::Type::kPut, kv});
  }

  int64_t del(const std::string& key, bool prefix) {
    std::vector<std::string> gone;
    for_range(key, prefix, [&](const KeyValue& kv) { gone.push_back(kv.key); });
    for (const std::string& k : gone) {
      auto it = s_.kv.find(k);
      detach(it->second);
      s_.kv.erase(it);
      WatchEvent ev{WatchEvent::Type::kDelete, {}};
      ev.kv.key = k;
      ev.kv.mod_revision = rev_;
      events_.push_back(std::move(ev));
    }
    return static_cast<int64_t>(gone.size());
  }

  std::vector<KeyValue> get(const std::string& key, bool prefix) const {
    std::vector<KeyValue> out;
    for_range(key, prefix, [&](const KeyValue& kv) { out.push_back(kv); });
    return out;
  }

  Revision commit() {
    if (events_.empty()) return s_.revision;
    s_.revision = rev_;
    for (WatchEvent& ev : events_) s_.history.push_back(std::move(ev));
    trim_history();
    s_.changed.notify_all();
    return s_.revision;
  }

 private:
  template <typename F>
  void for_range(const std::string& key, bool prefix, F&& f) const {
    if (!prefix) {
      if (auto it = s_.kv.find(key); it != s_.kv.end()) f(it->second);
      return;
    }
    for (auto it = s_.kv.lower_bound(key); it != s_.kv.end() && starts_with(it->first, key); ++it) f(it->second);
  }

  void detach(const KeyValue& kv) {
    if (auto l = s_.leases.find(kv.lease); l != s_.leases.end()) l->second.keys.erase(kv.key);
  }

  // Drops whole revisions from the front, so the history never holds half a revision.
  void trim_history() {
    while (s_.history.size() > s_.history_limit) {
      Revision oldest = s_.history.front().kv.mod_revision;
      while (!s_.history.empty() && s_.history.front().kv.mod_revision == oldest) s_.history.pop_front();
      s_.history_floor = oldest + 1;
    }
  }

  State& s_;
  Revision rev_;
  std::vector<WatchEvent> events_;
};

// Deletes the lease and, in one revision, its keys.
void revoke_locked(State& s, LeaseId id) {
  auto it = s.leases.find(id);
  std::set<std::string> keys = std::move(it->second.keys);
  s.leases.erase(it);
  Batch batch(s);
  for (const std::string& key : keys) batch.del(key, false);
  batch.commit();
}

// etcd revokes expired leases one at a time, each in its own revision; earliest expiry first.
void expire_due(State& s) {
  const uint64_t now = s.clock();
  std::vector<std::pair<uint64_t, LeaseId>> due;
  for (const auto& [id, lease] : s.leases) {
    if (lease.expiry_ms <= now) due.emplace_back(lease.expiry_ms, id);
  }
  std::sort(due.begin(), due.end());
  for (const auto& [expiry, id] : due) revoke_locked(s, id);
}

bool compare_holds(const State& s, const Compare& c) {
  auto it = s.kv.find(c.key);
  // etcd: a value comparison on a missing key always fails; the others compare against zeros.
  if (it == s.kv.end() && c.target == Compare::Target::kValue) return false;
  static const KeyValue kMissing;
  const KeyValue& kv = it == s.kv.end() ? kMissing : it->second;
  int order = 0;
  auto three_way = [](int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); };
  switch (c.target) {
    case Compare::Target::kVersion: order = three_way(kv.version, c.number); break;
    case Compare::Target::kCreateRevision: order = three_way(kv.create_revision, c.number); break;
    case Compare::Target::kModRevision: order = three_way(kv.mod_revision, c.number); break;
    case Compare::Target::kLease: order = three_way(kv.lease, c.number); break;
    case Compare::Target::kValue: order = kv.value.compare(c.value); break;
  }
  switch (c.result) {
    case Compare::Result::kEqual: return order == 0;
    case Compare::Result::kNotEqual: return order != 0;
    case Compare::Result::kGreater: return order > 0;
    case Compare::Result::kLess: return order < 0;
  }
  return false;
}

Status check_leases(const State& s, const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    if (op.kind == Op::Kind::kPut && op.lease != 0 && !s.leases.contains(op.lease))
      return embedded_error(Errc::kNotFound, "txn put " + key_text(op.key) + ": lease " + lease_name(op.lease) +
                                                 " not found (expired or revoked)");
  }
  return ok_status();
}

// Moves the events of `w` that are in the history onto `out`; false if the watch has fallen out.
bool collect(State& s, State::Watch& w, std::vector<WatchEvent>& out) {
  if (w.failure) return false;
  if (w.next < s.history_floor) {
    w.failure = embedded_error(Errc::kFailedPrecondition,
                               "watch " + key_text(w.prefix) + " needs revision " + std::to_string(w.next) +
                                   ", but the history now starts at revision " + std::to_string(s.history_floor) +
                                   " (compacted); re-read and watch from the read revision + 1");
    return false;
  }
  auto first = std::lower_bound(s.history.begin(), s.history.end(), w.next,
                                [](const WatchEvent& ev, Revision r) { return ev.kv.mod_revision < r; });
  for (auto it = first; it != s.history.end(); ++it) {
    if (starts_with(it->kv.key, w.prefix)) out.push_back(*it);
  }
  w.next = std::max(w.next, s.revision + 1);
  return true;
}

}  // namespace

EmbeddedStore::EmbeddedStore(EmbeddedOptions options)
    : EmbeddedStore(std::make_shared<State>(std::move(options))) {}

EmbeddedStore::EmbeddedStore(std::shared_ptr<State> state) : state_(std::move(state)) {
  health_.endpoint = "embedded";
}

EmbeddedStore::~EmbeddedStore() {
  std::lock_guard lock(state_->mu);
  for (WatchId id : my_watches_) state_->watches.erase(id);
  state_->changed.notify_all();
}

std::unique_ptr<EmbeddedStore> EmbeddedStore::connect() const {
  return std::unique_ptr<EmbeddedStore>(new EmbeddedStore(state_));
}

void EmbeddedStore::set_client_down(bool down) {
  std::lock_guard lock(state_->mu);
  client_down_ = down;
  state_->changed.notify_all();
}

void EmbeddedStore::set_store_down(bool down) {
  std::lock_guard lock(state_->mu);
  if (state_->store_down && !down) {
    const uint64_t now = state_->clock();
    for (auto& [id, lease] : state_->leases) lease.expiry_ms = now + static_cast<uint64_t>(lease.ttl_ms);
  }
  state_->store_down = down;
  state_->changed.notify_all();
}

void EmbeddedStore::expire_leases() {
  std::lock_guard lock(state_->mu);
  if (!state_->store_down) expire_due(*state_);
}

Status EmbeddedStore::compact(Revision revision) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("compact"); !s) return s;
  State& s = *state_;
  if (revision > s.revision)
    return embedded_error(Errc::kInvalidArgument, "compact to revision " + std::to_string(revision) +
                                                      ": beyond the current revision " + std::to_string(s.revision));
  while (!s.history.empty() && s.history.front().kv.mod_revision < revision) s.history.pop_front();
  s.history_floor = std::max(s.history_floor, revision);
  s.changed.notify_all();
  return ok_status();
}

Status EmbeddedStore::enter(const char* what) {
  if (client_down_ || state_->store_down) {
    return record(Status(embedded_error(Errc::kUnavailable, std::string(what) + ": " +
                                                                (state_->store_down ? "the store is down"
                                                                                    : "this client is cut off") +
                                                                " (simulated outage)")));
  }
  expire_due(*state_);
  return ok_status();
}

template <typename T>
T EmbeddedStore::record(T result) {
  std::lock_guard lock(health_mu_);
  if (result.ok()) {
    health_.reachable = true;
    health_.last_error.clear();
  } else if (result.error().code == Errc::kUnavailable) {
    health_.reachable = false;
    ++health_.failed_calls;
    health_.last_error = result.error().message;
  }
  return result;
}

Result<std::vector<KeyValue>> EmbeddedStore::get(const std::string& key, bool prefix, Revision* revision) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("get"); !s) return s.error();
  if (auto s = check_range("get", key, prefix); !s) return embedded_error(s.error().code, s.error().message);
  if (revision) *revision = state_->revision;
  return record(Result<std::vector<KeyValue>>(Batch(*state_).get(key, prefix)));
}

Result<Revision> EmbeddedStore::put(const std::string& key, const std::string& value, LeaseId lease) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("put"); !s) return s.error();
  if (auto s = check_key("put", key); !s) return embedded_error(s.error().code, s.error().message);
  if (lease != 0 && !state_->leases.contains(lease))
    return embedded_error(Errc::kNotFound,
                          "put " + key_text(key) + ": lease " + lease_name(lease) + " not found (expired or revoked)");
  Batch batch(*state_);
  batch.put(key, value, lease);
  return record(Result<Revision>(batch.commit()));
}

Result<int64_t> EmbeddedStore::del(const std::string& key, bool prefix) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("delete"); !s) return s.error();
  if (auto s = check_range("delete", key, prefix); !s) return embedded_error(s.error().code, s.error().message);
  Batch batch(*state_);
  int64_t deleted = batch.del(key, prefix);
  batch.commit();
  return record(Result<int64_t>(deleted));
}

Result<TxnResult> EmbeddedStore::txn(const Txn& txn) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("txn"); !s) return s.error();
  if (auto s = check_txn(txn); !s) return embedded_error(s.error().code, s.error().message);
  State& s = *state_;
  TxnResult result;
  result.succeeded = std::all_of(txn.compare.begin(), txn.compare.end(),
                                 [&](const Compare& c) { return compare_holds(s, c); });
  const std::vector<Op>& ops = result.succeeded ? txn.success : txn.failure;
  if (auto st = check_leases(s, ops); !st) return st.error();
  Batch batch(s);
  for (const Op& op : ops) {
    result.responses.emplace_back();
    switch (op.kind) {
      case Op::Kind::kPut: batch.put(op.key, op.value, op.lease); break;
      case Op::Kind::kDelete: batch.del(op.key, op.prefix); break;
      case Op::Kind::kGet: result.responses.back() = batch.get(op.key, op.prefix); break;
    }
  }
  result.revision = batch.commit();
  return record(Result<TxnResult>(std::move(result)));
}

Result<LeaseId> EmbeddedStore::grant_lease(std::chrono::milliseconds ttl) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("lease grant"); !s) return s.error();
  if (ttl.count() <= 0)
    return embedded_error(Errc::kInvalidArgument,
                          "lease grant: the TTL must be positive, not " + std::to_string(ttl.count()) + " ms");
  LeaseId id = state_->next_lease++;
  State::Lease& lease = state_->leases[id];
  lease.ttl_ms = ttl.count();
  lease.expiry_ms = state_->clock() + static_cast<uint64_t>(ttl.count());
  return record(Result<LeaseId>(id));
}

Status EmbeddedStore::keep_alive(LeaseId lease) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("lease keep-alive"); !s) return s;
  auto it = state_->leases.find(lease);
  if (it == state_->leases.end())
    return embedded_error(Errc::kNotFound, "lease keep-alive: lease " + lease_name(lease) +
                                               " has expired or was revoked");
  it->second.expiry_ms = state_->clock() + static_cast<uint64_t>(it->second.ttl_ms);
  return record(ok_status());
}

Status EmbeddedStore::revoke_lease(LeaseId lease) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("lease revoke"); !s) return s;
  if (!state_->leases.contains(lease))
    return embedded_error(Errc::kNotFound, "lease revoke: lease " + lease_name(lease) +
                                               " has expired or was revoked");
  revoke_locked(*state_, lease);
  return record(ok_status());
}

Result<WatchId> EmbeddedStore::watch(const std::string& prefix, Revision start_revision) {
  std::unique_lock lock(state_->mu);
  if (auto s = enter("watch"); !s) return s.error();
  if (start_revision < 0)
    return embedded_error(Errc::kInvalidArgument,
                          "watch " + key_text(prefix) + ": negative start revision " + std::to_string(start_revision));
  WatchId id = state_->next_watch++;
  State::Watch& w = state_->watches[id];
  w.prefix = prefix;
  w.next = start_revision == 0 ? state_->revision + 1 : start_revision;
  my_watches_.push_back(id);
  return record(Result<WatchId>(id));
}

Result<std::vector<WatchEvent>> EmbeddedStore::poll_watch(WatchId id, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(state_->mu);
  std::vector<WatchEvent> events;
  for (;;) {
    auto it = state_->watches.find(id);
    if (it == state_->watches.end() || std::find(my_watches_.begin(), my_watches_.end(), id) == my_watches_.end())
      return embedded_error(Errc::kNotFound, "poll watch: no watch " + std::to_string(id) + " on this client");
    // While down, nothing is delivered; the cursor stays put, so nothing is lost either.
    if (!client_down_ && !state_->store_down) {
      expire_due(*state_);
      if (!collect(*state_, it->second, events)) return *it->second.failure;
    }
    if (!events.empty() || std::chrono::steady_clock::now() >= deadline) return events;
    state_->changed.wait_until(lock, deadline);
  }
}

void EmbeddedStore::cancel_watch(WatchId id) {
  std::lock_guard lock(state_->mu);
  auto mine = std::find(my_watches_.begin(), my_watches_.end(), id);
  if (mine == my_watches_.end()) return;
  my_watches_.erase(mine);
  state_->watches.erase(id);
  state_->changed.notify_all();
}

StoreHealth EmbeddedStore::health() const {
  std::lock_guard lock(health_mu_);
  return health_;
}

}  // namespace sysplex::store
