// forward_bench: the engine's parse-classify-forward path on one worker core, fed by a virtual
// device that replays a pcap from memory (net_pcap, infinite_rx=1) and drops what it transmits.
// It runs the real Node + Engine (profile parser, control loop, snapshot publishing, worker loop),
// so what it measures is what sysplexd does per packet, not a copy of the hot path.
//
//   forward_bench --pcap FILE [--seconds S] [--warmup S] [--file-prefix P]
//
// Prints a human-readable report on stderr and one machine-readable line on stdout:
//   engine mpps=.. rx_mpps=.. cycles_per_pkt=.. forwarded=.. rx=.. dropped=.. seconds=..
// Exit status 0 only if the engine forwarded (nearly) everything it received.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/profile_parser.h"
#include "control/node/node.h"
#include "dataplane/counters/drop_reason.h"
#include "dataplane/engine/eal.h"

namespace {

using namespace sysplex;

struct Options {
  std::string pcap;
  double seconds = 3.0;
  double warmup = 1.0;
  std::string file_prefix = "bench-fw";
};

// Forwarding is "verified" when at most this share of received packets is dropped or punted:
// the pcap holds only routable frames, so anything beyond noise means the bench measures drops.
constexpr double kMaxLossShare = 0.001;

void usage() {
  std::fprintf(stderr, "usage: forward_bench --pcap FILE [--seconds S] [--warmup S] [--file-prefix P]\n");
}

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--pcap") o.pcap = v;
    else if (a == "--seconds") o.seconds = std::atof(v);
    else if (a == "--warmup") o.warmup = std::atof(v);
    else if (a == "--file-prefix") o.file_prefix = v;
    else return false;
  }
  return !o.pcap.empty() && o.seconds > 0 && o.warmup >= 0;
}

// net_pcap replaying the pcap from memory; without tx_pcap/tx_iface its one TX queue drops what it
// sends (control's packets reach it through worker 0). bench/run gives testpmd the same string.
std::string bench_device(const std::string& pcap) {
  return "net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1";
}

// The bench node: one port on the replaying device, a static neighbour so the FIB resolves without
// ARP, one route covering every destination in the pcap. One worker: the figure is per core.
std::string bench_profile(const std::string& pcap) {
  return "NODENAME BENCH\n"
         "NODEADDR 198.18.0.1\n"
         "PORT lan0 DEVICE \"" + bench_device(pcap) + "\"\n"
         "PORTADDR lan0 198.18.1.1/24\n"
         "ROUTE 198.19.0.0/16 VIA 198.18.1.2\n"
         "NEIGHBOR 198.18.1.2 02:00:00:00:00:02\n"
         "WORKERS 1\n"
         "MEMPOOL MBUFS 16383 CACHE 256\n";
}

// The engine probes the device from the profile itself (rte_dev_probe), so no --vdev here.
std::vector<std::string> eal_args(const Options& o) {
  return {"--no-huge", "-m", "512", "--no-pci", "-l", "0-1", "--no-telemetry", "--log-level=warning",
          "--file-prefix=" + o.file_prefix};
}

struct WorkerArg {
  dp::Engine* engine;
  const std::atomic<bool>* stop;
};

int worker_main(void* p) {
  auto* a = static_cast<WorkerArg*>(p);
  a->engine->run_worker(0, *a->stop);
  return 0;
}

// Runs the control loop the way sysplexd does (poll, then ~100us sleep) for `seconds`, so the
// worker competes with the same control-side activity (snapshot refresh, punt handling) as in use.
void control_loop_for(node::Node& n, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    n.poll();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

struct Sample {
  dp::CounterTotals totals;
  rte_eth_stats port{};
  uint64_t tsc = 0;
};

Sample sample(dp::Engine& e) {
  Sample s;
  s.tsc = rte_get_tsc_cycles();
  s.totals = e.totals();
  rte_eth_stats_get(e.ports()[0].port_id, &s.port);
  return s;
}

struct Measurement {
  double seconds = 0;
  uint64_t rx = 0, forwarded = 0, tx = 0, dropped = 0, punted = 0;
  uint64_t port_opackets = 0;
  dp::CounterTotals delta;   // only the drops array is used, for the reasons report
};

Measurement diff(const Sample& a, const Sample& b) {
  Measurement m;
  m.seconds = double(b.tsc - a.tsc) / double(rte_get_tsc_hz());
  m.rx = b.totals.rx_pkts - a.totals.rx_pkts;
  m.forwarded = b.totals.forwarded - a.totals.forwarded;
  m.tx = b.totals.tx_pkts - a.totals.tx_pkts;
  m.dropped = b.totals.dropped() - a.totals.dropped();
  m.punted = b.totals.punted - a.totals.punted;
  m.port_opackets = b.port.opackets - a.port.opackets;
  for (size_t i = 0; i < m.delta.drops.size(); ++i) m.delta.drops[i] = b.totals.drops[i] - a.totals.drops[i];
  return m;
}

void print_drop_reasons(const Measurement& m) {
  for (size_t i = 0; i < m.delta.drops.size(); ++i)
    if (m.delta.drops[i])
      std::fprintf(stderr, "  drop %-24s %llu\n", std::string(dp::drop_name(dp::Drop(i))).c_str(),
                   (unsigned long long)m.delta.drops[i]);
}

bool forwarding_verified(const Measurement& m) {
  if (m.rx == 0) return false;
  double lost = double(m.dropped + m.punted);
  return m.forwarded > 0 && lost <= kMaxLossShare * double(m.rx);
}

// Reports and returns whether the engine forwarded what it received.
bool report(const Measurement& m) {
  double mpps = double(m.forwarded) / m.seconds / 1e6;
  double rx_mpps = double(m.rx) / m.seconds / 1e6;
  // The worker spins at 100% whether busy or not, so its cycles over the interval divided by the
  // packets forwarded is the per-packet cost on that core.
  double cpp = m.forwarded ? double(rte_get_tsc_hz()) * m.seconds / double(m.forwarded) : 0.0;
  std::fprintf(stderr,
               "forward_bench: %.3f s  rx %llu  forwarded %llu  tx %llu  port-opackets %llu  dropped %llu  punted %llu\n",
               m.seconds, (unsigned long long)m.rx, (unsigned long long)m.forwarded, (unsigned long long)m.tx,
               (unsigned long long)m.port_opackets, (unsigned long long)m.dropped, (unsigned long long)m.punted);
  std::fprintf(stderr, "forward_bench: %.2f Mpps forwarded, %.1f cycles/packet at %.2f GHz TSC\n", mpps, cpp,
               double(rte_get_tsc_hz()) / 1e9);
  bool ok = forwarding_verified(m);
  if (!ok) {
    std::fprintf(stderr, "forward_bench: engine did not forward its input; drop reasons:\n");
    print_drop_reasons(m);
  }
  std::printf("engine mpps=%.4f rx_mpps=%.4f cycles_per_pkt=%.1f forwarded=%llu rx=%llu dropped=%llu seconds=%.3f ok=%d\n",
              mpps, rx_mpps, cpp, (unsigned long long)m.forwarded, (unsigned long long)m.rx,
              (unsigned long long)m.dropped, m.seconds, ok ? 1 : 0);
  std::fflush(stdout);
  return ok;
}

// Builds the node, runs one worker for warm-up + measurement, and reports. EAL must be up.
int run_bench(const Options& o, const dp::EalInfo& eal) {
  auto parsed = config::parse_profile_text(bench_profile(o.pcap), "forward_bench.profile");
  if (!parsed.ok()) {
    std::fprintf(stderr, "forward_bench: bench profile rejected:\n%s", parsed.error_text().c_str());
    return 1;
  }
  if (eal.worker_lcores.empty()) {
    std::fprintf(stderr, "forward_bench: no worker lcore\n");
    return 1;
  }
  auto node = node::Node::create(parsed.profile(), 1);
  if (!node) {
    std::fprintf(stderr, "forward_bench: %s\n", node.error().to_string().c_str());
    return 1;
  }
  node::Node& n = **node;
  n.poll();   // publishes the first snapshot (static neighbour resolved) before traffic starts

  std::atomic<bool> stop{false};
  WorkerArg arg{&n.engine(), &stop};
  n.engine().set_worker_lcore(0, eal.worker_lcores[0]);
  if (rte_eal_remote_launch(worker_main, &arg, eal.worker_lcores[0]) != 0) {
    std::fprintf(stderr, "forward_bench: cannot launch the worker on lcore %u\n", eal.worker_lcores[0]);
    return 1;
  }
  control_loop_for(n, o.warmup);   // caches, branch predictors and the mbuf cache settle
  Sample begin = sample(n.engine());
  control_loop_for(n, o.seconds);
  Sample end = sample(n.engine());
  stop.store(true);
  rte_eal_mp_wait_lcore();
  return report(diff(begin, end)) ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    usage();
    return 2;
  }
  auto eal = dp::eal_init(eal_args(o));
  if (!eal) {
    std::fprintf(stderr, "forward_bench: %s\n", eal.error().message.c_str());
    return 1;
  }
  int rc = run_bench(o, *eal);   // the node (and its ports and pool) is gone before EAL stops
  dp::eal_cleanup(*eal);
  return rc;
}
