#include "dataplane/dist/flow_hash.h"

#include <array>
#include <bit>
#include <cstring>


namespace sysplex::dist {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82f63b78;

constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kCastagnoliReflected : 0);
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

// Little-endian words on every host, so a big-endian node hashes flows as x86 ones do.
uint64_t load_le64(const uint8_t* p) noexcept {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

uint32_t load_le32(const uint8_t* p) noexcept {
  uint32_t word;
  std::memcpy(&word, p, sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap32(word);
  return word;
}

// Ports, protocol and family share the last word; the family tag keeps an IPv4 flow from ever
// hashing like an IPv6 one whose address words happen to match.
uint64_t tail_word(uint16_t sport, uint16_t dport, uint8_t proto, bool v6) noexcept {
  return uint64_t{sport} | uint64_t{dport} << 16 | uint64_t{proto} << 32 |
         uint64_t{v6 ? 6u : 4u} << 40;
}

// Both IPv4 addresses in one word, as the eight bytes a then b.
uint64_t v4_pair_word(const IpAddr& a, const IpAddr& b) noexcept {
  return uint64_t{load_le32(a.bytes.data())} | uint64_t{load_le32(b.bytes.data())} << 32;
}

uint32_t crc_v6_address(uint32_t crc, const IpAddr& a) noexcept {
  crc = crc32c_u64(crc, load_le64(a.bytes.data()));
  return crc32c_u64(crc, load_le64(a.bytes.data() + 8));
}

}  // namespace

uint32_t crc32c_u64_portable(uint32_t crc, uint64_t word) noexcept {
  for (int i = 0; i < 8; ++i) {
    crc = kCrc32cTable[(crc ^ static_cast<uint8_t>(word)) & 0xff] ^ (crc >> 8);
    word >>= 8;
  }
  return crc;
}

uint32_t flow_hash(const FlowKey& flow) noexcept {
  uint32_t crc = ~0u;
  if (flow.src.v6) {
    crc = crc_v6_address(crc, flow.src);
    crc = crc_v6_address(crc, flow.dst);
  } else {
    crc = crc32c_u64(crc, v4_pair_word(flow.src, flow.dst));
  }
  return ~crc32c_u64(crc, tail_word(flow.sport, flow.dport, flow.proto, flow.src.v6));
}

uint32_t address_hash(const IpAddr& addr) noexcept {
  uint32_t crc = ~0u;
  crc = crc32c_u64(crc, load_le64(addr.bytes.data()));
  crc = crc32c_u64(crc, load_le64(addr.bytes.data() + 8));
  return ~crc32c_u64(crc, addr.v6 ? 6u : 4u);
}

}  // namespace sysplex::dist
