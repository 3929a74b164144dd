// Sysplex autonomics (GLOBALCONFIG SYSPLEXMONITOR): every TIMERSECS the node checks itself and
// answers with messages raised/deleted and actions (LeaveGroup, Rejoin) for the lead to carry out.
//
// Pure logic: the caller fills a CheckInput, calls check(now, input) when due(now), and acts on the
// result; the library has no side effects. See messages.h for the z/OS references. What it does:
//  - Buffer pools: a pool enters *constrained* at in_use*100 >= BUFCONSTRAINED*size and *critical*
//    at >= BUFCRITICAL*size (reaching a threshold counts); critical ends below BUFCONSTRAINED, and
//    constrained ends strictly below BUFRELIEF (the hysteresis). SPX4360I on entering constrained,
//    SPX8001I on relief. Constrained (critical included) for strictly more than 3 x TIMERSECS since
//    the first check that saw it raises SPX1974E (EZD1974E); at exactly 3 x TIMERSECS it does not,
//    so on an on-time schedule it comes at the fifth consecutive constrained check. Critical raises
//    SPX4361E at the check that sees it and acts at once (z/OS leaves at once on ECSA CRITICAL).
//  - Route source: no heartbeat for >= TIMERSECS/2 raises the warning SPX9672E (EZZ9672E, no action),
//    for >= TIMERSECS the problem SPX9678E (EZZ9678E), which replaces the warning. Silence is measured
//    from the last heartbeat, or from the monitor's start if there never was one. Both are deleted
//    once the source is ready and its heartbeat is younger than TIMERSECS/2.
//  - MONINTERFACE: every monitored interface down for >= TIMERSECS raises SPX1209E; with DYNROUTE,
//    no up monitored interface with routing-daemon routes for >= TIMERSECS raises SPX1210E.
//  - Group connectivity: in the group, advertising DVIPAs and with two or more other members (z/OS
//    checks only with two other systems, so a lone partner's failure is not blamed on this node), no
//    route to any of them for >= TIMERSECS raises SPX9673E; deleted when one is reachable (or no
//    other member is left to reach). Out of the group the timer does not run but the message stays.
//  - Workers: a loop counter unchanged for >= TIMERSECS raises SPX9674E (EZZ9674E). Timed in
//    milliseconds, so an early or late check changes only when a condition is seen, not its length.
//  - RECOVERY and not the only member (other_members > 0) and in the group: any outstanding message
//    that leaves (see the catalogue) yields LeaveGroup, repeated at each check until the node is out.
//    The only member never leaves (messages only); if others join while the problem lasts, it leaves
//    then. NORECOVERY: messages only. As on z/OS, SPX9674E is deleted as the node leaves for it.
//  - AUTOREJOIN: a node the monitor took out gets Rejoin at each check (until it is back in) once no
//    problem is left at all: no outstanding error or warning, every pool below BUFRELIEF, no stalled
//    worker. A node that left for a worker stall (EZZ9674E's rule) is never rejoined automatically;
//    an operator's rejoin (seen as in_group again) clears that.
#pragma once
#include "control/layer_guard.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/profile.h"
#include "control/monitor/messages.h"

namespace sysplex::monitor {

struct PoolSample {
  std::string name;
  uint64_t in_use = 0;  // mbufs in use
  uint64_t size = 0;    // mbufs in the pool
};

struct InterfaceSample {   // a monitored interface (MONINTERFACE)
  std::string name;
  bool up = false;
  bool dynamic_routes = false;  // routes of a routing daemon are learned over it (DYNROUTE)
};

struct MemberSample {      // another group member
  std::string name;
  bool reachable = false;  // some route to it exists
};

struct WorkerSample {
  uint32_t id = 0;
  uint64_t loops = 0;      // the worker's poll-loop counter
};

struct CheckInput {
  bool in_group = false;
  uint32_t other_members = 0;      // other nodes in the group now; 0: this node is the only member
  bool advertises_dvipas = false;  // owns a DVIPA or distributes one
  std::vector<PoolSample> pools;
  bool route_source_ready = false;
  std::optional<int64_t> route_source_heartbeat_ms;
  std::vector<InterfaceSample> interfaces;
  std::vector<MemberSample> members;
  std::vector<WorkerSample> workers;
};

enum class ActionKind : uint8_t { kLeaveGroup, kRejoin };

struct Action {
  ActionKind kind;
  std::string reason;  // the message codes (and pools/workers) that caused it
};

struct OutstandingMessage {
  MsgId id;
  std::string key;      // which pool/worker it is about; "" for node-wide conditions
  std::string text;     // formatted, with its code
  int64_t raised_at_ms;
};

struct MessageEvent {
  enum class Kind : uint8_t { kRaised, kDeleted, kInfo } kind;
  OutstandingMessage message;  // kDeleted: the message as it was raised
};

struct CheckResult {
  std::vector<Action> actions;
  std::vector<MessageEvent> messages;
};

class Monitor {
 public:
  // start_ms: when monitoring began (the join); the first check is due TIMERSECS later.
  Monitor(std::string node_name, const config::SysplexMonitor& config, int64_t start_ms);

  bool due(int64_t now_ms) const { return now_ms >= next_check_; }
  int64_t next_check_at() const { return next_check_; }
  // Runs every check; the next one is due TIMERSECS after now_ms.
  CheckResult check(int64_t now_ms, const CheckInput& input);

  // Outstanding messages, oldest first (for displays).
  const std::vector<OutstandingMessage>& outstanding() const { return outstanding_; }
  // The monitor took the node out of the group and it is not back in yet.
  bool left_for_problem() const { return left_by_monitor_; }
  // It left for a problem AUTOREJOIN does not cover: only an operator's rejoin brings it back.
  bool needs_operator_rejoin() const { return left_by_monitor_ && sticky_; }

 private:
  enum class Level : uint8_t { kNormal, kConstrained, kCritical };
  struct PoolState {
    Level level = Level::kNormal;
    int64_t constrained_since = 0;
  };
  struct WorkerState {
    uint64_t loops = 0;
    int64_t changed_at = 0;
    bool left_for = false;  // the node left for this stall; its message is deleted, it stays a problem
  };

  void check_pools(int64_t now, const CheckInput& in, CheckResult& out);
  void check_pool(int64_t now, const PoolSample& p, PoolState& st, CheckResult& out);
  void check_route_source(int64_t now, const CheckInput& in, CheckResult& out);
  void check_interfaces(int64_t now, const CheckInput& in, CheckResult& out);
  void check_members(int64_t now, const CheckInput& in, CheckResult& out);
  void check_workers(int64_t now, const CheckInput& in, CheckResult& out);
  void decide(const CheckInput& in, CheckResult& out);
  void timed(bool condition, std::optional<int64_t>& since, int64_t now, MsgId id, CheckResult& out);
  bool problems_remain() const;

  bool is_outstanding(MsgId id, const std::string& key = "") const;
  void raise(MsgId id, const std::string& key, Params params, int64_t now, CheckResult& out);
  void remove(MsgId id, const std::string& key, CheckResult& out);
  void info(MsgId id, const std::string& key, Params params, int64_t now, CheckResult& out);

  std::string node_;
  config::SysplexMonitor config_;
  int64_t start_ms_;
  int64_t period_ms_;
  int64_t next_check_;
  std::map<std::string, PoolState> pools_;
  std::map<uint32_t, WorkerState> workers_;
  std::optional<int64_t> interfaces_down_since_, no_dynroutes_since_, no_member_route_since_;
  std::vector<OutstandingMessage> outstanding_;
  bool left_by_monitor_ = false;
  bool sticky_ = false;
};

}  // namespace sysplex::monitor
