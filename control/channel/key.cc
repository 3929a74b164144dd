// Key memory comes from sodium_malloc and the key file is read with read(2) straight into such
// memory (no stdio buffer that would keep a copy), so no key byte is left behind in freed memory.
#include "control/channel/key.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace sysplex::channel {
namespace {

constexpr size_t kMaxKeyFileBytes = 4096;  // as config/key_file.cc: larger is the wrong file
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "sysplexd";
static_assert(SecretKey::kSize == crypto_kdf_KEYBYTES);
static_assert(SecretKey::kSize >= crypto_kdf_BYTES_MIN && SecretKey::kSize <= crypto_kdf_BYTES_MAX);

// A sodium_malloc buffer that sodium_free wipes on every way out of the function.
struct GuardedBuffer {
  explicit GuardedBuffer(size_t n) : p(static_cast<uint8_t*>(sodium_malloc(n))), size(n) {}
  ~GuardedBuffer() { sodium_free(p); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  uint8_t* p;
  size_t size;
};

struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads the whole file into buf; the byte count, or an error naming the file.
Result<size_t> read_key_file(const std::string& path, GuardedBuffer& buf) {
  FileCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0)
    return make_error(errno == ENOENT ? Errc::kNotFound : Errc::kUnavailable,
                      "cannot read group key file " + path + ": " + std::strerror(errno));
  size_t n = 0;
  while (n < buf.size) {
    ssize_t got = ::read(f.fd, buf.p + n, buf.size - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return make_error(Errc::kUnavailable, "cannot read group key file " + path + ": " + std::strerror(errno));
    if (got == 0) break;
    n += size_t(got);
  }
  return n;
}

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex digits in the text, or -1 when anything but hex digits and blanks appears (then it is raw).
long count_hex_digits(const uint8_t* p, size_t n) {
  long digits = 0;
  for (size_t i = 0; i < n; ++i) {
    if (hex_value(p[i]) >= 0) ++digits;
    else if (!std::isspace(p[i])) return -1;
  }
  return digits;
}

// Decodes the hex digits of p[0..n) into out (which has room for all of them).
void decode_hex(const uint8_t* p, size_t n, uint8_t* out) {
  size_t digit = 0;
  for (size_t i = 0; i < n; ++i) {
    int v = hex_value(p[i]);
    if (v < 0) continue;
    if (digit % 2 == 0) out[digit / 2] = uint8_t(v << 4);
    else out[digit / 2] |= uint8_t(v);
    ++digit;
  }
}

Error wrong_size(const std::string& path, size_t bytes, const char* form) {
  return make_error(Errc::kInvalidArgument, "group key file " + path + " holds " + std::to_string(bytes) + " " +
                                                form + "; the group key is 32 bytes (raw, or 64 hex digits)");
}

}  // namespace

Status ensure_sodium() {
  if (sodium_init() < 0) return make_error(Errc::kInternal, "libsodium failed to initialise (sodium_init)");
  return ok_status();
}

void wipe_bytes(void* p, size_t n) noexcept {
  if (p != nullptr && n != 0) sodium_memzero(p, n);
}

Result<SecretKey> SecretKey::allocate() {
  if (auto s = ensure_sodium(); !s) return s.error();
  auto* p = static_cast<uint8_t*>(sodium_malloc(kSize));
  if (p == nullptr) return make_error(Errc::kResourceExhausted, "cannot allocate guarded memory for a key");
  return SecretKey(p);
}

Result<SecretKey> SecretKey::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kSize)
    return make_error(Errc::kInvalidArgument,
                      "a key is " + std::to_string(kSize) + " bytes, got " + std::to_string(bytes.size()));
  auto key = allocate();
  if (!key) return key;
  std::memcpy(key->bytes_, bytes.data(), kSize);
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = nullptr; }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    sodium_free(bytes_);
    bytes_ = other.bytes_;
    other.bytes_ = nullptr;
  }
  return *this;
}

SecretKey::~SecretKey() { sodium_free(bytes_); }  // wipes, then frees; accepts nullptr

Result<SecretKey> derive_subkey(const SecretKey& group_key, KeyPurpose purpose) {
  auto sub = SecretKey::allocate();
  if (!sub) return sub;
  if (crypto_kdf_derive_from_key(sub->mutable_data(), SecretKey::kSize, uint64_t(purpose), kKdfContext,
                                 group_key.data()) != 0)
    return make_error(Errc::kInternal, "key derivation failed (crypto_kdf_derive_from_key)");
  return sub;
}

Result<SecretKey> load_group_key(const std::string& path) {
  if (auto s = ensure_sodium(); !s) return s.error();
  GuardedBuffer buf(kMaxKeyFileBytes + 1);
  if (buf.p == nullptr) return make_error(Errc::kResourceExhausted, "cannot allocate guarded memory for a key file");
  auto n = read_key_file(path, buf);
  if (!n) return n.error();
  if (*n > kMaxKeyFileBytes)
    return make_error(Errc::kInvalidArgument, "group key file " + path + " is larger than " +
                                                  std::to_string(kMaxKeyFileBytes) + " bytes; is it the right file?");
  long digits = count_hex_digits(buf.p, *n);
  if (digits < 0 && *n != SecretKey::kSize) return wrong_size(path, *n, "raw bytes");
  if (digits >= 0 && digits != long(2 * SecretKey::kSize))
    return wrong_size(path, size_t(digits), "hex digits");
  auto key = SecretKey::allocate();
  if (!key) return key;
  if (digits < 0) std::memcpy(key->mutable_data(), buf.p, SecretKey::kSize);
  else decode_hex(buf.p, *n, key->mutable_data());
  return key;
}

Result<ChannelKey> ChannelKey::from_group_key(const SecretKey& group_key) {
  auto sub = derive_subkey(group_key, KeyPurpose::kGroupChannel);
  if (!sub) return sub.error();
  return ChannelKey(std::move(*sub));
}

Result<ChannelKey> ChannelKey::from_group_key_bytes(std::span<const uint8_t> group_key) {
  auto key = SecretKey::from_bytes(group_key);
  if (!key) return key.error();
  return from_group_key(*key);
}

Result<ChannelKey> ChannelKey::load(const std::string& key_file) {
  auto key = load_group_key(key_file);
  if (!key) return key.error();
  return from_group_key(*key);
}

}  // namespace sysplex::channel
