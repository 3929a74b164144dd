// Unit tests of the 128-message replay window: edges of the window, jumps across each word
// boundary, and a seeded random sequence checked against a plain set-based model.
#include "control/channel/replay.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sysplex::channel {
namespace {

using V = ReplayWindow::Verdict;

TEST(ReplayWindow, InOrderDuplicatesAndReordering) {
  ReplayWindow w;
  EXPECT_EQ(w.highest(), 0u);
  EXPECT_EQ(w.check(1), V::kFresh);
  w.accept(1);
  EXPECT_EQ(w.check(1), V::kDuplicate);
  EXPECT_EQ(w.check(3), V::kFresh);
  w.accept(3);
  EXPECT_EQ(w.check(2), V::kFresh);  // arrived late, within the window
  w.accept(2);
  EXPECT_EQ(w.check(2), V::kDuplicate);
  EXPECT_EQ(w.highest(), 3u);
}

TEST(ReplayWindow, WindowEdges) {
  ReplayWindow w;
  w.accept(1000);
  EXPECT_EQ(w.check(1000 - 127), V::kFresh);        // the oldest slot the window holds
  EXPECT_EQ(w.check(1000 - 128), V::kBelowWindow);  // one below it
  EXPECT_EQ(w.check(1), V::kBelowWindow);
  w.accept(1000 - 127);
  EXPECT_EQ(w.check(1000 - 127), V::kDuplicate);
  w.accept(1001);  // slides by one: 873 falls out of the window
  EXPECT_EQ(w.check(1000 - 127), V::kBelowWindow);
  EXPECT_EQ(w.check(1000), V::kDuplicate);
}

TEST(ReplayWindow, JumpsAcrossWordBoundaries) {
  for (uint64_t jump : {1, 2, 63, 64, 65, 100, 127, 128, 129, 1000}) {
    ReplayWindow w;
    for (uint64_t s = 1; s <= 200; ++s) w.accept(s);
    w.accept(200 + jump);
    for (uint64_t s = 150; s <= 200 + jump; ++s) {
      uint64_t offset = 200 + jump - s;
      V expected = offset >= 128 ? V::kBelowWindow : (s <= 200 || s == 200 + jump) ? V::kDuplicate : V::kFresh;
      EXPECT_EQ(w.check(s), expected) << "jump " << jump << " seq " << s;
    }
  }
}

TEST(ReplayWindow, MatchesASetModelOnRandomTraffic) {
  std::mt19937_64 rng(42);
  ReplayWindow w;
  std::set<uint64_t> accepted;
  uint64_t highest = 0;
  for (int i = 0; i < 20000; ++i) {
    // Mostly forward, some reordering and replays, occasional large jumps.
    uint64_t r = rng() % 100;
    uint64_t seq = r < 70 ? highest + 1 + rng() % 3 : r < 98 ? (highest > 150 ? highest - rng() % 150 : 1 + rng() % 150)
                                                             : highest + 100 + rng() % 200;
    if (seq == 0) seq = 1;
    V model = seq > highest ? V::kFresh
              : highest - seq >= 128 ? V::kBelowWindow
              : accepted.count(seq) ? V::kDuplicate
                                    : V::kFresh;
    ASSERT_EQ(w.check(seq), model) << "step " << i << " seq " << seq << " highest " << highest;
    if (model == V::kFresh) {
      w.accept(seq);
      accepted.insert(seq);
      highest = std::max(highest, seq);
    }
    ASSERT_EQ(w.highest(), highest);
  }
}

}  // namespace
}  // namespace sysplex::channel
