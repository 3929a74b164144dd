// Anti-replay window: RFC 4303 Appendix A inference of the ESN high half, RFC 6479 block ring.
#include "dataplane/esp/replay.h"

#include <bit>
#include <string>

namespace sysplex::dp::esp {
namespace {

constexpr uint64_t kNoWindowSpan = uint64_t(1) << 31;  // ESN inference span with the window off

}  // namespace

Result<ReplayWindow> ReplayWindow::create(uint32_t window_bits, bool esn, uint64_t top) {
  if (window_bits != 0 && (window_bits < 64 || window_bits > kMaxReplayWindow || window_bits % 64))
    return make_error(Errc::kInvalidArgument,
                      "replay window " + std::to_string(window_bits) +
                          " bits: use 0 (off) or 64-65536 in multiples of 64");
  if (!esn && top > UINT32_MAX)
    return make_error(Errc::kInvalidArgument, "replay window start beyond 32 bits without ESN");
  ReplayWindow w;
  w.window_ = window_bits;
  w.esn_ = esn;
  if (window_bits) {
    // One block more than the window covers, so the window's oldest partial block survives a
    // slide: RFC 6479 section 2.
    const uint32_t blocks = std::bit_ceil(window_bits / 64 + 1);
    w.block_mask_ = blocks - 1;
    w.bits_ = std::make_unique<uint64_t[]>(blocks);  // zeroed
  }
  // Everything up to top counts as seen: the window's numbers through top are marked.
  w.top_ = top;
  if (window_bits && top) {
    for (uint64_t s = top > window_bits ? top - window_bits + 1 : 1; s <= top; ++s)
      w.bits_[(s >> 6) & w.block_mask_] |= uint64_t(1) << (s & 63);
  }
  return w;
}

// RFC 4303 Appendix A2.2: Th/Tl are the halves of the highest authenticated number, W the window.
// Case A (Tl >= W - 1): the window lies within one 2^32 epoch, so a low number belongs to the next.
// Case B: the window reaches into the previous epoch, so a high number belongs to that one.
uint64_t ReplayWindow::infer_esn(uint32_t wire_seq, bool& out_of_range) const noexcept {
  const uint64_t w = window_ ? window_ : kNoWindowSpan;
  const uint32_t th = uint32_t(top_ >> 32), tl = uint32_t(top_);
  uint32_t seqh = th;
  if (tl >= w - 1) {
    if (wire_seq < tl - (w - 1)) {
      out_of_range = th == UINT32_MAX;  // past 2^64: never reached
      seqh = th + 1;
    }
  } else if (wire_seq >= uint32_t(tl - (w - 1))) {
    out_of_range = th == 0;  // before the first epoch: no such packet was ever sent
    seqh = th - 1;
  }
  return (uint64_t(seqh) << 32) | wire_seq;
}

EspDrop ReplayWindow::check(uint32_t wire_seq, uint64_t& seq) noexcept {
  bool out_of_range = false;
  seq = esn_ ? infer_esn(wire_seq, out_of_range) : wire_seq;
  if (out_of_range) {
    ++counters_.too_old;
    return EspDrop::kReplayTooOld;
  }
  if (seq == 0) {
    ++counters_.seq_zero;
    return EspDrop::kReplaySeqZero;
  }
  if (window_ == 0 || seq > top_) return EspDrop::kNone;
  if (top_ - seq >= window_) {
    ++counters_.too_old;
    return EspDrop::kReplayTooOld;
  }
  if ((bits_[(seq >> 6) & block_mask_] >> (seq & 63)) & 1) {
    ++counters_.replayed;
    return EspDrop::kReplayed;
  }
  return EspDrop::kNone;
}

void ReplayWindow::update(uint64_t seq) noexcept {
  if (seq > top_) {
    if (window_) {
      // Blocks between the old top's and the new top's are now empty; past a whole ring, all are.
      const uint64_t old_block = top_ >> 6, diff = (seq >> 6) - old_block;
      const uint64_t n = diff > block_mask_ ? uint64_t(block_mask_) + 1 : diff;
      for (uint64_t i = 1; i <= n; ++i) bits_[(old_block + i) & block_mask_] = 0;
    }
    top_ = seq;
  } else if (window_ && top_ - seq >= window_) {
    return;  // not checked first: its block now holds newer numbers
  }
  if (window_) bits_[(seq >> 6) & block_mask_] |= uint64_t(1) << (seq & 63);
  ++counters_.ok;
}

}  // namespace sysplex::dp::esp
