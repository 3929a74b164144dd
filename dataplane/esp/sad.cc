// SAD build and lookup: linear probing over a power-of-two table at most half full.
#include "dataplane/esp/sad.h"

#include <bit>
#include <cstring>
#include <string>

namespace sysplex::dp::esp {
namespace {

bool same_addr(const uint8_t* a, const uint8_t* b, bool v6) {
  return std::memcmp(a, b, v6 ? 16 : 4) == 0;
}

uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

// SPIs are chosen at random by their receiver, so the SPI alone spreads well; the address words
// are mixed in for SAs that share an SPI on different local addresses.
uint32_t Sad::hash(uint32_t spi, const uint8_t* dst, bool v6) noexcept {
  uint32_t h = spi * 0x9e3779b1u;
  const int words = v6 ? 4 : 1;
  for (int i = 0; i < words; ++i) h = (h ^ load32(dst + 4 * i)) * 0x85ebca6bu;
  return h ^ (h >> 15);
}

Result<Sad> Sad::build(std::span<const SadEntry> entries) {
  Sad t;
  const uint32_t cap = std::bit_ceil(uint32_t(entries.size() * 2 + 2));
  t.slots_.assign(cap, Slot{});
  t.mask_ = cap - 1;
  for (const SadEntry& e : entries) {
    if (e.spi == 0 || e.sa_id == kNoSaId)
      return make_error(Errc::kInvalidArgument, "SAD entry with SPI 0 or without an SA id");
    if (t.find(e.spi, e.dst.bytes.data(), e.dst.v6) != kNoSaId)
      return make_error(Errc::kAlreadyExists, "two inbound SAs with SPI " + std::to_string(e.spi) +
                                                  " for destination " + to_string(e.dst));
    uint32_t i = hash(e.spi, e.dst.bytes.data(), e.dst.v6) & t.mask_;
    while (t.slots_[i].spi != 0) i = (i + 1) & t.mask_;
    Slot& s = t.slots_[i];
    s.spi = e.spi;
    s.id = e.sa_id;
    std::memcpy(s.addr, e.dst.bytes.data(), 16);
    s.v6 = e.dst.v6;
    ++t.count_;
  }
  return t;
}

uint32_t Sad::find(uint32_t spi, const uint8_t* dst, bool v6) const noexcept {
  if (slots_.empty() || spi == 0) return kNoSaId;
  for (uint32_t i = hash(spi, dst, v6) & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.spi == 0) return kNoSaId;
    if (s.spi == spi && s.v6 == v6 && same_addr(s.addr, dst, v6)) return s.id;
  }
}

}  // namespace sysplex::dp::esp
