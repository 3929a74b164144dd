// Explicit big-endian encoding for group channel bodies: a writer that appends to a byte vector and
// a reader whose every read checks the bytes left first. No struct is ever cast onto the wire.
#pragma once

#include "control/layer_guard.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/net.h"
#include "control/channel/key.h"

namespace sysplex::channel {

inline constexpr size_t kMaxNodeName = 8;
inline constexpr uint8_t kFamilyV4 = 4;  // address family bytes on the wire
inline constexpr uint8_t kFamilyV6 = 6;

// 1-8 of A-Z, 0-9, @, # and $: the profile's canonical (upper-case) node and group names.
bool is_node_name(std::string_view name) noexcept;

// Appends to a SecretBytes, since a body may hold key material (ShadowSa) before it is sealed.
class ByteWriter {
 public:
  explicit ByteWriter(SecretBytes& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void text(std::string_view s);   // u8 length + bytes; the caller validated the length
  void ip(const IpAddr& a);        // family byte (4 or 6) + 4 or 16 address bytes
  size_t size() const { return out_.size(); }

 private:
  SecretBytes& out_;
};

// Reads from a span. The first failure sticks: later reads return zeros, and error() tells what
// went wrong first ("truncated at byte 17", "bad address family 5"), for the decoder's message.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  bool bytes(std::span<uint8_t> out);
  std::string text(size_t max_len);        // u8 length + bytes, length <= max_len
  IpAddr ip();
  // Fails unless `count` items of at least `min_item` bytes each can still follow, so a decoder
  // never reserves room for a count the body cannot hold.
  bool room_for(size_t count, size_t min_item);
  void fail(std::string why);
  bool ok() const { return error_.empty(); }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  const std::string& error() const { return error_; }

 private:
  bool take(size_t n);  // true (and advances) when n bytes are left; else fails as truncated
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  std::string error_;
};

// Byte-order helpers for fixed header fields.
void store_be16(uint8_t* p, uint16_t v) noexcept;
void store_be64(uint8_t* p, uint64_t v) noexcept;
uint16_t load_be16(const uint8_t* p) noexcept;
uint64_t load_be64(const uint8_t* p) noexcept;

}  // namespace sysplex::channel
