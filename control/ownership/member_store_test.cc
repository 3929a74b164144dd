// The machine against what the store may answer: compare-and-swaps whose outcome is unknown,
// malformed records under the group prefix, a clock stepping back, and the per-step call budget.
#include <gtest/gtest.h>

#include "control/ownership/member.h"
#include "control/ownership/member_test_util.h"

namespace sysplex::ownership {
namespace {

using testing::Backup;
using testing::count;
using testing::FlakyStore;
using testing::ip;
using testing::of;
using testing::profile;
using testing::Sim;

constexpr const char* D1 = "198.19.0.10";

Keys keys() { return Keys("/sysplex/", "EZBTCPCS"); }

TEST(OwnershipAmbiguity, AJoinWhoseMemberRecordLandedUnseenIsAdopted) {
  Sim sim;
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}));
  a.front->next_txn = FlakyStore::TxnFault::kUnknownApplied;  // the member record's CAS
  sim.step("SYS1");
  EXPECT_EQ(a.m->state().join, JoinState::kJoining);
  EXPECT_FALSE(a.m->state().store_reachable);
  EXPECT_NE(a.m->state().store_error.find("outcome is unknown"), std::string::npos);
  sim.run(300);
  EXPECT_EQ(a.m->state().join, JoinState::kMember);
  EXPECT_EQ(a.m->incarnation(), 1u);  // its own record, not a second join
  auto inc = sim.store().get(keys().incarnation("SYS1"));
  ASSERT_TRUE(inc.ok());
  ASSERT_EQ(inc->size(), 1u);
  EXPECT_EQ(*decode_counter(inc->front().value), 1u);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

TEST(OwnershipAmbiguity, UnknownOutcomesAreNeverAssumedEitherWay) {
  for (auto fault : {FlakyStore::TxnFault::kUnknownApplied, FlakyStore::TxnFault::kUnknownNotApplied}) {
    Sim sim;
    sim.add(profile("SYS1", 1, {{D1}}, {}));
    auto& b = sim.add(profile("SYS2", 2, {}, {{D1, 100}}));
    sim.run(300);
    sim.kill("SYS1");
    b.front->next_txn = fault;  // the takeover claim
    uint64_t t = 0;
    while (!b.m->state().counters.claims && t < 2000) {
      sim.clock.advance(std::chrono::milliseconds(10));
      t += 10;
      sim.step("SYS2");
    }
    ASSERT_EQ(b.m->state().counters.claims_unknown, 1u);
    EXPECT_FALSE(sim.row("SYS2", ip(D1)).acting);  // not acting on a claim it cannot confirm
    EXPECT_FALSE(b.m->state().store_reachable);
    bool applied = fault == FlakyStore::TxnFault::kUnknownApplied;
    EXPECT_EQ(sim.store_owner(D1), applied ? "SYS2" : "SYS1");
    sim.run(500, 10);  // backoff, then a full read of the group decides
    EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS2"});
    EXPECT_EQ(b.m->state().counters.claims_won, applied ? 0u : 1u);
    auto act = of<Activate>(b.all);
    ASSERT_EQ(act.size(), 1u);
    EXPECT_EQ(act[0].epoch, 2u);  // the epoch moved once either way
  }
}

TEST(OwnershipMalformed, AnUndecodableOwnershipRecordIsClaimedOver) {
  Sim sim;
  ASSERT_TRUE(sim.store().put(keys().owner(ip(D1)), std::string("\x01\x03SY", 4)).ok());
  ASSERT_TRUE(sim.store().put(keys().epoch(ip(D1)), encode_counter(7)).ok());
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.step("SYS1");
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(of<Activate>(a.last)[0].epoch, 8u);
  EXPECT_GE(a.m->state().malformed_records, 1u);
}

TEST(OwnershipMalformed, AnUndecodableEpochBlocksClaimsWithAReason) {
  Sim sim;
  ASSERT_TRUE(sim.store().put(keys().epoch(ip(D1)), "junk").ok());
  sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.run(300);
  EXPECT_TRUE(sim.believers(D1).empty());
  const DvipaRow& r = sim.row("SYS1", ip(D1));
  EXPECT_EQ(r.status, DvipaStatus::kBackup);
  EXPECT_NE(r.detail.find("epoch record is malformed"), std::string::npos) << r.detail;
  // Repaired by an operator: the claim goes through.
  ASSERT_TRUE(sim.store().put(keys().epoch(ip(D1)), encode_counter(3)).ok());
  sim.run(100);
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
  EXPECT_EQ(sim.row("SYS1", ip(D1)).acting_epoch, 4u);
  EXPECT_TRUE(sim.row("SYS1", ip(D1)).detail.empty());
}

TEST(OwnershipMalformed, AnUndecodableMemberIsShownAndIsNoCandidate) {
  Sim sim;
  ASSERT_TRUE(sim.store().put(keys().member("SYS9"), "\x01").ok());
  ASSERT_TRUE(sim.store().put(keys().group() + "sa/whatever", "other units' keys are ignored").ok());
  sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.run(100);
  const auto& members = sim.node("SYS1").m->state().members;
  auto it = std::find_if(members.begin(), members.end(), [](const MemberRow& r) { return r.node == "SYS9"; });
  ASSERT_NE(it, members.end());
  EXPECT_NE(it->error.find("truncated"), std::string::npos) << it->error;
  EXPECT_EQ(sim.believers(D1), std::vector<std::string>{"SYS1"});
}

TEST(OwnershipMalformed, AnUndecodableIncarnationBlocksTheJoinWithAReason) {
  Sim sim;
  ASSERT_TRUE(sim.store().put(keys().incarnation("SYS1"), "\x02").ok());
  auto& a = sim.add(profile("SYS1", 1, {{D1}}, {}));
  sim.run(200);
  EXPECT_EQ(a.m->state().join, JoinState::kJoining);
  EXPECT_NE(a.m->state().detail.find("malformed"), std::string::npos) << a.m->state().detail;
  ASSERT_TRUE(sim.store().del(keys().incarnation("SYS1")).ok());
  sim.run(100);
  EXPECT_EQ(a.m->state().join, JoinState::kMember);
}

TEST(OwnershipClock, AClockSteppingBackIsHeldNotFollowed) {
  store::ManualClock clock;
  store::EmbeddedStore s(store::EmbeddedOptions{clock.clock(), 1000});
  auto m = GroupMember::create(profile("SYS1", 1, {{D1}}, {}), s);
  ASSERT_TRUE(m.ok());
  (*m)->step(clock.now(), {});
  uint64_t fence = (*m)->state().fence_at_ms;
  EXPECT_EQ(fence, clock.now() + 3000 - 200);
  (*m)->step(clock.now() - 100000, {});  // an earlier time changes nothing
  EXPECT_EQ((*m)->state().fence_at_ms, fence);
  EXPECT_TRUE((*m)->state().dvipas[0].acting);
}

TEST(OwnershipBudget, StoreCallsPerStepAreBoundedAndTheRestFollows) {
  std::vector<testing::Def> defs;
  static const char* addrs[] = {"198.19.1.1", "198.19.1.2", "198.19.1.3", "198.19.1.4", "198.19.1.5",
                                "198.19.1.6", "198.19.1.7", "198.19.1.8", "198.19.1.9", "198.19.1.10"};
  for (const char* a : addrs) defs.push_back({a});
  Options o;
  o.max_store_calls = 4;  // lease, read, watch, member record: the claims wait for the next steps
  Sim sim(o);
  auto& a = sim.add(profile("SYS1", 1, defs, {}));
  sim.step("SYS1");
  EXPECT_EQ(count<Activate>(a.last), 0u);
  sim.step("SYS1");
  EXPECT_GT(count<Activate>(a.last), 0u);
  EXPECT_LE(count<Activate>(a.last), 4u);
  sim.run(200);
  EXPECT_EQ(count<Activate>(a.all), 10u);
}

}  // namespace
}  // namespace sysplex::ownership
