// Anti-replay window: sizes, in-order and out-of-order arrival, the left edge, far jumps, block
// ring reuse, sequence number 0, window off, and ESN inference across the 2^32 wrap (RFC 4303
// Appendix A), plus a random walk against a plain reference model.
#include "dataplane/esp/replay.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sysplex::dp::esp {
namespace {

ReplayWindow make(uint32_t bits, bool esn = false) {
  auto w = ReplayWindow::create(bits, esn);
  EXPECT_TRUE(w.ok());
  return std::move(*w);
}

// check, then update on success (as esp_decrypt does once the ICV verified).
EspDrop accept(ReplayWindow& w, uint32_t wire, uint64_t* seq_out = nullptr) {
  uint64_t seq = 0;
  const EspDrop d = w.check(wire, seq);
  if (d == EspDrop::kNone) w.update(seq);
  if (seq_out) *seq_out = seq;
  return d;
}

TEST(Replay, WindowSizes) {
  for (uint32_t ok : {0u, 64u, 128u, 1024u, 4096u, 65536u}) EXPECT_TRUE(ReplayWindow::create(ok, false).ok()) << ok;
  for (uint32_t bad : {1u, 32u, 63u, 65u, 1000u, 65600u, 131072u}) {
    auto w = ReplayWindow::create(bad, false);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_NE(w.error().message.find("use 0 (off) or 64-65536 in multiples of 64"), std::string::npos);
  }
}

TEST(Replay, InOrderThenReplayed) {
  ReplayWindow w = make(1024);
  for (uint32_t s = 1; s <= 100; ++s) EXPECT_EQ(accept(w, s), EspDrop::kNone) << s;
  EXPECT_EQ(accept(w, 50), EspDrop::kReplayed);
  EXPECT_EQ(accept(w, 100), EspDrop::kReplayed);
  EXPECT_EQ(w.top(), 100u);
  EXPECT_EQ(w.counters().ok, 100u);
  EXPECT_EQ(w.counters().replayed, 2u);
}

TEST(Replay, CheckChangesNothing) {
  ReplayWindow w = make(64);
  uint64_t seq = 0;
  EXPECT_EQ(w.check(7, seq), EspDrop::kNone);
  EXPECT_EQ(w.check(7, seq), EspDrop::kNone);  // not recorded until update (ICV verified)
  EXPECT_EQ(w.top(), 0u);
  w.update(seq);
  EXPECT_EQ(w.check(7, seq), EspDrop::kReplayed);
}

TEST(Replay, OutOfOrderInsideTheWindowAndTheLeftEdge) {
  ReplayWindow w = make(64);
  EXPECT_EQ(accept(w, 200), EspDrop::kNone);
  EXPECT_EQ(accept(w, 137), EspDrop::kNone);  // 200 - 63: the oldest number inside
  EXPECT_EQ(accept(w, 136), EspDrop::kReplayTooOld);  // 200 - 64: just outside
  EXPECT_EQ(accept(w, 150), EspDrop::kNone);
  EXPECT_EQ(accept(w, 150), EspDrop::kReplayed);
  EXPECT_EQ(accept(w, 1), EspDrop::kReplayTooOld);
  EXPECT_EQ(w.counters().too_old, 2u);
}

TEST(Replay, FarJumpClearsEverything) {
  ReplayWindow w = make(1024);
  for (uint32_t s = 1; s <= 3000; ++s) ASSERT_EQ(accept(w, s), EspDrop::kNone);
  EXPECT_EQ(accept(w, 1'000'000), EspDrop::kNone);  // far more than the window
  // Every number the window now covers is fresh, although the ring slots held old ones.
  for (uint32_t s = 1'000'000 - 1023; s < 1'000'000; ++s) ASSERT_EQ(accept(w, s), EspDrop::kNone) << s;
  EXPECT_EQ(accept(w, 1'000'000 - 1024), EspDrop::kReplayTooOld);
  EXPECT_EQ(accept(w, 2999), EspDrop::kReplayTooOld);
}

// Window 64 uses a ring of two blocks: a slide by exactly the ring size reuses both slots, which
// must be cleared, not inherited.
TEST(Replay, RingSlotsAreClearedWhenReused) {
  ReplayWindow w = make(64);
  for (uint32_t s = 1; s <= 127; ++s) ASSERT_EQ(accept(w, s), EspDrop::kNone);
  EXPECT_EQ(accept(w, 191), EspDrop::kNone);  // block 2 (slot 0), from block 1 (slot 1)
  for (uint32_t s = 128; s < 191; ++s) EXPECT_EQ(accept(w, s), EspDrop::kNone) << s;
  EXPECT_EQ(accept(w, 255), EspDrop::kNone);  // block 3 (slot 1)
  for (uint32_t s = 192; s < 255; ++s) EXPECT_EQ(accept(w, s), EspDrop::kNone) << s;
}

TEST(Replay, SequenceZeroIsRefusedWithoutEsn) {
  ReplayWindow w = make(1024);
  EXPECT_EQ(accept(w, 0), EspDrop::kReplaySeqZero);
  ReplayWindow off = make(0);
  EXPECT_EQ(accept(off, 0), EspDrop::kReplaySeqZero);
  EXPECT_EQ(w.counters().seq_zero, 1u);
}

// An SA recovered from the store continues after the numbers already received.
TEST(Replay, StartsAfterAKnownTop) {
  auto w = ReplayWindow::create(64, false, 1000);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(accept(*w, 1000), EspDrop::kReplayed);
  EXPECT_EQ(accept(*w, 937), EspDrop::kReplayed);
  EXPECT_EQ(accept(*w, 936), EspDrop::kReplayTooOld);
  EXPECT_EQ(accept(*w, 1001), EspDrop::kNone);
  EXPECT_EQ(accept(*w, 1023), EspDrop::kNone);  // same block as 1000: not pre-marked
  auto esn = ReplayWindow::create(1024, true, 0xfffffffe);
  ASSERT_TRUE(esn.ok());
  uint64_t seq = 0;
  EXPECT_EQ(accept(*esn, 0xffffffff, &seq), EspDrop::kNone);
  EXPECT_EQ(accept(*esn, 0, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, uint64_t(1) << 32);
  auto off = ReplayWindow::create(0, true, 77);
  EXPECT_EQ(off->top(), 77u);
  EXPECT_FALSE(ReplayWindow::create(64, false, uint64_t(1) << 32).ok());
}

TEST(Replay, WindowOffAcceptsRepeats) {
  ReplayWindow w = make(0);
  EXPECT_EQ(accept(w, 5), EspDrop::kNone);
  EXPECT_EQ(accept(w, 5), EspDrop::kNone);
  EXPECT_EQ(accept(w, 1), EspDrop::kNone);
  EXPECT_EQ(w.top(), 5u);
}

TEST(Replay, LargestWindow) {
  ReplayWindow w = make(65536);
  EXPECT_EQ(accept(w, 100000), EspDrop::kNone);
  EXPECT_EQ(accept(w, 100000 - 65535), EspDrop::kNone);
  EXPECT_EQ(accept(w, 100000 - 65536), EspDrop::kReplayTooOld);
  EXPECT_EQ(accept(w, 100000 - 65535), EspDrop::kReplayed);
}

// RFC 4303 A2.2 case A: the window inside one epoch, a low number means the next epoch.
TEST(ReplayEsn, WrapOfTheLow32Bits) {
  ReplayWindow w = make(1024, true);
  uint64_t seq = 0;
  EXPECT_EQ(accept(w, 0x80000000u, &seq), EspDrop::kNone);  // climb within epoch 0 first
  EXPECT_EQ(accept(w, 0xfffffff0u, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0xfffffff0u);
  EXPECT_EQ(accept(w, 5, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0x100000005u);
  // Case B now: a high number within the window belongs to the previous epoch.
  EXPECT_EQ(accept(w, 0xfffffff8u, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0xfffffff8u);
  EXPECT_EQ(accept(w, 0xfffffff0u, &seq), EspDrop::kReplayed);
  EXPECT_EQ(accept(w, 0, &seq), EspDrop::kNone);  // 2^32: a valid number with ESN
  EXPECT_EQ(seq, 0x100000000u);
  EXPECT_EQ(accept(w, 0, &seq), EspDrop::kReplayed);
  EXPECT_EQ(w.top(), 0x100000005u);
}

TEST(ReplayEsn, StartAndFarJumps) {
  ReplayWindow w = make(1024, true);
  EXPECT_EQ(accept(w, 0), EspDrop::kReplaySeqZero);  // 64-bit 0
  // At the start a number near 2^32 would lie before the first epoch: refused.
  EXPECT_EQ(accept(w, 0xffffff00u), EspDrop::kReplayTooOld);
  uint64_t seq = 0;
  EXPECT_EQ(accept(w, 5000, &seq), EspDrop::kNone);
  // Case A: below the window's bottom means the next epoch (its ICV would decide).
  EXPECT_EQ(w.check(10, seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0x10000000au);
  EXPECT_EQ(accept(w, 5000 - 1023, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 5000u - 1023);
}

TEST(ReplayEsn, WindowOffStillInfersTheHighHalf) {
  ReplayWindow w = make(0, true);
  uint64_t seq = 0;
  EXPECT_EQ(accept(w, 0x80000000u, &seq), EspDrop::kNone);
  EXPECT_EQ(accept(w, 0xfffffff0u, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0xfffffff0u);
  EXPECT_EQ(accept(w, 3, &seq), EspDrop::kNone);
  EXPECT_EQ(seq, 0x100000003u);
  EXPECT_EQ(accept(w, 0xfffffff1u, &seq), EspDrop::kNone);  // within 2^31 behind: previous epoch
  EXPECT_EQ(seq, 0xfffffff1u);
}

// A random walk (small steps, reorders, replays, far jumps) against a set-based model of the
// window semantics: accept iff new, or not seen and within `window` of the highest.
TEST(Replay, RandomWalkMatchesAReferenceModel) {
  for (uint32_t window : {64u, 1024u, 65536u}) {
    ReplayWindow w = make(window);
    std::set<uint64_t> seen;
    uint64_t top = 0;
    std::mt19937_64 rng(window);
    for (int i = 0; i < 60000; ++i) {
      const uint64_t r = rng() % 100;
      int64_t delta = r < 60 ? int64_t(rng() % 8) + 1 : r < 90 ? -int64_t(rng() % (window + 200))
                                                     : r < 98 ? 0 : int64_t(rng() % (4 * window));
      const int64_t s64 = int64_t(top) + delta;
      const uint32_t s = s64 < 0 ? 0 : uint32_t(s64);
      EspDrop expect = EspDrop::kNone;
      if (s == 0) expect = EspDrop::kReplaySeqZero;
      else if (s <= top && top - s >= window) expect = EspDrop::kReplayTooOld;
      else if (seen.count(s)) expect = EspDrop::kReplayed;
      ASSERT_EQ(accept(w, s), expect) << "window " << window << " step " << i << " seq " << s;
      if (expect == EspDrop::kNone) {
        seen.insert(s);
        top = std::max<uint64_t>(top, s);
      }
      while (!seen.empty() && *seen.begin() + window * 2 < top) seen.erase(seen.begin());
    }
  }
}

}  // namespace
}  // namespace sysplex::dp::esp
