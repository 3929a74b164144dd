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
#include "dataplane/conn/conn_table.h"
#include "dataplane/engine/counters.h"
#include "dataplane/engine/snapshot.h"
#include "dataplane/parse/packet.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct rte_eth_dev_tx_buffer;

namespace sysplex::dp {

inline constexpr uint16_t kBurst = 32;
struct Verdict;  // worker.cc
namespace esp {
struct SaRuntime;
}
inline constexpr unsigned kMaxWorkers = kMaxWorkerSlots;
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

// A request from control to every worker's connection table (takeover reports, target reports).
struct ConnCommand {
  enum class Op : uint8_t { kInsert, kErase } op = Op::kInsert;
  uint16_t service = 0;
  uint32_t target = 0;
  conn::ConnKey key{};
};

// A packet a worker hands back to control with what it needs to finish it (too big for the
// encapsulated path: ICMP too-big or fragmentation).
struct Exception {
  enum class Kind : uint16_t { kTooBig } kind = Kind::kTooBig;
  uint16_t mtu = 0;            // what fits on the target's path, inner packet
  uint32_t target = 0;
  uint32_t epoch = 0;
  rte_mbuf* m = nullptr;
};

// What a worker slot owns: its counters, one TX buffer per port, its connection table and the
// control -> worker command ring. Written by that worker only (control reads, and fills the ring).
struct alignas(64) WorkerSlot {
  WorkerCounters counters;
  std::array<rte_eth_dev_tx_buffer*, kMaxPorts> txbuf{};
  rte_eth_dev_tx_buffer* local_txbuf = nullptr;   // to the TAP
  std::unique_ptr<conn::ConnTable> conns;
  rte_ring* commands = nullptr;
  std::unique_ptr<TargetCounters[]> per_target;   // kMaxTargetIds
  uint64_t last_drain_tsc = 0;
  uint32_t now_ms = 0;         // the engine clock at the start of this poll
  uint64_t now_ns = 0;         // the TSC in ns at the start of this poll (SA lifetimes)
  uint32_t last_sweep_ms = 0;  // connection aging: the clock at the last poll, and buckets owed
  uint64_t sweep_credit = 0;   //   x kSweepPeriodMs
  unsigned lcore = 0;          // for displays
};

inline constexpr unsigned kCaptureMbufs = 1023;
inline constexpr unsigned kCaptureRingSize = 1024;

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
  // The TAP: workers deliver local traffic to it (queue = their slot) and send what the kernel emits
  // (polling RX queue = their slot) out of `bound_port`; control uses queue `workers()`.
  void attach_local(uint16_t tap_port_id, size_t bound_port);
  bool has_local() const { return local_port_ != kNoQueue; }
  uint16_t local_port() const { return local_port_; }
  uint16_t local_control_queue() const { return uint16_t(workers_); }
  // Gives every worker a connection table of `capacity` entries (the distributor's VCRT).
  Status enable_connections(uint32_t capacity, const conn::ConnTimeouts& timeouts);
  bool has_connections() const { return slots_ && slots_[0].conns != nullptr; }
  const conn::ConnTable& conn_table(unsigned slot) const { return *slots_[slot].conns; }
  // Queues a command to every worker's table; false (and nothing queued anywhere) if any is full.
  bool broadcast(const ConnCommand& c);
  // Commands broadcast but not yet applied by every worker.
  bool commands_pending() const;

  // ESP capture (a debugging aid): workers copy every ESP packet of SPI `spi` as it is on the wire
  // (inbound before decryption, outbound after encapsulation) into a small pool of its own and a
  // ring control drains; a full pool or ring counts capture_dropped. 0 stops it.
  Status set_capture_spi(uint32_t spi);
  uint32_t capture_spi() const { return capture_spi_.load(std::memory_order_relaxed); }
  unsigned take_captured(rte_mbuf** out, unsigned max);
  uint64_t captured() const { return captured_.load(std::memory_order_relaxed); }
  uint64_t capture_dropped() const { return capture_dropped_.load(std::memory_order_relaxed); }
  // Packets workers handed back, oldest first.
  unsigned take_exceptions(Exception* out, unsigned max);
  // A target's counters summed over workers.
  TargetCounters target_totals(uint32_t target) const;
  // The engine clock (ms since start) that connection entries are stamped with. Tests replace it
  // with their own (read once per poll); by default it is the TSC.
  uint32_t now_ms() const;
  void set_clock(uint64_t (*clock_ms)()) { clock_ms_ = clock_ms; }
  // The same clock in nanoseconds, as workers give it to the ESP library (SA lifetimes).
  uint64_t now_ns() const;
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
  void process_local(unsigned slot, const Snapshot& s, rte_mbuf** pkts, uint16_t n);
  void act(unsigned slot, const Snapshot& s, const Verdict& v, rte_mbuf* m, const PacketDesc& d, const conn::ConnKey& key,
           const conn::ConnHash& h);
  void run_commands(unsigned slot, const Snapshot& s);
  void age_connections(unsigned slot, const Snapshot& s, uint32_t buckets);
  void connection_gone(WorkerSlot& ws, const Snapshot& s, const conn::ConnEntry& e);
  uint32_t count_reported(WorkerSlot& ws, const Snapshot& s, const ConnCommand& c, bool is_new);
  // The distribution and delivery stages (distribute.cc). Each consumes the mbuf.
  void distribute(unsigned slot, const Snapshot& s, const DvipaView& dvipa, int service, rte_mbuf* m,
                  const PacketDesc& d, const conn::ConnKey& key, const conn::ConnHash& h);
  void to_target(unsigned slot, const Snapshot& s, const DvipaView& dvipa, uint32_t target, rte_mbuf* m,
                 const PacketDesc& d);
  void deliver_local(unsigned slot, rte_mbuf* m);
  void decapsulate(unsigned slot, const Snapshot& s, rte_mbuf* m, const PacketDesc& d);
  void hand_to_control(unsigned slot, Exception e);
  void discard(unsigned slot, rte_mbuf* m, Drop why);
  // IPsec stages (ipsec.cc).
  void esp_in(unsigned slot, const Snapshot& s, rte_mbuf* m, const PacketDesc& d);
  void esp_out(unsigned slot, const Snapshot& s, esp::SaRuntime& sa, rte_mbuf* m, const PacketDesc& d, bool routed);
  void after_decrypt(unsigned slot, const Snapshot& s, rte_mbuf* m, uint32_t sa_id);

  std::string node_;
  unsigned workers_ = 0;
  rte_mempool* pool_ = nullptr;
  rte_ring* punt_ = nullptr;
  rte_ring* exceptions_ = nullptr;
  rte_ring* capture_ring_ = nullptr;
  rte_mempool* capture_pool_ = nullptr;
  std::atomic<uint32_t> capture_spi_{0};
  std::atomic<uint64_t> captured_{0}, capture_dropped_{0};
  void maybe_capture(rte_mbuf* m, uint32_t spi) noexcept;
  uint16_t local_port_ = kNoQueue;
  size_t local_bound_ = 0;
  uint64_t start_tsc_ = 0;
  uint64_t tsc_per_ms_ = 1;
  uint64_t (*clock_ms_)() = nullptr;
  double ns_per_tsc_ = 1.0;
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::vector<EnginePort> ports_;
  std::unique_ptr<WorkerSlot[]> slots_;
  std::atomic<const Snapshot*> snap_{nullptr};
  uint64_t drain_tsc_ = 0;
};

}  // namespace sysplex::dp
