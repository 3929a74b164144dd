// Intel multi-buffer crypto back end (intel-ipsec-mb 1.3): the direct, single-buffer GCM and
// ChaCha20-Poly1305 API. Keys are pre-expanded at install (aes_gcm_pre_128/256); the manager is
// only a table of CPU-specific functions, so one manager serves every worker.
#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include <cstring>

#include "dataplane/esp/aead_backends.h"

namespace sysplex::dp::esp::backend {
namespace {

class ImbGcm final : public AeadContext {
 public:
  ImbGcm(const IMB_MGR* mgr, EspAlg a, std::span<const uint8_t> key, std::span<const uint8_t> salt)
      : AeadContext(Engine::kIpsecMb, a) {
    const bool aes256 = a == EspAlg::kAes256Gcm;
    (aes256 ? mgr->gcm256_pre : mgr->gcm128_pre)(key.data(), &key_);
    enc_ = aes256 ? mgr->gcm256_enc : mgr->gcm128_enc;
    dec_ = aes256 ? mgr->gcm256_dec : mgr->gcm128_dec;
    std::memcpy(nonce_, salt.data(), kSaltLen);
  }
  ~ImbGcm() override {
    imb_clear_mem(&key_, sizeof key_);
    imb_clear_mem(&ctx_, sizeof ctx_);
    imb_clear_mem(nonce_, sizeof nonce_);
  }

  bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    enc_(&key_, &ctx_, data, data, len, nonce_, aad, aad_len, tag, kIcvLen);
    return true;
  }

  bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            const uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    uint8_t computed[kIcvLen];
    dec_(&key_, &ctx_, data, data, len, nonce_, aad, aad_len, computed, kIcvLen);
    return CRYPTO_memcmp(computed, tag, kIcvLen) == 0;
  }

 private:
  alignas(64) gcm_key_data key_;
  gcm_context_data ctx_;
  aes_gcm_enc_dec_t enc_, dec_;
  uint8_t nonce_[kSaltLen + kIvLen];
};

class ImbChaCha final : public AeadContext {
 public:
  ImbChaCha(const IMB_MGR* mgr, std::span<const uint8_t> key, std::span<const uint8_t> salt)
      : AeadContext(Engine::kIpsecMb, EspAlg::kChaCha20Poly1305),
        init_(mgr->chacha20_poly1305_init),
        enc_(mgr->chacha20_poly1305_enc_update),
        dec_(mgr->chacha20_poly1305_dec_update),
        fin_(mgr->chacha20_poly1305_finalize) {
    std::memcpy(key_, key.data(), sizeof key_);
    std::memcpy(nonce_, salt.data(), kSaltLen);
  }
  ~ImbChaCha() override {
    imb_clear_mem(key_, sizeof key_);
    imb_clear_mem(&ctx_, sizeof ctx_);
    imb_clear_mem(nonce_, sizeof nonce_);
  }

  bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    init_(key_, &ctx_, nonce_, aad, aad_len);
    enc_(key_, &ctx_, data, data, len);
    fin_(&ctx_, tag, kIcvLen);
    return true;
  }

  bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            const uint8_t* tag) noexcept override {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    uint8_t computed[kIcvLen];
    init_(key_, &ctx_, nonce_, aad, aad_len);
    dec_(key_, &ctx_, data, data, len);
    fin_(&ctx_, computed, kIcvLen);
    return CRYPTO_memcmp(computed, tag, kIcvLen) == 0;
  }

 private:
  uint8_t key_[32];
  chacha20_poly1305_context_data ctx_;
  chacha_poly_init_t init_;
  chacha_poly_enc_dec_update_t enc_, dec_;
  chacha_poly_finalize_t fin_;
  uint8_t nonce_[kSaltLen + kIvLen];
};

const char* arch_name(IMB_ARCH a) {
  switch (a) {
    case IMB_ARCH_NOAESNI: return "no-aesni";
    case IMB_ARCH_SSE: return "sse";
    case IMB_ARCH_AVX: return "avx";
    case IMB_ARCH_AVX2: return "avx2";
    case IMB_ARCH_AVX512: return "avx512";
    default: return "none";
  }
}

}  // namespace

IMB_MGR* ipsecmb_open(uint64_t flags, std::string& status) {
  IMB_MGR* mgr = alloc_mb_mgr(flags);
  if (!mgr) {  // e.g. no AES-NI and a library built without its emulation
    status = std::string("intel-ipsec-mb: no manager for this CPU (") +
             imb_get_strerror(imb_get_errno(nullptr)) + ")";
    return nullptr;
  }
  IMB_ARCH arch = IMB_ARCH_NONE;
  init_mb_mgr_auto(mgr, &arch);  // picks the best code path this CPU runs (SSE .. AVX-512/VAES)
  if (const int err = imb_get_errno(mgr); err != 0 || arch == IMB_ARCH_NONE) {
    status = std::string("intel-ipsec-mb: no usable code path on this CPU (") +
             (err ? imb_get_strerror(err) : "no architecture") + ")";
    free_mb_mgr(mgr);
    return nullptr;
  }
  status = std::string("intel-ipsec-mb ") + imb_get_version_str() + " " + arch_name(arch);
  if (mgr->features & IMB_FEATURE_VAES) status += "+vaes";
  return mgr;
}

void ipsecmb_close(IMB_MGR* mgr) {
  if (mgr) free_mb_mgr(mgr);
}

bool ipsecmb_supports(const IMB_MGR* mgr, EspAlg a) {
  if (!mgr) return false;
  if (a == EspAlg::kChaCha20Poly1305)
    return mgr->chacha20_poly1305_init && mgr->chacha20_poly1305_enc_update &&
           mgr->chacha20_poly1305_dec_update && mgr->chacha20_poly1305_finalize;
  constexpr uint64_t kGcmNeeds = IMB_FEATURE_AESNI | IMB_FEATURE_PCLMULQDQ;
  if ((mgr->features & kGcmNeeds) != kGcmNeeds || mgr->used_arch == IMB_ARCH_NOAESNI) return false;
  return a == EspAlg::kAes128Gcm ? mgr->gcm128_pre && mgr->gcm128_enc && mgr->gcm128_dec
                                 : mgr->gcm256_pre && mgr->gcm256_enc && mgr->gcm256_dec;
}

std::unique_ptr<AeadContext> make_ipsecmb(const IMB_MGR* mgr, EspAlg a,
                                          std::span<const uint8_t> key,
                                          std::span<const uint8_t> salt) {
  if (!ipsecmb_supports(mgr, a) || key.size() != alg_key_len(a)) return nullptr;
  if (a == EspAlg::kChaCha20Poly1305) return std::make_unique<ImbChaCha>(mgr, key, salt);
  return std::make_unique<ImbGcm>(mgr, a, key, salt);
}

}  // namespace sysplex::dp::esp::backend
