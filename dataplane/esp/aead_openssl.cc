// OpenSSL 3 EVP back end: one EVP_CIPHER_CTX per SA and worker, keyed once; each packet only sets
// the nonce (EVP_CipherInit_ex with no cipher and no key), feeds the AAD and runs in place.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "dataplane/esp/aead_backends.h"

namespace sysplex::dp::esp::backend {
namespace {

const char* evp_name(EspAlg a) {
  switch (a) {
    case EspAlg::kAes128Gcm: return "AES-128-GCM";
    case EspAlg::kAes256Gcm: return "AES-256-GCM";
    case EspAlg::kChaCha20Poly1305: return "ChaCha20-Poly1305";
  }
  return "";
}

class OpensslAead final : public AeadContext {
 public:
  OpensslAead(EspAlg a, EVP_CIPHER_CTX* ctx, std::span<const uint8_t> salt)
      : AeadContext(Engine::kOpenSsl, a), ctx_(ctx) {
    std::memcpy(nonce_, salt.data(), kSaltLen);
  }
  ~OpensslAead() override {
    EVP_CIPHER_CTX_free(ctx_);  // the providers clear their key schedules when freed
    OPENSSL_cleanse(nonce_, sizeof nonce_);
  }

  bool seal(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            uint8_t* tag) noexcept override {
    if (!start(iv, aad, aad_len, 1)) return false;
    int n = 0;
    uint8_t scratch[16];
    if (len && EVP_CipherUpdate(ctx_, data, &n, data, int(len)) != 1) return false;
    if (EVP_CipherFinal_ex(ctx_, scratch, &n) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kIcvLen, tag) == 1;
  }

  bool open(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, uint8_t* data, uint32_t len,
            const uint8_t* tag) noexcept override {
    if (!start(iv, aad, aad_len, 0)) return false;
    int n = 0;
    uint8_t scratch[16];
    if (len && EVP_CipherUpdate(ctx_, data, &n, data, int(len)) != 1) return false;
    if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kIcvLen, const_cast<uint8_t*>(tag)) != 1)
      return false;
    return EVP_CipherFinal_ex(ctx_, scratch, &n) == 1;  // 0: the tag did not verify
  }

 private:
  bool start(const uint8_t* iv, const uint8_t* aad, uint32_t aad_len, int enc) noexcept {
    std::memcpy(nonce_ + kSaltLen, iv, kIvLen);
    int n = 0;
    return EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce_, enc) == 1 &&
           EVP_CipherUpdate(ctx_, nullptr, &n, aad, int(aad_len)) == 1;
  }

  EVP_CIPHER_CTX* ctx_;
  uint8_t nonce_[kSaltLen + kIvLen];
};

}  // namespace

bool openssl_supports(EspAlg a) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, evp_name(a), nullptr);
  EVP_CIPHER_free(c);
  return c != nullptr;
}

std::unique_ptr<AeadContext> make_openssl(EspAlg a, std::span<const uint8_t> key,
                                          std::span<const uint8_t> salt) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, evp_name(a), nullptr);
  if (!cipher) return nullptr;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const bool ok = ctx && key.size() == size_t(EVP_CIPHER_get_key_length(cipher)) &&
                  EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, 1) == 1;
  EVP_CIPHER_free(cipher);  // the context keeps its own reference
  if (!ok) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return std::make_unique<OpensslAead>(a, ctx, salt);
}

}  // namespace sysplex::dp::esp::backend
