// Randomized schedules: four nodes, four DVIPAs with overlapping backup chains (ties included),
// stepped in random interleavings through deaths, restarts, channel partitions, store partitions,
// store outages, clock jumps, stale watches, ambiguous CAS outcomes and operator requests. The
// shared safety checks run after every single step; once everything heals, each DVIPA must have
// exactly one owner, and after each definer leaves and rejoins, the definer.
#include <gtest/gtest.h>

#include <random>

#include "control/ownership/member.h"
#include "control/ownership/member_test_util.h"

namespace sysplex::ownership {
namespace {

using config::Moveable;
using testing::ip;
using testing::profile;
using testing::Sim;

const char* kNames[] = {"SYS1", "SYS2", "SYS3", "SYS4"};
const char* kDvipas[] = {"198.19.0.1", "198.19.0.2", "198.19.0.3", "2001:db8::4"};
// The definer of each DVIPA (SYS4 only backs up).
const char* kDefiner[] = {"SYS1", "SYS2", "SYS3", "SYS1"};

void build(Sim& sim) {
  sim.add(profile("SYS1", 1, {{kDvipas[0]}, {kDvipas[3], Moveable::kWhenIdle, true}}, {{kDvipas[1], 10}}));
  sim.add(profile("SYS2", 2, {{kDvipas[1], Moveable::kWhenIdle}}, {{kDvipas[0], 100}, {kDvipas[2], 200}}));
  sim.add(profile("SYS3", 3, {{kDvipas[2]}}, {{kDvipas[0], 100}, {kDvipas[3], 50}}));
  sim.add(profile("SYS4", 4, {}, {{kDvipas[0], 20}, {kDvipas[1], 200}, {kDvipas[2], 200}, {kDvipas[3], 50}},
                  config::JoinMode::kDelayJoin));
}

class Schedule {
 public:
  Schedule(Sim& sim, uint64_t seed) : sim_(sim), rng_(seed) {}

  // One round: maybe an event, a clock advance, then the live nodes in a random order.
  void round() {
    if (chance(25)) event();
    sim_.clock.advance(std::chrono::milliseconds(chance(2) ? pick(500, 6000) : pick(0, 120)));
    std::vector<std::string> order(std::begin(kNames), std::end(kNames));
    std::shuffle(order.begin(), order.end(), rng_);
    for (const auto& n : order)
      if (sim_.node(n).alive() && chance(85)) sim_.step(n);
  }

  // Heals everything and brings every node back into the group.
  void settle() {
    sim_.heal_peers();
    sim_.store_down(false);
    for (auto& [name, n] : sim_.nodes()) {
      sim_.cut_store(name, false);
      if (!n.alive()) sim_.restart(name);
      n.front->freeze_watch = false;
      n.front->next_txn = testing::FlakyStore::TxnFault::kNone;
      n.join_ready = true;
      n.pending.clear();  // requests of the random phase the node has not stepped through yet
      n.local_idle = n.owner_idle = all_dvipas();
      for (const auto& r : n.m->state().dvipas)
        if (r.status == DvipaStatus::kDeactivated || r.status == DvipaStatus::kQuiescing)
          n.pending.push_back(Request::reactivate(r.dvipa.addr));
      if (n.m->state().join == JoinState::kOut) n.pending.push_back(Request::join());
    }
  }

 private:
  bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
  uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }
  std::string any_node() { return kNames[pick(0, 3)]; }
  std::set<IpAddr> all_dvipas() { return sim_.all_dvipas(); }
  std::set<IpAddr> some_dvipas() {
    std::set<IpAddr> out;
    for (const char* d : kDvipas)
      if (chance(50)) out.insert(ip(d));
    return out;
  }

  void event() {
    std::string n = any_node(), m = any_node();
    testing::SimNode& x = sim_.node(n);
    uint64_t e = pick(0, 15);
    static const char* kEvents[] = {"kill", "restart", "cut", "heal", "isolate", "heal-all", "toggle-store-cut",
                                    "store-down?", "leave", "join", "deactivate", "reactivate", "idle", "freeze-watch",
                                    "txn-fault", "ready/quiesce"};
    sim_.note("event " + std::string(kEvents[e]) + " " + n + " " + m);
    switch (e) {
      case 0: if (x.alive()) sim_.kill(n); break;
      case 1: if (!x.alive()) sim_.restart(n); break;
      case 2: if (n != m) sim_.cut(n, m); break;
      case 3: sim_.heal(n, m); break;
      case 4: sim_.isolate_from_peers(n); break;
      case 5: sim_.heal_peers(); break;
      case 6: sim_.cut_store(n, !x.store_cut); break;
      case 7: sim_.store_down(chance(30)); break;
      case 8: x.pending.push_back(Request::leave(chance(50) ? LeaveCause::kOperator : LeaveCause::kAutonomics)); break;
      case 9: x.pending.push_back(Request::join()); break;
      case 10: x.pending.push_back(Request::deactivate(ip(kDvipas[pick(0, 3)]))); break;
      case 11: x.pending.push_back(Request::reactivate(ip(kDvipas[pick(0, 3)]))); break;
      case 12: x.local_idle = some_dvipas(), x.owner_idle = some_dvipas(); break;
      case 13: x.front->freeze_watch = !x.front->freeze_watch; break;
      case 14:
        x.front->next_txn = chance(50) ? testing::FlakyStore::TxnFault::kUnknownApplied
                                       : testing::FlakyStore::TxnFault::kUnknownNotApplied;
        break;
      case 15:
        x.join_ready = !x.join_ready;
        x.pending.push_back(chance(50) ? Request::quiesce() : Request::resume());
        break;
    }
  }

  Sim& sim_;
  std::mt19937_64 rng_;
};

// Every node's view of every DVIPA, for failure messages.
std::string describe(Sim& sim) {
  std::string out;
  for (auto& [name, n] : sim.nodes()) {
    if (!n.alive()) continue;
    const GroupState& st = n.m->state();
    out += name + " " + std::string(to_string(st.join)) + " " + st.detail + "\n";
    for (const auto& r : st.dvipas)
      out += "  " + to_string(r.dvipa) + " " + std::string(to_string(r.status)) + " owner=" + r.owner +
             " epoch=" + std::to_string(r.epoch) + " " + r.detail + "\n";
  }
  return out;
}

// Exactly one owner per DVIPA, the one the store names, a member that knows the DVIPA.
void expect_settled(Sim& sim, uint64_t seed) {
  for (const char* d : kDvipas) {
    auto owners = sim.believers(d);
    ASSERT_EQ(owners.size(), 1u) << "seed " << seed << " " << d;
    EXPECT_EQ(sim.store_owner(d), owners[0]) << "seed " << seed << " " << d;
    EXPECT_EQ(sim.node(owners[0]).m->state().join, JoinState::kMember) << "seed " << seed;
  }
}

TEST(OwnershipRandom, SafeInEveryInterleavingAndSettlesToTheRightOwners) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Sim sim;
    build(sim);
    Schedule s(sim, seed);
    for (int i = 0; i < 400; ++i) {
      s.round();
      if (::testing::Test::HasFatalFailure()) return;
    }
    s.settle();
    sim.run(8000);
    if (::testing::Test::HasFatalFailure()) return;
    expect_settled(sim, seed);
    // Each definer leaves and rejoins: it takes its DVIPAs back (WHENIDLE too, all being idle).
    for (const char* definer : {"SYS1", "SYS2", "SYS3"}) {
      sim.node(definer).pending.push_back(Request::leave());
      sim.run(200);
      sim.node(definer).pending.push_back(Request::join());
      sim.run(1000);
    }
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(sim.believers(kDvipas[i]), std::vector<std::string>{kDefiner[i]})
          << "seed " << seed << " " << kDvipas[i] << "\n" << sim.trace() << describe(sim);
    }
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace sysplex::ownership
