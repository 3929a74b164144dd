// Request checks shared by the store backends: the limits and rules etcd v3 enforces (non-empty
// keys, at most 128 operations per transaction, no key written twice in one branch).
#pragma once

#include "control/layer_guard.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "config/result.h"
#include "control/store/store.h"

namespace sysplex::store {

// etcd's default --max-txn-ops.
inline constexpr size_t kMaxTxnOps = 128;

// The end of the key range that holds exactly the keys starting with `prefix`, as etcd computes it:
// the prefix with its last byte below 0xff incremented and what follows dropped. "\0" (with key
// "\0") means "to the end of the key space": the result for "" and for all-0xff prefixes.
std::string prefix_range_end(std::string_view prefix);

// True when `key` lies in [begin, end) by unsigned byte order; end "\0" means no upper bound.
bool in_range(std::string_view key, std::string_view begin, std::string_view end);

// A key as it may appear in a message: printable ASCII kept, other bytes as \xNN, long keys cut.
std::string key_text(std::string_view key);

// A key for a single-key request: non-empty. `what` names the request in the message.
Status check_key(std::string_view what, std::string_view key);
// A key or prefix for a range request: any prefix, including "" (every key); a plain key non-empty.
Status check_range(std::string_view what, std::string_view key, bool prefix);

// Every key non-empty, at most kMaxTxnOps per branch, and in each branch no key put twice and no
// put inside a range the same branch deletes (etcd rejects both as "duplicate key").
Status check_txn(const Txn& txn);

}  // namespace sysplex::store
