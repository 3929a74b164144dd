// The etcd group store: a client of a real etcd v3 cluster (3.4, Debian's etcd-server) through its
// JSON gateway, with endpoint failover, bounded retries and watches that survive stream loss.
#pragma once

#include "control/layer_guard.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/result.h"
#include "control/store/etcd_transport.h"
#include "control/store/etcd_watch.h"
#include "control/store/store.h"

namespace sysplex::store {

// Thread-safe: calls are serialised on one connection per endpoint (a call waits for the one in
// flight); poll_watch and health never wait for a call. Each watch runs its own stream thread.
//
// Differences from the embedded store that callers may see:
//  - lease TTLs are whole seconds: grant_lease rounds up, and etcd may raise a TTL to its minimum
//    (1.5 x the election timeout); etcd checks expiry about twice a second, so a key outlives its
//    lease by up to about half a second. When etcd restarts, every lease runs its TTL again.
//  - a txn with writes is not resent after an attempt that may have reached etcd (timeout, lost
//    connection): it fails with kUnavailable and "the outcome is unknown"; re-read, then decide.
//    Puts and deletes are resent (an extra revision, same end state); so are lease grants (an
//    orphan lease expires by itself).
//  - a watch's compaction notice arrives from etcd shortly after the watch is created, so the
//    kFailedPrecondition may come on a later poll_watch than the first when it does not wait.
class EtcdStore final : public Store {
 public:
  // Checks the options; does not contact etcd (a node may start before its store is up).
  static Result<std::unique_ptr<EtcdStore>> connect(EtcdOptions options);
  ~EtcdStore() override;

  // etcd's compaction (physical: returns once done). kInvalidArgument for a future revision or
  // one already compacted.
  Status compact(Revision revision);
  // Times a watch stream was re-established, over all live watches.
  uint64_t watch_reconnects() const;

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

 private:
  explicit EtcdStore(std::unique_ptr<EtcdTransport> transport);
  std::shared_ptr<EtcdWatch> find_watch(WatchId id) const;

  std::unique_ptr<EtcdTransport> transport_;
  mutable std::mutex watches_mu_;
  std::map<WatchId, std::shared_ptr<EtcdWatch>> watches_;
  WatchId next_watch_ = 1;
};

}  // namespace sysplex::store
