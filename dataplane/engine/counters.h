// Per-worker counters: plain uint64_t fields in a cache-aligned block that only its worker writes.
// Control sums them for displays; torn reads of a counter in flight are harmless on 64-bit x86.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/counters/drop_reason.h"

namespace sysplex::dp {

struct alignas(64) WorkerCounters {
  uint64_t rx_pkts = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_pkts = 0;
  uint64_t forwarded = 0;     // routed out of a port by the worker
  uint64_t punted = 0;        // handed to control (ARP, ND, node addresses)
  uint64_t loops = 0;         // poll-loop iterations: the monitor's stall detector reads this
  uint64_t busy_loops = 0;    // iterations that received something
  uint64_t control_tx_dropped = 0;  // control's packets the port refused (worker 0 sends them)
  // distributor and target (forwarded counts them too when they leave by a port)
  uint64_t distributed = 0;   // sent to a target (direct, routed or this node)
  uint64_t delivered = 0;     // handed to the local kernel through the TAP
  uint64_t from_local = 0;    // sent for the local kernel (from the TAP)
  uint64_t conn_new = 0;      // connection entries created for a SYN
  uint64_t conn_hashed = 0;   // ... for a non-SYN packet by the consistent-hash fallback
  uint64_t conn_full = 0;     // entries the table had no room for (the packet was still sent)
  uint64_t conn_expired = 0;  // entries aged out
  uint64_t conn_ended = 0;    // entries removed by a target's report or a control command
  uint64_t mss_clamped = 0;
  uint64_t to_control = 0;    // exceptions handed to control (too big for the path)
  std::array<uint64_t, size_t(Drop::kCount)> drops{};

  void drop(Drop d, uint64_t n = 1) { drops[size_t(d)] += n; }
};

// The sum over workers, for displays.
struct CounterTotals {
  uint64_t rx_pkts = 0, rx_bytes = 0, tx_pkts = 0, forwarded = 0, punted = 0;
  uint64_t loops = 0, busy_loops = 0;
  uint64_t distributed = 0, delivered = 0, from_local = 0, conn_new = 0, conn_hashed = 0, conn_full = 0;
  uint64_t conn_expired = 0, conn_ended = 0, mss_clamped = 0, to_control = 0;
  std::array<uint64_t, size_t(Drop::kCount)> drops{};
  uint64_t dropped() const {
    uint64_t n = 0;
    for (auto d : drops) n += d;
    return n;
  }
  void add(const WorkerCounters& c) {
    rx_pkts += c.rx_pkts, rx_bytes += c.rx_bytes, tx_pkts += c.tx_pkts;
    forwarded += c.forwarded, punted += c.punted, loops += c.loops, busy_loops += c.busy_loops;
    distributed += c.distributed, delivered += c.delivered, from_local += c.from_local;
    conn_new += c.conn_new, conn_hashed += c.conn_hashed, conn_full += c.conn_full;
    conn_expired += c.conn_expired, conn_ended += c.conn_ended, mss_clamped += c.mss_clamped;
    to_control += c.to_control;
    for (size_t i = 0; i < drops.size(); ++i) drops[i] += c.drops[i];
  }
};

}  // namespace sysplex::dp
