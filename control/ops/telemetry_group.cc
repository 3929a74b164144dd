// The group's display (z/OS: D TCPIP,,SYSPLEX,GROUP and ,,SYSPLEX,VIPADYN): this node's membership
// (join state, incarnation, lease, fencing), the store's health, the members as the store lists
// them, the peers the group channel hears, and the channel's receive counters by reason (forged,
// replayed, truncated ... datagrams are dropped and counted here).
#include <rte_telemetry.h>

#include <string>

#include "control/node/node.h"
#include "control/ops/telemetry_util.h"

namespace sysplex::ops {

namespace {

std::string addr_list(const std::vector<IpAddr>& v) {
  std::string out;
  for (const auto& a : v) out += (out.empty() ? "" : " ") + to_string(a);
  return out.empty() ? "-" : out;
}

void put_membership(rte_tel_data* d, const ownership::GroupState& g, uint64_t now) {
  put_str(d, "group", g.group);
  put_str(d, "join", std::string(ownership::to_string(g.join)));
  if (g.join == ownership::JoinState::kOut) put_str(d, "out_reason", std::string(ownership::to_string(g.out_reason)));
  put_str(d, "detail", g.detail);
  put_u64(d, "incarnation", g.incarnation);
  put_u64(d, "quiesced", g.quiesced);
  put_u64(d, "fenced", g.fenced);
  put_u64(d, "fence_in_ms", g.fence_at_ms > now ? g.fence_at_ms - now : 0);
  put_str(d, "store", g.store_reachable ? "reachable" : "unreachable");
  if (!g.store_reachable) {
    put_u64(d, "store_down_ms", now >= g.store_down_since_ms ? now - g.store_down_since_ms : 0);
    put_str(d, "store_error", g.store_error);
  }
  put_u64(d, "store_revision", uint64_t(g.revision));
  put_u64(d, "malformed_records", g.malformed_records);
  const ownership::Counters& c = g.counters;
  put_u64(d, "joins", c.joins);
  put_u64(d, "leaves", c.leaves);
  put_u64(d, "takeovers", c.takeovers);
  put_u64(d, "takebacks", c.takebacks);
  put_u64(d, "releases", c.releases);
  put_u64(d, "claims_won", c.claims_won);
  put_u64(d, "claims_lost", c.claims_lost);
  put_u64(d, "self_fences", c.self_fences);
  put_u64(d, "leases_lost", c.leases_lost);
  put_u64(d, "store_failures", c.store_failures);
}

void put_members(rte_tel_data* d, const ownership::GroupState& g, uint64_t now, unsigned& row) {
  for (const auto& m : g.members) {
    rte_tel_data* r = add_row(d, "member", row++);
    put_str(r, "node", m.node);
    put_str(r, "status", std::string(ownership::to_string(m.status)) + (m.quiesced ? " quiesced" : ""));
    put_u64(r, "self", m.self);
    put_u64(r, "heard", m.heard);
    put_u64(r, "incarnation", m.incarnation);
    put_str(r, "addrs", addr_list(m.addrs));
    put_u64(r, "age_s", m.since_ms && now >= m.since_ms ? (now - m.since_ms) / 1000 : 0);
    if (!m.error.empty()) put_str(r, "error", m.error);
  }
}

void put_channel(rte_tel_data* d, const group::GroupLink& link, uint64_t now) {
  const group::LinkCounters& c = link.counters();
  rte_tel_data* ch = rte_tel_data_alloc();
  rte_tel_data_start_dict(ch);
  put_u64(ch, "sent", c.sent);
  put_u64(ch, "send_failures", c.send_failures);
  put_u64(ch, "received", c.received);
  for (size_t i = 0; i < c.rx.size(); ++i)
    put_u64(ch, std::string(channel::rx_reason_name(channel::RxReason(i))).c_str(), c.rx[i]);
  rte_tel_data_add_dict_container(d, "channel", ch, 0);
  unsigned i = 0;
  for (const auto& [name, p] : link.peers()) {
    rte_tel_data* r = add_row(d, "peer", i++);
    put_str(r, "node", name);
    put_str(r, "xcf", addr_list(p.xcf));
    put_u64(r, "alive", link.alive(p));
    put_u64(r, "incarnation", p.incarnation);
    put_u64(r, "heartbeats", p.heartbeats);
    put_u64(r, "max_gap_ms", p.max_gap_ms);
    put_u64(r, "last_heard_ms", now >= p.last_heard_ms ? now - p.last_heard_ms : 0);
  }
}

int cmd_group(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::optional<ownership::GroupState> g = p.node->group_state();
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  uint64_t now = p.node->now_ms();
  put_str(d, "node", p.node->name());
  if (!g) {
    put_str(d, "join", "none");
    put_str(d, "detail", "no GROUP KEYFILE in the profile: the node runs on its own");
    return 0;
  }
  put_membership(d, *g, now);
  unsigned row = 0;
  put_members(d, *g, now, row);
  if (p.node->link()) put_channel(d, *p.node->link(), now);
  return 0;
}

}  // namespace

void register_group_telemetry() {
  rte_telemetry_register_cmd("/sysplexd/group", cmd_group,
                             "Group membership, store health, members, channel peers and receive counters. Parameter: node");
}

}  // namespace sysplex::ops
