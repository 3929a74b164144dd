#include "control/ops/telemetry.h"

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <string>

#include "control/node/node.h"
#include "control/ops/telemetry_util.h"

namespace sysplex::ops {

namespace {

node::Node* find_node(const char* params) { return parse_params(params).node; }

// DPDK 22.11 telemetry accepts only [A-Za-z0-9_/] in dict keys: drop names use '_' there.
std::string telemetry_key(std::string_view name) {
  std::string k(name);
  for (char& c : k)
    if (c == '-') c = '_';
  return k;
}


int cmd_nodes(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  rte_tel_data* list = rte_tel_data_alloc();
  rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
  for (auto* n : telemetry_nodes()) rte_tel_data_add_array_string(list, n->name().c_str());
  rte_tel_data_add_dict_container(d, "nodes", list, 0);
  return 0;
}

void port_dict(rte_tel_data* p, const dp::EnginePort& ep) {
  rte_tel_data_start_dict(p);
  rte_tel_data_add_dict_string(p, "name", ep.name.c_str());
  rte_tel_data_add_dict_string(p, "device", ep.device.c_str());
  put_u64(p, "port_id", ep.port_id);
  rte_tel_data_add_dict_string(p, "mac", to_string(MacAddr{ep.mac}).c_str());
  rte_eth_link link{};
  rte_eth_link_get_nowait(ep.port_id, &link);
  rte_tel_data_add_dict_string(p, "link", link.link_status ? "up" : "down");
  put_u64(p, "speed_mbps", link.link_speed);
  put_u64(p, "rx_queues", ep.rx_queues);
  put_u64(p, "tx_queues", ep.tx_queues);
  rte_eth_stats st{};
  rte_eth_stats_get(ep.port_id, &st);
  put_u64(p, "ipackets", st.ipackets);
  put_u64(p, "opackets", st.opackets);
  put_u64(p, "ibytes", st.ibytes);
  put_u64(p, "obytes", st.obytes);
  put_u64(p, "imissed", st.imissed);
  put_u64(p, "ierrors", st.ierrors);
  put_u64(p, "oerrors", st.oerrors);
  put_u64(p, "rx_nombuf", st.rx_nombuf);
}

int cmd_ports(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  // 22.11 nests dicts only inside dicts: list entries become "<kind><index>" keys, in order.
  rte_tel_data_start_dict(d);
  unsigned index = 0;
  for (const auto& ep : n->engine().ports()) {
    rte_tel_data* p = rte_tel_data_alloc();
    port_dict(p, ep);
    rte_tel_data_add_dict_container(d, ("port" + std::to_string(index++)).c_str(), p, 0);
  }
  return 0;
}

int cmd_counters(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  dp::CounterTotals t = n->engine().totals();
  rte_tel_data_start_dict(d);
  put_u64(d, "rx_pkts", t.rx_pkts);
  put_u64(d, "rx_bytes", t.rx_bytes);
  put_u64(d, "tx_pkts", t.tx_pkts);
  put_u64(d, "forwarded", t.forwarded);
  put_u64(d, "punted", t.punted);
  put_u64(d, "dropped", t.dropped());
  put_u64(d, "loops", t.loops);
  put_u64(d, "busy_loops", t.busy_loops);
  put_u64(d, "delivered", t.delivered);
  put_u64(d, "from_local", t.from_local);
  put_u64(d, "to_control", t.to_control);
  rte_tel_data* dd = rte_tel_data_alloc();
  rte_tel_data_start_dict(dd);
  put_u64(dd, "distributed", t.distributed);
  put_u64(dd, "conn_new", t.conn_new);
  put_u64(dd, "conn_hashed", t.conn_hashed);
  put_u64(dd, "conn_full", t.conn_full);
  put_u64(dd, "conn_expired", t.conn_expired);
  put_u64(dd, "conn_ended", t.conn_ended);
  put_u64(dd, "mss_clamped", t.mss_clamped);
  rte_tel_data_add_dict_container(d, "distributor", dd, 0);
  node::ControlCounters c = n->control_counters();
  rte_tel_data* cd = rte_tel_data_alloc();
  rte_tel_data_start_dict(cd);
  put_u64(cd, "arp_replies", c.arp_replies);
  put_u64(cd, "nd_replies", c.nd_replies);
  put_u64(cd, "echo_replies", c.echo_replies);
  put_u64(cd, "to_tap", c.to_tap);
  put_u64(cd, "from_tap", c.from_tap);
  put_u64(cd, "resolutions_sent", c.resolutions_sent);
  put_u64(cd, "control_drops", c.control_drops);
  put_u64(cd, "too_big_sent", c.too_big_sent);
  put_u64(cd, "fragmented", c.fragmented);
  put_u64(cd, "listener_scans", c.listener_scans);
  put_u64(cd, "listener_scan_errors", c.listener_scan_errors);
  put_u64(cd, "snapshots", c.snapshots);
  put_u64(cd, "ended_reported", c.ended_reported);
  put_u64(cd, "cache_refreshes", c.cache_refreshes);
  put_u64(cd, "announcements", c.announcements);
  put_u64(cd, "connections_adopted", c.connections_adopted);
  put_u64(cd, "bulk_reports_sent", c.bulk_reports_sent);
  put_u64(cd, "group_unresolved", c.group_unresolved);
  put_u64(cd, "max_poll_gap_ms", c.max_poll_gap_ms);
  put_u64(cd, "poll_stalls", c.poll_stalls);
  put_u64(cd, "fib_alloc_failures", c.fib_alloc_failures);
  put_u64(cd, "shadows_sent", c.shadows_sent);
  put_u64(cd, "shadows_installed", c.shadows_installed);
  put_u64(cd, "shadows_refused", c.shadows_refused);
  put_u64(cd, "seq_leases", c.seq_leases);
  rte_tel_data_add_dict_container(d, "control", cd, 0);
  return 0;
}

int cmd_drops(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  dp::CounterTotals t = n->engine().totals();
  rte_tel_data_start_dict(d);
  rte_tel_data* dd = rte_tel_data_alloc();
  rte_tel_data_start_dict(dd);
  for (size_t i = 1; i < t.drops.size(); ++i)
    if (t.drops[i]) put_u64(dd, telemetry_key(dp::drop_name(dp::Drop(i))).c_str(), t.drops[i]);
  rte_tel_data_add_dict_container(d, "drops", dd, 0);
  return 0;
}

int cmd_lcores(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  // 22.11 nests dicts only inside dicts: list entries become "<kind><index>" keys, in order.
  rte_tel_data_start_dict(d);
  unsigned index = 0;
  for (unsigned w = 0; w < n->engine().workers(); ++w) {
    const dp::WorkerCounters& c = n->engine().worker_counters(w);
    dp::CounterTotals t;
    t.add(c);
    rte_tel_data* l = rte_tel_data_alloc();
    rte_tel_data_start_dict(l);
    put_u64(l, "slot", w);
    put_u64(l, "lcore", n->engine().worker_lcore(w));
    put_u64(l, "loops", c.loops);
    put_u64(l, "busy_loops", c.busy_loops);
    put_u64(l, "rx_pkts", c.rx_pkts);
    put_u64(l, "tx_pkts", c.tx_pkts);
    put_u64(l, "forwarded", c.forwarded);
    put_u64(l, "punted", c.punted);
    put_u64(l, "dropped", t.dropped());
    rte_tel_data_add_dict_container(d, ("lcore" + std::to_string(index++)).c_str(), l, 0);
  }
  return 0;
}

int cmd_neighbors(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  std::lock_guard<std::mutex> lock(n->display_lock());
  // 22.11 nests dicts only inside dicts: list entries become "<kind><index>" keys, in order.
  rte_tel_data_start_dict(d);
  unsigned index = 0;
  uint64_t now = node::steady_ms();
  for (const auto& [addr, nb] : n->neighbors()) {
    rte_tel_data* e = rte_tel_data_alloc();
    rte_tel_data_start_dict(e);
    rte_tel_data_add_dict_string(e, "address", to_string(addr).c_str());
    rte_tel_data_add_dict_string(e, "mac", to_string(MacAddr{nb.mac}).c_str());
    rte_tel_data_add_dict_string(e, "port", n->engine().ports()[size_t(nb.port)].name.c_str());
    rte_tel_data_add_dict_string(e, "state", nb.is_static ? "static" : "learned");
    put_u64(e, "age_s", nb.is_static ? 0 : (now - nb.learned_ms) / 1000);
    rte_tel_data_add_dict_container(d, ("neighbor" + std::to_string(index++)).c_str(), e, 0);
  }
  return 0;
}

int cmd_routes(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  std::lock_guard<std::mutex> lock(n->display_lock());
  rte_tel_data_start_dict(d);
  unsigned index = 0;
  const auto& ports = n->engine().ports();
  for (const auto& [net, port] : n->connected()) {
    rte_tel_data* e = rte_tel_data_alloc();
    rte_tel_data_start_dict(e);
    rte_tel_data_add_dict_string(e, "prefix", to_string(net).c_str());
    rte_tel_data_add_dict_string(e, "port", ports[size_t(port)].name.c_str());
    rte_tel_data_add_dict_string(e, "kind", "connected");
    rte_tel_data_add_dict_string(e, "resolved", "yes");
    rte_tel_data_add_dict_container(d, ("route" + std::to_string(index++)).c_str(), e, 0);
  }
  for (const auto& r : n->profile().routes) {
    rte_tel_data* e = rte_tel_data_alloc();
    rte_tel_data_start_dict(e);
    rte_tel_data_add_dict_string(e, "prefix", to_string(r.dest).c_str());
    if (r.via) rte_tel_data_add_dict_string(e, "via", to_string(*r.via).c_str());
    int port = n->route_port(r);
    rte_tel_data_add_dict_string(e, "port", port < 0 ? "" : ports[size_t(port)].name.c_str());
    rte_tel_data_add_dict_string(e, "kind", "static");
    auto nb = r.via ? n->neighbors().find(*r.via) : n->neighbors().end();
    bool resolved = !r.via || nb != n->neighbors().end();
    if (nb != n->neighbors().end()) rte_tel_data_add_dict_string(e, "next_hop_mac", to_string(MacAddr{nb->second.mac}).c_str());
    rte_tel_data_add_dict_string(e, "resolved", resolved ? "yes" : "no");
    rte_tel_data_add_dict_container(d, ("route" + std::to_string(index++)).c_str(), e, 0);
  }
  return 0;
}

int cmd_pool(const char*, const char* params, rte_tel_data* d) {
  node::Node* n = find_node(params);
  if (!n) return -1;
  unsigned size = n->engine().pool_size(), used = n->engine().pool_in_use();
  rte_tel_data_start_dict(d);
  put_u64(d, "mbufs", size);
  put_u64(d, "in_use", used);
  rte_tel_data_add_dict_string(d, "in_use_pct", std::to_string(size ? 100.0 * used / size : 0.0).c_str());
  return 0;
}

}  // namespace

void register_distributor_telemetry();  // telemetry_dist.cc
void register_autonomics_telemetry();   // telemetry_autonomics.cc
void register_ipsec_telemetry();        // telemetry_ipsec.cc
void register_group_telemetry();        // telemetry_group.cc

std::vector<node::Node*>& telemetry_nodes() {
  static std::vector<node::Node*> nodes;  // written once before telemetry can call in
  return nodes;
}

Params parse_params(const char* params) {
  Params p;
  std::string text = params ? params : "";
  std::vector<std::string> parts;
  for (size_t b = 0, e; b <= text.size(); b = e + 1) {
    e = text.find(',', b);
    if (e == std::string::npos) e = text.size();
    parts.push_back(text.substr(b, e - b));
  }
  auto& nodes = telemetry_nodes();
  const std::string& want = parts.front();
  if (want.empty() && nodes.size() == 1) p.node = nodes[0];
  for (auto* n : nodes)
    if (n->name() == want) p.node = n;
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    if (eq == std::string::npos)
      p.words.push_back(parts[i]);
    else
      p.args[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
  }
  return p;
}

namespace {
ProcessCommand& process_command() {
  static ProcessCommand handler;
  return handler;
}

// /sysplexd/op,NODE,VERB[,ARG...]: an operator command, carried out by the node's control thread
// (or by the process, for the verbs its handler takes).
int cmd_op(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node || p.words.empty()) return -1;
  std::vector<std::string> args(p.words.begin() + 1, p.words.end());
  for (const auto& [k, v] : p.args) args.push_back(k + "=" + v);
  std::optional<Result<std::string>> by_process;
  if (process_command()) by_process = process_command()(p.node->name(), p.words.front(), args);
  Result<std::string> r = by_process ? std::move(*by_process) : p.node->operator_command(p.words.front(), args);
  rte_tel_data_start_dict(d);
  put_str(d, "ok", r ? "yes" : "no");
  put_str(d, r ? "result" : "error", r ? *r : r.error().message);
  return 0;
}
}  // namespace

void set_process_command(ProcessCommand handler) { process_command() = std::move(handler); }

rte_tel_data* add_row(rte_tel_data* d, const char* kind, unsigned index) {
  rte_tel_data* r = rte_tel_data_alloc();
  rte_tel_data_start_dict(r);
  rte_tel_data_add_dict_container(d, (std::string(kind) + std::to_string(index)).c_str(), r, 0);
  return r;
}

void register_telemetry(const std::vector<node::Node*>& nodes) {
  static bool registered = false;
  telemetry_nodes() = nodes;
  if (registered) return;
  registered = true;
  rte_telemetry_register_cmd("/sysplexd/nodes", cmd_nodes, "Nodes in this process. No parameters");
  rte_telemetry_register_cmd("/sysplexd/ports", cmd_ports, "Ports of a node. Parameter: node name");
  rte_telemetry_register_cmd("/sysplexd/counters", cmd_counters, "Data-path and control counters. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/drops", cmd_drops, "Non-zero drop reasons. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/lcores", cmd_lcores, "Per-worker counters. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/neighbors", cmd_neighbors, "ARP/ND neighbours. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/pool", cmd_pool, "Buffer pool use. Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/routes", cmd_routes, "Connected and static routes with next hops. Parameter: node");
  register_distributor_telemetry();
  register_autonomics_telemetry();
  register_ipsec_telemetry();
  register_group_telemetry();
  rte_telemetry_register_cmd("/sysplexd/op", cmd_op, "Operator command. Parameters: node,verb[,args] (join, leave, ...)");
}

}  // namespace sysplex::ops
