// The embedded group store: etcd v3 semantics (revisions, versions, leases, transactions, watches
// with a bounded history) kept in process, for one host, the tests and the demo.
#pragma once

#include "control/layer_guard.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/result.h"
#include "control/store/store.h"

namespace sysplex::store {

// Milliseconds on a monotonic clock. Injected so lease expiry is tested without sleeping.
using ClockMs = std::function<uint64_t()>;

// A clock the test moves by hand; thread-safe. clock() must not outlive the ManualClock.
class ManualClock {
 public:
  explicit ManualClock(uint64_t start_ms = 1'000'000) : now_ms_(start_ms) {}
  uint64_t now() const { return now_ms_.load(); }
  void advance(std::chrono::milliseconds by) { now_ms_ += static_cast<uint64_t>(by.count()); }
  ClockMs clock() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<uint64_t> now_ms_;
};

struct EmbeddedOptions {
  ClockMs clock;                  // empty: std::chrono::steady_clock
  size_t history_events = 10000;  // watch history kept; a watch older than it is "compacted"
};

// Thread-safe: any number of threads may call any client at once. Several nodes of one process
// share one store through connect(): each node gets its own client, with its own health counters,
// its own outage switch and its own watches, over the same keys, leases and revisions.
//
// Semantics are etcd's: the revision starts at 1 and grows by one per transaction that changes
// something (a delete that finds nothing and a read-only txn leave it); create_revision,
// mod_revision and version as in etcd; a lease's keys are deleted in one revision when it expires
// or is revoked, each key a kDelete event. Leases expire by the injected clock, checked at the start
// of every call and by expire_leases(). Lease TTLs are exact to the millisecond (etcd rounds up to
// whole seconds). Watches read from the shared history: a watch that starts before it, or falls so
// far behind that its next revision left it, fails poll_watch with kFailedPrecondition.
class EmbeddedStore final : public Store {
 public:
  explicit EmbeddedStore(EmbeddedOptions options = {});
  ~EmbeddedStore() override;
  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  // Another client of the same store (for another node). Clients may be destroyed in any order;
  // the state lives until the last one goes. Destroying a client cancels its watches.
  std::unique_ptr<EmbeddedStore> connect() const;

  // Simulated outages. While this client is down its calls fail with kUnavailable (poll_watch
  // returns no events, and catches up once it is back); leases keep expiring by the clock, as in a
  // network partition. While the whole store is down every client is; lease time stands still and,
  // when the store comes back, every lease runs its full TTL again (as etcd does on a restart).
  void set_client_down(bool down);
  void set_store_down(bool down);

  // Expires due leases now (also done at the start of every call), waking watchers.
  void expire_leases();
  // Drops the history below `revision`, as etcd's compaction: a watch from an earlier revision
  // fails with kFailedPrecondition. kInvalidArgument beyond the current revision.
  Status compact(Revision revision);

  Result<std::vector<KeyValue>> get(const std::string& key, bool prefix = false,
                                    Revision* revision = nullptr) override;
  Result<Revision> put(const std::string& key, const std::string& value, LeaseId lease = 0) override;
  Result<int64_t> del(const std::string& key, bool prefix = false) override;
  Result<TxnResult> txn(const Txn& txn) override;
  Result<LeaseId> grant_lease(std::chrono::milliseconds ttl) override;
  Status keep_alive(LeaseId lease) override;
  Status revoke_lease(LeaseId lease) override;
  Result<WatchId> watch(const std::string& prefix, Revision start_revision = 0) override;
  Result<std::vector<WatchEvent>> poll_watch(WatchId id, std::chrono::milliseconds wait) override;
  void cancel_watch(WatchId id) override;
  StoreHealth health() const override;

  struct State;  // the shared keys, leases, history and watches (embedded_store.cc)

 private:
  explicit EmbeddedStore(std::shared_ptr<State> state);
  // With the state's lock held: fails (and counts it) while down, else expires due leases.
  Status enter(const char* what);
  template <typename T>
  T record(T result);

  std::shared_ptr<State> state_;
  std::atomic<bool> client_down_{false};
  mutable std::mutex health_mu_;
  StoreHealth health_;
  std::vector<WatchId> my_watches_;  // guarded by the state's lock
};

}  // namespace sysplex::store
