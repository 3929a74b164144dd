// The inbound anti-replay window (RFC 4303 section 3.4.3, ESN per Appendix A) kept as the RFC 6479
// ring of 64-bit blocks: sliding clears whole blocks, never shifts bits. Checked before decryption,
// updated only once the ICV verified. One writer: the worker that processes the SA.
#pragma once

#include <cstdint>
#include <memory>

#include "config/result.h"
#include "dataplane/esp/esp_drop.h"

namespace sysplex::dp::esp {

inline constexpr uint32_t kMaxReplayWindow = 65536;

struct ReplayCounters {
  uint64_t ok = 0;        // authenticated and recorded
  uint64_t replayed = 0;  // inside the window, seen before
  uint64_t too_old = 0;   // left of the window
  uint64_t seq_zero = 0;  // the never-sent sequence number 0
};

class ReplayWindow {
 public:
  // window_bits: 0 (off) or 64..65536 in multiples of 64. top: the highest number already seen,
  // for an SA that continues elsewhere (numbers up to it are then refused as old or replayed).
  [[nodiscard]] static Result<ReplayWindow> create(uint32_t window_bits, bool esn,
                                                   uint64_t top = 0);
  ReplayWindow() = default;  // off, without ESN

  // The 64-bit sequence number for the 32 bits on the wire (with ESN the high half is inferred
  // from the window as in RFC 4303 Appendix A; with the window off from a 2^31 span around the
  // highest number seen), and whether it may be accepted. Changes nothing but the counters.
  EspDrop check(uint32_t wire_seq, uint64_t& seq) noexcept;
  // Records an authenticated sequence number: slides the window right when it is the newest.
  void update(uint64_t seq) noexcept;

  uint64_t top() const { return top_; }        // highest authenticated sequence number
  uint32_t window() const { return window_; }  // 0: off
  bool esn() const { return esn_; }
  const ReplayCounters& counters() const { return counters_; }

 private:
  uint64_t infer_esn(uint32_t wire_seq, bool& underflow) const noexcept;

  uint64_t top_ = 0;
  uint32_t window_ = 0;
  uint32_t block_mask_ = 0;  // blocks - 1; blocks is a power of two > window / 64
  bool esn_ = false;
  ReplayCounters counters_;
  std::unique_ptr<uint64_t[]> bits_;
};

}  // namespace sysplex::dp::esp
