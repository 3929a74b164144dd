// AEAD engines for ESP (RFC 4106 AES-GCM-16, RFC 7634 ChaCha20-Poly1305): one interface over
// OpenSSL 3 EVP, libsodium and Intel's multi-buffer library, chosen once per SA by calibration.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "config/profile.h"
#include "config/result.h"

struct IMB_MGR;

namespace sysplex::dp::esp {

using config::EspAlg;

enum class Engine : uint8_t { kOpenSsl, kSodium, kIpsecMb };
inline constexpr size_t kEngineCount = 3;
inline constexpr size_t kAlgCount = 3;
inline constexpr uint32_t kIcvLen = 16;    // RFC 4106 ICV of 16 octets; RFC 7634 tag
inline constexpr uint32_t kIvLen = 8;      // the explicit IV carried in each packet
inline constexpr uint32_t kSaltLen = 4;    // nonce = salt || IV
inline constexpr uint32_t kMaxKeyLen = 32;

inline constexpr std::array<std::string_view, kEngineCount> kEngineNames = {"openssl", "sodium",
                                                                            "ipsecmb"};
inline constexpr std::array<std::string_view, kAlgCount> kAlgNames = {"aes128gcm", "aes256gcm",
                                                                      "chacha20poly1305"};
constexpr std::string_view engine_name(Engine e) { return kEngineNames[size_t(e)]; }
constexpr std::string_view alg_name(EspAlg a) { return kAlgNames[size_t(a)]; }
constexpr uint32_t alg_key_len(EspAlg a) { return a == EspAlg::kAes128Gcm ? 16 : 32; }

// Key material: key || 4-byte salt, as IKEv2 derives it and as key files hold it. Wiped
// (OPENSSL_cleanse) when destroyed; never formatted into any message.
class KeyBytes {
 public:
  KeyBytes() = default;
  explicit KeyBytes(std::span<const uint8_t> key_and_salt);
  KeyBytes(const KeyBytes& o);
  KeyBytes& operator=(const KeyBytes& o);
  ~KeyBytes();
  std::span<const uint8_t> bytes() const { return {b_.data(), n_}; }
  size_t size() const { return n_; }

 private:
  std::array<uint8_t, kMaxKeyLen + kSaltLen> b_{};
  size_t n_ = 0;
};

// One SA's cipher state for one worker: the key is expanded once, per packet only the nonce
// (salt || iv) is set. Both calls work in place on data[0, len). Not thread-safe: one per worker.
class AeadContext {
 public:
  virtual ~AeadContext() = default;
  // data becomes ciphertext, the 16-byte ICV goes to tag. False only on a library failure.
  [[nodiscard]] virtual bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len,
                                  uint8_t* data, uint32_t len, uint8_t* tag) noexcept = 0;
  // data becomes plaintext when the ICV verifies (true); on false it must be discarded.
  [[nodiscard]] virtual bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len,
                                  uint8_t* data, uint32_t len, const uint8_t* tag) noexcept = 0;
  Engine engine() const { return engine_; }
  EspAlg alg() const { return alg_; }

 protected:
  AeadContext(Engine e, EspAlg a) : engine_(e), alg_(a) {}

 private:
  Engine engine_;
  EspAlg alg_;
};

struct EngineOptions {
  bool calibrate = true;          // false: fixed preference ipsecmb > openssl > sodium, no timing
  uint32_t calibrate_us = 1000;   // sealing time per engine and algorithm
  uint32_t calibrate_bytes = 1400;
  bool use_ipsecmb = true;        // false: as if the library were absent
  uint64_t ipsecmb_flags = 0;     // IMB_FLAG_* for alloc_mb_mgr (IMB_FLAG_AESNI_OFF: no AES-NI)
};

// Per algorithm: what each engine could do, what it measured and which one start-up picked.
struct EngineChoice {
  std::array<bool, kEngineCount> available{};
  std::array<double, kEngineCount> gbps{};  // calibration seal rate, 0 when not measured
  Engine best = Engine::kOpenSsl;
  std::string reason;                       // for displays, e.g. "fastest: ipsecmb 21.3 Gbps, ..."
};

// The process's crypto back ends: probes each library once (sodium_init, the multi-buffer
// manager for this CPU), calibrates, and makes per-SA contexts. Built by control at start-up,
// then only read (make_context is safe from one control thread).
class AeadEngines {
 public:
  [[nodiscard]] static Result<std::unique_ptr<AeadEngines>> create(const EngineOptions& opts = {});
  ~AeadEngines();
  AeadEngines(const AeadEngines&) = delete;
  AeadEngines& operator=(const AeadEngines&) = delete;

  bool available(Engine e, EspAlg a) const { return choice_[size_t(a)].available[size_t(e)]; }
  const EngineChoice& choice(EspAlg a) const { return choice_[size_t(a)]; }
  Engine best_engine(EspAlg a) const { return choice_[size_t(a)].best; }
  // The profile's ENGINE for an SA: AUTO is best_engine(); a named engine must support the
  // algorithm on this machine, else an error saying which ones do.
  [[nodiscard]] Result<Engine> resolve(EspAlg a, config::CryptoEngine requested) const;
  // key_and_salt: alg_key_len(a) + 4 bytes.
  [[nodiscard]] Result<std::unique_ptr<AeadContext>> make_context(
      Engine e, EspAlg a, std::span<const uint8_t> key_and_salt) const;
  // "ipsecmb 1.3.0 avx512" or why it is not used.
  const std::string& ipsecmb_status() const { return imb_status_; }
  std::string describe() const;  // one line per algorithm, for displays and logs

 private:
  AeadEngines() = default;
  void probe(const EngineOptions& opts);
  void calibrate(const EngineOptions& opts);
  double measure(Engine e, EspAlg a, const EngineOptions& opts) const;

  IMB_MGR* imb_ = nullptr;
  std::string imb_status_;
  std::array<EngineChoice, kAlgCount> choice_{};
};

}  // namespace sysplex::dp::esp
