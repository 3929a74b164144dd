// The inbound SAD for the fast path: (SPI, destination address) -> dense SA id, an immutable
// open-addressing table that control builds and publishes, and workers only read.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "config/net.h"
#include "config/result.h"

namespace sysplex::dp::esp {

inline constexpr uint32_t kNoSaId = UINT32_MAX;

struct SadEntry {
  uint32_t spi = 0;
  IpAddr dst;        // the SA's local address: the outer destination of its packets
  uint32_t sa_id = 0;
};

class Sad {
 public:
  Sad() = default;  // empty: every lookup misses
  // Refuses a repeated (SPI, destination), SPI 0 and an id equal to kNoSaId.
  [[nodiscard]] static Result<Sad> build(std::span<const SadEntry> entries);

  // dst: 4 or 16 bytes in network order, as in the packet (or PacketDesc::dst). kNoSaId on miss.
  uint32_t find(uint32_t spi, const uint8_t* dst, bool v6) const noexcept;
  size_t size() const { return count_; }

 private:
  struct Slot {
    uint32_t spi = 0;  // 0: empty (SPI 0 is never assigned)
    uint32_t id = kNoSaId;
    uint8_t addr[16] = {};
    uint8_t v6 = 0;
  };
  static uint32_t hash(uint32_t spi, const uint8_t* dst, bool v6) noexcept;

  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace sysplex::dp::esp
