#include "control/targetcache/refresh_schedule.h"

#include <gtest/gtest.h>

namespace sysplex::targetcache {
namespace {

constexpr int64_t s = 1000;

// Runs every refresh exactly when due, from `from` until `until`; returns the refresh times.
std::vector<int64_t> run_on_time(RefreshSchedule& sch, int64_t until) {
  std::vector<int64_t> at;
  while (sch.next_at() && *sch.next_at() <= until) {
    int64_t t = *sch.next_at();
    EXPECT_FALSE(sch.due(t - 1));
    EXPECT_TRUE(sch.due(t));
    sch.on_refreshed(t);
    at.push_back(t);
  }
  return at;
}

TEST(RefreshSchedule, NothingDueBeforeTheFirstJoin) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  EXPECT_FALSE(sch.next_at());
  EXPECT_FALSE(sch.due(1'000'000'000));
}

TEST(RefreshSchedule, JoinRunsTheFastListThenSteady) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  int64_t t0 = 7 * s;
  sch.restart(t0);
  EXPECT_EQ(sch.fast_remaining(), 5u);
  auto at = run_on_time(sch, t0 + 300 * s);
  std::vector<int64_t> want{5, 10, 25, 60, 120, 180, 240, 300};
  ASSERT_EQ(at.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(at[i], t0 + want[i] * s) << "refresh " << i;
  EXPECT_EQ(sch.fast_remaining(), 0u);
}

TEST(RefreshSchedule, RestartDuringTheFastListStartsItOver) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  sch.restart(0);
  sch.on_refreshed(5 * s);
  sch.on_refreshed(10 * s);
  EXPECT_EQ(sch.fast_remaining(), 3u);
  sch.restart(12 * s);  // e.g. the route source restarted
  EXPECT_EQ(sch.fast_remaining(), 5u);
  auto at = run_on_time(sch, 200 * s);
  std::vector<int64_t> want{17, 22, 37, 72, 132, 192};
  ASSERT_EQ(at.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(at[i], want[i] * s) << "refresh " << i;
}

TEST(RefreshSchedule, RestartInSteadyStateRunsTheFastListAgain) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  sch.restart(0);
  run_on_time(sch, 180 * s);
  sch.restart(200 * s);
  EXPECT_EQ(sch.next_at(), 205 * s);
}

TEST(RefreshSchedule, LateRefreshShiftsTheRestAndSkipsNothing) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  sch.restart(0);
  sch.on_refreshed(8 * s);  // due at 5 s, ran 3 s late
  EXPECT_EQ(sch.next_at(), 13 * s);
  sch.on_refreshed(100 * s);  // due at 13 s, ran very late: the 15 s step still comes next
  EXPECT_EQ(sch.next_at(), 115 * s);
  EXPECT_EQ(sch.fast_remaining(), 3u);  // the 15, 35 and 60 s steps
}

TEST(RefreshSchedule, EarlyRefreshIsNotAScheduledOne) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  sch.restart(0);
  sch.on_refreshed(2 * s);
  EXPECT_EQ(sch.next_at(), 5 * s);
  EXPECT_EQ(sch.fast_remaining(), 5u);
}

TEST(RefreshSchedule, StopAndRejoin) {
  RefreshSchedule sch(config::TargetCacheTimers{});
  sch.restart(0);
  sch.on_refreshed(5 * s);
  sch.stop();
  EXPECT_FALSE(sch.due(1'000 * s));
  EXPECT_FALSE(sch.next_at());
  sch.on_refreshed(1'000 * s);  // harmless while stopped
  EXPECT_FALSE(sch.next_at());
  sch.restart(2'000 * s);
  EXPECT_EQ(sch.next_at(), 2'005 * s);
}

TEST(RefreshSchedule, ConfiguredIntervals) {
  config::TargetCacheTimers t;
  t.steady_secs = 30;
  t.fast_secs = {1, 2};
  RefreshSchedule sch(t);
  sch.restart(0);
  auto at = run_on_time(sch, 63 * s);
  EXPECT_EQ(at, (std::vector<int64_t>{1 * s, 3 * s, 33 * s, 63 * s}));
  t.fast_secs.clear();
  RefreshSchedule steady_only(t);
  steady_only.restart(0);
  EXPECT_EQ(steady_only.next_at(), 30 * s);
}

}  // namespace
}  // namespace sysplex::targetcache
