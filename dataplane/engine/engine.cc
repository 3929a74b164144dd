// Engine set-up and the control-side half: pool, ports, punt ring, RCU publishing, counters.
#include "dataplane/engine/engine.h"

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/engine/wire.h"

namespace sysplex::dp {

namespace {

constexpr unsigned kPuntRingSize = 4096;
constexpr unsigned kControlTxRingSize = 1024;
constexpr unsigned kExceptionRingSize = 1024;
constexpr unsigned kCommandRingSize = 16384;
constexpr uint64_t kDrainUs = 100;  // TX buffers are flushed at least this often

std::string dpdk_error(int rc) { return std::string(rte_strerror(rc < 0 ? -rc : rc)); }

// Probes an EAL device string (vdev args or PCI address) unless EAL already did, returning its port.
Result<uint16_t> probe_device(const std::string& device) {
  std::string name = device.substr(0, device.find(','));
  uint16_t port = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port) == 0) return port;
  int rc = rte_dev_probe(device.c_str());
  if (rc < 0)
    return make_error(Errc::kUnavailable, "cannot probe device '" + device + "': " + dpdk_error(rc));
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port) != 0)
    return make_error(Errc::kNotFound, "device '" + device + "' probed but no ethdev port named '" + name + "'");
  return port;
}

// Chooses queue counts. RX: one per worker, except that af_packet opens `qpairs` sockets in a
// fanout group at probe time, so every one of them must be polled or its share of flows is lost.
// TX: one per worker plus one for control; a device with fewer gets control's packets sent by
// worker 0 from a ring instead.
Status plan_queues(EnginePort& p, const config::PortConfig& pc, const rte_eth_dev_info& info, unsigned workers) {
  bool af_packet = info.driver_name && std::string_view(info.driver_name) == "net_af_packet";
  p.rx_queues = pc.rx_queues ? pc.rx_queues : af_packet ? info.max_rx_queues : uint16_t(workers);
  p.tx_queues = pc.tx_queues ? pc.tx_queues : uint16_t(std::min<unsigned>(workers + 1, info.max_tx_queues));
  p.control_txq = p.tx_queues > workers ? uint16_t(workers) : kNoQueue;
  if (p.rx_queues > info.max_rx_queues || p.tx_queues > info.max_tx_queues || p.tx_queues < workers)
    return make_error(Errc::kResourceExhausted,
                      "port " + p.name + " (" + pc.device + ") supports " + std::to_string(info.max_rx_queues) + " RX / " +
                          std::to_string(info.max_tx_queues) + " TX queues; it needs at least one TX queue per worker (" +
                          std::to_string(workers) + ") and at most its maximum of each: lower WORKERS, set RXQUEUES/TXQUEUES, "
                          "or give the device more queues (af_packet: qpairs=N)");
  return ok_status();
}

Status configure_port(EnginePort& p, const config::PortConfig& pc, const rte_eth_dev_info& info, rte_mempool* pool) {
  rte_eth_conf conf{};
  if (p.rx_queues > 1 && info.flow_type_rss_offloads) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
  if (int rc = rte_eth_dev_configure(p.port_id, p.rx_queues, p.tx_queues, &conf); rc != 0)
    return make_error(Errc::kUnavailable, "port " + p.name + ": configure failed: " + dpdk_error(rc));
  uint16_t rxd = pc.rx_desc, txd = pc.tx_desc;
  rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &rxd, &txd);
  int socket = rte_eth_dev_socket_id(p.port_id);
  for (uint16_t q = 0; q < p.rx_queues; ++q)
    if (int rc = rte_eth_rx_queue_setup(p.port_id, q, rxd, socket, nullptr, pool); rc != 0)
      return make_error(Errc::kUnavailable, "port " + p.name + ": RX queue setup: " + dpdk_error(rc));
  for (uint16_t q = 0; q < p.tx_queues; ++q)
    if (int rc = rte_eth_tx_queue_setup(p.port_id, q, txd, socket, nullptr); rc != 0)
      return make_error(Errc::kUnavailable, "port " + p.name + ": TX queue setup: " + dpdk_error(rc));
  if (pc.mac) {
    rte_ether_addr mac;
    std::copy(pc.mac->bytes.begin(), pc.mac->bytes.end(), mac.addr_bytes);
    rte_eth_dev_default_mac_addr_set(p.port_id, &mac);
  }
  rte_eth_dev_set_mtu(p.port_id, pc.mtu);  // best effort: virtual devices may not implement it
  if (int rc = rte_eth_dev_start(p.port_id); rc != 0)
    return make_error(Errc::kUnavailable, "port " + p.name + ": start failed: " + dpdk_error(rc));
  rte_eth_promiscuous_enable(p.port_id);  // af_packet and tap need it to see our MAC rewrites
  if (is_wire_device(pc.device)) {
    p.mac = pc.mac ? pc.mac->bytes : wire_mac(pc.device);
    return ok_status();
  }
  rte_ether_addr mac{};
  rte_eth_macaddr_get(p.port_id, &mac);
  std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), p.mac.begin());
  return ok_status();
}

// Frees what the TX buffer could not send and counts it against forwarded.
void tx_error_cb(rte_mbuf** unsent, uint16_t count, void* userdata) {
  auto* c = static_cast<WorkerCounters*>(userdata);
  rte_pktmbuf_free_bulk(unsent, count);
  c->forwarded -= count;
  c->drop(Drop::kTxFull, count);
}

// The same for the TAP, whose sends count as delivered.
void local_tx_error_cb(rte_mbuf** unsent, uint16_t count, void* userdata) {
  auto* c = static_cast<WorkerCounters*>(userdata);
  rte_pktmbuf_free_bulk(unsent, count);
  c->delivered -= count;
  c->drop(Drop::kTxFull, count);
}

rte_eth_dev_tx_buffer* new_txbuf(WorkerCounters* c, buffer_tx_error_fn cb) {
  auto* b = static_cast<rte_eth_dev_tx_buffer*>(
      rte_zmalloc_socket("txbuf", RTE_ETH_TX_BUFFER_SIZE(kBurst), 0, rte_socket_id()));
  if (!b) return nullptr;
  rte_eth_tx_buffer_init(b, kBurst);
  rte_eth_tx_buffer_set_err_callback(b, cb, c);
  return b;
}

void free_ring(rte_ring* r) {
  if (!r) return;
  rte_mbuf* m[kBurst];
  while (unsigned n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(m), kBurst, nullptr)) rte_pktmbuf_free_bulk(m, n);
  rte_ring_free(r);
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(const config::Profile& profile, unsigned workers) {
  std::unique_ptr<Engine> e(new Engine());
  if (Status st = e->init(profile, workers); !st) return st.error();
  return e;
}

Status Engine::init(const config::Profile& profile, unsigned workers) {
  node_ = profile.node_name;
  if (workers == 0 || workers > kMaxWorkers)
    return make_error(Errc::kInvalidArgument, "workers must be 1-" + std::to_string(kMaxWorkers));
  if (profile.ports.size() > kMaxPorts)
    return make_error(Errc::kInvalidArgument, "at most " + std::to_string(kMaxPorts) + " ports per node");
  workers_ = workers;
  drain_tsc_ = rte_get_tsc_hz() * kDrainUs / 1000000;
  start_tsc_ = rte_get_tsc_cycles();
  tsc_per_ms_ = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
  ns_per_tsc_ = 1e9 / double(rte_get_tsc_hz());
  const auto& pc = profile.pool;
  pool_ = rte_pktmbuf_pool_create(("mp_" + node_).c_str(), pc.mbufs, pc.cache, 0, pc.data_room, rte_socket_id());
  if (!pool_)
    return make_error(Errc::kResourceExhausted, "cannot create buffer pool of " + std::to_string(pc.mbufs) +
                                                    " mbufs: " + dpdk_error(rte_errno) + " (lower MEMPOOL MBUFS or raise EAL -m)");
  punt_ = rte_ring_create(("punt_" + node_).c_str(), kPuntRingSize, rte_socket_id(), RING_F_SC_DEQ);
  if (!punt_) return make_error(Errc::kResourceExhausted, "cannot create punt ring: " + dpdk_error(rte_errno));
  exceptions_ = rte_ring_create_elem(("exc_" + node_).c_str(), sizeof(Exception), kExceptionRingSize, rte_socket_id(),
                                     RING_F_SC_DEQ);
  if (!exceptions_) return make_error(Errc::kResourceExhausted, "cannot create exception ring: " + dpdk_error(rte_errno));
  slots_.reset(new WorkerSlot[workers]);
  for (unsigned w = 0; w < workers; ++w) slots_[w].per_target = std::make_unique<TargetCounters[]>(kMaxTargetIds);
  for (const auto& p : profile.ports)
    if (Status st = add_port(p); !st) return st;
  return init_rcu();
}

Status Engine::add_port(const config::PortConfig& pc) {
  EnginePort p;
  p.name = pc.name;
  p.device = pc.device;
  uint16_t wire_queues = std::max<uint16_t>(std::max(pc.rx_queues, pc.tx_queues), uint16_t(workers_ + 1));
  auto id = is_wire_device(pc.device) ? create_wire_port(pc.device, wire_queues, int(rte_socket_id()))
                                      : probe_device(pc.device);
  if (!id) return id.error();
  p.port_id = *id;
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(p.port_id, &info); rc != 0)
    return make_error(Errc::kUnavailable, "port " + p.name + ": " + dpdk_error(rc));
  if (Status st = plan_queues(p, pc, info, workers_); !st) return st;
  if (Status st = configure_port(p, pc, info, pool_); !st) return st;
  size_t index = ports_.size();
  if (p.control_txq == kNoQueue) {
    p.control_ring = rte_ring_create(("ctx_" + node_ + "_" + std::to_string(index)).c_str(), kControlTxRingSize,
                                     rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!p.control_ring) return make_error(Errc::kResourceExhausted, "cannot create control TX ring: " + dpdk_error(rte_errno));
  }
  for (unsigned w = 0; w < workers_; ++w) {
    slots_[w].txbuf[index] = new_txbuf(&slots_[w].counters, tx_error_cb);
    if (!slots_[w].txbuf[index]) return make_error(Errc::kResourceExhausted, "cannot allocate TX buffers");
  }
  ports_.push_back(std::move(p));
  return ok_status();
}

Status Engine::init_rcu() {
  size_t sz = rte_rcu_qsbr_get_memsize(workers_);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("qsbr", sz, RTE_CACHE_LINE_SIZE));
  if (!qsbr_ || rte_rcu_qsbr_init(qsbr_, workers_) != 0)
    return make_error(Errc::kResourceExhausted, "cannot set up RCU for " + std::to_string(workers_) + " workers");
  for (unsigned w = 0; w < workers_; ++w) rte_rcu_qsbr_thread_register(qsbr_, w);
  publish(std::make_unique<Snapshot>());
  return ok_status();
}

Engine::~Engine() {
  for (const auto& p : ports_) {
    rte_eth_dev_stop(p.port_id);
    rte_eth_dev_close(p.port_id);
    if (p.control_ring) {
      rte_mbuf* m[kBurst];
      while (unsigned n = rte_ring_dequeue_burst(p.control_ring, reinterpret_cast<void**>(m), kBurst, nullptr))
        rte_pktmbuf_free_bulk(m, n);
      rte_ring_free(p.control_ring);
    }
  }
  for (unsigned w = 0; slots_ && w < workers_; ++w) {
    for (auto* b : slots_[w].txbuf) rte_free(b);
    rte_free(slots_[w].local_txbuf);
    rte_ring_free(slots_[w].commands);
  }
  delete snap_.exchange(nullptr);
  free_ring(punt_);
  if (exceptions_) {
    Exception e[kBurst];
    while (unsigned n = rte_ring_dequeue_burst_elem(exceptions_, e, sizeof(Exception), kBurst, nullptr))
      for (unsigned i = 0; i < n; ++i) rte_pktmbuf_free(e[i].m);
    rte_ring_free(exceptions_);
  }
  rte_free(qsbr_);
  if (capture_ring_) {
    rte_mbuf* m[kBurst];
    while (unsigned n = rte_ring_dequeue_burst(capture_ring_, reinterpret_cast<void**>(m), kBurst, nullptr))
      rte_pktmbuf_free_bulk(m, n);
    rte_ring_free(capture_ring_);
  }
  rte_mempool_free(capture_pool_);
  rte_mempool_free(pool_);
}

Status Engine::set_capture_spi(uint32_t spi) {
  if (spi && !capture_ring_) {
    capture_pool_ = rte_pktmbuf_pool_create(("cap_" + node_).c_str(), kCaptureMbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    capture_ring_ = capture_pool_ ? rte_ring_create(("capr_" + node_).c_str(), kCaptureRingSize, rte_socket_id(), RING_F_SC_DEQ) : nullptr;
    if (!capture_ring_) {
      rte_mempool_free(capture_pool_);
      capture_pool_ = nullptr;
      return make_error(Errc::kResourceExhausted, "cannot create the capture pool and ring: " + dpdk_error(rte_errno) + " (raise EAL -m)");
    }
  }
  capture_spi_.store(spi, std::memory_order_relaxed);
  return ok_status();
}

unsigned Engine::take_captured(rte_mbuf** out, unsigned max) {
  return capture_ring_ ? rte_ring_sc_dequeue_burst(capture_ring_, reinterpret_cast<void**>(out), max, nullptr) : 0;
}

void Engine::maybe_capture(rte_mbuf* m, uint32_t spi) noexcept {
  if (spi == 0 || capture_spi_.load(std::memory_order_relaxed) != spi) return;
  rte_mbuf* c = rte_pktmbuf_copy(m, capture_pool_, 0, UINT32_MAX);
  if (!c || rte_ring_mp_enqueue(capture_ring_, c) != 0) {
    if (c) rte_pktmbuf_free(c);
    capture_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  captured_.fetch_add(1, std::memory_order_relaxed);
}

void Engine::publish(std::unique_ptr<Snapshot> next) {
  next->index_dvipas();
  const Snapshot* old = snap_.exchange(next.release(), std::memory_order_acq_rel);
  if (!old) return;
  rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
  delete old;
}

void Engine::attach_local(uint16_t tap_port_id, size_t bound_port) {
  for (unsigned w = 0; w < workers_; ++w)
    if (!slots_[w].local_txbuf) slots_[w].local_txbuf = new_txbuf(&slots_[w].counters, local_tx_error_cb);
  local_bound_ = bound_port;
  local_port_ = tap_port_id;
}

Status Engine::enable_connections(uint32_t capacity, const conn::ConnTimeouts& timeouts) {
  for (unsigned w = 0; w < workers_; ++w) {
    auto t = conn::ConnTable::create(capacity, timeouts);
    if (!t) return t.error();
    slots_[w].commands = rte_ring_create_elem(("cmd_" + node_ + "_" + std::to_string(w)).c_str(), sizeof(ConnCommand),
                                              kCommandRingSize, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!slots_[w].commands)
      return make_error(Errc::kResourceExhausted, "cannot create a connection command ring: " + dpdk_error(rte_errno));
    slots_[w].conns = std::move(*t);
  }
  return ok_status();
}

bool Engine::broadcast(const ConnCommand& c) {
  for (unsigned w = 0; w < workers_; ++w)
    if (!slots_[w].commands || rte_ring_free_count(slots_[w].commands) == 0) return false;
  ConnCommand copy = c;  // DPDK takes a non-const pointer
  for (unsigned w = 0; w < workers_; ++w) rte_ring_sp_enqueue_elem(slots_[w].commands, &copy, sizeof(copy));
  return true;
}

bool Engine::commands_pending() const {
  for (unsigned w = 0; w < workers_; ++w)
    if (slots_[w].commands && rte_ring_count(slots_[w].commands) > 0) return true;
  return false;
}

unsigned Engine::take_exceptions(Exception* out, unsigned max) {
  return rte_ring_sc_dequeue_burst_elem(exceptions_, out, sizeof(Exception), max, nullptr);
}

TargetCounters Engine::target_totals(uint32_t target) const {
  TargetCounters t;
  if (target >= kMaxTargetIds) return t;
  for (unsigned w = 0; w < workers_; ++w) {
    const TargetCounters& c = slots_[w].per_target[target];
    t.active += c.active, t.total += c.total, t.syns += c.syns, t.established += c.established;
    t.packets += c.packets, t.bytes += c.bytes;
  }
  return t;
}

uint64_t Engine::now_ns() const {
  return clock_ms_ ? clock_ms_() * 1000000ull : uint64_t(double(rte_get_tsc_cycles() - start_tsc_) * ns_per_tsc_);
}

uint32_t Engine::now_ms() const {
  return clock_ms_ ? uint32_t(clock_ms_()) : uint32_t((rte_get_tsc_cycles() - start_tsc_) / tsc_per_ms_);
}

unsigned Engine::take_punted(rte_mbuf** out, unsigned max) {
  return rte_ring_sc_dequeue_burst(punt_, reinterpret_cast<void**>(out), max, nullptr);
}

uint16_t Engine::control_tx(size_t port_index, rte_mbuf** pkts, uint16_t n) {
  const EnginePort& p = ports_.at(port_index);
  uint16_t sent = p.control_ring ? uint16_t(rte_ring_sp_enqueue_burst(p.control_ring, reinterpret_cast<void**>(pkts), n, nullptr))
                                 : rte_eth_tx_burst(p.port_id, p.control_txq, pkts, n);
  if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  return sent;
}

CounterTotals Engine::totals() const {
  CounterTotals t;
  for (unsigned w = 0; w < workers_; ++w) t.add(slots_[w].counters);
  return t;
}

int Engine::port_index(const std::string& name) const {
  for (size_t i = 0; i < ports_.size(); ++i)
    if (ports_[i].name == name) return int(i);
  return -1;
}

unsigned Engine::pool_in_use() const { return rte_mempool_in_use_count(pool_); }
unsigned Engine::pool_size() const { return pool_->size; }

}  // namespace sysplex::dp
