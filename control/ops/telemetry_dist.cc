// The distributor's displays, named and laid out after z/OS's NETSTAT reports: VIPADCFG (the
// definitions), VIPADYN (each DVIPA's state here), VDPT (the port table: targets, readiness and
// connection counts), VCRT (the connection table, filterable) and VIPAROUTE (routed targets).
#include <rte_telemetry.h>

#include <algorithm>
#include <string>

#include "control/node/node.h"
#include "control/ops/telemetry_util.h"

namespace sysplex::ops {

namespace {

constexpr unsigned kVcrtDefaultLimit = 50;
constexpr unsigned kVcrtMaxLimit = 100;  // DPDK's 16 KiB reply holds about this many rows

const char* method_name(config::DistMethod m) {
  switch (m) {
    case config::DistMethod::kRoundRobin: return "ROUNDROBIN";
    case config::DistMethod::kWeightedActive: return "WEIGHTEDACTIVE";
    case config::DistMethod::kBaseWlm: return "BASEWLM";
    case config::DistMethod::kServerWlm: return "SERVERWLM";
    case config::DistMethod::kHotStandby: return "HOTSTANDBY";
  }
  return "?";
}

std::string with_len(const IpAddr& a, uint8_t len) { return to_string(a) + "/" + std::to_string(len); }
std::string dest(const IpAddr& a, uint16_t port) { return to_string(a) + ".." + std::to_string(port); }

IpAddr key_addr(const uint8_t* b, bool v6) {
  if (v6) return IpAddr::v6_from_bytes(b);
  uint32_t be;
  std::memcpy(&be, b, 4);
  return IpAddr::v4_from_be(be);
}

int cmd_vipadcfg(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  const config::VipaDynamic& v = p.node->profile().vipadynamic;
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  auto moveable = [](config::Moveable m) { return m == config::Moveable::kImmediate ? "IMMEDIATE" : "WHENIDLE"; };
  for (const auto& def : v.defines) {
    rte_tel_data* r = add_row(d, "cfg", i++);
    put_str(r, "kind", "VIPA DEFINE");
    put_str(r, "ipaddr", with_len(def.dvipa.addr, def.dvipa.len));
    put_str(r, "moveable", moveable(def.moveable));
  }
  for (const auto& b : v.backups) {
    rte_tel_data* r = add_row(d, "cfg", i++);
    put_str(r, "kind", "VIPA BACKUP");
    put_str(r, "ipaddr", to_string(b.dvipa));
    put_u64(r, "rank", b.rank);
    put_str(r, "moveable", moveable(b.moveable));
  }
  for (const auto& dist : v.distributes)
    for (const auto& range : dist.ports) {
      std::string ports = range.first == range.last ? std::to_string(range.first)
                                                    : std::to_string(range.first) + "-" + std::to_string(range.last);
      auto add = [&](const std::string& xcf, const config::DestIp* dip) {
        rte_tel_data* r = add_row(d, "cfg", i++);
        put_str(r, "kind", "VIPA DISTRIBUTE");
        put_str(r, "dest", to_string(dist.dvipa) + ".." + ports);
        put_str(r, "destxcf", xcf);
        put_str(r, "method", method_name(dist.method));
        put_u64(r, "timaff", dist.timed_affinity_secs);
        if (dip) put_u64(r, "weight", dip->weight);
        if (dip && dip->role != config::DestRole::kNone)
          put_str(r, "role", dip->role == config::DestRole::kPreferred ? "PREFERRED" : "BACKUP " + std::to_string(dip->backup_rank));
      };
      if (dist.dest_all) add("ALL", nullptr);
      for (const auto& dip : dist.dests) add(to_string(dip.addr), &dip);
    }
  for (const auto& r0 : v.routes) {
    rte_tel_data* r = add_row(d, "cfg", i++);
    put_str(r, "kind", "VIPA ROUTE");
    put_str(r, "destxcf", to_string(r0.xcf_addr));
    put_str(r, "targetip", to_string(r0.target_addr));
  }
  return 0;
}

const char* diststat(const node::Node& n, const distributor::DvipaActivation& a) {
  const auto& defs = n.distributor().definitions();
  bool dist = a.owned && std::any_of(defs.begin(), defs.end(), [&](const config::VipaDistribute& x) { return x.dvipa == a.dvipa.addr; });
  return dist && a.target ? "DIST/DEST" : dist ? "DIST" : a.target ? "DEST" : "";
}

// Without a group the profile decides (VIPADEFINE active, VIPABACKUP backup); in a group every
// row is the ownership machine's: status as z/OS shows it, the owner and epoch the store holds.
int cmd_vipadyn(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::optional<ownership::GroupState> g = p.node->group_state();
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  const auto& acts = p.node->distributor().activations();
  auto activation = [&](const IpAddr& a) -> const distributor::DvipaActivation* {
    for (const auto& x : acts)
      if (x.dvipa.addr == a) return &x;
    return nullptr;
  };
  if (g) {
    uint64_t now = p.node->now_ms();
    for (const auto& row : g->dvipas) {
      rte_tel_data* r = add_row(d, "dvipa", i++);
      put_str(r, "ipaddr", with_len(row.dvipa.addr, row.dvipa.len));
      put_str(r, "status", std::string(ownership::to_string(row.status)));
      put_str(r, "origin", row.origin == ownership::Origin::kDefine ? "VIPADEFINE" : "VIPABACKUP");
      put_u64(r, "rank", row.rank);
      put_str(r, "moveable", row.moveable == config::Moveable::kImmediate ? "IMMEDIATE" : "WHENIDLE");
      const distributor::DvipaActivation* a = activation(row.dvipa.addr);
      put_str(r, "diststat", a ? diststat(*p.node, *a) : "");
      put_str(r, "owner", row.owner.empty() ? "-" : row.owner);
      put_u64(r, "epoch", row.epoch);
      put_u64(r, "age_s", row.since_ms && now >= row.since_ms ? (now - row.since_ms) / 1000 : 0);
      put_str(r, "detail", row.detail);
    }
    return 0;
  }
  for (const auto& a : acts) {
    rte_tel_data* r = add_row(d, "dvipa", i++);
    put_str(r, "ipaddr", with_len(a.dvipa.addr, a.dvipa.len));
    put_str(r, "status", a.owned ? "ACTIVE" : "BACKUP");
    bool defined = std::any_of(p.node->profile().vipadynamic.defines.begin(), p.node->profile().vipadynamic.defines.end(),
                               [&](const config::VipaDefine& x) { return x.dvipa.addr == a.dvipa.addr; });
    put_str(r, "origin", defined ? "VIPADEFINE" : "VIPABACKUP");
    put_str(r, "diststat", diststat(*p.node, a));
    put_str(r, "owner", a.owned ? p.node->name() : "-");
    put_u64(r, "epoch", a.epoch);
  }
  return 0;
}

int cmd_vdpt(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  const auto& dist = p.node->distributor();
  std::vector<distributor::TargetRow> targets = dist.target_rows();
  for (const auto& row : dist.service_rows())
    for (const auto& t : row.targets) {
      if (i == RTE_TEL_MAX_DICT_ENTRIES) return 0;
      const dp::TargetCounters& c = t.counters;
      rte_tel_data* r = add_row(d, "vdpt", i++);
      put_str(r, "dest", dest(row.dvipa, row.port));
      put_str(r, "destxcf", to_string(t.xcf));
      put_str(r, "node", t.id < targets.size() ? targets[t.id].node : "");
      put_u64(r, "totalconn", c.total);
      put_u64(r, "activeconn", c.active);
      put_u64(r, "rdy", t.state.ready ? 1 : 0);
      put_u64(r, "wlm", t.state.wlm_weight);
      put_u64(r, "tsr", t.state.responsiveness);
      put_u64(r, "weight", t.state.weight);
      put_str(r, "flg", method_name(row.method));
      put_str(r, "path", t.id < targets.size() ? targets[t.id].path.route : "");
    }
  return 0;
}

bool matches(const std::map<std::string, std::string>& args, const char* key, const std::string& value) {
  auto it = args.find(key);
  return it == args.end() || it->second == value;
}

int cmd_vcrt(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  unsigned limit = kVcrtDefaultLimit;
  if (auto it = p.args.find("limit"); it != p.args.end()) limit = std::min<unsigned>(kVcrtMaxLimit, unsigned(std::atoi(it->second.c_str())));
  rte_tel_data_start_dict(d);
  const dp::Engine& e = p.node->engine();
  uint64_t total = 0, matched = 0;
  unsigned shown = 0;
  uint32_t now = e.now_ms();
  for (unsigned w = 0; e.has_connections() && w < e.workers(); ++w) {
    const conn::ConnTable& t = e.conn_table(w);
    total += t.size();
    conn::ConnView v;
    for (uint32_t s = 0; s < t.slots(); ++s) {
      if (!t.read(s, v)) continue;
      bool v6 = v.key.v6;
      IpAddr dst = key_addr(v.key.dst, v6), src = key_addr(v.key.src, v6);
      auto target = p.node->distributor().target_addr(v.target);
      std::string xcf = target ? to_string(*target) : "?";
      if (!matches(p.args, "dvipa", to_string(dst)) || !matches(p.args, "client", to_string(src)) ||
          !matches(p.args, "target", xcf) || !matches(p.args, "state", conn::kConnStateNames[size_t(v.state)]))
        continue;
      ++matched;
      if (shown == limit) continue;
      rte_tel_data* r = add_row(d, "conn", shown++);
      put_str(r, "dest", dest(dst, v.key.dport));
      put_str(r, "source", dest(src, v.key.sport));
      put_str(r, "destxcf", xcf);
      put_str(r, "state", conn::kConnStateNames[size_t(v.state)]);
      put_u64(r, "idle_ms", now - v.last_ms);
      put_str(r, "origin", v.flags & conn::kConnFromReport ? "report" : v.flags & conn::kConnFromHash ? "hash" : "syn");
    }
  }
  put_u64(d, "total", total);
  put_u64(d, "matched", matched);
  put_u64(d, "shown", shown);
  return 0;
}

int cmd_viparoute(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  const auto& ports = p.node->engine().ports();
  for (const auto& t : p.node->distributor().target_rows()) {
    const config::VipaRoute* vr = nullptr;
    for (const auto& r : p.node->profile().vipadynamic.routes)
      if (r.xcf_addr == t.xcf) vr = &r;
    rte_tel_data* r = add_row(d, "route", i++);
    put_str(r, "destxcf", to_string(t.xcf));
    put_str(r, "targetip", vr ? to_string(vr->target_addr) : "");
    put_str(r, "node", t.node);
    bool usable = t.path.view.kind != dp::TargetKind::kUnusable;
    put_str(r, "rtstatus", usable ? "ACTIVE" : "INACTIVE");
    put_str(r, "path", t.path.route);
    put_str(r, "state", t.path.state);
    if (usable && t.path.view.kind != dp::TargetKind::kLocal) {
      put_str(r, "egress", ports[t.path.view.port].name);
      put_str(r, "nexthop_mac", to_string(MacAddr{t.path.view.dst_mac}));
    }
  }
  return 0;
}

}  // namespace

void register_distributor_telemetry() {
  rte_telemetry_register_cmd("/sysplexd/vipadcfg", cmd_vipadcfg, "DVIPA definitions (VIPADCFG). Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/vipadyn", cmd_vipadyn, "DVIPA states on this node (VIPADYN). Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/vdpt", cmd_vdpt, "Distributor port table (VDPT). Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/vcrt", cmd_vcrt,
                             "Connection routing table (VCRT). Parameters: node[,dvipa=A][,client=A][,target=A][,state=S][,limit=N]");
  rte_telemetry_register_cmd("/sysplexd/viparoute", cmd_viparoute, "Targets and their paths (VIPAROUTE). Parameter: node");
}

}  // namespace sysplex::ops
