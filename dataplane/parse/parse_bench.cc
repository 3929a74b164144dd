// ns/packet of parse_frame for the traffic mixes the data plane lives on, over the same builder
// fixtures the tests use, each reported against an Ethernet-only baseline measured in the same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <ostream>
#include <string>

#include "dataplane/parse/parse.h"
#include "tests/support/packet_builder.h"

namespace sysplex::dp {
namespace {

using sysplex::testing::Frame;
using sysplex::testing::PacketBuilder;

// A burst's worth of distinct flows, cycled so the branch predictor sees a realistic mix of ports
// and addresses rather than one frame.
constexpr uint32_t kFlows = 32;

template <typename Make>
std::vector<Frame> flows(Make make) {
  std::vector<Frame> out;
  for (uint32_t i = 0; i < kFlows; ++i) out.push_back(make(i));
  return out;
}

std::string v4_host(uint32_t i) { return "198.18.0." + std::to_string(i + 1); }
std::string v6_host(uint32_t i) { return "2001:db8::" + std::to_string(i + 1); }

std::vector<Frame> tcp4() {
  return flows([](uint32_t i) {
    return PacketBuilder()
        .ipv4(v4_host(i), "198.18.1.1")
        .tcp(uint16_t(40000 + i), 443, kTcpAck)
        .payload(64)
        .build();
  });
}

std::vector<Frame> tcp6() {
  return flows([](uint32_t i) {
    return PacketBuilder()
        .ipv6(v6_host(i), "2001:db8:1::1")
        .tcp(uint16_t(40000 + i), 443, kTcpAck)
        .payload(64)
        .build();
  });
}

std::vector<Frame> udp_esp4() {
  return flows([](uint32_t i) {
    return PacketBuilder()
        .ipv4(v4_host(i), "198.18.1.1")
        .udp(4500, 4500)
        .esp(0x1000 + i, i + 1)
        .payload(96)
        .build();
  });
}

std::vector<Frame> gre4() {
  return flows([](uint32_t i) {
    const auto inner =
        PacketBuilder().ipv4("198.18.2.1", v4_host(i)).udp(uint16_t(5000 + i), 53).payload(32);
    return PacketBuilder().ipv4(v4_host(i), "198.18.1.1").gre(inner, {.key = i}).build();
  });
}

// One packet per iteration: the reported time is ns/packet.
template <typename Parse>
void run(benchmark::State& state, const std::vector<Frame>& frames, Parse parse) {
  uint32_t i = 0;
  PacketDesc d;
  for (auto _ : state) {
    const Frame& f = frames[i++ % kFlows];
    Drop r = parse(f.data(), uint32_t(f.size()), d);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}

void full(benchmark::State& state, const std::vector<Frame>& frames) {
  run(state, frames,
      [](const uint8_t* f, uint32_t len, PacketDesc& d) { return parse_frame(f, len, d); });
}

// The floor every packet pays, same frames and loop: clearing the descriptor and reading Ethernet.
void BM_Baseline_EthOnly(benchmark::State& state) {
  static const auto frames = tcp4();
  run(state, frames, [](const uint8_t* f, uint32_t len, PacketDesc& d) {
    d = PacketDesc{};
    return parse_eth(f, len, d);
  });
}
void BM_ParseTcpIpv4(benchmark::State& state) {
  static const auto frames = tcp4();
  full(state, frames);
}
void BM_ParseTcpIpv4NicCsum(benchmark::State& state) {
  static const auto frames = tcp4();
  run(state, frames,
      [](const uint8_t* f, uint32_t len, PacketDesc& d) { return parse_frame(f, len, d, false); });
}
void BM_ParseTcpIpv6(benchmark::State& state) {
  static const auto frames = tcp6();
  full(state, frames);
}
void BM_ParseUdpEncapEsp(benchmark::State& state) {
  static const auto frames = udp_esp4();
  full(state, frames);
}
void BM_ParseGreKey(benchmark::State& state) {
  static const auto frames = gre4();
  full(state, frames);
}

// Medians of 5 repetitions with their spread; the ratio to the baseline is printed at the end.
#define PARSE_BENCH(fn) BENCHMARK(fn)->Repetitions(5)->ReportAggregatesOnly(true)
PARSE_BENCH(BM_Baseline_EthOnly);
PARSE_BENCH(BM_ParseTcpIpv4);
PARSE_BENCH(BM_ParseTcpIpv4NicCsum);
PARSE_BENCH(BM_ParseTcpIpv6);
PARSE_BENCH(BM_ParseUdpEncapEsp);
PARSE_BENCH(BM_ParseGreKey);

// Console output plus one line per benchmark: median ns/packet as a multiple of the baseline's.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (r.aggregate_name == "median")
        medians_[r.run_name.function_name] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const auto base = medians_.find("BM_Baseline_EthOnly");
    if (base == medians_.end() || base->second <= 0) return;
    for (const auto& [name, t] : medians_) {
      char line[96];
      std::snprintf(line, sizeof line, "%-28s %7.2f ns/pkt  %5.2fx baseline\n", name.c_str(), t,
                    t / base->second);
      GetOutputStream() << line;
    }
  }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace
}  // namespace sysplex::dp

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sysplex::dp::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
