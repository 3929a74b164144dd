// Scenarios of membership and ownership on one embedded store: joins by mode, takeover on death and
// leave, rank order and ties, takeback per MOVEABLE, partitions of every kind, store outages,
// deactivate/reactivate, quiesce, and the requests' answers. Every step runs the shared safety checks.
#include "control/ownership/member.h"

#include <gtest/gtest.h>

#include "control/ownership/member_test_util.h"

namespace sysplex::ownership {
namespace {

using namespace std::chrono_literals;
using config::JoinMode;
using config::Moveable;
using testing::Backup;
using testing::count;
using testing::Def;
using testing::ip;
using testing::of;
using testing::profile;
using testing::Sim;

constexpr const char* D1 = "198.19.0.10";
constexpr uint64_t kWindow = 300;  // miss_count 3 x heartbeat_ms 100

// SYS1 defines D1; SYS2 and SYS3 back it up at the given ranks.
void three(Sim& sim, uint8_t rank2 = 100, uint8_t rank3 = 50, Moveable mv = Moveable::kImmediate) {
  sim.add(profile("SYS1", 1, {{D1, mv}}, {}));
  sim.add(profile("SYS2", 2, {}, {{D1, rank2}}));
  sim.add(profile("SYS3", 3, {}, {{D1, rank3}}));
  sim.run(500);
  ASSERT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

// Steps only `who` every `tick` ms until it acts on D1; returns the time that took (0: never).
uint64_t until_acting(Sim& sim, const std::vector<std::string>& who, uint64_t limit_ms, uint64_t tick = 10) {
  uint64_t start = sim.now();
  while (sim.now() - start < limit_ms) {
    sim.clock.advance(std::chrono::milliseconds(tick));
    for (const auto& n : who) {
      sim.step(n);
      if (sim.row(n, ip(D1)).acting) return sim.now() - start;
    }
  }
  return 0;
}

TEST(OwnershipJoin, NoDelayJoinActivatesTheDefinitionsAtOnce) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.add(profile("SYS2", 2, {}, {{D1, 100}}));
  const auto& a = sim.step("SYS1");
  auto act = of<Activate>(a);
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].dvipa, (Prefix{ip(D1), 32}));
  EXPECT_EQ(act[0].epoch, 1u);
  EXPECT_EQ(act[0].reason, ActivateReason::kDefine);
  EXPECT_FALSE(act[0].distribute);
  EXPECT_EQ(count<Announce>(a), 1u);
  EXPECT_EQ(count<SendTakeoverNotice>(a), 0u);  // a first activation takes nothing over
  EXPECT_EQ(count<RequestConnections>(a), 0u);
  const auto& b = sim.step("SYS2");
  ASSERT_EQ(of<BecomeBackup>(b).size(), 1u);
  EXPECT_EQ(of<BecomeBackup>(b)[0].rank, 100);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kActive);
  EXPECT_EQ(sim.status("SYS2", D1), DvipaStatus::kBackup);
  EXPECT_EQ(sim.row("SYS2", ip(D1)).owner, "SYS1");
  EXPECT_EQ(sim.row("SYS2", ip(D1)).epoch, 1u);
  EXPECT_EQ(sim.node("SYS1").m->incarnation(), 1u);
  sim.run(200);
  const auto& members = sim.node("SYS2").m->state().members;
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].node, "SYS1");
  EXPECT_EQ(members[0].status, MemberStatus::kActive);
  EXPECT_TRUE(members[0].heard);
  EXPECT_EQ(members[0].addrs, std::vector<IpAddr>{ip("198.18.0.1")});
  EXPECT_TRUE(members[1].self);
}

TEST(OwnershipJoin, DelayJoinWaitsForReadiness) {
  Sim sim;
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}, JoinMode::kDelayJoin));
  a.join_ready = false;
  sim.run(2000);
  const GroupState& st = a.m->state();
  EXPECT_EQ(st.join, JoinState::kOut);
  EXPECT_NE(st.detail.find("DELAYJOIN"), std::string::npos);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kInactive);
  EXPECT_EQ(sim.store_owner(D1), "");
  a.join_ready = true;
  sim.step("SYS1");
  EXPECT_EQ(st.join, JoinState::kMember);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

TEST(OwnershipJoin, NoJoinJoinsOnlyOnAnOperatorJoin) {
  Sim sim;
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}, JoinMode::kNoJoin));
  sim.run(2000);
  EXPECT_EQ(a.m->state().join, JoinState::kOut);
  a.pending.push_back(Request::join());
  sim.step("SYS1");
  ASSERT_EQ(a.replies.size(), 1u);
  EXPECT_TRUE(a.replies[0].ok());
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  a.pending.push_back(Request::join());
  sim.step("SYS1");
  ASSERT_FALSE(a.replies[0].ok());
  EXPECT_EQ(a.replies[0].error().code, Errc::kFailedPrecondition);
}

TEST(OwnershipJoin, OperatorJoinUnderDelayJoinStillWaitsForReadiness) {
  Sim sim;
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}, JoinMode::kDelayJoin));
  a.join_ready = false;
  a.pending.push_back(Request::join());
  sim.run(500);
  EXPECT_EQ(a.m->state().join, JoinState::kOut);
  a.join_ready = true;
  sim.run(50);
  EXPECT_EQ(a.m->state().join, JoinState::kMember);
}

TEST(OwnershipTakeover, OwnerDeathIsTakenOverWithinTheHeartbeatWindow) {
  Sim sim;
  three(sim);
  sim.kill("SYS1");
  uint64_t took = until_acting(sim, {"SYS2", "SYS3"}, 2000);
  EXPECT_GE(took, kWindow - 100);  // the last heartbeat came up to one period before the death
  EXPECT_LE(took, kWindow + 10);   // the window, plus one step of 10 ms
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});  // rank 100 before rank 50
  auto act = of<Activate>(sim.node("SYS2").last);
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].epoch, 2u);
  EXPECT_EQ(act[0].reason, ActivateReason::kTakeoverFailed);
  EXPECT_EQ(act[0].previous_owner, "SYS1");
  auto notice = of<SendTakeoverNotice>(sim.node("SYS2").last);
  ASSERT_EQ(notice.size(), 1u);
  EXPECT_EQ(notice[0].reason, NoticeReason::kOwnerFailed);
  EXPECT_EQ(notice[0].epoch, 2u);
  // SYS1's member record is still there (its lease runs), so SYS2 asks it for connections too.
  EXPECT_EQ(count<RequestConnections>(sim.node("SYS2").last), 1u);
  sim.run(1000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(sim.status("SYS3", D1), DvipaStatus::kBackup);
  EXPECT_EQ(sim.row("SYS3", ip(D1)).owner, "SYS2");
}

TEST(OwnershipTakeover, HigherRankWinsEvenWhenTheLowerStepsFirst) {
  Sim sim;
  three(sim, 100, 200);
  sim.kill("SYS1");
  EXPECT_GT(until_acting(sim, {"SYS2", "SYS3"}, 2000), 0u);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS3"});
  sim.run(2000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS3"});
  EXPECT_EQ(sim.node("SYS2").m->state().counters.claims, 0u);  // it waited and never needed to try
}

TEST(OwnershipTakeover, EqualRanksGoToTheFirstName) {
  Sim sim;
  three(sim, 100, 100);
  sim.kill("SYS1");
  EXPECT_GT(until_acting(sim, {"SYS3", "SYS2"}, 2000), 0u);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
}

TEST(OwnershipTakeover, BestBackupDeadTooTheNextTakesOverAsFast) {
  Sim sim;
  three(sim, 200, 100);
  sim.kill("SYS1");
  sim.kill("SYS2");
  uint64_t took = until_acting(sim, {"SYS3"}, 2000);
  EXPECT_LE(took, kWindow + 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS3"});
}

TEST(OwnershipTakeover, BestBackupThatCannotClaimIsPassedAfterTheGrace) {
  Sim sim;
  three(sim, 200, 100);
  sim.cut_store("SYS2", true);  // alive (heard), but cannot claim
  sim.kill("SYS1");
  uint64_t took = until_acting(sim, {"SYS2", "SYS3"}, 3000);
  EXPECT_GE(took, kWindow + 300 - 100);  // position 1 waits one grace (300 ms) after the window
  EXPECT_LE(took, kWindow + 300 + 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS3"});
}

TEST(OwnershipTakeover, TwoBackupsRacingOnTheSameViewOnlyOneWinsTheCas) {
  Sim sim;
  three(sim, 100, 100);
  sim.cut("SYS2", "SYS3");  // each thinks the other dead too, so both are first in their own chain
  sim.node("SYS3").front->freeze_watch = true;  // and SYS3 will not see SYS2's claim before its own
  sim.kill("SYS1");
  sim.run(kWindow + 20, 10);
  ASSERT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  const Counters& c = sim.node("SYS3").m->state().counters;
  EXPECT_EQ(c.claims, 1u);
  EXPECT_EQ(c.claims_lost, 1u);
  EXPECT_EQ(c.claims_won, 0u);
  EXPECT_EQ(sim.row("SYS3", ip(D1)).owner, "SYS2");  // the lost CAS brought the record back
  EXPECT_EQ(sim.row("SYS3", ip(D1)).epoch, 2u);
}

TEST(OwnershipTakeover, BackupsThatCannotHearEachOtherDoNotTakeItInTurns) {
  Sim sim;
  three(sim, 100, 100);
  sim.cut("SYS2", "SYS3");
  sim.kill("SYS1");
  sim.run(5000, 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(sim.node("SYS2").m->state().counters.claims_won, 1u);
  EXPECT_EQ(sim.node("SYS3").m->state().counters.claims, 0u);  // SYS2 claimed since SYS3 last heard it
  sim.kill("SYS2");  // dead now, unheard: SYS3 waits for the lease rather than the heartbeats
  uint64_t took = until_acting(sim, {"SYS3"}, 5000);
  EXPECT_GT(took, kWindow);
  EXPECT_LE(took, 3000u + 10);
}

TEST(OwnershipTakeover, OwnerAndItsOnlyBackupDieThenTheOwnerReturns) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.add(profile("SYS2", 2, {}, {{D1, 100}}));
  sim.run(300);
  sim.kill("SYS1");
  sim.kill("SYS2");
  sim.run(4000);  // both leases expire: nobody is left to own it
  EXPECT_EQ(sim.store_owner(D1), "");
  sim.restart("SYS1");
  sim.run(100);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  auto act = of<Activate>(sim.node("SYS1").all);
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].epoch, 2u);  // the epoch survived the leases
  EXPECT_EQ(sim.node("SYS1").m->incarnation(), 2u);
}

TEST(OwnershipTakeover, BackupDeathChangesNothingForTheOwner) {
  Sim sim;
  three(sim);
  sim.kill("SYS2");
  sim.run(5000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(count<Deactivate>(sim.node("SYS1").all), 0u);
  const auto& members = sim.node("SYS1").m->state().members;
  bool left = std::any_of(members.begin(), members.end(),
                          [](const MemberRow& r) { return r.node == "SYS2" && r.status == MemberStatus::kLeft; });
  EXPECT_TRUE(left);
  // With SYS2 gone, SYS3 is the backup that takes over.
  sim.kill("SYS1");
  EXPECT_GT(until_acting(sim, {"SYS3"}, 2000), 0u);
}

TEST(OwnershipTakeback, ImmediateTakesBackAtTheJoinAndTheBackupKeepsItsConnections) {
  Sim sim;
  three(sim);
  sim.kill("SYS1");
  sim.run(1000);
  ASSERT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  sim.restart("SYS1");
  sim.run(50);
  // The dead incarnation's member record holds the name until its lease expires.
  EXPECT_EQ(sim.node("SYS1").m->state().join, JoinState::kJoining);
  EXPECT_NE(sim.node("SYS1").m->state().detail.find("to expire"), std::string::npos);
  sim.run(3000);
  ASSERT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  auto act = of<Activate>(sim.node("SYS1").all);
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].reason, ActivateReason::kTakeback);
  EXPECT_EQ(act[0].epoch, 3u);
  EXPECT_EQ(act[0].previous_owner, "SYS2");
  EXPECT_EQ(of<SendTakeoverNotice>(sim.node("SYS1").all)[0].reason, NoticeReason::kTakeback);
  EXPECT_EQ(count<RequestConnections>(sim.node("SYS1").all), 1u);  // SYS2's connections get forwarded
  auto deact = of<Deactivate>(sim.node("SYS2").all);
  ASSERT_EQ(deact.size(), 1u);
  EXPECT_EQ(deact[0].reason, DeactivateReason::kTakenBack);
  EXPECT_TRUE(deact[0].keep_connections);
  EXPECT_EQ(deact[0].new_owner, "SYS1");
  EXPECT_EQ(deact[0].epoch, 2u);
  EXPECT_EQ(sim.status("SYS2", D1), DvipaStatus::kMoving);
  sim.node("SYS2").local_idle = {ip(D1)};
  sim.step("SYS2");
  EXPECT_EQ(count<StopServing>(sim.node("SYS2").last), 1u);
  EXPECT_EQ(count<BecomeBackup>(sim.node("SYS2").last), 1u);
  EXPECT_EQ(sim.status("SYS2", D1), DvipaStatus::kBackup);
  EXPECT_EQ(sim.node("SYS1").m->incarnation(), 2u);
}

TEST(OwnershipTakeback, WhenIdleWaitsMovingUntilTheOwnerIsIdle) {
  Sim sim;
  three(sim, 100, 50, Moveable::kWhenIdle);
  sim.kill("SYS1");
  sim.run(1000);
  sim.restart("SYS1");
  sim.run(4000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kMoving);
  EXPECT_NE(sim.row("SYS1", ip(D1)).detail.find("when idle"), std::string::npos);
  EXPECT_EQ(sim.status("SYS2", D1), DvipaStatus::kActive);
  sim.node("SYS1").owner_idle = {ip(D1)};
  sim.step("SYS1");
  EXPECT_EQ(sim.row("SYS1", ip(D1)).acting, true);
  EXPECT_EQ(of<Activate>(sim.node("SYS1").last)[0].reason, ActivateReason::kTakeback);
  sim.step("SYS2");
  EXPECT_EQ(of<Deactivate>(sim.node("SYS2").last)[0].reason, DeactivateReason::kTakenBack);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

TEST(OwnershipTakeback, ADefinerThatLostItWhileAMemberDoesNotGrabItBack) {
  Sim sim;
  three(sim);
  sim.isolate_from_peers("SYS1");  // its heartbeats are lost; the store still reaches everyone
  sim.run(kWindow + 200, 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  auto deact = of<Deactivate>(sim.node("SYS1").all);
  ASSERT_EQ(deact.size(), 1u);
  EXPECT_EQ(deact[0].reason, DeactivateReason::kTakenOver);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kMoving);
  sim.heal_peers();
  sim.node("SYS1").local_idle = {ip(D1)};
  sim.run(10000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kBackup);
  EXPECT_EQ(sim.node("SYS1").m->state().counters.claims, 1u);  // only its first activation
}

TEST(OwnershipPartition, OwnerCutFromPeersButNotTheStoreYieldsAtItsNextStep) {
  Sim sim;
  three(sim);
  sim.isolate_from_peers("SYS1");
  uint64_t took = until_acting(sim, {"SYS2"}, 2000);
  ASSERT_GT(took, 0u);
  EXPECT_EQ(sim.believers(D1).size(), 2u);  // SYS1 has not stepped since
  EXPECT_GT(sim.row("SYS2", ip(D1)).acting_epoch, sim.row("SYS1", ip(D1)).acting_epoch);
  sim.step("SYS1");
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(of<Deactivate>(sim.node("SYS1").last)[0].new_owner, "SYS2");
}

TEST(OwnershipPartition, OwnerCutFromTheStoreButNotPeersFencesBeforeItsLeaseExpires) {
  Sim sim;
  three(sim);
  sim.cut_store("SYS1", true);
  uint64_t fence_at = 0, taken_at = 0;
  for (int i = 0; i < 500 && taken_at == 0; ++i) {
    sim.clock.advance(10ms);
    sim.step_all();
    if (!fence_at && !sim.row("SYS1", ip(D1)).acting) fence_at = sim.now();
    if (sim.row("SYS2", ip(D1)).acting) taken_at = sim.now();
    ASSERT_LE(sim.believers(D1).size(), 1u);  // a gap, never an overlap
  }
  ASSERT_GT(fence_at, 0u);
  ASSERT_GT(taken_at, fence_at);
  EXPECT_EQ(of<Deactivate>(sim.node("SYS1").all)[0].reason, DeactivateReason::kFenced);
  EXPECT_FALSE(sim.node("SYS1").m->state().store_reachable);
  EXPECT_EQ(of<Activate>(sim.node("SYS2").all)[0].reason, ActivateReason::kTakeoverLeft);
  // Back in reach: the lease is gone, so SYS1 joins again and takes D1 back.
  sim.cut_store("SYS1", false);
  sim.run(1500);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(sim.node("SYS1").m->incarnation(), 2u);
  EXPECT_EQ(sim.node("SYS1").m->state().counters.leases_lost, 1u);
}

TEST(OwnershipPartition, FullIsolationOverlapsOnlyUntilTheFenceAndAtALowerEpoch) {
  Sim sim;
  three(sim);
  sim.isolate_from_peers("SYS1");
  sim.cut_store("SYS1", true);
  uint64_t cut_at = sim.now(), both_since = 0, overlap = 0;
  for (int i = 0; i < 500; ++i) {
    sim.clock.advance(10ms);
    sim.step_all();
    auto owners = sim.believers(D1);
    if (owners.size() == 2 && !both_since) both_since = sim.now();
    if (owners.size() < 2 && both_since && !overlap) overlap = sim.now() - both_since;
  }
  ASSERT_GT(both_since, 0u);
  ASSERT_GT(overlap, 0u);
  // lease 3000 - margin 200 + step 10 - (miss_count - 1) x heartbeat 100, from the cut at worst.
  EXPECT_LE(overlap, 3000u - 200 + 10 - 200);
  EXPECT_LE(both_since - cut_at, kWindow + 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(of<Deactivate>(sim.node("SYS1").all)[0].reason, DeactivateReason::kFenced);
  EXPECT_EQ(of<Deactivate>(sim.node("SYS1").all)[0].epoch, 1u);
  EXPECT_EQ(of<Activate>(sim.node("SYS2").all)[0].epoch, 2u);  // targets refuse epoch 1 once they see 2
}

TEST(OwnershipStore, ShortOutageDeactivatesNothingAndBacksOff) {
  Sim sim;
  three(sim);
  sim.store_down(true);
  sim.run(2000, 10);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  const GroupState& st = sim.node("SYS1").m->state();
  EXPECT_FALSE(st.store_reachable);
  EXPECT_FALSE(st.store_error.empty());
  EXPECT_GT(st.store_down_since_ms, 0u);
  // 200 steps in the outage, but calls only on the backoff's schedule (100, 200, 400, 500, ... ms).
  EXPECT_LE(st.counters.store_failures, 8u);
  EXPECT_GE(st.counters.store_failures, 2u);
  sim.store_down(false);
  sim.run(1000);
  EXPECT_TRUE(st.store_reachable);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(count<Deactivate>(sim.node("SYS1").all), 0u);
  EXPECT_EQ(count<Activate>(sim.node("SYS1").all), 1u);
}

TEST(OwnershipStore, LongOutageFencesThenRecoversAtTheSameEpoch) {
  Sim sim;
  three(sim);
  sim.store_down(true);
  sim.run(5000, 10);
  EXPECT_TRUE(sim.believers(D1).empty());
  EXPECT_EQ(of<Deactivate>(sim.node("SYS1").all)[0].reason, DeactivateReason::kFenced);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kInactive);
  EXPECT_EQ(sim.node("SYS1").m->state().counters.self_fences, 1u);
  sim.store_down(false);  // every lease runs its full TTL again, as etcd does after a restart
  sim.run(1000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  auto act = of<Activate>(sim.node("SYS1").all);
  ASSERT_EQ(act.size(), 2u);
  EXPECT_EQ(act[1].reason, ActivateReason::kRecovered);
  EXPECT_EQ(act[1].epoch, 1u);
  EXPECT_EQ(sim.node("SYS2").m->state().counters.claims, 0u);
}

TEST(OwnershipLeave, LeaveReleasesSoTheBackupTakesOverAtOnceAndRejoinTakesBack) {
  Sim sim;
  three(sim);
  auto& a = sim.node("SYS1");
  a.pending.push_back(Request::leave());
  sim.step("SYS1");
  auto deact = of<Deactivate>(a.last);
  ASSERT_EQ(deact.size(), 1u);
  EXPECT_EQ(deact[0].reason, DeactivateReason::kLeave);
  EXPECT_FALSE(deact[0].keep_connections);
  EXPECT_EQ(a.m->state().join, JoinState::kOut);
  EXPECT_EQ(a.m->state().out_reason, OutReason::kOperatorLeave);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kInactive);
  sim.step("SYS2");  // no heartbeat window to wait: the release is in the store
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(of<Activate>(sim.node("SYS2").last)[0].reason, ActivateReason::kTakeoverLeft);
  EXPECT_EQ(of<Activate>(sim.node("SYS2").last)[0].epoch, 3u);  // release 2, claim 3
  sim.run(5000);
  EXPECT_EQ(a.m->state().join, JoinState::kOut);  // NODELAYJOIN joins once; a leave stays left
  const auto& members = sim.node("SYS2").m->state().members;
  EXPECT_TRUE(std::any_of(members.begin(), members.end(),
                          [](const MemberRow& r) { return r.node == "SYS1" && r.status == MemberStatus::kLeft; }));
  a.pending.push_back(Request::join());  // the operator's (or AUTOREJOIN's) join
  sim.run(100);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(of<Activate>(a.all).back().reason, ActivateReason::kTakeback);
  EXPECT_EQ(a.m->incarnation(), 2u);
}

TEST(OwnershipLeave, LeaveWithTheStoreDownEndsLocallyAndTheLeaseExpires) {
  Sim sim;
  three(sim);
  sim.cut_store("SYS1", true);
  sim.run(200);
  sim.node("SYS1").pending.push_back(Request::leave(LeaveCause::kAutonomics));
  sim.run(100);
  EXPECT_EQ(sim.node("SYS1").m->state().out_reason, OutReason::kAutonomicsLeave);
  EXPECT_TRUE(sim.believers(D1).empty() || sim.believers(D1) == std::vector<std::string>{"SYS2"});
  sim.run(4000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
}

TEST(OwnershipOperator, DeactivateQuiescesReleasesAndReactivateTakesBack) {
  Sim sim;
  three(sim);
  auto& a = sim.node("SYS1");
  a.pending.push_back(Request::deactivate(ip(D1)));
  sim.step("SYS1");
  EXPECT_TRUE(a.replies[0].ok());
  auto deact = of<Deactivate>(a.last);
  ASSERT_EQ(deact.size(), 1u);
  EXPECT_EQ(deact[0].reason, DeactivateReason::kOperator);
  EXPECT_TRUE(deact[0].keep_connections);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kQuiescing);
  sim.step("SYS2");
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  a.local_idle = {ip(D1)};
  sim.step("SYS1");
  EXPECT_EQ(count<StopServing>(a.last), 1u);
  EXPECT_EQ(sim.status("SYS1", D1), DvipaStatus::kDeactivated);
  sim.run(1000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
  a.pending.push_back(Request::reactivate(ip(D1)));
  sim.step("SYS1");
  EXPECT_EQ(sim.believers(D1).size(), 2u);  // SYS2 learns at its next step
  EXPECT_EQ(of<Activate>(a.last)[0].reason, ActivateReason::kReactivate);
  sim.step("SYS2");
  EXPECT_EQ(of<Deactivate>(sim.node("SYS2").last)[0].reason, DeactivateReason::kTakenBack);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

TEST(OwnershipOperator, ADeactivatedBackupIsNoCandidate) {
  Sim sim;
  three(sim, 200, 100);
  sim.node("SYS2").pending.push_back(Request::deactivate(ip(D1)));
  sim.run(100);
  EXPECT_EQ(sim.status("SYS2", D1), DvipaStatus::kDeactivated);
  sim.kill("SYS1");
  uint64_t took = until_acting(sim, {"SYS2", "SYS3"}, 2000);
  EXPECT_LE(took, kWindow + 10);  // SYS3 is first without waiting for SYS2's grace
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS3"});
}

TEST(OwnershipOperator, RequestsAnswerWhatIsWrong) {
  Sim sim;
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}));
  a.pending = {Request::deactivate(ip("198.19.0.99")), Request::reactivate(ip(D1)), Request::resume(),
               Request::quiesce(), Request::quiesce(), Request::leave(), Request::leave()};
  sim.step("SYS1");
  ASSERT_EQ(a.replies.size(), 7u);
  EXPECT_EQ(a.replies[0].error().code, Errc::kNotFound);
  EXPECT_NE(a.replies[0].error().message.find("198.19.0.99"), std::string::npos);
  EXPECT_EQ(a.replies[1].error().code, Errc::kFailedPrecondition);
  EXPECT_EQ(a.replies[2].error().code, Errc::kFailedPrecondition);
  EXPECT_TRUE(a.replies[3].ok());
  EXPECT_EQ(a.replies[4].error().code, Errc::kFailedPrecondition);
  EXPECT_TRUE(a.replies[5].ok());  // cancels the pending NODELAYJOIN join
  EXPECT_TRUE(a.replies[6].ok());  // not a member: nothing to leave
  sim.run(1000);
  EXPECT_EQ(a.m->state().join, JoinState::kOut);
}

TEST(OwnershipOperator, QuiesceIsRecordedInTheMemberRecord) {
  Sim sim;
  three(sim);
  sim.node("SYS2").pending.push_back(Request::quiesce());
  sim.run(100);
  auto quiesced = [&](const char* viewer) {
    for (const auto& r : sim.node(viewer).m->state().members)
      if (r.node == "SYS2") return r.quiesced;
    return false;
  };
  EXPECT_TRUE(quiesced("SYS1"));
  EXPECT_TRUE(sim.node("SYS2").m->state().quiesced);
  sim.node("SYS2").pending.push_back(Request::resume());
  sim.run(100);
  EXPECT_FALSE(quiesced("SYS1"));
}

TEST(OwnershipRules, ABackupAloneNeverActivatesADvipaNobodyOwnedUnlessAskedTo) {
  Sim plain;
  plain.add(profile("SYS2", 2, {}, {{D1, 100}}));
  plain.run(2000);
  EXPECT_TRUE(plain.believers(D1).empty());
  EXPECT_EQ(plain.status("SYS2", D1), DvipaStatus::kBackup);
  Options o;
  o.backup_activates_unowned = true;
  Sim eager(o);
  eager.add(profile("SYS2", 2, {}, {{D1, 100}}));
  eager.run(100);
  EXPECT_EQ(eager.believers(D1), std::vector<std::string>{"SYS2"});
}

TEST(OwnershipRules, DistributedDvipasAskTheTargetsForConnections) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{D1, Moveable::kImmediate, true}}, {}));
  const auto& a = sim.step("SYS1");
  auto act = of<Activate>(a);
  ASSERT_EQ(act.size(), 1u);
  EXPECT_TRUE(act[0].distribute);
  auto req = of<RequestConnections>(a);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].epoch, 1u);
  EXPECT_TRUE(sim.row("SYS1", ip(D1)).distributed);
}

TEST(OwnershipRules, SeveralDvipasEachFollowTheirOwnChain) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{"198.19.0.1"}}, {{"198.19.0.2", 10}}));
  sim.add(profile("SYS2", 2, {{"198.19.0.2"}}, {{"198.19.0.1", 10}, {"2001:db8::1", 20}}));
  sim.add(profile("SYS3", 3, {{"2001:db8::1"}}, {{"198.19.0.1", 20}, {"198.19.0.2", 20}}));
  sim.run(300);
  EXPECT_EQ(sim.believers("198.19.0.1"), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(sim.believers("198.19.0.2"), std::vector<std::string>{"SYS2"});
  EXPECT_EQ(sim.believers("2001:db8::1"), std::vector<std::string>{"SYS3"});
  sim.kill("SYS3");
  sim.run(1000);
  EXPECT_EQ(sim.believers("2001:db8::1"), std::vector<std::string>{"SYS2"});
  sim.kill("SYS1");
  sim.run(1000);
  EXPECT_EQ(sim.believers("198.19.0.1"), std::vector<std::string>{"SYS2"});
}

TEST(OwnershipRules, ALostLeaseRejoinsAsANewIncarnation) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.run(300);
  sim.cut_store("SYS1", true);
  sim.run(4000);
  EXPECT_TRUE(sim.believers(D1).empty());
  sim.cut_store("SYS1", false);
  sim.run(500);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(sim.node("SYS1").m->incarnation(), 2u);
  auto act = of<Activate>(sim.node("SYS1").all);
  ASSERT_EQ(act.size(), 2u);
  EXPECT_EQ(act[1].epoch, 2u);
}

TEST(OwnershipRules, ACompactedWatchIsReplacedByAFullRead) {
  Sim sim;
  three(sim);
  uint64_t before = sim.node("SYS2").m->state().counters.resyncs;
  sim.node("SYS1").pending.push_back(Request::quiesce());  // a few revisions for SYS2 to miss
  sim.step("SYS1");
  sim.node("SYS1").pending.push_back(Request::resume());
  sim.step("SYS1");
  ASSERT_TRUE(sim.store().compact(sim.node("SYS1").m->state().revision).ok());
  sim.step("SYS2");
  EXPECT_GT(sim.node("SYS2").m->state().counters.resyncs, before);
  sim.kill("SYS1");
  sim.run(1000);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
}

TEST(OwnershipRules, ProfilesTheSchemaCannotCarryAreRefused) {
  store::EmbeddedStore s;
  auto p = profile("sys1", 1, {{D1}}, {});
  EXPECT_EQ(GroupMember::create(p, s).error().code, Errc::kInvalidArgument);
  p = profile("SYS1", 1, {{D1}}, {{D1, 10}});
  EXPECT_NE(GroupMember::create(p, s).error().message.find("both defined and backed up"), std::string::npos);
  p = profile("SYS1", 1, {}, {{D1, 0}});
  EXPECT_EQ(GroupMember::create(p, s).error().code, Errc::kInvalidArgument);
  p = profile("SYS1", 1, {{D1}}, {});
  p.store.lease_ms = 0;
  EXPECT_EQ(GroupMember::create(p, s).error().code, Errc::kInvalidArgument);
  p = profile("SYS1", 1, {{D1}}, {});
  Options o;
  o.fence_margin_ms = 3000;
  EXPECT_EQ(GroupMember::create(p, s, o).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sysplex::ownership
