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

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bench/bench_node.h"

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

// Reports and returns whether the engine forwarded what it received.
bool report(const bench::Interval& m) {
  const dp::CounterTotals& d = m.delta;
  double mpps = double(d.forwarded) / m.seconds / 1e6;
  double rx_mpps = double(d.rx_pkts) / m.seconds / 1e6;
  double cpp = bench::cycles_per_packet(m, d.forwarded);
  std::fprintf(stderr, "forward_bench: %.3f s  rx %llu  forwarded %llu  tx %llu  dropped %llu  punted %llu\n", m.seconds,
               (unsigned long long)d.rx_pkts, (unsigned long long)d.forwarded, (unsigned long long)d.tx_pkts,
               (unsigned long long)d.dropped(), (unsigned long long)d.punted);
  std::fprintf(stderr, "forward_bench: %.2f Mpps forwarded, %.1f cycles/packet at %.2f GHz TSC\n", mpps, cpp,
               double(rte_get_tsc_hz()) / 1e9);
  // Forwarding is "verified" when at most this share of received packets is dropped or punted:
  // the pcap holds only routable frames, so anything beyond noise means the bench measures drops.
  bool ok = d.rx_pkts > 0 && d.forwarded > 0 && double(d.dropped() + d.punted) <= kMaxLossShare * double(d.rx_pkts);
  if (!ok) {
    std::fprintf(stderr, "forward_bench: engine did not forward its input; drop reasons:\n");
    bench::print_drops(m);
  }
  std::printf("engine mpps=%.4f rx_mpps=%.4f cycles_per_pkt=%.1f forwarded=%llu rx=%llu dropped=%llu seconds=%.3f ok=%d\n",
              mpps, rx_mpps, cpp, (unsigned long long)d.forwarded, (unsigned long long)d.rx_pkts,
              (unsigned long long)d.dropped(), m.seconds, ok ? 1 : 0);
  std::fflush(stdout);
  return ok;
}

// Builds the node, runs one worker for warm-up + measurement, and reports. EAL must be up.
int run_bench(const Options& o, const dp::EalInfo& eal) {
  auto b = bench::BenchNode::create(bench_profile(o.pcap), eal);
  if (!b) {
    std::fprintf(stderr, "forward_bench: %s\n", b.error().message.c_str());
    return 1;
  }
  if (Status st = (*b)->start(); !st) {
    std::fprintf(stderr, "forward_bench: %s\n", st.error().message.c_str());
    return 1;
  }
  (*b)->control_for(o.warmup);  // caches, branch predictors and the mbuf cache settle
  bench::Sample begin = bench::sample((*b)->engine());
  (*b)->control_for(o.seconds);
  bench::Sample end = bench::sample((*b)->engine());
  (*b)->stop();
  return report(bench::between(begin, end)) ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    usage();
    return 2;
  }
  auto eal = dp::eal_init(bench::eal_args(o.file_prefix, 512));
  if (!eal) {
    std::fprintf(stderr, "forward_bench: %s\n", eal.error().message.c_str());
    return 1;
  }
  int rc = run_bench(o, *eal);   // the node (and its ports and pool) is gone before EAL stops
  dp::eal_cleanup(*eal);
  return rc;
}
