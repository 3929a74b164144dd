// libsodium back end: ChaCha20-Poly1305 IETF everywhere, AES-256-GCM only where
// crypto_aead_aes256gcm_is_available() (AES-NI and PCLMUL); libsodium has no AES-128-GCM.
#include <sodium.h>

#include <cstring>

#include "dataplane/esp/aead_backends.h"

namespace sysplex::dp::esp::backend {
namespace {

class SodiumChaCha final : public AeadContext {
 public:
  SodiumChaCha(std::span<const uint8_t> key, std::span<const uint8_t> salt)
      : AeadContext(Engine::kSodium, EspAlg::kChaCha20Poly1305) {
    std::memcpy(key_, key.data(), sizeof key_);
    std::memcpy(nonce_, salt.data(), kSaltLen);
  }
  ~SodiumChaCha() override {
    sodium_memzero(key_, sizeof key_);
    sodium_memzero(nonce_, sizeof nonce_);
  }

  bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(data, tag, nullptr, data, len, aad,
                                                              aad_len, nullptr, nonce_, key_) == 0;
  }

  bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            const uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data, nullptr, data, len, tag, aad,
                                                              aad_len, nonce_, key_) == 0;
  }

 private:
  uint8_t key_[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
  uint8_t nonce_[kSaltLen + kIvLen];
};

class SodiumAes256 final : public AeadContext {
 public:
  SodiumAes256(std::span<const uint8_t> key, std::span<const uint8_t> salt)
      : AeadContext(Engine::kSodium, EspAlg::kAes256Gcm) {
    crypto_aead_aes256gcm_beforenm(&state_, key.data());  // the key schedule, expanded once
    std::memcpy(nonce_, salt.data(), kSaltLen);
  }
  ~SodiumAes256() override {
    sodium_memzero(&state_, sizeof state_);
    sodium_memzero(nonce_, sizeof nonce_);
  }

  bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    return crypto_aead_aes256gcm_encrypt_detached_afternm(data, tag, nullptr, data, len, aad,
                                                          aad_len, nullptr, nonce_, &state_) == 0;
  }

  bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            const uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    return crypto_aead_aes256gcm_decrypt_detached_afternm(data, nullptr, data, len, tag, aad,
                                                          aad_len, nonce_, &state_) == 0;
  }

 private:
  crypto_aead_aes256gcm_state state_;  // 16-byte aligned by its declaration
  uint8_t nonce_[kSaltLen + kIvLen];
};

}  // namespace

bool sodium_init_once() { return sodium_init() >= 0; }  // 1 when already initialised

bool sodium_supports(EspAlg a) {
  switch (a) {
    case EspAlg::kChaCha20Poly1305: return true;
    case EspAlg::kAes256Gcm: return crypto_aead_aes256gcm_is_available() == 1;
    case EspAlg::kAes128Gcm: return false;
  }
  return false;
}

std::unique_ptr<AeadContext> make_sodium(EspAlg a, std::span<const uint8_t> key,
                                         std::span<const uint8_t> salt) {
  if (!sodium_supports(a) || key.size() != 32) return nullptr;
  if (a == EspAlg::kChaCha20Poly1305) return std::make_unique<SodiumChaCha>(key, salt);
  return std::make_unique<SodiumAes256>(key, salt);
}

}  // namespace sysplex::dp::esp::backend
