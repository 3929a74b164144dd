// The time and randomness the group channel uses, injectable so tests are deterministic: a wall
// clock in milliseconds (compared across nodes, so not a monotonic one) and a random byte source.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <functional>
#include <span>

namespace sysplex::channel {

using Clock = std::function<uint64_t()>;                  // milliseconds since the Unix epoch
using RandomFill = std::function<void(std::span<uint8_t>)>;  // fills the span with random bytes

uint64_t system_clock_ms();                // CLOCK_REALTIME
void system_random(std::span<uint8_t> out);  // libsodium's randombytes_buf (getrandom)

// A boot epoch that is random and yet grows across restarts, which is what the receivers' rule
// ("a higher epoch means a restarted sender") needs: the start time in milliseconds in the top 44
// bits (good until the year 2527), 20 random bits below, so two starts in one millisecond differ.
// A clock stepped back across a restart yields a lower epoch: receivers then drop that sender's
// messages as stale-epoch until told to forget it (Opener::forget), e.g. when the store shows the
// node rejoined. A store-issued incarnation counter may be injected instead.
uint64_t make_boot_epoch(uint64_t now_ms, const RandomFill& random);

}  // namespace sysplex::channel
