#include "dataplane/dist/methods.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

// Counts every allocation in this test binary, so a test can prove pick() allocates nothing.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// GCC inlines these into delete-expressions and then flags free() of memory from new, not seeing
// that this operator new is malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace sysplex::dist {
namespace {

using config::DestRole;
using config::DistMethod;

IpAddr client(uint32_t i) { return IpAddr::v4_from_host(0xc6120000 + i); }  // 198.18.0.0/15

FlowKey syn_from(uint32_t client_index, uint16_t sport = 40000) {
  return FlowKey{client(client_index), parse_ip("198.19.0.1").value(), sport, 443, 6};
}

Selector make(const SelectorConfig& config) {
  auto s = Selector::create(config);
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  return std::move(s).value();
}

Selector make(DistMethod method) { return make(SelectorConfig{.method = method}); }

std::vector<TargetState> ready(uint32_t n) {
  std::vector<TargetState> t(n);
  for (TargetState& s : t) {
    s.ready = true;
    s.wlm_weight = kWlmWeightMax;
  }
  return t;
}

// A preferred target (0) and backups of ranks 10 (1), 200 (2) and 50 (3), all usable.
std::vector<TargetState> standby_set() {
  auto t = ready(4);
  t[0].role = DestRole::kPreferred;
  const uint8_t ranks[] = {0, 10, 200, 50};
  for (uint32_t i = 1; i < 4; ++i) {
    t[i].role = DestRole::kBackup;
    t[i].backup_rank = ranks[i];
  }
  return t;
}

std::vector<uint32_t> counts(Selector& s, const std::vector<TargetState>& t, uint32_t picks) {
  std::vector<uint32_t> n(t.size(), 0);
  for (uint32_t i = 0; i < picks; ++i) {
    const uint32_t target = s.pick(t, syn_from(i), 0);
    EXPECT_LT(target, t.size());
    if (target < t.size()) ++n[target];
  }
  return n;
}

// ---- every method ----------------------------------------------------------------------------

class EveryMethod : public ::testing::TestWithParam<DistMethod> {};

INSTANTIATE_TEST_SUITE_P(Dist, EveryMethod,
                         ::testing::Values(DistMethod::kRoundRobin, DistMethod::kWeightedActive,
                                           DistMethod::kBaseWlm, DistMethod::kServerWlm,
                                           DistMethod::kHotStandby));

// Target 0 (the PREFERRED one, the heaviest, the emptiest) has no listener: it never gets a SYN.
TEST_P(EveryMethod, TargetWithoutListenerNeverPicked) {
  auto t = standby_set();
  t[0].ready = false;
  t[0].weight = 100;
  t[1].active = 50;
  Selector s = make(GetParam());
  for (uint32_t i = 0; i < 10000; ++i) {
    const uint32_t target = s.pick(t, syn_from(i), i);
    ASSERT_NE(target, 0u);
    ASSERT_LT(target, t.size());
    ++t[target].active;
  }
}

TEST_P(EveryMethod, NothingReadyGivesNoTarget) {
  auto t = standby_set();
  for (TargetState& s : t) s.ready = false;
  for (uint32_t affinity_secs : {0u, 60u}) {
    Selector s = make(SelectorConfig{.method = GetParam(), .timed_affinity_secs = affinity_secs});
    EXPECT_EQ(s.pick(t, syn_from(1), 0), kNoTarget);
    EXPECT_EQ(s.pick({}, syn_from(1), 0), kNoTarget);
  }
}

TEST_P(EveryMethod, TargetsBeyondMaxTargetsIgnored) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = GetParam(), .max_targets = 2});
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_LT(s.pick(t, syn_from(i), 0), 2u);
}

TEST_P(EveryMethod, PickDoesNotAllocate) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = GetParam(), .timed_affinity_secs = 60});
  std::vector<FlowKey> syns;
  for (uint32_t c = 0; c < 5000; ++c) syns.push_back(syn_from(c));
  const uint64_t before = g_allocations.load();
  for (uint32_t i = 0; i < 10000; ++i) {
    const uint32_t target = s.pick(t, syns[i % 5000], i);
    s.on_connection_end(syns[i % 5000].src, target, i);
  }
  s.expire_affinities(100000000);
  EXPECT_EQ(g_allocations.load(), before);
}

TEST(Selector, RejectsBadConfig) {
  EXPECT_FALSE(Selector::create(SelectorConfig{.max_targets = 0}).ok());
  EXPECT_FALSE(Selector::create(SelectorConfig{.max_targets = kMaxTargets + 1}).ok());
  EXPECT_FALSE(
      Selector::create(SelectorConfig{.timed_affinity_secs = 60, .affinity_capacity = 0}).ok());
  EXPECT_TRUE(
      Selector::create(SelectorConfig{.timed_affinity_secs = 0, .affinity_capacity = 0}).ok());
}

// ---- ROUNDROBIN ------------------------------------------------------------------------------

TEST(RoundRobin, ExactRotationSkippingTargetsWithoutListener) {
  auto t = ready(5);
  t[2].ready = false;
  Selector s = make(DistMethod::kRoundRobin);
  const uint32_t order[] = {0, 1, 3, 4};
  for (uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(s.pick(t, syn_from(i), 0), order[i % 4]) << i;
}

TEST(RoundRobin, TargetSetShrinksAndGrows) {
  auto t = ready(4);
  Selector s = make(DistMethod::kRoundRobin);
  for (uint32_t i = 0; i < 3; ++i) s.pick(t, syn_from(i), 0);  // the cursor is at 3
  EXPECT_EQ(s.pick(std::span(t).first(2), syn_from(9), 0), 0u);
  EXPECT_EQ(s.pick(t, syn_from(9), 0), 1u);
}

// ---- WEIGHTEDACTIVE --------------------------------------------------------------------------

// With no connection ending, active counts track the weights exactly after every full round of
// W = 1 + 2 + 3 + 4 picks.
TEST(WeightedActive, ActiveFollowsWeightsExactly) {
  auto t = ready(4);
  for (uint32_t i = 0; i < 4; ++i) t[i].weight = static_cast<uint16_t>(i + 1);
  Selector s = make(DistMethod::kWeightedActive);
  for (uint32_t round = 1; round <= 1000; ++round) {
    for (uint32_t k = 0; k < 10; ++k) ++t[s.pick(t, syn_from(k), 0)].active;
    for (uint32_t i = 0; i < 4; ++i) ASSERT_EQ(t[i].active, round * (i + 1)) << "round " << round;
  }
}

// Ends one open connection, chosen with probability proportional to active x end_rate (targets
// whose connections are shorter lose them faster). lcg is a deterministic generator's state.
void end_one(std::vector<TargetState>& t, std::span<const uint32_t> end_rate, uint64_t& lcg) {
  uint64_t total = 0;
  for (size_t k = 0; k < t.size(); ++k) total += uint64_t{t[k].active} * end_rate[k];
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  uint64_t victim = (lcg >> 33) % total;
  size_t k = 0;
  while (victim >= uint64_t{t[k].active} * end_rate[k]) {
    victim -= uint64_t{t[k].active} * end_rate[k];
    ++k;
  }
  --t[k].active;
}

// 100k SYNs; once 1000 connections are open, 100 end after every 100 SYNs, three times as fast on
// target 3. Each burst knocks the shares off by up to ~45 connections; the next 100 SYNs must bring
// every target back within 1 connection of open x weight / total weight. Target 3's connections
// are 2/3 of the ending rate (400 x 3 of 1800), so it must get well over its 40% of SYNs: over 60%.
TEST(WeightedActive, ConvergesWhileConnectionsEnd) {
  auto t = ready(4);
  const uint16_t weights[] = {1, 2, 3, 4};
  const uint32_t end_rate[] = {1, 1, 1, 3};
  for (uint32_t i = 0; i < 4; ++i) t[i].weight = weights[i];
  Selector s = make(DistMethod::kWeightedActive);
  std::vector<uint32_t> syns(4, 0);
  uint64_t lcg = 42, open = 0;
  for (uint32_t round = 0; round < 1000; ++round) {
    for (uint32_t i = 0; i < 100; ++i, ++open) {
      const uint32_t target = s.pick(t, syn_from(i), round);
      ++t[target].active;
      ++syns[target];
    }
    if (open < 1000) continue;
    for (uint32_t k = 0; k < 4; ++k) {
      ASSERT_NEAR(t[k].active, open * weights[k] / 10.0, 1.0)
          << "round " << round << " target " << k;
    }
    for (uint32_t e = 0; e < 100; ++e, --open) end_one(t, end_rate, lcg);
  }
  EXPECT_GT(syns[3], 60000u) << "syns per target: " << syns[0] << " " << syns[1] << " " << syns[2]
                             << " " << syns[3];
}

// A target that comes up empty takes every new connection until it holds its share; from then on
// ties rotate, so the next four SYNs go one to each.
TEST(WeightedActive, NewTargetCatchesUp) {
  auto t = ready(4);
  for (uint32_t i = 0; i < 3; ++i) t[i].active = 300;
  Selector s = make(DistMethod::kWeightedActive);
  for (uint32_t i = 0; i < 300; ++i) {
    const uint32_t target = s.pick(t, syn_from(i), 0);
    ASSERT_EQ(target, 3u) << "pick " << i;
    ++t[target].active;
  }
  for (uint32_t i = 0; i < 4; ++i) ++t[s.pick(t, syn_from(i), 0)].active;
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(t[i].active, 301u) << i;
}

// Equal weights and equal counts (SYNs that never became connections): ties rotate exactly.
TEST(WeightedActive, TiesRotate) {
  auto t = ready(4);
  Selector s = make(DistMethod::kWeightedActive);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(s.pick(t, syn_from(i), 0), i % 4) << i;
}

// A weight-0 target gets nothing, and its connections do not count in the others' shares.
TEST(WeightedActive, ZeroWeightOnlyWhenAllZero) {
  auto t = ready(3);
  t[0].weight = 1;
  t[1].weight = 0;
  t[1].active = 100;
  t[2].weight = 3;
  Selector s = make(DistMethod::kWeightedActive);
  for (uint32_t i = 1; i <= 4000; ++i) {
    const uint32_t target = s.pick(t, syn_from(i), 0);
    ASSERT_NE(target, 1u);
    ++t[target].active;
    if (i % 4 == 0) {
      ASSERT_EQ(std::pair(t[0].active, t[2].active), std::pair(i / 4, 3 * i / 4)) << i;
    }
  }
  for (TargetState& x : t) x.weight = 0;
  EXPECT_EQ(counts(s, t, 3000), (std::vector<uint32_t>{1000, 1000, 1000}));
}

// ---- BASEWLM / SERVERWLM ---------------------------------------------------------------------

// Smooth weighted round robin is exact over every cycle of the total weight: 4:2:1 gives each
// cycle of 7 SYNs exactly 4, 2 and 1.
TEST(Wlm, ReportedWeightsExactPerCycle) {
  auto t = ready(3);
  t[0].wlm_weight = 64;
  t[1].wlm_weight = 32;
  t[2].wlm_weight = 16;
  for (DistMethod m : {DistMethod::kBaseWlm, DistMethod::kServerWlm}) {
    Selector s = make(m);
    for (uint32_t cycle = 0; cycle < 1000; ++cycle) {
      ASSERT_EQ(counts(s, t, 7), (std::vector<uint32_t>{4, 2, 1})) << "cycle " << cycle;
    }
  }
}

// Responsiveness scales the reported weight: 64 x 25% = 16 against 32 x 100% and 16 x 100%.
// After the change the shares settle within one 4-SYN cycle: over 100k SYNs each target is
// within 2 SYNs of 1:2:1.
TEST(Wlm, ResponsivenessScalesWeights) {
  auto t = ready(3);
  t[0].wlm_weight = 64;
  t[1].wlm_weight = 32;
  t[2].wlm_weight = 16;
  Selector s = make(DistMethod::kBaseWlm);
  counts(s, t, 5);  // mid-cycle, so the change meets nonzero running weights
  t[0].responsiveness = 25;
  const auto n = counts(s, t, 100000);
  EXPECT_NEAR(n[0], 25000, 2);
  EXPECT_NEAR(n[1], 50000, 2);
  EXPECT_NEAR(n[2], 25000, 2);
}

TEST(Wlm, ZeroEffectiveWeightGetsNothingUnlessAllZero) {
  auto t = ready(3);
  t[1].responsiveness = 0;  // no SYN reached ESTABLISHED
  t[2].wlm_weight = 0;      // no spare capacity
  Selector s = make(DistMethod::kBaseWlm);
  EXPECT_EQ(counts(s, t, 1000), (std::vector<uint32_t>{1000, 0, 0}));
  t[0].wlm_weight = 0;
  EXPECT_EQ(counts(s, t, 3000), (std::vector<uint32_t>{1000, 1000, 1000}))
      << "all zero: round robin";
}

// Reports beyond the protocol's range count as the maximum, so one target cannot claim more.
TEST(Wlm, OutOfRangeReportsClamped) {
  auto t = ready(2);
  t[0].wlm_weight = 255;
  t[0].responsiveness = 255;
  Selector s = make(DistMethod::kBaseWlm);
  EXPECT_EQ(counts(s, t, 1000), (std::vector<uint32_t>{500, 500}));
}

// A target back from an outage gets its share from then on, not a burst for the time it was out
// (nothing accrues to a target that is not usable).
TEST(Wlm, ReturningTargetGetsNoBurst) {
  auto t = ready(2);
  Selector s = make(DistMethod::kBaseWlm);
  counts(s, t, 1);  // target 0 took it: half a cycle ahead of target 1
  t[0].ready = false;
  counts(s, t, 1000);
  t[0].ready = true;
  for (uint32_t i = 0; i < 100; ++i) ASSERT_EQ(counts(s, t, 2), (std::vector<uint32_t>{1, 1})) << i;
}

// ---- HOTSTANDBY ------------------------------------------------------------------------------

uint32_t pick_n(Selector& s, const std::vector<TargetState>& t, uint32_t n) {
  uint32_t target = kNoTarget;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t now = s.pick(t, syn_from(i), 0);
    if (i > 0 && now != target) return kNoTarget;  // all n must go to one target
    target = now;
  }
  return target;
}

TEST(HotStandby, PreferredThenBackupsByRank) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = DistMethod::kHotStandby});
  EXPECT_EQ(s.hot_standby_active(), kNoTarget);
  EXPECT_EQ(pick_n(s, t, 100), 0u);
  t[0].ready = false;
  EXPECT_EQ(pick_n(s, t, 100), 2u) << "rank 200 first";
  EXPECT_EQ(s.hot_standby_active(), 2u);
  t[2].ready = false;
  EXPECT_EQ(pick_n(s, t, 100), 3u) << "then rank 50";
  t[3].ready = false;
  EXPECT_EQ(pick_n(s, t, 100), 1u) << "then rank 10";
  t[1].ready = false;
  EXPECT_EQ(s.pick(t, syn_from(1), 0), kNoTarget);
  EXPECT_EQ(s.hot_standby_active(), kNoTarget);
}

TEST(HotStandby, AutoSwitchBack) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = DistMethod::kHotStandby, .auto_switchback = true});
  t[0].ready = false;
  EXPECT_EQ(pick_n(s, t, 10), 2u);
  t[0].ready = true;
  EXPECT_EQ(pick_n(s, t, 10), 0u);
}

TEST(HotStandby, NoAutoSwitchBackStaysUntilBackupFails) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = DistMethod::kHotStandby, .auto_switchback = false});
  t[0].ready = false;
  EXPECT_EQ(pick_n(s, t, 10), 2u);
  t[0].ready = true;
  EXPECT_EQ(pick_n(s, t, 1000), 2u) << "the preferred is back, but the active backup stays";
  t[2].ready = false;
  EXPECT_EQ(pick_n(s, t, 10), 0u) << "the active backup failed: the preferred is usable";
}

// refresh() applies a failure seen between SYNs: the backup failing and recovering before the next
// SYN still moves new connections (to the preferred, which is usable).
TEST(HotStandby, RefreshSwitchesBetweenSyns) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = DistMethod::kHotStandby, .auto_switchback = false});
  t[0].ready = false;
  EXPECT_EQ(pick_n(s, t, 1), 2u);
  t[0].ready = true;
  t[2].ready = false;
  s.refresh(t);
  EXPECT_EQ(s.hot_standby_active(), 0u);
  t[2].ready = true;
  EXPECT_EQ(pick_n(s, t, 10), 0u);
}

TEST(HotStandby, HealthSwitch) {
  auto t = standby_set();
  t[0].healthy = false;  // listening, but not completing connections
  Selector with = make(SelectorConfig{.method = DistMethod::kHotStandby, .health_switch = true});
  Selector without =
      make(SelectorConfig{.method = DistMethod::kHotStandby, .health_switch = false});
  EXPECT_EQ(pick_n(with, t, 10), 2u);
  EXPECT_EQ(pick_n(without, t, 10), 0u);
  t[0].healthy = true;
  EXPECT_EQ(pick_n(with, t, 10), 0u) << "healthy again: AUTOSWITCHBACK";
}

// A configuration change that takes the active target out of the standby roles moves new
// connections even with NOAUTOSWITCHBACK.
TEST(HotStandby, ActiveTargetLosingItsRoleIsLeft) {
  auto t = standby_set();
  Selector s = make(SelectorConfig{.method = DistMethod::kHotStandby, .auto_switchback = false});
  EXPECT_EQ(pick_n(s, t, 10), 0u);
  t[0].role = DestRole::kNone;
  t[1].role = DestRole::kPreferred;
  EXPECT_EQ(pick_n(s, t, 10), 1u);
}

TEST(HotStandby, TargetsWithoutRoleNeverUsed) {
  auto t = standby_set();
  t.push_back(ready(1)[0]);  // target 4: no PREFERRED/BACKUP role
  for (uint32_t i = 0; i < 4; ++i) t[i].ready = false;
  Selector s = make(DistMethod::kHotStandby);
  EXPECT_EQ(s.pick(t, syn_from(1), 0), kNoTarget);
}

// ---- TIMEDAFFINITY ---------------------------------------------------------------------------

constexpr uint64_t kT0 = 1'000'000;

SelectorConfig round_robin_with_affinity(uint32_t secs) {
  return SelectorConfig{.method = DistMethod::kRoundRobin, .timed_affinity_secs = secs};
}

TEST(TimedAffinity, KeptWhileConnectionsLive) {
  auto t = ready(3);
  Selector s = make(round_robin_with_affinity(30));
  EXPECT_EQ(s.pick(t, syn_from(1, 1000), kT0), 0u);
  EXPECT_EQ(s.pick(t, syn_from(2, 1000), kT0), 1u);
  for (uint16_t port = 1001; port < 1100; ++port) {
    ASSERT_EQ(s.pick(t, syn_from(1, port), kT0 + port * 3'600'000ull), 0u)
        << "hours later, still open";
  }
  EXPECT_EQ(s.pick(t, syn_from(3, 1000), kT0), 2u) << "round robin goes on for new clients";
}

TEST(TimedAffinity, KeptForTheTimeoutAfterTheLastConnection) {
  auto t = ready(3);
  Selector s = make(round_robin_with_affinity(30));
  ASSERT_EQ(s.pick(t, syn_from(1, 1000), kT0), 0u);
  ASSERT_EQ(s.pick(t, syn_from(1, 1001), kT0), 0u);
  s.on_connection_end(client(1), 0, kT0 + 10'000);
  s.on_connection_end(client(1), 0, kT0 + 20'000);  // the last one: held until kT0 + 50 s
  EXPECT_EQ(s.pick(t, syn_from(1, 1002), kT0 + 49'999), 0u);
  s.on_connection_end(client(1), 0, kT0 + 50'000);  // ends at 50 s: held until 80 s
  EXPECT_EQ(s.pick(t, syn_from(1, 1003), kT0 + 79'999), 0u);
  s.on_connection_end(client(1), 0, kT0 + 80'000);
  EXPECT_EQ(s.pick(t, syn_from(1, 1004), kT0 + 110'000), 1u) << "expired: round robin's next";
}

TEST(TimedAffinity, BindingToTargetWithoutListenerIgnored) {
  auto t = ready(3);
  Selector s = make(round_robin_with_affinity(30));
  ASSERT_EQ(s.pick(t, syn_from(1, 1000), kT0), 0u);
  t[0].ready = false;
  EXPECT_EQ(s.pick(t, syn_from(1, 1001), kT0), 1u);
  t[0].ready = true;
  EXPECT_EQ(s.pick(t, syn_from(1, 1002), kT0), 1u) << "rebound to 1";
  s.on_connection_end(client(1), 0, kT0);  // the old connection to 0 ends: no effect on the binding
  EXPECT_EQ(s.pick(t, syn_from(1, 1003), kT0 + 3'600'000), 1u);
}

TEST(TimedAffinity, ExpireFreesLapsedBindingsAndFullTableCounts) {
  auto t = ready(2);
  Selector s = make(SelectorConfig{
      .method = DistMethod::kRoundRobin, .timed_affinity_secs = 1, .affinity_capacity = 2});
  for (uint32_t c = 1; c <= 3; ++c) s.pick(t, syn_from(c), kT0);
  EXPECT_EQ(s.affinity_overflows(), 1u) << "the third client did not fit";
  for (uint32_t c = 1; c <= 2; ++c) s.on_connection_end(client(c), (c - 1) % 2, kT0);
  EXPECT_EQ(s.expire_affinities(kT0 + 999), 0u);
  EXPECT_EQ(s.expire_affinities(kT0 + 1000), 2u);
}

}  // namespace
}  // namespace sysplex::dist
