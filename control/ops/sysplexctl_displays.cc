// The displays sysplexctl knows, one formatter and one registry row each. Adding a display: write
// its Field list (or a formatter), then add its row to kDisplays.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>
#include <vector>

#include "control/ops/sysplexctl_format.h"

namespace sysplex::ops {
namespace {

constexpr Align R = Align::kRight;
// DPDK's RTE_ETH_SPEED_NUM_UNKNOWN.
constexpr double kSpeedUnknown = 4294967295.0;

std::string percent_text(double pct) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", pct);
  return text;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return text;
}

Error not_an_object() { return make_error(Errc::kInternal, "the reply is not an object"); }

Result<std::string> format_nodes(const Json& data) {
  Result<const Json*> nodes = array_member(data, "nodes");
  if (!nodes) return nodes.error();
  Table t({{"NODE"}});
  for (const Json& n : **nodes) t.add_row({cell_text(n)});
  return t.render();
}

std::string speed_cell(const Json& port) {
  std::optional<double> mbps = number_of(member(port, "speed_mbps"));
  if (!mbps || *mbps <= 0 || *mbps >= kSpeedUnknown) return "-";
  auto m = uint64_t(*mbps);
  return m % 1000 == 0 ? std::to_string(m / 1000) + "G" : std::to_string(m) + "M";
}

constexpr Field kPortState[] = {
    {"PORT", "name"}, {"DEVICE", "device"},  {"ID", "port_id", R},   {"MAC", "mac"},
    {"LINK", "link"}, {"SPEED", "", R, speed_cell}, {"RXQ", "rx_queues", R}, {"TXQ", "tx_queues", R},
};
constexpr Field kPortTraffic[] = {
    {"PORT", "name"},         {"RX-PKTS", "ipackets", R}, {"RX-BYTES", "ibytes", R},
    {"TX-PKTS", "opackets", R}, {"TX-BYTES", "obytes", R}, {"MISSED", "imissed", R},
    {"RX-ERR", "ierrors", R}, {"TX-ERR", "oerrors", R},   {"NO-MBUF", "rx_nombuf", R},
};

Result<std::string> format_ports(const Json& data) {
  Result<Json> ports = indexed_rows(data, "port");
  if (!ports) return ports.error();
  return rows_table(*ports, kPortState) + "\n" + rows_table(*ports, kPortTraffic);
}

// Scalar members of `object`, in the server's order: new counters show up without a change here.
std::string name_value_table(std::string title, const Json& object) {
  Table t({{std::move(title)}, {"VALUE", R}});
  for (const auto& [key, value] : object.items())
    if (!value.is_object()) t.add_row({key, cell_text(value)});
  return t.render();
}

Result<std::string> format_counters(const Json& data) {
  if (!data.is_object()) return not_an_object();
  std::string out = name_value_table("COUNTER", data);
  for (const auto& [key, value] : data.items())
    if (value.is_object()) out += "\n" + name_value_table(upper(key), value);
  return out;
}

// Busiest reason first: the one to look at.
Result<std::string> format_drops(const Json& data) {
  const Json& drops = member(data, "drops");
  if (!drops.is_object()) return make_error(Errc::kInternal, "no 'drops' object");
  if (drops.empty()) return std::string("no packets dropped\n");
  std::vector<std::pair<std::string, const Json*>> rows;
  for (const auto& [reason, count] : drops.items()) rows.emplace_back(reason, &count);
  auto count = [](const Json* v) { return v->is_number_unsigned() ? v->get<uint64_t>() : 0; };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return count(a.second) > count(b.second); });
  Table t({{"REASON"}, {"PACKETS", R}});
  for (const auto& [reason, v] : rows) t.add_row({reason, cell_text(*v)});
  return t.render();
}

std::string busy_cell(const Json& lcore) {
  std::optional<double> loops = number_of(member(lcore, "loops")), busy = number_of(member(lcore, "busy_loops"));
  if (!loops || !busy || *loops <= 0) return "-";
  return percent_text(100.0 * *busy / *loops);
}

constexpr Field kLcores[] = {
    {"SLOT", "slot", R},   {"LCORE", "lcore", R},     {"RX-PKTS", "rx_pkts", R},
    {"TX-PKTS", "tx_pkts", R}, {"FORWARDED", "forwarded", R}, {"PUNTED", "punted", R},
    {"DROPPED", "dropped", R}, {"LOOPS", "loops", R},   {"BUSY%", "", R, busy_cell},
};

Result<std::string> format_lcores(const Json& data) {
  Result<Json> lcores = indexed_rows(data, "lcore");
  if (!lcores) return lcores.error();
  return rows_table(*lcores, kLcores);
}

std::string age_cell(const Json& neighbor) {
  if (member(neighbor, "state") == "static") return "-";
  std::string age = cell_text(member(neighbor, "age_s"));
  return age == "-" ? age : age + "s";
}

constexpr Field kNeighbors[] = {
    {"ADDRESS", "address"}, {"MAC", "mac"}, {"PORT", "port"}, {"STATE", "state"}, {"AGE", "", R, age_cell},
};

Result<std::string> format_neighbors(const Json& data) {
  Result<Json> neighbors = indexed_rows(data, "neighbor");
  if (!neighbors) return neighbors.error();
  return rows_table(*neighbors, kNeighbors);
}

std::string in_use_pct_cell(const Json& pool) {
  std::optional<double> pct = number_of(member(pool, "in_use_pct"));
  return pct ? percent_text(*pct) : "-";
}

constexpr Field kPool[] = {{"MBUFS", "mbufs", R}, {"IN-USE", "in_use", R}, {"IN-USE%", "", R, in_use_pct_cell}};

Result<std::string> format_pool(const Json& data) {
  if (!data.is_object()) return not_an_object();
  return rows_table(Json::array({data}), kPool);
}

constexpr Field kRoutes[] = {
    {"PREFIX", "prefix"}, {"KIND", "kind"}, {"VIA", "via"}, {"PORT", "port"}, {"NEXT-HOP-MAC", "next_hop_mac"},
    {"RESOLVED", "resolved"},
};

Result<std::string> format_routes(const Json& data) {
  Result<Json> routes = indexed_rows(data, "route");
  if (!routes) return routes.error();
  return rows_table(*routes, kRoutes);
}

constexpr std::string_view kCounterRates[] = {"rx_pkts", "tx_pkts", "forwarded", "punted", "dropped"};

// ---- the distributor's displays (z/OS NETSTAT VIPADCFG, VIPADYN, VDPT, VCRT, VIPAROUTE) ----

constexpr Field kVipadcfg[] = {
    {"KIND", "kind"},   {"IPADDR", "ipaddr"},   {"DEST", "dest"},     {"DESTXCF", "destxcf"}, {"RANK", "rank", R},
    {"MOVEABLE", "moveable"}, {"METHOD", "method"}, {"WEIGHT", "weight", R}, {"ROLE", "role"},  {"TIMAFF", "timaff", R},
    {"TARGETIP", "targetip"},
};

Result<std::string> format_vipadcfg(const Json& data) {
  Result<Json> rows = indexed_rows(data, "cfg");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no VIPADYNAMIC definitions\n");
  return rows_table(*rows, kVipadcfg);
}

constexpr Field kVipadyn[] = {
    {"IPADDR/PREFIXLEN", "ipaddr"}, {"STATUS", "status"}, {"ORIGIN", "origin"}, {"RANK", "rank", R},
    {"MOVEABLE", "moveable"},       {"DISTSTAT", "diststat"}, {"OWNER", "owner"}, {"EPOCH", "epoch", R},
    {"AGE-S", "age_s", R},          {"DETAIL", "detail"},
};

Result<std::string> format_vipadyn(const Json& data) {
  Result<Json> rows = indexed_rows(data, "dvipa");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no dynamic VIPAs on this node\n");
  return rows_table(*rows, kVipadyn);
}

constexpr Field kMembers[] = {
    {"NODE", "node"}, {"STATUS", "status"}, {"HEARD", "heard", R}, {"INCARNATION", "incarnation", R},
    {"ADDRESSES", "addrs"}, {"AGE-S", "age_s", R}, {"ERROR", "error"},
};
constexpr Field kPeers[] = {
    {"PEER", "node"}, {"XCF", "xcf"}, {"ALIVE", "alive", R}, {"INCARNATION", "incarnation", R},
    {"HEARTBEATS", "heartbeats", R}, {"MAX-GAP-MS", "max_gap_ms", R}, {"LAST-HEARD-MS", "last_heard_ms", R},
};

// The members of `data` named kind0, kind1, ... (a reply holding rows of several kinds).
Json rows_of(const Json& data, std::string_view kind) {
  Json out = Json::object();
  for (const auto& [key, value] : data.items())
    if (key.size() > kind.size() && key.compare(0, kind.size(), kind) == 0 && value.is_object()) out[key] = value;
  return out;
}

// The membership in two lines, the store's members, the channel's peers, then every non-zero
// receive counter (accepted, forged, replayed, ...).
Result<std::string> format_group(const Json& data) {
  if (!data.is_object()) return not_an_object();
  if (member(data, "join") == "none") return "node " + cell_text(member(data, "node")) + ": " + cell_text(member(data, "detail")) + "\n";
  std::string out = "node " + cell_text(member(data, "node")) + "  group " + cell_text(member(data, "group")) + "  " +
                    upper(cell_text(member(data, "join"))) + "  incarnation " + cell_text(member(data, "incarnation")) +
                    "  store " + cell_text(member(data, "store")) + "\n";
  const Json& detail = member(data, "detail");
  if (!cell_text(detail).empty() && cell_text(detail) != "-") out += cell_text(detail) + "\n";
  if (member(data, "store") == "unreachable")
    out += "store down for " + cell_text(member(data, "store_down_ms")) + " ms: " + cell_text(member(data, "store_error")) + "\n";
  out += "takeovers " + cell_text(member(data, "takeovers")) + "  takebacks " + cell_text(member(data, "takebacks")) +
         "  releases " + cell_text(member(data, "releases")) + "  self-fences " + cell_text(member(data, "self_fences")) +
         "  store failures " + cell_text(member(data, "store_failures")) + "\n";
  Result<Json> members = indexed_rows(rows_of(data, "member"), "member");
  if (members && !members->empty()) out += "\n" + rows_table(*members, kMembers);
  Result<Json> peers = indexed_rows(rows_of(data, "peer"), "peer");
  if (peers && !peers->empty()) out += "\n" + rows_table(*peers, kPeers);
  const Json& ch = member(data, "channel");
  if (ch.is_object()) {
    std::string line;
    for (const auto& [k, v] : ch.items())
      if (cell_text(v) != "0") line += (line.empty() ? "" : "  ") + k + " " + cell_text(v);
    out += "\nchannel: " + (line.empty() ? std::string("nothing sent or received") : line) + "\n";
  }
  return out;
}

constexpr Field kVdpt[] = {
    {"DEST", "dest"},          {"DESTXCF", "destxcf"},  {"NODE", "node"},  {"TOTALCONN", "totalconn", R},
    {"ACTIVECONN", "activeconn", R}, {"RDY", "rdy", R}, {"WLM", "wlm", R}, {"TSR", "tsr", R},
    {"WEIGHT", "weight", R},   {"FLG", "flg"},          {"PATH", "path"},
};

Result<std::string> format_vdpt(const Json& data) {
  Result<Json> rows = indexed_rows(data, "vdpt");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no distributed DVIPA:ports on this node\n");
  return rows_table(*rows, kVdpt);
}

constexpr Field kVcrt[] = {
    {"DEST", "dest"}, {"SOURCE", "source"}, {"DESTXCF", "destxcf"}, {"STATE", "state"}, {"IDLE-MS", "idle_ms", R},
    {"ORIGIN", "origin"},
};

Result<std::string> format_vcrt(const Json& data) {
  Result<Json> rows = indexed_rows(data, "conn");
  if (!rows) return rows.error();
  std::string head = "connections: " + cell_text(member(data, "total")) + " in the table, " +
                     cell_text(member(data, "matched")) + " match, " + cell_text(member(data, "shown")) + " shown\n";
  return rows->empty() ? head : head + "\n" + rows_table(*rows, kVcrt);
}

constexpr Field kViparoute[] = {
    {"DESTXCF", "destxcf"}, {"TARGETIP", "targetip"}, {"NODE", "node"}, {"RTSTATUS", "rtstatus"},
    {"PATH", "path"},       {"EGRESS", "egress"},     {"NEXT-HOP-MAC", "nexthop_mac"}, {"STATE", "state"},
};

Result<std::string> format_viparoute(const Json& data) {
  Result<Json> rows = indexed_rows(data, "route");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no targets\n");
  return rows_table(*rows, kViparoute);
}

constexpr Field kTargetCache[] = {
    {"DESTXCF", "destxcf"}, {"TARGETIP", "targetip"}, {"ROUTE", "route"}, {"NEXT-HOP", "nexthop"}, {"EGRESS", "egress"},
    {"SOURCE", "source"},   {"STATE", "state"},       {"LAST", "last_refresh"}, {"NEXT", "next_refresh"},
};

Result<std::string> format_targetcache(const Json& data) {
  Result<Json> rows = indexed_rows(data, "target");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no VIPAROUTE targets\n");
  return rows_table(*rows, kTargetCache);
}

constexpr Field kOutstanding[] = {{"ID", "id"}, {"ABOUT", "about"}, {"AGE-S", "age_s", R}, {"TEXT", "text"}};

Result<std::string> format_monitor(const Json& data) {
  Result<Json> rows = indexed_rows(data, "msg");
  if (!rows) return rows.error();
  std::string head = "in group: " + cell_text(member(data, "in_group")) + "  TIMERSECS " + cell_text(member(data, "timersecs")) +
                     "  " + cell_text(member(data, "recovery")) + " " + cell_text(member(data, "autorejoin")) +
                     "  buffers in use: " + cell_text(member(data, "pool_in_use_pct")) + "%  left for a problem: " +
                     cell_text(member(data, "left_for_problem")) + "\n";
  return rows->empty() ? head + "no outstanding messages\n" : head + "\n" + rows_table(*rows, kOutstanding);
}

constexpr Field kMessages[] = {{"AGE-S", "age_s", R}, {"MESSAGE", "text"}};

Result<std::string> format_messages(const Json& data) {
  Result<Json> rows = indexed_rows(data, "msg");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no messages\n");
  return rows_table(*rows, kMessages);
}

constexpr Field kIpsecSa[] = {
    {"NAME", "name"},   {"SPI", "spi"},     {"DIR", "dir"},         {"ORIGIN", "origin"},   {"MODE", "mode"},
    {"ALG", "alg"},     {"ENGINE", "engine"}, {"LOCAL", "local"},   {"REMOTE", "remote"},   {"ENCAP", "encap"},
    {"PACKETS", "packets", R}, {"BYTES", "bytes", R}, {"DROPPED", "dropped", R}, {"AUTHFAIL", "auth_failed", R},
    {"REPLAYED", "replayed", R}, {"STATE", "state"},
};

Result<std::string> format_ipsec_sa(const Json& data) {
  Result<Json> rows = indexed_rows(data, "sa");
  if (!rows) return rows.error();
  if (rows->empty()) return std::string("no SAs installed\n");
  return rows_table(*rows, kIpsecSa);
}

constexpr Field kIpsecPolicy[] = {
    {"SRC", "src"}, {"DST", "dst"}, {"PROTO", "proto"}, {"PORTS", "ports"}, {"DIRECTION", "direction"},
    {"ROUTING", "routing"}, {"ACTION", "action"}, {"SA", "sa"},
};

Result<std::string> format_ipsec_policy(const Json& data) {
  Result<Json> rows = indexed_rows(data, "rule");
  if (!rows) return rows.error();
  std::string head = "IPsec: " + cell_text(member(data, "ipsec")) + "\n";
  return rows->empty() ? head : head + "\n" + rows_table(*rows, kIpsecPolicy);
}

constexpr Field kCrypto[] = {{"ALG", "alg"}, {"ENGINE", "engine"}, {"WHY", "why"}};

Result<std::string> format_crypto(const Json& data) {
  Result<Json> rows = indexed_rows(data, "alg");
  if (!rows) return rows.error();
  return "intel-ipsec-mb: " + cell_text(member(data, "ipsecmb")) + "\n\n" + rows_table(*rows, kCrypto);
}

// An operator command's reply: {"ok": "yes", "result": text} or {"ok": "no", "error": text}.
Result<std::string> format_op(const Json& data) {
  const Json& ok = member(data, "ok");
  if (ok == "yes") return cell_text(member(data, "result")) + "\n";
  if (ok == "no") return "failed: " + cell_text(member(data, "error")) + "\n";
  return make_error(Errc::kInternal, "no 'ok' member");
}

constexpr Display kDisplays[] = {
    {"nodes", false, format_nodes, {}},
    {"ports", true, format_ports, {}},
    {"counters", true, format_counters, kCounterRates},
    {"drops", true, format_drops, {}},
    {"lcores", true, format_lcores, {}},
    {"neighbors", true, format_neighbors, {}},
    {"pool", true, format_pool, {}},
    {"routes", true, format_routes, {}},
    {"vipadcfg", true, format_vipadcfg, {}},
    {"vipadyn", true, format_vipadyn, {}},
    {"group", true, format_group, {}},
    {"vdpt", true, format_vdpt, {}},
    {"vcrt", true, format_vcrt, {}, "[dvipa=A] [client=A] [target=A] [state=S] [limit=N]"},
    {"viparoute", true, format_viparoute, {}},
    {"targetcache", true, format_targetcache, {}},
    {"monitor", true, format_monitor, {}},
    {"messages", true, format_messages, {}},
    {"ipsec_sa", true, format_ipsec_sa, {}},
    {"ipsec_drops", true, nullptr, {}, "[name=SA]"},
    {"ipsec_policy", true, format_ipsec_policy, {}},
    {"crypto", true, format_crypto, {}},
    {"join", true, format_op, {}, {}, true},
    {"leave", true, format_op, {}, {}, true},
    {"deactivate", true, format_op, {}, "DVIPA", true},
    {"reactivate", true, format_op, {}, "DVIPA", true},
    {"quiesce", true, format_op, {}, {}, true},
    {"resume", true, format_op, {}, {}, true},
    {"hold-buffers", true, format_op, {}, "N", true},
    {"release-buffers", true, format_op, {}, {}, true},
    {"capture", true, format_op, {}, "SPI [COUNT] [FILE] | stop", true},
    {"kill", true, format_op, {}, {}, true},
    {"revive", true, format_op, {}, {}, true},
    {"drain", true, format_op, {}, {}, true},
};

}  // namespace

std::span<const Display> displays() { return kDisplays; }

}  // namespace sysplex::ops
