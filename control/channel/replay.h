// Anti-replay state of one sender: its boot epoch and a 128-message sliding window over its
// sequence numbers (as RFC 4303's), so mild reordering is accepted and every duplicate is not.
#pragma once

#include "control/layer_guard.h"

#include <array>
#include <cstdint>

namespace sysplex::channel {

class ReplayWindow {
 public:
  static constexpr uint64_t kSize = 128;

  enum class Verdict : uint8_t { kFresh, kDuplicate, kBelowWindow };

  // Whether `seq` (>= 1) may be accepted; changes nothing.
  Verdict check(uint64_t seq) const noexcept;
  // Records `seq` as accepted (after check() said kFresh and the message was authenticated).
  void accept(uint64_t seq) noexcept;
  uint64_t highest() const noexcept { return highest_; }  // 0: nothing accepted yet

 private:
  bool seen(uint64_t offset) const noexcept;  // bit `offset` below highest_
  void slide(uint64_t by) noexcept;
  uint64_t highest_ = 0;
  std::array<uint64_t, 2> bits_{};  // bit i of the 128: highest_ - i was accepted
};

// Where a message stands against what a known sender sent before.
struct SenderState {
  uint64_t boot_epoch = 0;
  ReplayWindow window;
  uint64_t accepted = 0;         // messages accepted in this boot epoch
  uint64_t last_timestamp_ms = 0;
};

}  // namespace sysplex::channel
