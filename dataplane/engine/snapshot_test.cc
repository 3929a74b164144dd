// find_dvipa's hash index against the walk it replaces: every DVIPA found by its address and
// family, nothing else found, with many DVIPAs (probe chains) and IPv4 and IPv6 mixed.
#include "dataplane/engine/snapshot.h"

#include <gtest/gtest.h>

#include <array>

namespace sysplex::dp {
namespace {

DvipaView dvipa(uint32_t n, bool v6) {
  DvipaView d;
  d.v6 = v6;
  if (v6) {
    d.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  } else {
    d.addr = {198, uint8_t(18 + (n >> 16 & 1)), uint8_t(n >> 8), uint8_t(n)};
  }
  d.epoch = n;
  return d;
}

TEST(Snapshot, FindsEveryDvipaByTheIndexAndNothingElse) {
  Snapshot s;
  for (uint32_t n = 1; n <= 300; ++n) s.dvipas.push_back(dvipa(n, n % 3 == 0));
  s.index_dvipas();
  ASSERT_GE(s.dvipa_index.size(), 2 * s.dvipas.size());
  for (uint32_t n = 1; n <= 300; ++n) {
    const DvipaView want = dvipa(n, n % 3 == 0);
    const DvipaView* got = s.find_dvipa(want.addr.data(), want.v6);
    ASSERT_NE(got, nullptr) << n;
    EXPECT_EQ(got->epoch, n);
    // The same bytes in the other family, and addresses never added, are not DVIPAs.
    EXPECT_EQ(s.find_dvipa(want.addr.data(), !want.v6), nullptr) << n;
  }
  for (uint32_t n = 301; n <= 2000; ++n) {
    EXPECT_EQ(s.find_dvipa(dvipa(n, false).addr.data(), false), nullptr) << n;
    EXPECT_EQ(s.find_dvipa(dvipa(n, true).addr.data(), true), nullptr) << n;
  }
}

TEST(Snapshot, AFewDvipasAreWalkedAndTheIndexAnswersAlike) {
  Snapshot s;
  s.dvipas.push_back(dvipa(7, false));
  s.dvipas.push_back(dvipa(7, true));
  s.index_dvipas();
  EXPECT_TRUE(s.dvipa_index.empty());  // a few: the walk
  EXPECT_EQ(s.find_dvipa(dvipa(7, true).addr.data(), true), &s.dvipas[1]);
  EXPECT_EQ(s.find_dvipa(dvipa(7, false).addr.data(), false), &s.dvipas[0]);
  EXPECT_EQ(s.find_dvipa(dvipa(8, false).addr.data(), false), nullptr);
  // More: the index, and the walk's answers.
  for (uint32_t n = 8; n < 8 + Snapshot::kDvipaWalk; ++n) s.dvipas.push_back(dvipa(n, false));
  s.index_dvipas();
  EXPECT_FALSE(s.dvipa_index.empty());
  EXPECT_EQ(s.find_dvipa(dvipa(7, true).addr.data(), true), &s.dvipas[1]);
  EXPECT_EQ(s.find_dvipa(dvipa(7, false).addr.data(), false), &s.dvipas[0]);
  EXPECT_EQ(s.find_dvipa(dvipa(8, false).addr.data(), false), &s.dvipas[2]);
}

TEST(Snapshot, AnEmptyDvipaListFindsNothing) {
  Snapshot s;
  s.index_dvipas();
  const std::array<uint8_t, 16> a{198, 18, 0, 1};
  EXPECT_EQ(s.find_dvipa(a.data(), false), nullptr);
}

}  // namespace
}  // namespace sysplex::dp
