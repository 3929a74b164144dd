// esp_bench: one core, in process. Per algorithm (AES-128-GCM, ChaCha20-Poly1305) and size (64,
// 512, 1400 bytes): each engine's raw AEAD seal/open rate, and the library's full outbound and
// inbound path on buffers (tunnel mode, IPv4) with the engine start-up calibration chose.
//   esp_bench [--runs N] [--ms M]      N timed runs of about M ms each; medians are printed
// Each pass works on kBatch distinct buffers prepared beforehand (untimed), so every open and
// every decryption sees fresh, authentic ciphertext and no copy is inside the timed loop.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_test_util.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Buf;
using testutil::Bytes;
using Clock = std::chrono::steady_clock;

constexpr size_t kBatch = 512;
constexpr std::array<uint32_t, 3> kSizes = {64, 512, 1400};

struct Options {
  int runs = 5;
  int ms = 40;
};

// Runs prepare() then the timed work() over and over for about `ms`; returns items per second.
double rate(const Options& o, const std::function<void()>& prepare,
            const std::function<void()>& work) {
  std::vector<double> results;
  for (int r = 0; r < o.runs; ++r) {
    double busy_ns = 0;
    uint64_t items = 0;
    const auto until = Clock::now() + std::chrono::milliseconds(o.ms);
    while (Clock::now() < until) {
      prepare();
      const auto t0 = Clock::now();
      work();
      busy_ns += double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
      items += kBatch;
    }
    results.push_back(double(items) * 1e9 / busy_ns);
  }
  std::sort(results.begin(), results.end());
  return results[results.size() / 2];
}

double gbps(double per_sec, uint32_t bytes) { return per_sec * bytes * 8 / 1e9; }

struct Raw {
  double seal = 0, open = 0;
};

// The engine alone: seal kBatch buffers in place; open kBatch authentic ciphertexts.
Raw raw_rates(const Options& o, const AeadEngines& eng, Engine e, EspAlg a, uint32_t size) {
  const Bytes key = testutil::test_key(a);
  auto ctx = eng.make_context(e, a, key);
  if (!ctx) return {};
  AeadContext& c = **ctx;
  std::vector<Bytes> bufs(kBatch, Bytes(size + kIcvLen, 0x5a));
  const uint8_t aad[8] = {0, 0, 0x10, 0, 0, 0, 0, 1};
  uint64_t n = 0;
  auto iv = [](uint64_t i, uint8_t* out) { std::memcpy(out, &i, 8); };
  auto seal_all = [&] {
    for (auto& b : bufs) {
      uint8_t v[8];
      iv(++n, v);
      (void)c.seal(v, aad, 8, b.data(), size, b.data() + size);
    }
  };
  seal_all();  // warm up: first touches of the buffers and of the library's code
  Raw r;
  r.seal = rate(o, [] {}, seal_all);
  uint64_t first = 0;
  auto open_all = [&] {
    uint64_t i = first;
    bool ok = true;
    for (auto& b : bufs) {
      uint8_t v[8];
      iv(++i, v);
      ok &= c.open(v, aad, 8, b.data(), size, b.data() + size);
    }
    if (!ok) std::fprintf(stderr, "esp_bench: %s open failed\n", std::string(engine_name(e)).c_str());
  };
  r.open = rate(o, [&] { first = n; seal_all(); }, open_all);
  return r;
}

struct Path {
  double enc_pps = 0, dec_pps = 0;
};

// The library: esp_encrypt on kBatch fresh inner packets; esp_decrypt on kBatch fresh ESP packets.
Path path_rates(const Options& o, const AeadEngines& eng, EspAlg a, uint32_t size) {
  testutil::SaSpec s;
  s.alg = a;
  auto out = make_sa(testutil::control(s, SaDir::kOutbound), eng, {});
  auto in = make_sa(testutil::control(s, SaDir::kInbound), eng, {});
  if (!out || !in) return {};
  const Bytes inner = testutil::inner_udp(false, size - 28);
  std::vector<Buf> bufs(kBatch, Buf(inner, 64, 64));
  const PktBuf fresh = bufs[0].pkt;
  auto reset = [&] {
    for (auto& b : bufs) {
      b.pkt = {b.mem.data(), uint32_t(b.mem.size()), fresh.off, fresh.len};
      std::memcpy(b.pkt.data(), inner.data(), inner.size());
    }
  };
  int bad = 0;
  auto encrypt_all = [&] {
    for (auto& b : bufs) bad += !esp_encrypt(**out, 0, b.pkt, 0).ok();
  };
  auto decrypt_all = [&] {
    for (auto& b : bufs) bad += !esp_decrypt(**in, 0, b.pkt, {20, false}, 0).ok();
  };
  reset();
  encrypt_all();  // warm up
  Path p;
  p.enc_pps = rate(o, reset, encrypt_all);
  p.dec_pps = rate(o, [&] { reset(); encrypt_all(); }, decrypt_all);
  if (bad) std::fprintf(stderr, "esp_bench: %d packets refused\n", bad);
  return p;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

void bench(const Options& o, const AeadEngines& eng, EspAlg a, uint32_t size) {
  std::string line = "esp alg=" + std::string(alg_name(a)) + " size=" + std::to_string(size) +
                     " engine=" + std::string(engine_name(eng.best_engine(a)));
  for (Engine e : {Engine::kOpenSsl, Engine::kSodium, Engine::kIpsecMb}) {
    const std::string n(engine_name(e));
    if (!eng.available(e, a)) {
      line += " seal_gbps_" + n + "=na open_gbps_" + n + "=na";
      continue;
    }
    const Raw r = raw_rates(o, eng, e, a, size);
    line += " seal_gbps_" + n + "=" + fmt(gbps(r.seal, size)) + " open_gbps_" + n + "=" +
            fmt(gbps(r.open, size));
  }
  const Path p = path_rates(o, eng, a, size);
  line += " encrypt_gbps=" + fmt(gbps(p.enc_pps, size)) + " encrypt_mpps=" + fmt(p.enc_pps / 1e6) +
          " decrypt_gbps=" + fmt(gbps(p.dec_pps, size)) + " decrypt_mpps=" + fmt(p.dec_pps / 1e6);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) o.runs = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--ms")) o.ms = std::max(1, std::atoi(argv[i + 1]));
  }
  return o;
}

}  // namespace
}  // namespace sysplex::dp::esp

int main(int argc, char** argv) {
  using namespace sysplex::dp::esp;
  const Options o = parse(argc, argv);
  auto eng = AeadEngines::create();  // with calibration: the choice a node would make
  if (!eng) {
    std::fprintf(stderr, "esp_bench: %s\n", eng.error().to_string().c_str());
    return 1;
  }
  std::printf("# %s", (*eng)->describe().c_str());
  for (EspAlg a : {EspAlg::kAes128Gcm, EspAlg::kChaCha20Poly1305})
    for (uint32_t size : kSizes) bench(o, **eng, a, size);
  return 0;
}
