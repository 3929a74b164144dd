#pragma once
#include "control/layer_guard.h"
// The group store (the coupling facility analog): one interface, two backends. Embedded keeps the
// state in process (one host, tests, the demo); etcd keeps it in a real etcd v3 cluster. Shared,
// durable group state lives here: members under leases, DVIPA ownership with fencing epochs, SA
// records, sequence-number leases. The model is etcd's: revisions, leases, transactions, watches.
//
// Calls are synchronous and bounded by the store's call timeout; they run on the group thread,
// never on a worker and never on the node's control loop. Watches deliver events through a queue
// the caller drains with poll_watch(), so the caller decides on which thread events are handled.
// Both backends (embedded_store.h, etcd_store.h) may be called from several threads at once.
//
// Errors: kUnavailable when the store cannot be reached in time (retry later; for a txn with
// writes the message may say the outcome is unknown: re-read before deciding); kInvalidArgument
// for a malformed request (empty key, more than 128 ops in a txn branch, a key put twice or put and
// deleted in one branch: etcd's rules); kNotFound for an unknown or expired lease. A call that
// fails with anything but kUnavailable changed nothing.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::store {

using LeaseId = int64_t;      // 0: no lease
using Revision = int64_t;     // the store's global revision; 0: none. A fresh store is at 1; every
                              // transaction that changes something adds one (reads never do)

struct KeyValue {
  std::string key;
  std::string value;           // opaque bytes (values may hold binary, e.g. sealed SA records)
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;         // number of puts since creation
  LeaseId lease = 0;
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// One comparison of a transaction, as in etcd's Compare.
struct Compare {
  enum class Target : uint8_t { kVersion, kCreateRevision, kModRevision, kValue, kLease };
  enum class Result : uint8_t { kEqual, kNotEqual, kGreater, kLess };
  std::string key;
  Target target = Target::kVersion;
  Result result = Result::kEqual;
  int64_t number = 0;          // for kVersion, kCreateRevision, kModRevision, kLease
  std::string value;           // for kValue

  // A missing key compares as zeros (version, revisions, lease 0); a kValue compare on a missing
  // key never holds, whatever the result asked for.
  // Helpers for the common cases.
  static Compare absent(std::string key);                        // create_revision == 0
  static Compare mod_revision_is(std::string key, Revision r);   // unchanged since read
  static Compare value_is(std::string key, std::string value);
};

// One operation of a transaction branch.
struct Op {
  enum class Kind : uint8_t { kPut, kDelete, kGet };
  Kind kind = Kind::kGet;
  std::string key;
  std::string value;           // kPut
  LeaseId lease = 0;           // kPut: attach to this lease (0: none)
  bool prefix = false;         // kDelete / kGet: every key starting with `key` ("": every key)

  static Op put(std::string key, std::string value, LeaseId lease = 0);
  static Op del(std::string key, bool prefix = false);
  static Op get(std::string key, bool prefix = false);
};

// The ops of the branch that runs see each other's writes, in order, and all get one revision.
struct Txn {
  std::vector<Compare> compare;    // all must hold for `success` to run
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResult {
  bool succeeded = false;
  Revision revision = 0;           // the store's revision after the transaction
  // One entry per op of the branch that ran, in order: the keys a kGet read (empty for put/delete).
  std::vector<std::vector<KeyValue>> responses;
};

struct WatchEvent {
  enum class Type : uint8_t { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;                     // for kDelete: key and mod_revision only
  friend bool operator==(const WatchEvent&, const WatchEvent&) = default;
};

using WatchId = int64_t;

// What displays and the monitor show about the store connection.
struct StoreHealth {
  bool reachable = true;
  uint64_t failed_calls = 0;       // calls that ended in kUnavailable
  uint64_t retries = 0;            // attempts repeated (on another endpoint or after a pause)
  std::string last_error;          // the last failure of the store itself (unreachable, timed out,
                                   // malformed reply); empty once a call succeeds. A definite
                                   // answer (kNotFound, kInvalidArgument) is not a store failure
  std::string endpoint;            // the endpoint in use ("embedded" for the embedded store)
};

class Store {
 public:
  virtual ~Store() = default;

  // Reads `key`, or every key starting with it; empty when none. The revision read at is returned
  // in *revision when given, so a watch can start right after it.
  virtual Result<std::vector<KeyValue>> get(const std::string& key, bool prefix = false,
                                            Revision* revision = nullptr) = 0;
  virtual Result<Revision> put(const std::string& key, const std::string& value, LeaseId lease = 0) = 0;
  // Deletes `key` (or the prefix); returns how many keys went.
  virtual Result<int64_t> del(const std::string& key, bool prefix = false) = 0;
  // Atomic compare-and-swap: the building block of ownership claims and fencing epochs.
  virtual Result<TxnResult> txn(const Txn& txn) = 0;

  // Leases: keys put under a lease vanish (as kDelete events) when it expires or is revoked.
  // The TTL must be positive; etcd rounds it up to whole seconds (and to its minimum).
  virtual Result<LeaseId> grant_lease(std::chrono::milliseconds ttl) = 0;
  // Renews the lease; kNotFound once it has expired (the holder must re-grant and re-put).
  virtual Status keep_alive(LeaseId lease) = 0;
  virtual Status revoke_lease(LeaseId lease) = 0;

  // Events for keys starting with `prefix`, from `start_revision` on (0: from now). Events arrive
  // in revision order, without gaps, for as long as the watch lives; a backend that loses its
  // stream re-establishes it from the last revision delivered (reporting nothing lost) or, if the
  // store compacted that history, fails poll_watch with kFailedPrecondition so the caller re-reads.
  // A watch from a revision the store no longer holds is still created and fails the same way
  // (with etcd the notice comes moments later: poll with a wait). A failed watch stays failed;
  // poll_watch returns the events received before the failure first. watch() itself fails with
  // kUnavailable when the store cannot confirm the watch within the call timeout.
  virtual Result<WatchId> watch(const std::string& prefix, Revision start_revision = 0) = 0;
  // Events received so far for `id`, waiting up to `wait` for the first one (0: do not wait);
  // empty when none came. kNotFound for an unknown or cancelled watch.
  virtual Result<std::vector<WatchEvent>> poll_watch(WatchId id, std::chrono::milliseconds wait) = 0;
  virtual void cancel_watch(WatchId id) = 0;

  virtual StoreHealth health() const = 0;
};

}  // namespace sysplex::store
