#include "control/monitor/monitor.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sysplex::monitor {
namespace {

constexpr int64_t s = 1000;
constexpr int64_t T = 60 * s;  // TIMERSECS 60

config::SysplexMonitor recovery(bool autorejoin = true) {
  config::SysplexMonitor c;
  c.recovery = true;
  c.auto_rejoin = autorejoin;
  return c;
}

// A node in the group with two other members, healthy in every respect.
struct Node {
  CheckInput in;
  uint64_t loops = 0;
  Node() {
    in.in_group = true;
    in.other_members = 2;
    in.advertises_dvipas = true;
    in.pools = {{"mbuf", 100, 1000}};
    in.route_source_ready = true;
    in.interfaces = {{"lan0", true, true}, {"lan1", true, true}};
    in.members = {{"SYS2", true}, {"SYS3", true}};
    in.workers = {{1, 0}, {2, 0}};
  }
  // The input for a check at now: heartbeat fresh, workers advancing (unless frozen).
  const CheckInput& at(int64_t now, bool heartbeat = true) {
    if (heartbeat) in.route_source_heartbeat_ms = now;
    ++loops;
    for (auto& w : in.workers)
      if (w.id != frozen) w.loops = loops;
    return in;
  }
  void pool(uint64_t in_use) { in.pools[0].in_use = in_use; }
  uint32_t frozen = 0;
};

std::vector<std::string> codes(const std::vector<MessageEvent>& ev, MessageEvent::Kind kind) {
  std::vector<std::string> out;
  for (const auto& e : ev)
    if (e.kind == kind) out.push_back(e.message.text.substr(0, 8));
  return out;
}
std::vector<std::string> raised(const CheckResult& r) { return codes(r.messages, MessageEvent::Kind::kRaised); }
std::vector<std::string> deleted(const CheckResult& r) { return codes(r.messages, MessageEvent::Kind::kDeleted); }
std::vector<std::string> infos(const CheckResult& r) { return codes(r.messages, MessageEvent::Kind::kInfo); }
bool leaves(const CheckResult& r) {
  return std::any_of(r.actions.begin(), r.actions.end(), [](const Action& a) { return a.kind == ActionKind::kLeaveGroup; });
}
bool rejoins(const CheckResult& r) {
  return std::any_of(r.actions.begin(), r.actions.end(), [](const Action& a) { return a.kind == ActionKind::kRejoin; });
}
using V = std::vector<std::string>;
// Bounds-checked views, so a wrong count fails the test instead of reading past the end.
std::string text(const CheckResult& r, size_t i) { return i < r.messages.size() ? r.messages[i].message.text : "<none>"; }
std::string reason(const CheckResult& r) { return r.actions.empty() ? "<none>" : r.actions[0].reason; }
std::optional<ActionKind> kind(const CheckResult& r) {
  return r.actions.empty() ? std::nullopt : std::optional<ActionKind>(r.actions[0].kind);
}

TEST(Monitor, HealthyNodeSaysNothingAndChecksEveryTimersecs) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  EXPECT_FALSE(m.due(T - 1));
  EXPECT_TRUE(m.due(T));
  for (int64_t t = T; t <= 20 * T; t += T) {
    auto r = m.check(t, n.at(t));
    EXPECT_TRUE(r.messages.empty()) << t;
    EXPECT_TRUE(r.actions.empty()) << t;
    EXPECT_EQ(m.next_check_at(), t + T);
  }
  EXPECT_TRUE(m.outstanding().empty());
}

TEST(Monitor, ConstrainedForMoreThanThreeIntervalsLeaves) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(800);  // exactly BUFCONSTRAINED 80%: reaching the threshold counts
  auto first = m.check(T, n.at(T));
  EXPECT_EQ(infos(first), V{"SPX4360I"});
  EXPECT_EQ(text(first, 0), "SPX4360I SYS1 BUFFER POOL mbuf CONSTRAINED: 800 OF 1000 MBUFS IN USE (80%)");
  for (int64_t t : {2 * T, 3 * T, 4 * T}) {  // 3 x TIMERSECS since first seen at 4T: not "more than"
    auto r = m.check(t, n.at(t));
    EXPECT_TRUE(r.messages.empty()) << t;
    EXPECT_FALSE(leaves(r)) << t;
  }
  auto r = m.check(5 * T, n.at(5 * T));
  EXPECT_EQ(raised(r), V{"SPX1974E"});
  EXPECT_EQ(text(r, 0), "SPX1974E SYS1 BUFFER POOL mbuf HAS BEEN CONSTRAINED FOR AT LEAST 240 SECONDS");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(kind(r), ActionKind::kLeaveGroup);
  EXPECT_EQ(reason(r), "SPX1974E mbuf");
  EXPECT_TRUE(m.left_for_problem());
}

TEST(Monitor, ThreeIntervalRuleIsTimedNotCounted) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(900);
  m.check(T, n.at(T));
  auto at_exactly = m.check(T + 3 * T, n.at(4 * T));
  EXPECT_TRUE(raised(at_exactly).empty());
  auto just_after = m.check(4 * T + 1, n.at(4 * T + 1));  // an off-schedule check 1 ms later
  EXPECT_EQ(raised(just_after), V{"SPX1974E"});
}

TEST(Monitor, JustBelowConstrainedIsNormal) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(799);
  for (int64_t t = T; t <= 10 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
}

TEST(Monitor, HysteresisKeepsItConstrainedUntilBelowRelief) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(850);
  m.check(T, n.at(T));
  n.pool(750);  // between BUFRELIEF 70 and BUFCONSTRAINED 80: still constrained, timer runs on
  for (int64_t t : {2 * T, 3 * T, 4 * T}) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
  n.pool(700);  // exactly BUFRELIEF: not below it
  auto r = m.check(5 * T, n.at(5 * T));
  EXPECT_EQ(raised(r), V{"SPX1974E"});
  EXPECT_TRUE(leaves(r));
  n.in.in_group = false;  // the lead left the group
  n.pool(699);
  auto relief = m.check(6 * T, n.at(6 * T));
  EXPECT_EQ(deleted(relief), V{"SPX1974E"});
  EXPECT_EQ(infos(relief), V{"SPX8001I"});
  ASSERT_EQ(relief.actions.size(), 1u);
  EXPECT_EQ(kind(relief), ActionKind::kRejoin);
  EXPECT_TRUE(m.outstanding().empty());
}

TEST(Monitor, RejoinRepeatsUntilBackInTheGroup) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(960);
  EXPECT_TRUE(leaves(m.check(T, n.at(T))));
  n.in.in_group = false;
  n.pool(100);
  EXPECT_TRUE(rejoins(m.check(2 * T, n.at(2 * T))));
  EXPECT_TRUE(rejoins(m.check(3 * T, n.at(3 * T))));  // the rejoin has not happened yet
  n.in.in_group = true;
  auto back = m.check(4 * T, n.at(4 * T));
  EXPECT_TRUE(back.actions.empty());
  EXPECT_FALSE(m.left_for_problem());
}

TEST(Monitor, LeaveRepeatsWhileStillInTheGroup) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(960);
  EXPECT_TRUE(leaves(m.check(T, n.at(T))));
  EXPECT_TRUE(leaves(m.check(2 * T, n.at(2 * T))));  // the lead has not left yet
}

TEST(Monitor, CriticalActsAtOnceAndEndsBelowConstrained) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(950);  // exactly BUFCRITICAL 95%
  auto r = m.check(T, n.at(T));
  EXPECT_EQ(infos(r), V{"SPX4360I"});
  EXPECT_EQ(raised(r), V{"SPX4361E"});
  EXPECT_EQ(text(r, 1), "SPX4361E SYS1 BUFFER POOL mbuf CRITICAL: 950 OF 1000 MBUFS IN USE (95%)");
  EXPECT_TRUE(leaves(r));
  n.in.in_group = false;
  n.pool(900);  // below critical but not below constrained: still critical
  EXPECT_TRUE(m.check(2 * T, n.at(2 * T)).messages.empty());
  n.pool(790);  // below constrained: critical ends, still constrained, so no rejoin yet
  auto less = m.check(3 * T, n.at(3 * T));
  EXPECT_EQ(deleted(less), V{"SPX4361E"});
  EXPECT_FALSE(rejoins(less));
  n.pool(600);
  auto relief = m.check(4 * T, n.at(4 * T));
  EXPECT_EQ(infos(relief), V{"SPX8001I"});
  EXPECT_TRUE(rejoins(relief));
}

TEST(Monitor, CriticalFallingStraightBelowReliefClearsBoth) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(990);
  m.check(T, n.at(T));
  n.pool(10);
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(deleted(r), V{"SPX4361E"});
  EXPECT_EQ(infos(r), V{"SPX8001I"});
}

TEST(Monitor, NorecoveryGivesMessagesOnly) {
  config::SysplexMonitor c;  // z/OS defaults: NORECOVERY NOAUTOREJOIN
  Monitor m("SYS1", c, 0);
  Node n;
  n.pool(990);
  auto r = m.check(T, n.at(T));
  EXPECT_EQ(raised(r), V{"SPX4361E"});
  EXPECT_TRUE(r.actions.empty());
  for (int64_t t = 2 * T; t <= 6 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).actions.empty());
  EXPECT_EQ(m.outstanding().size(), 2u);  // SPX4361E and SPX1974E
  n.pool(10);
  auto relief = m.check(7 * T, n.at(7 * T));
  EXPECT_EQ(deleted(relief).size(), 2u);
  EXPECT_TRUE(relief.actions.empty());
}

TEST(Monitor, OnlyMemberNeverLeavesButLeavesOnceOthersJoin) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.in.other_members = 0;
  n.in.members.clear();
  n.pool(990);
  auto r = m.check(T, n.at(T));
  EXPECT_EQ(raised(r), V{"SPX4361E"});
  EXPECT_FALSE(leaves(r));
  EXPECT_FALSE(leaves(m.check(2 * T, n.at(2 * T))));
  n.in.other_members = 1;
  EXPECT_TRUE(leaves(m.check(3 * T, n.at(3 * T))));
}

TEST(Monitor, NoAutorejoinStaysOut) {
  Monitor m("SYS1", recovery(false), 0);
  Node n;
  n.pool(990);
  EXPECT_TRUE(leaves(m.check(T, n.at(T))));
  n.in.in_group = false;
  n.pool(10);
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(deleted(r), V{"SPX4361E"});
  EXPECT_TRUE(r.actions.empty());
  EXPECT_TRUE(m.left_for_problem());
}

TEST(Monitor, RouteSourceWarnsAtHalfAndFailsAtTimersecs) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  m.check(T, n.at(T));
  n.in.route_source_heartbeat_ms = T + 1;  // last heartbeat just after the check
  EXPECT_TRUE(m.check(T + 1 + 30 * s - 1, n.at(0, false)).messages.empty());  // 29.999 s of silence
  auto warn = m.check(T + 1 + 30 * s, n.at(0, false));                       // 30 s: TIMERSECS/2
  EXPECT_EQ(raised(warn), V{"SPX9672E"});
  EXPECT_EQ(text(warn, 0), "SPX9672E SYS1 ROUTE SOURCE HAS NOT RESPONDED FOR AT LEAST 30 SECONDS");
  EXPECT_FALSE(leaves(warn));  // a warning only
  EXPECT_TRUE(m.check(T + 1 + 60 * s - 1, n.at(0, false)).messages.empty());
  auto fail = m.check(T + 1 + 60 * s, n.at(0, false));
  EXPECT_EQ(deleted(fail), V{"SPX9672E"});
  EXPECT_EQ(raised(fail), V{"SPX9678E"});
  EXPECT_TRUE(leaves(fail));
  EXPECT_EQ(reason(fail), "SPX9678E");
  n.in.in_group = false;
  // A heartbeat 40 s old is no relief: the problem stays until the source is fresh.
  n.in.route_source_heartbeat_ms = 3 * T - 40 * s;
  EXPECT_TRUE(m.check(3 * T, n.at(0, false)).messages.empty());
  auto back = m.check(4 * T, n.at(4 * T));
  EXPECT_EQ(deleted(back), V{"SPX9678E"});
  EXPECT_TRUE(rejoins(back));
}

TEST(Monitor, RouteSourceThatNeverHeartbeatIsSilentSinceTheStart) {
  Monitor m("SYS1", recovery(), 10 * s);
  Node n;
  n.in.route_source_ready = false;
  auto r = m.check(10 * s + T, n.at(0, false));
  EXPECT_EQ(raised(r), V{"SPX9678E"});
}

TEST(Monitor, RouteSourceNotReadyIsNotRelievedByAFreshHeartbeat) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  EXPECT_EQ(raised(m.check(T, n.at(0, false))), V{"SPX9678E"});  // never a heartbeat since the start
  n.in.route_source_ready = false;
  EXPECT_TRUE(deleted(m.check(2 * T, n.at(2 * T))).empty());  // fresh, but not ready: no relief
  n.in.route_source_ready = true;
  EXPECT_EQ(deleted(m.check(3 * T, n.at(3 * T))), V{"SPX9678E"});
}

TEST(Monitor, StalledWorkerLeavesAndNeedsAnOperator) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  m.check(T, n.at(T));
  n.frozen = 2;
  EXPECT_TRUE(m.check(2 * T - 1, n.at(2 * T - 1)).messages.empty());
  auto r = m.check(2 * T, n.at(2 * T));  // unchanged for TIMERSECS
  EXPECT_EQ(raised(r), V{"SPX9674E"});
  EXPECT_EQ(text(r, 0), "SPX9674E SYS1 WORKER 2 HAS NOT ADVANCED FOR AT LEAST 60 SECONDS");
  EXPECT_TRUE(leaves(r));
  EXPECT_EQ(reason(r), "SPX9674E 2");
  EXPECT_EQ(deleted(r), V{"SPX9674E"});  // deleted as the node leaves, as z/OS does
  EXPECT_TRUE(m.outstanding().empty());
  n.in.in_group = false;
  EXPECT_TRUE(m.check(3 * T, n.at(3 * T)).messages.empty());  // not raised again for the same stall
  n.frozen = 0;                                               // the worker runs again
  auto later = m.check(4 * T, n.at(4 * T));
  EXPECT_TRUE(later.actions.empty());  // no AUTOREJOIN after a stall
  EXPECT_TRUE(m.needs_operator_rejoin());
  n.in.in_group = true;  // the operator rejoined
  EXPECT_TRUE(m.check(5 * T, n.at(5 * T)).actions.empty());
  EXPECT_FALSE(m.needs_operator_rejoin());
}

TEST(Monitor, StalledWorkerUnderNorecoveryStaysUntilItAdvances) {
  Monitor m("SYS1", config::SysplexMonitor{}, 0);
  Node n;
  m.check(T, n.at(T));
  n.frozen = 1;
  EXPECT_EQ(raised(m.check(2 * T, n.at(2 * T))), V{"SPX9674E"});
  EXPECT_TRUE(m.check(3 * T, n.at(3 * T)).messages.empty());
  n.frozen = 0;
  EXPECT_EQ(deleted(m.check(4 * T, n.at(4 * T))), V{"SPX9674E"});
}

TEST(Monitor, MonitoredInterfacesDown) {
  config::SysplexMonitor c = recovery();
  c.mon_interface = true;
  Monitor m("SYS1", c, 0);
  Node n;
  for (auto& i : n.in.interfaces) i.up = false;
  EXPECT_TRUE(m.check(T, n.at(T)).messages.empty());  // first seen
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(raised(r), V{"SPX1209E"});
  EXPECT_EQ(text(r, 0),
            "SPX1209E SYS1 DETERMINED THAT ALL MONITORED INTERFACES WERE NOT ACTIVE FOR AT LEAST 60 SECONDS");
  EXPECT_TRUE(leaves(r));
  n.in.in_group = false;
  n.in.interfaces[1].up = true;
  auto back = m.check(3 * T, n.at(3 * T));
  EXPECT_EQ(deleted(back), V{"SPX1209E"});
  EXPECT_TRUE(rejoins(back));
}

TEST(Monitor, OneMonitoredInterfaceUpIsEnough) {
  config::SysplexMonitor c = recovery();
  c.mon_interface = true;
  Monitor m("SYS1", c, 0);
  Node n;
  n.in.interfaces[0].up = false;
  for (int64_t t = T; t <= 5 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
}

TEST(Monitor, NoDynamicRoutesOverMonitoredInterfaces) {
  config::SysplexMonitor c = recovery();
  c.mon_interface = true;
  Monitor m("SYS1", c, 0);
  Node n;
  for (auto& i : n.in.interfaces) i.dynamic_routes = false;
  n.in.interfaces[0].up = false;
  n.in.interfaces[0].dynamic_routes = true;  // routes over a down interface do not count
  m.check(T, n.at(T));
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(raised(r), V{"SPX1210E"});
  EXPECT_TRUE(leaves(r));
  n.in.interfaces[1].dynamic_routes = true;
  EXPECT_EQ(deleted(m.check(3 * T, n.at(3 * T))), V{"SPX1210E"});
}

TEST(Monitor, NodynrouteAndNomoninterfaceIgnoreRoutesAndInterfaces) {
  config::SysplexMonitor c = recovery();
  c.mon_interface = true;
  c.dyn_route = false;
  Monitor m("SYS1", c, 0);
  Node n;
  for (auto& i : n.in.interfaces) i.dynamic_routes = false;
  for (int64_t t = T; t <= 3 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
  Monitor off("SYS1", recovery(), 0);  // NOMONINTERFACE
  for (auto& i : n.in.interfaces) i.up = false;
  for (int64_t t = T; t <= 3 * T; t += T) EXPECT_TRUE(off.check(t, n.at(t)).messages.empty());
}

TEST(Monitor, NoRouteToAnyOtherMember) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  for (auto& mb : n.in.members) mb.reachable = false;
  EXPECT_TRUE(m.check(T, n.at(T)).messages.empty());
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(raised(r), V{"SPX9673E"});
  EXPECT_TRUE(leaves(r));
  n.in.in_group = false;  // out of the group the check is not measured, but the message stays
  auto out = m.check(3 * T, n.at(3 * T));
  EXPECT_TRUE(out.messages.empty());
  EXPECT_FALSE(rejoins(out));
  n.in.members[0].reachable = true;
  auto back = m.check(4 * T, n.at(4 * T));
  EXPECT_EQ(deleted(back), V{"SPX9673E"});
  EXPECT_TRUE(rejoins(back));
}

TEST(Monitor, MemberRoutesNeedTwoOtherMembersAndAdvertisedDvipas) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.in.members = {{"SYS2", false}};
  n.in.other_members = 1;
  for (int64_t t = T; t <= 3 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
  n.in.members = {{"SYS2", false}, {"SYS3", false}};
  n.in.advertises_dvipas = false;
  for (int64_t t = 4 * T; t <= 6 * T; t += T) EXPECT_TRUE(m.check(t, n.at(t)).messages.empty());
}

TEST(Monitor, ConstrainedAndRouteProblemTogetherGiveOneLeave) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(850);
  m.check(T, n.at(T));
  for (int64_t t : {2 * T, 3 * T, 4 * T}) EXPECT_FALSE(leaves(m.check(t, n.at(t))));
  auto r = m.check(5 * T, n.at(0, false));  // last heartbeat at 4T: silent for TIMERSECS now
  EXPECT_EQ(raised(r), (V{"SPX1974E", "SPX9678E"}));
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(kind(r), ActionKind::kLeaveGroup);
  EXPECT_EQ(reason(r), "SPX1974E mbuf, SPX9678E");
  EXPECT_EQ(m.outstanding().size(), 2u);
}

TEST(Monitor, NoRejoinWhileAnyProblemThatMadeItLeaveRemains) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(990);
  n.in.route_source_heartbeat_ms = 0;
  auto r = m.check(T, n.at(0, false));  // critical pool and a silent route source at once
  EXPECT_TRUE(leaves(r));
  n.in.in_group = false;
  n.pool(100);  // relief of the pool ...
  auto pool_ok = m.check(2 * T, n.at(0, false));
  EXPECT_EQ(deleted(pool_ok), V{"SPX4361E"});
  EXPECT_FALSE(rejoins(pool_ok));  // ... while the route source is still silent
  auto all_ok = m.check(3 * T, n.at(3 * T));
  EXPECT_EQ(deleted(all_ok), V{"SPX9678E"});
  EXPECT_TRUE(rejoins(all_ok));
}

TEST(Monitor, NoRejoinWhileAPoolIsConstrainedEvenBeforeItsMessage) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.in.route_source_heartbeat_ms = 0;
  EXPECT_TRUE(leaves(m.check(T, n.at(0, false))));
  n.in.in_group = false;
  n.pool(850);  // a new constraint, not yet 3 intervals old
  EXPECT_FALSE(rejoins(m.check(2 * T, n.at(2 * T))));
  n.pool(100);
  EXPECT_TRUE(rejoins(m.check(3 * T, n.at(3 * T))));
}

TEST(Monitor, NoRejoinWhileAWarningIsOutstanding) {
  Monitor m("SYS1", recovery(), 0);
  Node n;
  n.pool(990);
  EXPECT_TRUE(leaves(m.check(T, n.at(T))));
  n.in.in_group = false;
  n.pool(100);
  n.in.route_source_heartbeat_ms = 2 * T - 40 * s;  // 40 s of silence: a warning
  auto r = m.check(2 * T, n.at(0, false));
  EXPECT_EQ(raised(r), V{"SPX9672E"});
  EXPECT_FALSE(rejoins(r));
  EXPECT_TRUE(rejoins(m.check(3 * T, n.at(3 * T))));
}

TEST(Monitor, OutstandingMessagesForTheDisplay) {
  Monitor m("SYS1", config::SysplexMonitor{}, 0);
  Node n;
  n.pool(990);
  m.check(T, n.at(T));
  n.frozen = 1;
  m.check(2 * T, n.at(2 * T));
  m.check(3 * T, n.at(3 * T));
  const auto& o = m.outstanding();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].id, MsgId::kPoolCritical);
  EXPECT_EQ(o[0].key, "mbuf");
  EXPECT_EQ(o[0].raised_at_ms, T);
  EXPECT_EQ(o[1].id, MsgId::kWorkerStalled);
  EXPECT_EQ(o[1].key, "1");
  EXPECT_EQ(o[1].raised_at_ms, 2 * T);  // its counter last moved at T (first sample)
}

TEST(Monitor, VanishedPoolsAndWorkersTakeTheirMessagesAlong) {
  Monitor m("SYS1", config::SysplexMonitor{}, 0);
  Node n;
  n.pool(990);
  m.check(T, n.at(T));
  n.in.pools.clear();
  auto r = m.check(2 * T, n.at(2 * T));
  EXPECT_EQ(deleted(r), V{"SPX4361E"});
}

TEST(Messages, CatalogueIsCompleteAndFormats) {
  for (const auto& d : catalogue()) {
    EXPECT_EQ(std::string(d.code).size(), 8u) << d.code;
    EXPECT_EQ(std::string(d.code).substr(0, 3), "SPX");
    EXPECT_GT(std::string(d.raised).size(), 0u) << d.code;
    if (d.outstanding) {
      EXPECT_GT(std::string(d.deleted).size(), 0u) << d.code;
    }
    EXPECT_EQ(&message_def(d.id), &d);
  }
  EXPECT_EQ(format_message(MsgId::kBuffersConstrained, {{"node", "SYS1"}, {"pool", "p"}, {"secs", "181"}}),
            "SPX1974E SYS1 BUFFER POOL p HAS BEEN CONSTRAINED FOR AT LEAST 181 SECONDS");
  EXPECT_EQ(format_message(MsgId::kRouteSourceProblem, {{"node", "SYS1"}}),
            "SPX9678E SYS1 ROUTE SOURCE HAS BEEN INACTIVE OR NOT RESPONSIVE FOR AT LEAST {secs} SECONDS");
  std::string md = catalogue_markdown();
  for (const auto& d : catalogue()) EXPECT_NE(md.find(std::string("| ") + d.code + " |"), std::string::npos);
  EXPECT_NE(md.find("| SPX1974E | error | EZD1974E |"), std::string::npos);
  EXPECT_EQ(std::count(md.begin(), md.end(), '\n'), long(catalogue().size() + 2));
}

}  // namespace
}  // namespace sysplex::monitor
