// One node's data plane: its buffer pool, ports, punt ring, per-worker counters and the RCU-published
// snapshot. Control owns an Engine and is the only caller of its control-side methods; workers call
// only the worker-side ones. Several Engines may live in one process (tests, the demo).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "dataplane/engine/counters.h"
#include "dataplane/engine/snapshot.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct rte_eth_dev_tx_buffer;

namespace sysplex::dp {

inline constexpr uint16_t kBurst = 32;
inline constexpr unsigned kMaxWorkers = 16;
inline constexpr uint16_t kNoQueue = 0xffff;

struct EnginePort {
  std::string name;            // the profile's port name
  std::string device;
  uint16_t port_id = 0;
  uint16_t rx_queues = 0;      // worker w polls the queues q with q % workers == w
  uint16_t tx_queues = 0;      // worker w sends on queue w; control on queue `control_txq`
  uint16_t control_txq = 0;    // kNoQueue: the device has too few; control_ring carries them
  rte_ring* control_ring = nullptr;  // control -> worker 0, which transmits them
  std::array<uint8_t, 6> mac{};
};

// What a worker slot owns: its counters and one TX buffer per port. Written by that worker only.
struct alignas(64) WorkerSlot {
  WorkerCounters counters;
  std::array<rte_eth_dev_tx_buffer*, kMaxPorts> txbuf{};
  uint64_t last_drain_tsc = 0;
  unsigned lcore = 0;          // for displays
};

class Engine {
 public:
  // Builds the pool and ports from the profile (ports are configured and started). `workers`
  // worker slots are prepared; worker threads are the caller's (see run_worker()).
  static Result<std::unique_ptr<Engine>> create(const config::Profile& profile, unsigned workers);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- control side ----
  // Publishes `next` and frees the previous snapshot after every online worker has passed a
  // quiescent state. Blocks for that grace period (microseconds while workers poll).
  void publish(std::unique_ptr<Snapshot> next);
  const Snapshot* snapshot() const { return snap_.load(std::memory_order_acquire); }
  // Punted packets, in arrival order; the caller owns (and frees) the returned mbufs.
  unsigned take_punted(rte_mbuf** out, unsigned max);
  // Sends on the port's control TX queue; unsent mbufs are freed and counted as returned-short.
  uint16_t control_tx(size_t port_index, rte_mbuf** pkts, uint16_t n);
  CounterTotals totals() const;
  const WorkerCounters& worker_counters(unsigned slot) const { return slots_[slot].counters; }
  void set_worker_lcore(unsigned slot, unsigned lcore) { slots_[slot].lcore = lcore; }
  unsigned worker_lcore(unsigned slot) const { return slots_[slot].lcore; }
  const std::vector<EnginePort>& ports() const { return ports_; }
  int port_index(const std::string& name) const;
  rte_mempool* pool() const { return pool_; }
  unsigned workers() const { return workers_; }
  unsigned pool_in_use() const;
  unsigned pool_size() const;
  const std::string& node() const { return node_; }

  // ---- worker side ----
  // One pass over every RX queue this slot polls: receive, parse, classify, act, buffer TX; drains
  // TX buffers on a timer and when idle. Returns packets received. No RCU reporting here.
  unsigned poll(unsigned slot);
  // The worker loop for one slot: registers with RCU, polls until `stop` is set, goes offline.
  void run_worker(unsigned slot, const std::atomic<bool>& stop);
  // Test helper: one poll with the RCU online/quiescent/offline dance around it.
  unsigned poll_once_quiescent(unsigned slot);
  void flush(unsigned slot);

 private:
  Engine() = default;
  Status init(const config::Profile& profile, unsigned workers);
  Status add_port(const config::PortConfig& pc);
  Status init_rcu();
  void send_for_control(const EnginePort& p);
  void process_burst(unsigned slot, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts, uint16_t n);

  std::string node_;
  unsigned workers_ = 0;
  rte_mempool* pool_ = nullptr;
  rte_ring* punt_ = nullptr;
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::vector<EnginePort> ports_;
  std::unique_ptr<WorkerSlot[]> slots_;
  std::atomic<const Snapshot*> snap_{nullptr};
  uint64_t drain_tsc_ = 0;
};

}  // namespace sysplex::dp
