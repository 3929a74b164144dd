// The window is two 64-bit words shifted as one 128-bit value; bit 0 is always the highest seen.
#include "control/channel/replay.h"

namespace sysplex::channel {

bool ReplayWindow::seen(uint64_t offset) const noexcept {
  return offset < 64 ? (bits_[0] >> offset) & 1 : (bits_[1] >> (offset - 64)) & 1;
}

void ReplayWindow::slide(uint64_t by) noexcept {
  if (by >= kSize) {
    bits_ = {};
  } else if (by >= 64) {
    bits_[1] = bits_[0] << (by - 64);
    bits_[0] = 0;
  } else if (by > 0) {
    bits_[1] = bits_[1] << by | bits_[0] >> (64 - by);
    bits_[0] <<= by;
  }
}

ReplayWindow::Verdict ReplayWindow::check(uint64_t seq) const noexcept {
  if (seq > highest_) return Verdict::kFresh;
  uint64_t offset = highest_ - seq;
  if (offset >= kSize) return Verdict::kBelowWindow;
  return seen(offset) ? Verdict::kDuplicate : Verdict::kFresh;
}

void ReplayWindow::accept(uint64_t seq) noexcept {
  if (seq > highest_) {
    slide(seq - highest_);
    highest_ = seq;
    bits_[0] |= 1;
    return;
  }
  uint64_t offset = highest_ - seq;
  if (offset < 64) bits_[0] |= uint64_t(1) << offset;
  else if (offset < kSize) bits_[1] |= uint64_t(1) << (offset - 64);
}

}  // namespace sysplex::channel
