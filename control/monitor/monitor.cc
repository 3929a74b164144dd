// The monitor's checks, message bookkeeping and the leave/rejoin decision.
#include "control/monitor/monitor.h"

#include <algorithm>

namespace sysplex::monitor {

namespace {

std::string secs(int64_t ms) { return std::to_string(ms / 1000); }

}  // namespace

Monitor::Monitor(std::string node_name, const config::SysplexMonitor& config, int64_t start_ms)
    : node_(std::move(node_name)),
      config_(config),
      start_ms_(start_ms),
      period_ms_(int64_t(config.period_ms())),
      next_check_(start_ms + period_ms_) {}

CheckResult Monitor::check(int64_t now_ms, const CheckInput& input) {
  CheckResult out;
  check_pools(now_ms, input, out);
  check_route_source(now_ms, input, out);
  check_interfaces(now_ms, input, out);
  check_members(now_ms, input, out);
  check_workers(now_ms, input, out);
  decide(input, out);
  next_check_ = now_ms + period_ms_;
  return out;
}

// ---- buffer pools ----------------------------------------------------------------------------

void Monitor::check_pools(int64_t now, const CheckInput& in, CheckResult& out) {
  for (auto it = pools_.begin(); it != pools_.end();) {  // pools no longer reported: forgotten
    bool present = std::any_of(in.pools.begin(), in.pools.end(), [&](const PoolSample& p) { return p.name == it->first; });
    if (present) {
      ++it;
      continue;
    }
    remove(MsgId::kPoolCritical, it->first, out);
    remove(MsgId::kBuffersConstrained, it->first, out);
    it = pools_.erase(it);
  }
  for (const auto& p : in.pools)
    if (p.size > 0) check_pool(now, p, pools_[p.name], out);
}

void Monitor::check_pool(int64_t now, const PoolSample& p, PoolState& st, CheckResult& out) {
  auto at = [&](uint8_t pct) { return p.in_use * 100 >= uint64_t(pct) * p.size; };
  bool critical = at(config_.critical_pct), constrained = at(config_.constrained_pct), relieved = !at(config_.relief_pct);
  Params usage{{"node", node_},
               {"pool", p.name},
               {"used", std::to_string(p.in_use)},
               {"size", std::to_string(p.size)},
               {"pct", std::to_string(p.in_use * 100 / p.size)}};
  if (st.level == Level::kNormal && constrained) {
    st.level = Level::kConstrained;
    st.constrained_since = now;
    info(MsgId::kPoolConstrained, p.name, usage, now, out);
  }
  if (st.level == Level::kCritical && !constrained) {
    st.level = Level::kConstrained;
    remove(MsgId::kPoolCritical, p.name, out);
  }
  if (st.level == Level::kConstrained && critical) {
    st.level = Level::kCritical;
    raise(MsgId::kPoolCritical, p.name, usage, now, out);
  }
  if (st.level == Level::kConstrained && relieved) {
    st.level = Level::kNormal;
    remove(MsgId::kBuffersConstrained, p.name, out);
    info(MsgId::kPoolRelieved, p.name, usage, now, out);
  }
  int64_t constrained_for = now - st.constrained_since;
  if (st.level != Level::kNormal && constrained_for > 3 * period_ms_)
    raise(MsgId::kBuffersConstrained, p.name, {{"node", node_}, {"pool", p.name}, {"secs", secs(constrained_for)}}, now,
          out);
}

// ---- route source ----------------------------------------------------------------------------

void Monitor::check_route_source(int64_t now, const CheckInput& in, CheckResult& out) {
  int64_t silent = now - in.route_source_heartbeat_ms.value_or(start_ms_);
  if (silent >= period_ms_) {
    remove(MsgId::kRouteSourceWarning, "", out);
    raise(MsgId::kRouteSourceProblem, "", {{"node", node_}, {"secs", secs(silent)}}, now, out);
  } else if (silent * 2 >= period_ms_) {
    if (!is_outstanding(MsgId::kRouteSourceProblem))  // a problem stays until the source is healthy
      raise(MsgId::kRouteSourceWarning, "", {{"node", node_}, {"secs", secs(silent)}}, now, out);
  } else if (in.route_source_ready) {
    remove(MsgId::kRouteSourceWarning, "", out);
    remove(MsgId::kRouteSourceProblem, "", out);
  }
}

// ---- monitored interfaces and group connectivity ----------------------------------------------

// A condition that becomes a problem once it has held for TIMERSECS; its message goes when it ends.
void Monitor::timed(bool condition, std::optional<int64_t>& since, int64_t now, MsgId id, CheckResult& out) {
  if (!condition) {
    since.reset();
    remove(id, "", out);
    return;
  }
  if (!since) since = now;
  if (now - *since >= period_ms_) raise(id, "", {{"node", node_}, {"secs", secs(now - *since)}}, now, out);
}

void Monitor::check_interfaces(int64_t now, const CheckInput& in, CheckResult& out) {
  bool monitored = config_.mon_interface && !in.interfaces.empty();
  const auto& ifs = in.interfaces;
  bool all_down = monitored && std::none_of(ifs.begin(), ifs.end(), [](const InterfaceSample& i) { return i.up; });
  bool no_routes = monitored && config_.dyn_route && !all_down &&
                   std::none_of(ifs.begin(), ifs.end(), [](const InterfaceSample& i) { return i.up && i.dynamic_routes; });
  timed(all_down, interfaces_down_since_, now, MsgId::kInterfacesDown, out);
  timed(no_routes, no_dynroutes_since_, now, MsgId::kNoDynamicRoutes, out);
}

void Monitor::check_members(int64_t now, const CheckInput& in, CheckResult& out) {
  const auto& ms = in.members;
  bool relieved = ms.empty() || std::any_of(ms.begin(), ms.end(), [](const MemberSample& m) { return m.reachable; });
  bool applies = in.in_group && in.advertises_dvipas && ms.size() >= 2;
  if (relieved || applies) {
    timed(!relieved, no_member_route_since_, now, MsgId::kNoMemberRoute, out);
  } else {
    no_member_route_since_.reset();  // not measured out of the group; an outstanding message stays
  }
}

// ---- workers ------------------------------------------------------------------------------------

void Monitor::check_workers(int64_t now, const CheckInput& in, CheckResult& out) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    bool present = std::any_of(in.workers.begin(), in.workers.end(), [&](const WorkerSample& w) { return w.id == it->first; });
    if (present) {
      ++it;
      continue;
    }
    remove(MsgId::kWorkerStalled, std::to_string(it->first), out);
    it = workers_.erase(it);
  }
  for (const auto& w : in.workers) {
    std::string key = std::to_string(w.id);
    auto [it, fresh] = workers_.try_emplace(w.id, WorkerState{w.loops, now, false});
    WorkerState& st = it->second;
    if (!fresh && st.loops != w.loops) {
      st = WorkerState{w.loops, now, false};
      remove(MsgId::kWorkerStalled, key, out);
    } else if (now - st.changed_at >= period_ms_ && !st.left_for) {
      raise(MsgId::kWorkerStalled, key, {{"node", node_}, {"worker", key}, {"secs", secs(now - st.changed_at)}}, now, out);
    }
  }
}

// ---- leave and rejoin ---------------------------------------------------------------------------

void Monitor::decide(const CheckInput& in, CheckResult& out) {
  if (in.in_group && left_by_monitor_) {  // back in (our Rejoin or an operator's): start afresh
    left_by_monitor_ = sticky_ = false;
    for (auto& [id, w] : workers_) w.left_for = false;
  }
  std::string causes;
  bool covered = true;  // every cause is one AUTOREJOIN may rejoin after
  for (const auto& m : outstanding_) {
    const MessageDef& def = message_def(m.id);
    if (!def.leaves) continue;
    causes += (causes.empty() ? "" : ", ") + std::string(def.code) + (m.key.empty() ? "" : " " + m.key);
    covered = covered && def.autorejoin;
  }
  if (!causes.empty() && config_.recovery && in.in_group && in.other_members > 0) {
    out.actions.push_back(Action{ActionKind::kLeaveGroup, causes});
    left_by_monitor_ = true;
    sticky_ = sticky_ || !covered;
    for (auto& [id, w] : workers_) {  // EZZ9674E is deleted as the stack leaves for it
      if (!is_outstanding(MsgId::kWorkerStalled, std::to_string(id))) continue;
      remove(MsgId::kWorkerStalled, std::to_string(id), out);
      w.left_for = true;
    }
    return;
  }
  if (config_.auto_rejoin && !in.in_group && left_by_monitor_ && !sticky_ && !problems_remain())
    out.actions.push_back(Action{ActionKind::kRejoin, "every problem the monitor saw is relieved"});
}

bool Monitor::problems_remain() const {
  for (const auto& m : outstanding_)
    if (message_def(m.id).severity != Severity::kInfo) return true;
  for (const auto& [name, p] : pools_)
    if (p.level != Level::kNormal) return true;
  for (const auto& [id, w] : workers_)
    if (w.left_for) return true;
  return false;
}

// ---- message bookkeeping ------------------------------------------------------------------------

bool Monitor::is_outstanding(MsgId id, const std::string& key) const {
  return std::any_of(outstanding_.begin(), outstanding_.end(),
                     [&](const OutstandingMessage& m) { return m.id == id && m.key == key; });
}

void Monitor::raise(MsgId id, const std::string& key, Params params, int64_t now, CheckResult& out) {
  if (is_outstanding(id, key)) return;
  OutstandingMessage m{id, key, format_message(id, params), now};
  outstanding_.push_back(m);
  out.messages.push_back(MessageEvent{MessageEvent::Kind::kRaised, std::move(m)});
}

void Monitor::remove(MsgId id, const std::string& key, CheckResult& out) {
  auto it = std::find_if(outstanding_.begin(), outstanding_.end(),
                         [&](const OutstandingMessage& m) { return m.id == id && m.key == key; });
  if (it == outstanding_.end()) return;
  out.messages.push_back(MessageEvent{MessageEvent::Kind::kDeleted, *it});
  outstanding_.erase(it);
}

void Monitor::info(MsgId id, const std::string& key, Params params, int64_t now, CheckResult& out) {
  out.messages.push_back(MessageEvent{MessageEvent::Kind::kInfo, OutstandingMessage{id, key, format_message(id, params), now}});
}

}  // namespace sysplex::monitor
