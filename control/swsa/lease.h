#pragma once
#include "control/layer_guard.h"
// Outbound sequence numbers of a shared SA, leased in blocks from the group store so no number is
// ever used twice by two nodes (or by one node before and after a restart): a counter per SA
// ("the next number nobody has leased"), moved forward by compare-and-swap.

#include <cstdint>
#include <string>

#include "config/result.h"
#include "control/store/store.h"

namespace sysplex::swsa {

struct SeqBlock {
  uint64_t first = 0, last = 0;  // inclusive
  friend bool operator==(const SeqBlock&, const SeqBlock&) = default;
};

// Leases the next `size` numbers at `key` (created at 1 when absent). `limit` is the SA's last
// usable number (2^32 - 1, or 2^64 - 1 with ESN): a block is cut there, and kResourceExhausted
// once the space is used up (the SA must be rekeyed). Retries lost CAS races up to `attempts`
// times; store failures come back as they are (kUnavailable: the outcome of the last CAS is not
// known, so a retry leases a fresh block and at most that many numbers are skipped, never reused).
[[nodiscard]] Result<SeqBlock> lease_block(store::Store& store, const std::string& key, uint64_t size, uint64_t limit,
                                           int attempts = 8);

// The counter's value: the next number no node has leased (1 when absent).
[[nodiscard]] Result<uint64_t> next_unleased(store::Store& store, const std::string& key);

}  // namespace sysplex::swsa
