// The engine registry: probes the three libraries, measures each one's seal rate for a few
// milliseconds at start-up and hands out per-SA contexts. Control path only.
#include "dataplane/esp/aead.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "dataplane/esp/aead_backends.h"

namespace sysplex::dp::esp {
namespace {

constexpr std::array<EspAlg, kAlgCount> kAlgs = {EspAlg::kAes128Gcm, EspAlg::kAes256Gcm,
                                                 EspAlg::kChaCha20Poly1305};
// Without calibration: the multi-buffer library where it runs, then OpenSSL, then libsodium.
constexpr std::array<Engine, kEngineCount> kPreference = {Engine::kIpsecMb, Engine::kOpenSsl,
                                                          Engine::kSodium};

std::string fmt_gbps(double g) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", g);
  return b;
}

std::string available_list(const EngineChoice& c) {
  std::string s;
  for (Engine e : kPreference)
    if (c.available[size_t(e)]) s += (s.empty() ? "" : ", ") + std::string(engine_name(e));
  return s.empty() ? "none" : s;
}

std::optional<Engine> requested_engine(config::CryptoEngine r) {
  switch (r) {
    case config::CryptoEngine::kOpenSsl: return Engine::kOpenSsl;
    case config::CryptoEngine::kSodium: return Engine::kSodium;
    case config::CryptoEngine::kIpsecMb: return Engine::kIpsecMb;
    case config::CryptoEngine::kAuto: break;
  }
  return std::nullopt;
}

}  // namespace

KeyBytes::KeyBytes(std::span<const uint8_t> key_and_salt) {
  n_ = std::min(key_and_salt.size(), b_.size());
  if (n_) std::memcpy(b_.data(), key_and_salt.data(), n_);
}
KeyBytes::KeyBytes(const KeyBytes& o) : b_(o.b_), n_(o.n_) {}
KeyBytes& KeyBytes::operator=(const KeyBytes& o) {
  b_ = o.b_;
  n_ = o.n_;
  return *this;
}
KeyBytes::~KeyBytes() { OPENSSL_cleanse(b_.data(), b_.size()); }

Result<std::unique_ptr<AeadEngines>> AeadEngines::create(const EngineOptions& opts) {
  if (!backend::sodium_init_once())
    return make_error(Errc::kInternal, "libsodium failed to initialise (sodium_init)");
  std::unique_ptr<AeadEngines> r(new AeadEngines());
  r->probe(opts);
  for (EspAlg a : kAlgs)
    if (available_list(r->choice_[size_t(a)]) == "none")
      return make_error(Errc::kUnavailable,
                        "no crypto engine can do " + std::string(alg_name(a)) + " on this machine");
  r->calibrate(opts);
  return r;
}

AeadEngines::~AeadEngines() { backend::ipsecmb_close(imb_); }

void AeadEngines::probe(const EngineOptions& opts) {
  if (opts.use_ipsecmb)
    imb_ = backend::ipsecmb_open(opts.ipsecmb_flags, imb_status_);
  else
    imb_status_ = "intel-ipsec-mb: disabled";
  for (EspAlg a : kAlgs) {
    auto& av = choice_[size_t(a)].available;
    av[size_t(Engine::kOpenSsl)] = backend::openssl_supports(a);
    av[size_t(Engine::kSodium)] = backend::sodium_supports(a);
    av[size_t(Engine::kIpsecMb)] = backend::ipsecmb_supports(imb_, a);
  }
}

// Seals one buffer over and over for opts.calibrate_us, in four slices whose best rate counts: a
// slice the scheduler interrupted (the machine is shared) would otherwise decide the choice.
double AeadEngines::measure(Engine e, EspAlg a, const EngineOptions& opts) const {
  std::vector<uint8_t> key(alg_key_len(a) + kSaltLen, 0x5a);
  auto ctx = make_context(e, a, key);
  if (!ctx.ok()) return 0;
  std::vector<uint8_t> buf(opts.calibrate_bytes, 0xa5);
  uint8_t iv[kIvLen] = {}, aad[8] = {1, 2, 3, 4, 0, 0, 0, 1}, tag[kIcvLen];
  auto& c = **ctx;
  for (int i = 0; i < 16; ++i) (void)c.seal(iv, aad, 8, buf.data(), uint32_t(buf.size()), tag);
  using clock = std::chrono::steady_clock;
  double best = 0;
  uint64_t n = 0;
  for (int slice = 0; slice < 4; ++slice) {
    const auto start = clock::now(), until = start + std::chrono::microseconds(opts.calibrate_us / 4);
    uint64_t sealed = 0;
    auto now = start;
    do {
      for (int i = 0; i < 4; ++i, ++sealed) {
        iv[7] = uint8_t(++n);
        (void)c.seal(iv, aad, 8, buf.data(), uint32_t(buf.size()), tag);
      }
      now = clock::now();
    } while (now < until);
    const double ns = double(std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count());
    if (ns > 0) best = std::max(best, double(sealed) * double(buf.size()) * 8.0 / ns);
  }
  return best;
}

void AeadEngines::calibrate(const EngineOptions& opts) {
  for (EspAlg a : kAlgs) {
    EngineChoice& c = choice_[size_t(a)];
    bool picked = false;
    for (Engine e : kPreference) {
      if (!c.available[size_t(e)]) continue;
      if (opts.calibrate) c.gbps[size_t(e)] = measure(e, a, opts);
      if (!picked || c.gbps[size_t(e)] > c.gbps[size_t(c.best)]) c.best = e;
      picked = true;
    }
    if (!opts.calibrate) {
      c.reason = "preferred order (no calibration): " + available_list(c);
      continue;
    }
    c.reason = "fastest sealing " + std::to_string(opts.calibrate_bytes) + "-byte buffers:";
    for (Engine e : kPreference)
      c.reason += " " + std::string(engine_name(e)) + "=" +
                  (c.available[size_t(e)] ? fmt_gbps(c.gbps[size_t(e)]) + "Gbps" : "n/a");
  }
}

Result<Engine> AeadEngines::resolve(EspAlg a, config::CryptoEngine requested) const {
  const auto want = requested_engine(requested);
  if (!want) return best_engine(a);
  if (available(*want, a)) return *want;
  return make_error(Errc::kFailedPrecondition,
                    "ENGINE " + std::string(engine_name(*want)) + " cannot do " +
                        std::string(alg_name(a)) + " on this machine; available: " +
                        available_list(choice(a)));
}

Result<std::unique_ptr<AeadContext>> AeadEngines::make_context(
    Engine e, EspAlg a, std::span<const uint8_t> key_and_salt) const {
  const size_t klen = alg_key_len(a);
  if (key_and_salt.size() != klen + kSaltLen)
    return make_error(Errc::kInvalidArgument,
                      std::string(alg_name(a)) + " needs " + std::to_string(klen + kSaltLen) +
                          " bytes of key and salt, got " + std::to_string(key_and_salt.size()));
  if (!available(e, a))
    return make_error(Errc::kFailedPrecondition, std::string(engine_name(e)) + " cannot do " +
                                                     std::string(alg_name(a)) + " here");
  const auto key = key_and_salt.first(klen), salt = key_and_salt.subspan(klen);
  std::unique_ptr<AeadContext> ctx;
  switch (e) {
    case Engine::kOpenSsl: ctx = backend::make_openssl(a, key, salt); break;
    case Engine::kSodium: ctx = backend::make_sodium(a, key, salt); break;
    case Engine::kIpsecMb: ctx = backend::make_ipsecmb(imb_, a, key, salt); break;
  }
  if (!ctx)
    return make_error(Errc::kInternal, std::string(engine_name(e)) + " refused to set up a " +
                                           std::string(alg_name(a)) + " context");
  return ctx;
}

std::string AeadEngines::describe() const {
  std::string s;
  for (EspAlg a : kAlgs) {
    const EngineChoice& c = choice(a);
    s += std::string(alg_name(a)) + ": " + std::string(engine_name(c.best)) + " (" + c.reason +
         ")\n";
  }
  return s + imb_status_ + "\n";
}

}  // namespace sysplex::dp::esp
