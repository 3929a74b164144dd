// Defaults for the injected sources.
#include "control/channel/sources.h"

#include <sodium.h>

#include <chrono>

#include "control/channel/wire.h"

namespace sysplex::channel {

uint64_t system_clock_ms() {
  using namespace std::chrono;
  return uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

void system_random(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

uint64_t make_boot_epoch(uint64_t now_ms, const RandomFill& random) {
  uint8_t r[8] = {};
  random(r);
  constexpr uint64_t kRandomBits = 20;
  uint64_t low = load_be64(r) & ((uint64_t(1) << kRandomBits) - 1);
  return now_ms << kRandomBits | low;
}

}  // namespace sysplex::channel
