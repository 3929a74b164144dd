// Header bytes in and out, in the order of the layout table in frame.h; checks ordered cheapest
// and least specific first, so a stray datagram of another protocol is "foreign", not "malformed".
#include "control/channel/frame.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "control/channel/wire.h"

namespace sysplex::channel {
namespace {

constexpr char kGroupHashDomain[] = "sysplexd group channel";  // with its NUL, as a separator

// The name from the 8 name bytes: 1-8 valid characters, then only NULs.
bool parse_name(const uint8_t* p, std::string& out) {
  size_t len = 0;
  while (len < kMaxNodeName && p[len] != 0) ++len;
  for (size_t i = len; i < kMaxNodeName; ++i)
    if (p[i] != 0) return false;
  out.assign(reinterpret_cast<const char*>(p), len);
  return is_node_name(out);
}

}  // namespace

uint64_t group_hash(std::string_view group_name) {
  crypto_generichash_state st;
  uint8_t digest[crypto_generichash_BYTES_MIN];
  crypto_generichash_init(&st, nullptr, 0, sizeof digest);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kGroupHashDomain), sizeof kGroupHashDomain);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(group_name.data()), group_name.size());
  crypto_generichash_final(&st, digest, sizeof digest);
  return load_be64(digest);
}

uint64_t pack_node_name(std::string_view name) noexcept {
  uint8_t b[kMaxNodeName] = {};
  std::memcpy(b, name.data(), std::min(name.size(), kMaxNodeName));
  return load_be64(b);
}

void write_header(const FrameHeader& h, std::span<uint8_t, kHeaderSize> out) noexcept {
  uint8_t* p = out.data();
  std::memcpy(p, kMagic.data(), kMagic.size());
  p[4] = h.version;
  p[5] = h.type;
  store_be16(p + 6, h.body_len);
  store_be64(p + 8, h.group_hash);
  store_be64(p + 16, pack_node_name(h.sender));
  store_be64(p + 24, h.boot_epoch);
  store_be64(p + 32, h.sequence);
  store_be64(p + 40, h.timestamp_ms);
}

HeaderCheck parse_header(std::span<const uint8_t> d, uint64_t expected_group_hash, FrameHeader& h) {
  if (d.size() > kMaxDatagram) return HeaderCheck::kOversized;
  if (d.size() < kOverhead) return HeaderCheck::kTruncated;
  const uint8_t* p = d.data();
  if (std::memcmp(p, kMagic.data(), kMagic.size()) != 0 || p[4] != kFrameVersion) return HeaderCheck::kForeign;
  h.version = p[4];
  h.type = p[5];
  h.body_len = load_be16(p + 6);
  h.group_hash = load_be64(p + 8);
  if (h.group_hash != expected_group_hash) return HeaderCheck::kForeign;
  if (sealed_size(h.body_len) > d.size()) return HeaderCheck::kTruncated;
  if (sealed_size(h.body_len) < d.size()) return HeaderCheck::kMalformed;
  if (!parse_name(p + 16, h.sender)) return HeaderCheck::kMalformed;
  h.boot_epoch = load_be64(p + 24);
  h.sequence = load_be64(p + 32);
  h.timestamp_ms = load_be64(p + 40);
  if (h.sequence == 0) return HeaderCheck::kMalformed;
  return HeaderCheck::kOk;
}

}  // namespace sysplex::channel
