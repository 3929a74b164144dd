#include "bench/bench_node.h"

#include <rte_cycles.h>
#include <rte_launch.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "config/profile_parser.h"

namespace sysplex::bench {

std::vector<std::string> eal_args(const std::string& file_prefix, unsigned memory_mb) {
  return {"--no-huge", "-m", std::to_string(memory_mb), "--no-pci", "-l", "0-1", "--no-telemetry",
          "--log-level=warning", "--file-prefix=" + file_prefix};
}

Sample sample(dp::Engine& e) { return Sample{e.totals(), rte_get_tsc_cycles()}; }

Interval between(const Sample& a, const Sample& b) {
  Interval m;
  m.seconds = double(b.tsc - a.tsc) / double(rte_get_tsc_hz());
  const dp::CounterTotals &x = a.totals, &y = b.totals;
  dp::CounterTotals& d = m.delta;
  d.rx_pkts = y.rx_pkts - x.rx_pkts, d.rx_bytes = y.rx_bytes - x.rx_bytes, d.tx_pkts = y.tx_pkts - x.tx_pkts;
  d.forwarded = y.forwarded - x.forwarded, d.punted = y.punted - x.punted;
  d.loops = y.loops - x.loops, d.busy_loops = y.busy_loops - x.busy_loops;
  d.distributed = y.distributed - x.distributed, d.delivered = y.delivered - x.delivered;
  d.conn_new = y.conn_new - x.conn_new, d.conn_hashed = y.conn_hashed - x.conn_hashed;
  d.conn_full = y.conn_full - x.conn_full, d.to_control = y.to_control - x.to_control;
  for (size_t i = 0; i < d.drops.size(); ++i) d.drops[i] = y.drops[i] - x.drops[i];
  return m;
}

void print_drops(const Interval& m) {
  for (size_t i = 0; i < m.delta.drops.size(); ++i)
    if (m.delta.drops[i])
      std::fprintf(stderr, "  drop %-28s %llu\n", std::string(dp::drop_name(dp::Drop(i))).c_str(),
                   (unsigned long long)m.delta.drops[i]);
}

double cycles_per_packet(const Interval& m, uint64_t packets) {
  return packets ? double(rte_get_tsc_hz()) * m.seconds / double(packets) : 0.0;
}

Result<std::unique_ptr<BenchNode>> BenchNode::create(const std::string& profile, const dp::EalInfo& eal) {
  auto parsed = config::parse_profile_text(profile, "bench.profile");
  if (!parsed.ok()) return make_error(Errc::kInvalidArgument, "bench profile rejected:\n" + parsed.error_text());
  if (eal.worker_lcores.empty()) return make_error(Errc::kFailedPrecondition, "no worker lcore");
  auto n = node::Node::create(parsed.profile(), 1);
  if (!n) return n.error();
  std::unique_ptr<BenchNode> b(new BenchNode());
  b->node_ = std::move(*n);
  b->lcore_ = eal.worker_lcores[0];
  b->node_->poll();  // the first snapshot (static neighbours resolved) before traffic starts
  return b;
}

BenchNode::~BenchNode() { stop(); }

static int worker_main(void* p) {
  auto* b = static_cast<std::pair<dp::Engine*, std::atomic<bool>*>*>(p);
  b->first->run_worker(0, *b->second);
  delete b;
  return 0;
}

Status BenchNode::start() {
  engine().set_worker_lcore(0, lcore_);
  auto* arg = new std::pair<dp::Engine*, std::atomic<bool>*>(&engine(), &stop_);
  if (rte_eal_remote_launch(worker_main, arg, lcore_) != 0) {
    delete arg;
    return make_error(Errc::kUnavailable, "cannot launch the worker on lcore " + std::to_string(lcore_));
  }
  running_ = true;
  return ok_status();
}

void BenchNode::control_for(double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    node_->poll();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void BenchNode::stop() {
  if (!running_) return;
  stop_.store(true);
  rte_eal_mp_wait_lcore();
  running_ = false;
}

}  // namespace sysplex::bench
