// Displays of the VIPAROUTE target cache (target, route, next hop, egress, state, last and next
// refresh), of sysplex autonomics (the monitor's outstanding messages, as z/OS keeps them on the
// console until deleted) and of the node's recent messages.
#include <rte_telemetry.h>

#include "control/node/node.h"
#include "control/ops/telemetry_util.h"

namespace sysplex::ops {

namespace {

constexpr unsigned kMessagesShown = 50;

int cmd_targetcache(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  const auto& cache = p.node->target_cache();
  for (const auto& row : cache.display(int64_t(p.node->now_ms()))) {
    rte_tel_data* r = add_row(d, "target", i++);
    put_str(r, "destxcf", row.xcf);
    put_str(r, "targetip", row.target);
    put_str(r, "route", row.route);
    put_str(r, "nexthop", row.next_hop);
    put_str(r, "egress", row.egress);
    put_str(r, "source", row.source);
    put_str(r, "mac", row.mac);
    put_str(r, "state", row.state + (row.reason.empty() ? "" : ": " + row.reason));
    put_str(r, "last_refresh", row.last_refresh);
    put_str(r, "next_refresh", row.next_refresh);
    put_str(r, "route_changed", row.route_changed ? "yes" : "no");
  }
  put_str(d, "schedule_fast_left", std::to_string(cache.schedule().fast_remaining()));
  return 0;
}

int cmd_monitor(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  const config::SysplexMonitor& m = p.node->profile().global.monitor;
  put_str(d, "in_group", p.node->in_group() ? "yes" : "no");
  put_u64(d, "timersecs", m.timer_secs);
  put_u64(d, "timer_ms", m.period_ms());
  put_str(d, "recovery", m.recovery ? "RECOVERY" : "NORECOVERY");
  put_str(d, "autorejoin", m.auto_rejoin ? "AUTOREJOIN" : "NOAUTOREJOIN");
  put_u64(d, "pool_in_use_pct", p.node->engine().pool_size() ? 100ull * p.node->engine().pool_in_use() / p.node->engine().pool_size() : 0);
  const monitor::Monitor* mon = p.node->sysplex_monitor();
  if (!mon) return 0;
  put_str(d, "left_for_problem", mon->left_for_problem() ? (mon->needs_operator_rejoin() ? "yes, operator rejoin needed" : "yes") : "no");
  unsigned i = 0;
  uint64_t now = p.node->now_ms();
  for (const auto& o : mon->outstanding()) {
    rte_tel_data* r = add_row(d, "msg", i++);
    put_str(r, "id", monitor::message_def(o.id).code);
    put_str(r, "about", o.key);
    put_str(r, "text", o.text);
    put_u64(r, "age_s", (now - uint64_t(o.raised_at_ms)) / 1000);
  }
  return 0;
}

int cmd_messages(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  const auto& log = p.node->messages();
  size_t first = log.size() > kMessagesShown ? log.size() - kMessagesShown : 0;
  uint64_t now = p.node->now_ms();
  for (size_t i = first; i < log.size(); ++i) {
    rte_tel_data* r = add_row(d, "msg", unsigned(i - first));
    put_u64(r, "age_s", (now - log[i].at_ms) / 1000);
    put_str(r, "text", log[i].text);
  }
  return 0;
}

}  // namespace

void register_autonomics_telemetry() {
  rte_telemetry_register_cmd("/sysplexd/targetcache", cmd_targetcache, "VIPAROUTE target cache. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/monitor", cmd_monitor, "Sysplex autonomics: outstanding messages. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/messages", cmd_messages, "The node's recent messages. Parameter: node");
}

}  // namespace sysplex::ops
