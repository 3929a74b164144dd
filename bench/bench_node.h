// Shared harness of the EAL benchmarks: a real Node built from a profile, one worker launched on
// the first worker lcore, the control loop run as sysplexd runs it, and counter samples taken
// around a measured interval. What the benches measure is what sysplexd does, not a copy of it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <rte_pause.h>

#include "control/node/node.h"
#include "dataplane/engine/eal.h"

namespace sysplex::bench {

// EAL without hugepages or PCI on lcores 0 (control) and 1 (the worker).
std::vector<std::string> eal_args(const std::string& file_prefix, unsigned memory_mb);

struct Sample {
  dp::CounterTotals totals;
  uint64_t tsc = 0;
};
Sample sample(dp::Engine& e);

struct Interval {
  double seconds = 0;
  dp::CounterTotals delta;  // b - a, field by field
};
Interval between(const Sample& a, const Sample& b);
// Non-zero drop reasons of an interval, one per line on stderr.
void print_drops(const Interval& m);
// TSC cycles of the (always spinning) worker per packet forwarded.
double cycles_per_packet(const Interval& m, uint64_t packets);

// What a feeding core does when the wire gave it nothing to do: wait a little before touching the
// wire's rings again. Polling them flat out keeps pulling their index lines away from the worker
// busy on them (it cost the ESP path ~40% at 1400 bytes).
inline void back_off() {
  for (int i = 0; i < 32; ++i) rte_pause();
}

class BenchNode {
 public:
  // Parses `profile`, builds the node and publishes its first snapshot.
  static Result<std::unique_ptr<BenchNode>> create(const std::string& profile, const dp::EalInfo& eal);
  ~BenchNode();
  node::Node& node() { return *node_; }
  dp::Engine& engine() { return node_->engine(); }
  // Launches the worker on the first worker lcore.
  Status start();
  // The control loop (poll, then ~100 us sleep, as sysplexd) for `seconds`.
  void control_for(double seconds);
  void stop();

 private:
  std::unique_ptr<node::Node> node_;
  std::atomic<bool> stop_{false};
  unsigned lcore_ = 0;
  bool running_ = false;
};

}  // namespace sysplex::bench
