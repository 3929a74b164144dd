// Micro-benchmarks of the distribution library: Maglev builds and lookups, flow hashing (the
// portable CRC32C is the same-run baseline) and pick() per SYN for each distribution method.
#include <benchmark/benchmark.h>

#include <vector>

#include "dataplane/dist/flow_hash.h"
#include "dataplane/dist/maglev.h"
#include "dataplane/dist/methods.h"

namespace sysplex::dist {
namespace {

// Enough distinct flows to defeat branch prediction; their keys stay in L1/L2.
constexpr uint32_t kFlows = 4096;

std::vector<Endpoint> endpoints(uint32_t n) {
  std::vector<Endpoint> eps;
  for (uint32_t i = 0; i < n; ++i) {
    eps.push_back(Endpoint{i, 1 + i % 4, endpoint_key(IpAddr::v4_from_host(0xc6120000 + i))});
  }
  return eps;
}

std::vector<FlowKey> flows(bool v6) {
  const IpAddr dvipa = parse_ip(v6 ? "2001:db8::1" : "198.19.0.1").value();
  const IpAddr base = parse_ip(v6 ? "2001:db8:1::" : "198.18.0.0").value();
  std::vector<FlowKey> out;
  for (uint32_t i = 0; i < kFlows; ++i) {
    IpAddr src = base;
    src.bytes[v6 ? 15 : 3] = static_cast<uint8_t>(i);
    src.bytes[v6 ? 14 : 2] = static_cast<uint8_t>(i >> 8);
    out.push_back(FlowKey{src, dvipa, static_cast<uint16_t>(32768 + i * 7), 443, 6});
  }
  return out;
}

void BM_MaglevBuild(benchmark::State& state) {
  const auto eps = endpoints(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(build_maglev(eps, kMaglevDefaultSize));
}
BENCHMARK(BM_MaglevBuild)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond);

void BM_MaglevLookup(benchmark::State& state) {
  const auto table = build_maglev(endpoints(16), kMaglevDefaultSize).value();
  std::vector<uint32_t> hashes;
  for (const FlowKey& f : flows(false)) hashes.push_back(flow_hash(f));
  uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(maglev_lookup(table, hashes[i++ % kFlows]));
  }
}
BENCHMARK(BM_MaglevLookup);

template <bool kV6>
void BM_FlowHash(benchmark::State& state) {
  const auto keys = flows(kV6);
  uint32_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(flow_hash(keys[i++ % kFlows]));
}
BENCHMARK(BM_FlowHash<false>)->Name("BM_FlowHash/v4");
BENCHMARK(BM_FlowHash<true>)->Name("BM_FlowHash/v6");

// The baseline for the CRC step: the table-driven version flow_hash would use without SSE4.2.
template <uint32_t (*kStep)(uint32_t, uint64_t) noexcept>
void BM_Crc32cStep(benchmark::State& state) {
  uint64_t word = 0x0123456789abcdef;
  uint32_t crc = ~0u;
  for (auto _ : state) {
    crc = kStep(crc, word++);
    benchmark::DoNotOptimize(crc);
  }
}
BENCHMARK(BM_Crc32cStep<crc32c_u64>)->Name("BM_Crc32cStep/accelerated");
BENCHMARK(BM_Crc32cStep<crc32c_u64_portable>)->Name("BM_Crc32cStep/portable_baseline");

// 16 ready targets with varied weights; every pick opens a connection on the chosen target, and
// with affinity each of 4096 clients returns (a hit) and its connection ends.
void run_picks(benchmark::State& state, const SelectorConfig& config) {
  std::vector<TargetState> targets(16);
  for (uint32_t i = 0; i < targets.size(); ++i) {
    targets[i] = TargetState{.ready = true,
                             .weight = static_cast<uint16_t>(1 + i % 4),
                             .wlm_weight = static_cast<uint8_t>(16 + i),
                             .responsiveness = 90};
  }
  targets[0].role = config::DestRole::kPreferred;
  targets[1].role = config::DestRole::kBackup;
  Selector selector = Selector::create(config).value();
  const auto keys = flows(false);
  uint64_t now_ms = 0;
  uint32_t i = 0;
  for (auto _ : state) {
    const FlowKey& key = keys[i++ % kFlows];
    const uint32_t target = selector.pick(targets, key, ++now_ms);
    ++targets[target].active;
    if (config.timed_affinity_secs > 0) selector.on_connection_end(key.src, target, now_ms);
  }
}

void BM_Pick(benchmark::State& state, config::DistMethod method, uint32_t affinity_secs) {
  run_picks(state, SelectorConfig{.method = method, .timed_affinity_secs = affinity_secs});
}
BENCHMARK_CAPTURE(BM_Pick, roundrobin, config::DistMethod::kRoundRobin, 0);
BENCHMARK_CAPTURE(BM_Pick, weightedactive, config::DistMethod::kWeightedActive, 0);
BENCHMARK_CAPTURE(BM_Pick, basewlm, config::DistMethod::kBaseWlm, 0);
BENCHMARK_CAPTURE(BM_Pick, hotstandby, config::DistMethod::kHotStandby, 0);
BENCHMARK_CAPTURE(BM_Pick, roundrobin_timedaffinity, config::DistMethod::kRoundRobin, 60);

}  // namespace
}  // namespace sysplex::dist

BENCHMARK_MAIN();
