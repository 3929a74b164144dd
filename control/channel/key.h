// The group key and the keys derived from it, held in guarded memory that is wiped when freed, and
// byte buffers for other secret data (SA records) that wipe themselves too. Nothing here prints keys.
#pragma once

#include "control/layer_guard.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::channel {

// libsodium's one-time initialisation; safe to call from any thread, any number of times.
[[nodiscard]] Status ensure_sodium();

// An allocator that wipes (sodium_memzero) every block before it returns it to the heap, so secret
// bytes never linger in freed memory. Reallocation on growth wipes the old block too.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebinding, as std::allocator
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept;
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) { return true; }
};

void wipe_bytes(void* p, size_t n) noexcept;  // sodium_memzero: not optimised away

template <typename T>
void WipingAllocator<T>::deallocate(T* p, size_t n) noexcept {
  wipe_bytes(p, n * sizeof(T));
  std::allocator<T>().deallocate(p, n);
}

// Bytes that hold secrets (key material, plaintext SA records): wiped whenever freed.
using SecretBytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;

// What a subkey of the group key is for. Each purpose gets its own key (crypto_kdf, context
// "sysplexd", the purpose as subkey id), so one key file serves several protocols and no two of
// them ever encrypt under the same key. Values are wire-stable: never renumber.
enum class KeyPurpose : uint64_t {
  kGroupChannel = 1,  // this library: group channel datagrams
  kStoreRecords = 2,  // reserved: SA records sealed into the store (SA manager)
};

// A 32-byte symmetric key in sodium_malloc memory (guard pages, mlock where allowed), wiped and
// freed on destruction. Move-only; it has no to_string and no stream operator on purpose.
class SecretKey {
 public:
  static constexpr size_t kSize = 32;

  // Copies exactly kSize bytes; any other length is an error (naming the length, not the bytes).
  [[nodiscard]] static Result<SecretKey> from_bytes(std::span<const uint8_t> bytes);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const uint8_t* data() const noexcept { return bytes_; }

 private:
  explicit SecretKey(uint8_t* bytes) noexcept : bytes_(bytes) {}
  // Uninitialised key memory, for the functions below that fill it in place (no stack copies).
  static Result<SecretKey> allocate();
  uint8_t* mutable_data() noexcept { return bytes_; }
  friend Result<SecretKey> derive_subkey(const SecretKey&, KeyPurpose);
  friend Result<SecretKey> load_group_key(const std::string&);
  uint8_t* bytes_ = nullptr;
};

[[nodiscard]] Result<SecretKey> derive_subkey(const SecretKey& group_key, KeyPurpose purpose);

// Reads the group key file (GROUP ... KEYFILE) with the profile's rule (config/key_file.h): text
// made only of hex digits and blanks is hex and must hold 64 digits; anything else is the raw key
// and must be 32 bytes. Errors name the file and the size found, never the content.
[[nodiscard]] Result<SecretKey> load_group_key(const std::string& path);

// The key that seals group channel messages: the kGroupChannel subkey of the group key. Sealers
// and Openers share one through a shared_ptr; the group key itself need not be kept.
class ChannelKey {
 public:
  [[nodiscard]] static Result<ChannelKey> from_group_key(const SecretKey& group_key);
  [[nodiscard]] static Result<ChannelKey> from_group_key_bytes(std::span<const uint8_t> group_key);
  [[nodiscard]] static Result<ChannelKey> load(const std::string& key_file);

  const uint8_t* data() const noexcept { return key_.data(); }

 private:
  explicit ChannelKey(SecretKey key) : key_(std::move(key)) {}
  SecretKey key_;
};

}  // namespace sysplex::channel
