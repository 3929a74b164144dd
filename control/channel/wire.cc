// Byte by byte, most significant first: unaligned-safe and independent of the host's byte order.
#include "control/channel/wire.h"

#include <cstring>

namespace sysplex::channel {

bool is_node_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNodeName) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '#' || c == '$';
    if (!ok) return false;
  }
  return true;
}

void store_be16(uint8_t* p, uint16_t v) noexcept {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

void store_be64(uint8_t* p, uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = uint8_t(v);
}

uint16_t load_be16(const uint8_t* p) noexcept { return uint16_t(p[0] << 8 | p[1]); }

uint64_t load_be64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

void ByteWriter::u16(uint16_t v) {
  u8(uint8_t(v >> 8));
  u8(uint8_t(v));
}

void ByteWriter::u32(uint32_t v) {
  u16(uint16_t(v >> 16));
  u16(uint16_t(v));
}

void ByteWriter::u64(uint64_t v) {
  u32(uint32_t(v >> 32));
  u32(uint32_t(v));
}

void ByteWriter::text(std::string_view s) {
  u8(uint8_t(s.size()));
  for (char c : s) u8(uint8_t(c));
}

void ByteWriter::ip(const IpAddr& a) {
  u8(a.v6 ? kFamilyV6 : kFamilyV4);
  bytes(std::span(a.bytes.data(), a.v6 ? 16 : 4));
}

bool ByteReader::take(size_t n) {
  if (!ok()) return false;
  if (remaining() < n) {
    fail("truncated at byte " + std::to_string(in_.size()) + " (" + std::to_string(n) + " more needed at " +
         std::to_string(pos_) + ")");
    return false;
  }
  pos_ += n;
  return true;
}

void ByteReader::fail(std::string why) {
  if (ok()) error_ = std::move(why);
}

uint8_t ByteReader::u8() { return take(1) ? in_[pos_ - 1] : 0; }

uint16_t ByteReader::u16() { return take(2) ? load_be16(&in_[pos_ - 2]) : 0; }

uint32_t ByteReader::u32() {
  if (!take(4)) return 0;
  const uint8_t* p = &in_[pos_ - 4];
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

uint64_t ByteReader::u64() { return take(8) ? load_be64(&in_[pos_ - 8]) : 0; }

bool ByteReader::bytes(std::span<uint8_t> out) {
  if (!take(out.size())) return false;
  if (!out.empty()) std::memcpy(out.data(), &in_[pos_ - out.size()], out.size());
  return true;
}

std::string ByteReader::text(size_t max_len) {
  size_t n = u8();
  if (n > max_len) fail("text of " + std::to_string(n) + " bytes, at most " + std::to_string(max_len) + " allowed");
  if (!take(n)) return {};
  return std::string(reinterpret_cast<const char*>(in_.data() + pos_ - n), n);
}

IpAddr ByteReader::ip() {
  IpAddr a;
  uint8_t family = u8();
  if (!ok()) return a;
  if (family != kFamilyV4 && family != kFamilyV6) {
    fail("bad address family " + std::to_string(family) + " (4 or 6)");
    return a;
  }
  a.v6 = family == kFamilyV6;
  bytes(std::span(a.bytes.data(), a.v6 ? 16 : 4));
  return a;
}

bool ByteReader::room_for(size_t count, size_t min_item) {
  if (ok() && count > remaining() / min_item)
    fail(std::to_string(count) + " items cannot fit in the " + std::to_string(remaining()) + " bytes left");
  return ok();
}

}  // namespace sysplex::channel
