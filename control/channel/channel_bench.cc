// Seal+open rate of a heartbeat on one core (messages/s as items_per_second), beside the baseline
// of the bare AEAD (encrypt + decrypt of the same number of bytes, no framing, no codec), so the
// ratio shows what the message layer costs on top of the cipher.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "control/channel/opener.h"
#include "control/channel/sealer.h"

namespace sysplex::channel {
namespace {

// A typical heartbeat: two XCF addresses, eight DVIPAs (owned, backed up, served).
Heartbeat heartbeat() {
  Heartbeat hb{"SYS1", {*parse_ip("198.18.0.1"), *parse_ip("2001:db8::1")}, MemberState::kActive, 3, {}, 40};
  for (uint32_t i = 0; i < 8; ++i)
    hb.dvipas.push_back({IpAddr::v4_from_host(0xC6130001 + i), DvipaRole(1 + i % 3), 7 + i});
  return hb;
}

std::shared_ptr<const ChannelKey> bench_key() {
  std::vector<uint8_t> k(32, 0x42);
  auto key = ChannelKey::from_group_key_bytes(k);
  return std::make_shared<const ChannelKey>(std::move(*key));
}

// counter_nonces: nonces from a counter instead of getrandom, to show what the random source costs.
void run_seal_open(benchmark::State& state, bool counter_nonces) {
  auto key = bench_key();
  SealerOptions so{"EZBTCPCS", "SYS1", 1000, kMaxDatagram, {}, {}};
  auto counter = std::make_shared<uint64_t>(0);
  if (counter_nonces)
    so.random = [counter](std::span<uint8_t> out) {
      for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(*counter >> (8 * (i % 8)));
      ++*counter;
    };
  auto sealer = Sealer::create(key, so);
  auto opener = Opener::create(key, OpenerOptions{"EZBTCPCS", "SYS2"});
  Message m = heartbeat();
  std::vector<uint8_t> buf(kMaxDatagram);
  size_t bytes = 0;
  for (auto _ : state) {
    auto n = sealer->seal_into(m, buf);
    OpenResult r = opener->open(std::span(buf).first(*n));
    if (!r.ok()) state.SkipWithError("a sealed heartbeat was not accepted");
    benchmark::DoNotOptimize(r);
    bytes = *n;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["datagram_bytes"] = double(bytes);
}

void BM_SealOpenHeartbeat(benchmark::State& state) { run_seal_open(state, false); }
void BM_SealOpenHeartbeatCounterNonce(benchmark::State& state) { run_seal_open(state, true); }

// Baseline: the cipher alone on a body of the heartbeat's size with the same AAD length.
void BM_RawAeadBaseline(benchmark::State& state) {
  SecretBytes body;
  if (!encode_body(heartbeat(), body)) state.SkipWithError("heartbeat does not encode");
  std::vector<uint8_t> key(32, 0x42), aad(kAadSize, 1), nonce(kNonceSize, 2);
  std::vector<uint8_t> ct(body.size() + kTagSize), pt(body.size());
  for (auto _ : state) {
    unsigned long long clen = 0, mlen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), &clen, body.data(), body.size(), aad.data(), aad.size(),
                                               nullptr, nonce.data(), key.data());
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt.data(), &mlen, nullptr, ct.data(), clen, aad.data(), aad.size(),
                                                   nonce.data(), key.data()) != 0)
      state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(pt.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["body_bytes"] = double(body.size());
}

BENCHMARK(BM_SealOpenHeartbeat);
BENCHMARK(BM_SealOpenHeartbeatCounterNonce);
BENCHMARK(BM_RawAeadBaseline);

}  // namespace
}  // namespace sysplex::channel

BENCHMARK_MAIN();
