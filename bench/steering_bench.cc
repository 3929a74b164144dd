// steering_bench: the distributor's data path on one worker core, through the real Node + Engine.
//
//   steering_bench steer --pcap FILE --connections N [--seconds S] [--warmup S] [--file-prefix P]
//     Established-flow steering: the connection table is first loaded with N connections (through
//     the same control -> worker command ring a takeover's bulk reports use), then a net_pcap
//     device replays ACKs of a spread subset of them (bench/gen_steering_pcap.py) from memory;
//     every packet is looked up, tracked and MAC-rewritten to its target. bench/run runs
//     dpdk-testpmd io forwarding on the same device string as the baseline.
//   steering_bench syn [--seconds S] [--file-prefix P]
//     New connections: the control lcore generates SYNs of never-seen 5-tuples into an in-process
//     wire as fast as it can; the worker picks a target (ROUNDROBIN), inserts the entry and
//     forwards. Reported as connections created per second.
//
// Each prints a human-readable report on stderr and one line on stdout:
//   steer mpps=.. cycles_per_pkt=.. connections=.. ok=..      /  syn mpps=.. cycles_per_pkt=.. ok=..
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "bench/bench_node.h"
#include "dataplane/engine/wire.h"
#include "dataplane/parse/parse.h"

namespace {

using namespace sysplex;

constexpr const char* kDvipa = "198.18.1.50";
constexpr unsigned kTargets = 4;

struct Options {
  std::string mode, pcap, file_prefix = "bench-st";
  uint32_t connections = 1'000'000;
  double seconds = 3.0, warmup = 1.0;
};

bool parse_options(int argc, char** argv, Options& o) {
  if (argc < 2) return false;
  o.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--pcap") o.pcap = v;
    else if (a == "--connections") o.connections = uint32_t(std::strtoul(v, nullptr, 10));
    else if (a == "--seconds") o.seconds = std::atof(v);
    else if (a == "--warmup") o.warmup = std::atof(v);
    else if (a == "--file-prefix") o.file_prefix = v;
    else return false;
  }
  if (argc % 2) return false;
  return (o.mode == "steer" && !o.pcap.empty() && o.connections > 0) || o.mode == "syn";
}

// A distributed DVIPA with four targets on the port's segment (direct path, static neighbours).
std::string profile(const std::string& device, uint32_t entries, uint32_t mbufs) {
  std::string p = "NODENAME BENCH\nNODEADDR 198.18.1.1\n"
                  "PORT lan0 DEVICE \"" + device + "\"\nPORTADDR lan0 198.18.1.1/24\n";
  for (unsigned t = 0; t < kTargets; ++t)
    p += "NEIGHBOR 198.18.1.1" + std::to_string(t + 1) + " 02:00:00:00:01:1" + std::to_string(t + 1) + "\n";
  p += "WORKERS 1\nMEMPOOL MBUFS " + std::to_string(mbufs) + " CACHE 256 DATAROOM 512\n";
  p += "CONNTABLE ENTRIES " + std::to_string(entries) + " SYNTIMEOUT 3600\n";
  p += "VIPADYNAMIC\n  VIPADEFINE 255.255.255.255 " + std::string(kDvipa) + "\n";
  p += "  VIPADISTRIBUTE DISTMETHOD ROUNDROBIN " + std::string(kDvipa) + " PORT 80 DESTIP";
  for (unsigned t = 0; t < kTargets; ++t) p += " 198.18.1.1" + std::to_string(t + 1);
  return p + "\nENDVIPADYNAMIC\n";
}

// Every target reports a ready listener, as its group channel would.
void make_targets_ready(node::Node& n) {
  for (unsigned t = 0; t < kTargets; ++t)
    n.on_listener_report(*parse_ip("198.18.1.1" + std::to_string(t + 1)), "T" + std::to_string(t), {{*parse_ip(kDvipa), 80, true}});
  n.set_listener_scan([](const auto&) { return Result<std::vector<distributor::ListenerReport>>(std::vector<distributor::ListenerReport>{}); });
  n.poll();
}

// Connection i, as gen_steering_pcap.py numbers them.
conn::ConnKey connection(uint32_t i) {
  uint8_t src[4] = {198, 19, uint8_t(i >> 8), uint8_t(i)};
  uint8_t dst[4] = {198, 18, 1, 50};
  return conn::make_key(src, dst, false, uint16_t(10000 + (i >> 16)), 80, dp::kProtoTcp);
}

// Loads the table through the command ring while the worker drains it.
bool load_connections(bench::BenchNode& b, uint32_t n) {
  dp::Engine& e = b.engine();
  const dp::Snapshot* s = e.snapshot();
  if (s->services.empty()) return false;
  dp::ConnCommand c;
  c.op = dp::ConnCommand::Op::kInsert;
  c.service = s->services[0].id;
  for (uint32_t i = 0; i < n;) {
    c.key = connection(i);
    c.target = s->service_targets[s->services[0].first_target + i % kTargets];
    if (e.broadcast(c))
      ++i;
    else
      std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  for (int wait = 0; wait < 2000 && e.conn_table(0).size() < n; ++wait) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return e.conn_table(0).size() == n;
}

int run_steer(const Options& o, const dp::EalInfo& eal) {
  std::string device = "net_pcap0,rx_pcap=" + o.pcap + ",infinite_rx=1";
  // The PMD loads the whole pcap into the pool, so the pool holds it (up to ~400k frames) plus room.
  auto b = bench::BenchNode::create(profile(device, o.connections + o.connections / 4, (1u << 19) - 1), eal);
  if (!b) {
    std::fprintf(stderr, "steering_bench: %s\n", b.error().message.c_str());
    return 1;
  }
  make_targets_ready((*b)->node());
  if (Status st = (*b)->start(); !st) return std::fprintf(stderr, "steering_bench: %s\n", st.error().message.c_str()), 1;
  auto t0 = std::chrono::steady_clock::now();
  if (!load_connections(**b, o.connections)) {
    std::fprintf(stderr, "steering_bench: could not load %u connections (table holds %u)\n", o.connections,
                 (*b)->engine().conn_table(0).size());
    return 1;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (*b)->control_for(o.warmup);
  bench::Sample begin = bench::sample((*b)->engine());
  (*b)->control_for(o.seconds);
  bench::Sample end = bench::sample((*b)->engine());
  uint32_t size = (*b)->engine().conn_table(0).size();
  (*b)->stop();
  bench::Interval m = bench::between(begin, end);
  const dp::CounterTotals& d = m.delta;
  // Every ACK belongs to a loaded connection: a new entry, a hash fallback or a drop means the
  // bench measured something else.
  bool ok = d.distributed > 0 && d.conn_new == 0 && d.conn_hashed == 0 && d.dropped() <= d.rx_pkts / 1000;
  std::fprintf(stderr, "steering_bench: loaded %u connections in %.2f s; %.3f s: rx %llu distributed %llu dropped %llu\n",
               o.connections, load_s, m.seconds, (unsigned long long)d.rx_pkts, (unsigned long long)d.distributed,
               (unsigned long long)d.dropped());
  if (!ok) bench::print_drops(m);
  std::printf("steer mpps=%.4f cycles_per_pkt=%.1f connections=%u ok=%d\n", double(d.distributed) / m.seconds / 1e6,
              bench::cycles_per_packet(m, d.distributed), size, ok ? 1 : 0);
  return ok ? 0 : 3;
}

// SYN generator: a template frame patched per packet with a fresh client address and port, both
// checksums updated incrementally.
struct SynSource {
  uint16_t port = 0;
  rte_mempool* pool = nullptr;
  uint8_t tmpl[60] = {};
  uint32_t next = 0;

  bool open(const std::string& device, rte_mempool* p, const std::array<uint8_t, 6>& engine_mac) {
    pool = p;
    auto id = dp::create_wire_port(device, 1, 0);
    if (!id) return false;
    port = *id;
    rte_eth_conf conf{};
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 || rte_eth_rx_queue_setup(port, 0, 4096, 0, nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, 4096, 0, nullptr) != 0 || rte_eth_dev_start(port) != 0)
      return false;
    std::memcpy(tmpl, engine_mac.data(), 6);
    std::memcpy(tmpl + 6, "\x02\x00\x00\x00\x00\x02\x08\x00", 8);
    uint8_t* ip = tmpl + 14;
    const uint8_t hdr[20] = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 19, 0, 0, 198, 18, 1, 50};
    std::memcpy(ip, hdr, 20);
    dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, 20));
    uint8_t* tcp = ip + 20;
    dp::store_be16(tcp, 10000);
    dp::store_be16(tcp + 2, 80);
    tcp[12] = 5 << 4;
    tcp[13] = dp::kTcpSyn;
    dp::store_be16(tcp + 14, 65535);
    dp::store_be16(tcp + 16, dp::l4_checksum_v4(ip + 12, ip + 16, 6, tcp, 20));
    return true;
  }
  void fill(uint8_t* f) {
    std::memcpy(f, tmpl, 60);
    uint32_t n = next++;
    uint8_t* ip = f + 14;
    uint32_t old_src = dp::load_be32(ip + 12), src = (old_src & 0xffff0000u) | (n & 0xffff);
    uint16_t sport = uint16_t(10000 + (n >> 16));
    dp::store_be32(ip + 12, src);
    dp::store_be16(ip + 10, dp::csum_update32(dp::load_be16(ip + 10), old_src, src));
    uint8_t* tcp = ip + 20;
    uint16_t c = dp::csum_update32(dp::load_be16(tcp + 16), old_src, src);
    c = dp::csum_update16(c, dp::load_be16(tcp), sport);
    dp::store_be16(tcp, sport);
    dp::store_be16(tcp + 16, c);
  }
  // Sends one burst if the wire has room; frees what the engine sent back.
  void step() {
    rte_mbuf* m[32];
    uint16_t back = rte_eth_rx_burst(port, 0, m, 32);
    if (back) rte_pktmbuf_free_bulk(m, back);
    if (rte_pktmbuf_alloc_bulk(pool, m, 32) != 0) return;
    for (auto* x : m) fill(reinterpret_cast<uint8_t*>(rte_pktmbuf_append(x, 60)));
    uint16_t sent = rte_eth_tx_burst(port, 0, m, 32);
    if (sent < 32) {
      rte_pktmbuf_free_bulk(m + sent, 32u - sent);
      next -= 32u - sent;  // those tuples were never seen: reuse them
      bench::back_off();  // the wire is full
    }
  }
};

int run_syn(const Options& o, const dp::EalInfo& eal) {
  uint32_t entries = 16u << 20;  // room for every SYN of a several-second run at well over 3 Mpps
  auto b = bench::BenchNode::create(profile("wire:bsyn:a", entries, 65535), eal);
  if (!b) return std::fprintf(stderr, "steering_bench: %s\n", b.error().message.c_str()), 1;
  make_targets_ready((*b)->node());
  SynSource gen;
  if (!gen.open("wire:bsyn:b", (*b)->engine().pool(), (*b)->engine().ports()[0].mac))
    return std::fprintf(stderr, "steering_bench: cannot open the SYN generator's wire\n"), 1;
  if (Status st = (*b)->start(); !st) return std::fprintf(stderr, "steering_bench: %s\n", st.error().message.c_str()), 1;
  // The clock is read every 64 bursts (it is not free). A run also ends once the SYNs sent would
  // fill three quarters of the table: past that, two-choice inserts start to fail and the figure
  // would measure a full table. The rate is over the time actually run either way.
  const uint32_t budget = entries / 4 * 3;
  auto run = [&](double seconds) {
    uint64_t end = rte_get_tsc_cycles() + uint64_t(seconds * double(rte_get_tsc_hz()));
    for (unsigned k = 1; k % 64 || (rte_get_tsc_cycles() < end && gen.next < budget); ++k) {
      gen.step();
      if (k % 4096 == 0) (*b)->node().poll();
    }
  };
  run(std::min(o.warmup, 0.5));
  bench::Sample begin = bench::sample((*b)->engine());
  run(o.seconds);
  bench::Sample end = bench::sample((*b)->engine());
  (*b)->stop();
  bench::Interval m = bench::between(begin, end);
  const dp::CounterTotals& d = m.delta;
  bool ok = d.conn_new > 0 && d.conn_full == 0 && d.dropped() <= d.rx_pkts / 1000;
  std::fprintf(stderr, "steering_bench: %.3f s: rx %llu new connections %llu full %llu dropped %llu; worker busy in %.0f%% of its loops\n",
               m.seconds, (unsigned long long)d.rx_pkts, (unsigned long long)d.conn_new, (unsigned long long)d.conn_full,
               (unsigned long long)d.dropped(), d.loops ? 100.0 * double(d.busy_loops) / double(d.loops) : 0.0);
  if (!ok) bench::print_drops(m);
  std::printf("syn mpps=%.4f cycles_per_pkt=%.1f ok=%d\n", double(d.conn_new) / m.seconds / 1e6,
              bench::cycles_per_packet(m, d.conn_new), ok ? 1 : 0);
  return ok ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: steering_bench steer --pcap FILE --connections N [--seconds S] [--warmup S] [--file-prefix P]\n"
                 "       steering_bench syn [--seconds S] [--file-prefix P]\n");
    return 2;
  }
  auto eal = dp::eal_init(bench::eal_args(o.file_prefix, 2048));
  if (!eal) return std::fprintf(stderr, "steering_bench: %s\n", eal.error().message.c_str()), 1;
  int rc = o.mode == "steer" ? run_steer(o, *eal) : run_syn(o, *eal);
  dp::eal_cleanup(*eal);
  return rc;
}
