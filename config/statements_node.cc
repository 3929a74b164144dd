// Node-level statements: identity, ports and their addresses, routes, neighbours, the TAP, the
// group store and the node's resources. Checks needing other statements run in profile_validate.cc.
#include <algorithm>

#include "config/key_file.h"
#include "config/profile_values.h"
#include "config/statement_options.h"
#include "config/statements.h"

namespace sysplex::config {
namespace {

constexpr size_t kGroupKeyBytes = 32;
constexpr size_t kMaxFastIntervals = 16;

std::string read_port_ref(Parse& p) { return read_name(p.in, "a port name"); }

constexpr OptionDef<PortConfig> kPortOptions[] = {
    {"MAC", [](Parse& p, PortConfig& c) { c.mac = read_unicast_mac(p.in, "PORT MAC"); }},
    {"RXQUEUES", [](Parse& p, PortConfig& c) { c.rx_queues = read_uint<uint16_t>(p.in, "RXQUEUES", 0, 1024); }},
    {"TXQUEUES", [](Parse& p, PortConfig& c) { c.tx_queues = read_uint<uint16_t>(p.in, "TXQUEUES", 0, 1024); }},
    {"RXDESC", [](Parse& p, PortConfig& c) { c.rx_desc = read_uint<uint16_t>(p.in, "RXDESC", 64, 32768); }},
    {"TXDESC", [](Parse& p, PortConfig& c) { c.tx_desc = read_uint<uint16_t>(p.in, "TXDESC", 64, 32768); }},
    {"MTU", [](Parse& p, PortConfig& c) { c.mtu = read_uint<uint16_t>(p.in, "MTU", 68, 9600); }},
    {"TRUSTED", [](Parse&, PortConfig& c) { c.trusted = true; }},
};

constexpr OptionDef<PendingPortAddr> kPortAddrOptions[] = {
    {"VLAN", [](Parse& p, PendingPortAddr& a) { a.addr.vlan = read_uint<uint16_t>(p.in, "VLAN", 1, 4094); }},
};

constexpr OptionDef<RouteConfig> kRouteOptions[] = {
    {"VIA", [](Parse& p, RouteConfig& r) { r.via = read_ip(p.in, "a VIA address"); }},
    {"PORT", [](Parse& p, RouteConfig& r) { r.port = read_port_ref(p); }},
    {"METRIC", [](Parse& p, RouteConfig& r) { r.metric = read_uint<uint32_t>(p.in, "METRIC", 0, 65535); }},
};

constexpr OptionDef<NeighborConfig> kNeighborOptions[] = {
    {"PORT", [](Parse& p, NeighborConfig& n) { n.port = read_port_ref(p); }},
};

constexpr OptionDef<TapConfig> kTapOptions[] = {
    {"PORT", [](Parse& p, TapConfig& t) { t.port = read_port_ref(p); }},
};

constexpr OptionDef<StoreConfig> kEtcdOptions[] = {
    {"LEASEMS", [](Parse& p, StoreConfig& s) { s.lease_ms = read_uint<uint32_t>(p.in, "LEASEMS", 500, 60000); }},
};

void check_group_key(const std::string& path, const SourcePos& pos) {
  auto bytes = key_file_size(path, KeyText::kHexOrRaw);
  if (!bytes) throw ProfileError(pos, bytes.error().message);
  if (*bytes != kGroupKeyBytes)
    throw ProfileError(pos, "group key file " + path + " holds " + std::to_string(*bytes) + " bytes; the group key is " +
                                std::to_string(kGroupKeyBytes) + " bytes (raw, or 64 hex digits)");
}

constexpr OptionDef<GroupConfig> kGroupOptions[] = {
    {"KEYFILE",
     [](Parse& p, GroupConfig& g) {
       SourcePos pos = p.in.pos();
       g.key_file = p.resolve_path(read_value(p.in, "a group key file path"));
       check_group_key(g.key_file, pos);
     }},
    {"HEARTBEATMS", [](Parse& p, GroupConfig& g) { g.heartbeat_ms = read_uint<uint32_t>(p.in, "HEARTBEATMS", 10, 10000); }},
    {"MISSCOUNT", [](Parse& p, GroupConfig& g) { g.miss_count = read_uint<uint32_t>(p.in, "MISSCOUNT", 2, 100); }},
};

constexpr OptionDef<PoolConfig> kPoolOptions[] = {
    {"CACHE", [](Parse& p, PoolConfig& c) { c.cache = read_uint<uint32_t>(p.in, "CACHE", 0, 512); }},
    {"DATAROOM", [](Parse& p, PoolConfig& c) { c.data_room = read_uint<uint16_t>(p.in, "DATAROOM", 512, 65535); }},
};

constexpr OptionDef<ConnTableConfig> kConnTableOptions[] = {
    {"ENTRIES", [](Parse& p, ConnTableConfig& c) { c.entries = read_uint<uint32_t>(p.in, "ENTRIES", 1024, 268435456); }},
    {"SYNTIMEOUT", [](Parse& p, ConnTableConfig& c) { c.syn_secs = read_uint<uint32_t>(p.in, "SYNTIMEOUT", 1, 86400); }},
    {"IDLETIMEOUT", [](Parse& p, ConnTableConfig& c) { c.idle_secs = read_uint<uint32_t>(p.in, "IDLETIMEOUT", 1, 2000000); }},
    {"FINTIMEOUT", [](Parse& p, ConnTableConfig& c) { c.fin_secs = read_uint<uint32_t>(p.in, "FINTIMEOUT", 1, 86400); }},
    {"RSTTIMEOUT", [](Parse& p, ConnTableConfig& c) { c.rst_secs = read_uint<uint32_t>(p.in, "RSTTIMEOUT", 1, 86400); }},
};

constexpr OptionDef<RouteSourceConfig> kRouteSourceOptions[] = {
    {"HEARTBEATMS",
     [](Parse& p, RouteSourceConfig& r) {
       r.heartbeat_pos = p.in.pos();
       r.heartbeat_ms = read_uint<uint32_t>(p.in, "HEARTBEATMS", 100, 600000);
     }},
    {"DAEMONPROTO",
     [](Parse& p, RouteSourceConfig& r) {
       do {
         if (r.daemon_protocols.size() == 16) p.in.fail("at most 16 DAEMONPROTO values, found more");
         r.daemon_protocols.push_back(read_uint<uint8_t>(p.in, "DAEMONPROTO", 1, 255));
       } while (next_is_number(p.in));
     }},
};

constexpr OptionDef<TargetCacheTimers> kTargetCacheOptions[] = {
    {"STEADY", [](Parse& p, TargetCacheTimers& t) { t.steady_secs = read_uint<uint32_t>(p.in, "STEADY", 1, 3600); }},
    {"FAST",
     [](Parse& p, TargetCacheTimers& t) {
       t.fast_secs.clear();
       do {
         if (t.fast_secs.size() == kMaxFastIntervals) p.in.fail("at most 16 FAST intervals, found more");
         t.fast_secs.push_back(read_uint<uint32_t>(p.in, "FAST interval", 1, 3600));
       } while (next_is_number(p.in));
     }},
};

bool is_etcd_url(const Token& t) {
  auto starts = [&](std::string_view scheme) { return t.text.size() > scheme.size() && iequals(t.text.substr(0, scheme.size()), scheme); };
  return starts("http://") || starts("https://");
}

}  // namespace

void parse_nodename(Parse& p) {
  p.once_only("NODENAME");
  p.profile.node_name = read_system_name(p.in, "a node name");
  end_statement(p.in, "NODENAME");
}

void parse_nodeaddr(Parse& p) {
  IpAddr addr = read_ip(p.in, "a node address");
  end_statement(p.in, "NODEADDR");
  if (addr.is_unspecified()) p.fail_here("NODEADDR must not be the unspecified address");
  auto& addrs = p.profile.node_addrs;
  if (std::find(addrs.begin(), addrs.end(), addr) != addrs.end()) p.fail_here("NODEADDR " + to_string(addr) + " given twice");
  addrs.push_back(addr);
}

void parse_port(Parse& p) {
  PortConfig port;
  port.pos = p.at;
  port.name = read_name(p.in, "a port name");
  p.in.expect("DEVICE", "the port name");
  SourcePos device_pos = p.in.pos();
  port.device = read_value(p.in, "an EAL device string");
  if (port.device.empty()) throw ProfileError(device_pos, "the DEVICE string must not be empty");
  read_trailing_options(p, "PORT", kPortOptions, port);
  for (const PortConfig& other : p.profile.ports) {
    if (other.name == port.name) p.fail_here("port '" + port.name + "' already defined at " + line_ref(other.pos));
    if (other.device == port.device)
      p.fail_here("device \"" + port.device + "\" already used by port '" + other.name + "' at " + line_ref(other.pos));
  }
  p.profile.ports.push_back(std::move(port));
}

void parse_portaddr(Parse& p) {
  PendingPortAddr pending;
  pending.pos = p.at;
  pending.port = read_name(p.in, "a port name");
  pending.addr.prefix = read_interface_prefix(p.in, "an address with its prefix length (198.18.1.1/24)");
  read_trailing_options(p, "PORTADDR", kPortAddrOptions, pending);
  p.port_addrs.push_back(std::move(pending));
}

namespace {

Prefix read_route_destination(TokenReader& in) {
  if (in.accept("DEFAULT")) return Prefix{IpAddr{}, 0};
  if (in.accept("DEFAULT6")) return Prefix{*parse_ip("::"), 0};
  return read_network(in, "a route destination (prefix, DEFAULT or DEFAULT6)");
}

void check_route(const Parse& p, const RouteConfig& route) {
  if (!route.via && route.port.empty()) p.fail_here("ROUTE needs VIA addr, PORT name or both");
  if (route.via && route.via->v6 != route.dest.addr.v6)
    p.fail_here("ROUTE VIA " + to_string(*route.via) + " is not the family of destination " + to_string(route.dest));
  for (const RouteConfig& other : p.profile.routes)
    if (other.dest == route.dest && other.via == route.via && other.port == route.port)
      p.fail_here("duplicate ROUTE to " + to_string(route.dest) + "; first at " + line_ref(other.pos));
}

}  // namespace

void parse_route(Parse& p) {
  RouteConfig route;
  route.pos = p.at;
  route.dest = read_route_destination(p.in);
  read_trailing_options(p, "ROUTE", kRouteOptions, route);
  check_route(p, route);
  p.profile.routes.push_back(std::move(route));
}

void parse_neighbor(Parse& p) {
  NeighborConfig n;
  n.pos = p.at;
  n.addr = read_ip(p.in, "a neighbor address");
  n.mac = read_unicast_mac(p.in, "a neighbor MAC");
  read_trailing_options(p, "NEIGHBOR", kNeighborOptions, n);
  for (const NeighborConfig& other : p.profile.neighbors)
    if (other.addr == n.addr) p.fail_here("NEIGHBOR " + to_string(n.addr) + " already given at " + line_ref(other.pos));
  p.profile.neighbors.push_back(std::move(n));
}

void parse_tap(Parse& p) {
  p.once_only("TAP");
  TapConfig tap;
  tap.pos = p.at;
  SourcePos name_pos = p.in.pos();
  tap.name = read_name(p.in, "a TAP interface name");
  if (tap.name.size() > 15)
    throw ProfileError(name_pos, "TAP interface name must be at most 15 characters (Linux IFNAMSIZ), found '" + tap.name + "'");
  read_trailing_options(p, "TAP", kTapOptions, tap);
  p.profile.tap = std::move(tap);
}

void parse_store(Parse& p) {
  p.once_only("STORE");
  StoreConfig& store = p.profile.store;
  constexpr Choice<StoreKind> kKinds[] = {{"EMBEDDED", StoreKind::kEmbedded}, {"ETCD", StoreKind::kEtcd}};
  store.kind = read_choice(p.in, "STORE", kKinds);
  if (store.kind == StoreKind::kEmbedded) {
    end_statement(p.in, "STORE EMBEDDED");
    return;
  }
  if (p.in.at_end() || !is_etcd_url(p.in.peek())) p.in.fail_expected("an etcd endpoint URL (http://host:port)");
  while (!p.in.at_end() && is_etcd_url(p.in.peek())) store.endpoints.push_back(p.in.next().text);
  read_trailing_options(p, "STORE ETCD", kEtcdOptions, store);
}

void parse_group(Parse& p) {
  p.once_only("GROUP");
  p.profile.group.name = read_system_name(p.in, "a group name");
  read_trailing_options(p, "GROUP", kGroupOptions, p.profile.group);
}

void parse_mempool(Parse& p) {
  p.once_only("MEMPOOL");
  PoolConfig& pool = p.profile.pool;
  p.in.expect("MBUFS", "MEMPOOL");
  pool.mbufs = read_uint<uint32_t>(p.in, "MBUFS", 511, 16777215);
  read_trailing_options(p, "MEMPOOL", kPoolOptions, pool);
  // DPDK refuses a per-lcore cache larger than two thirds of the pool.
  if (uint64_t(pool.cache) * 3 > uint64_t(pool.mbufs) * 2)
    p.fail_here("MEMPOOL CACHE " + std::to_string(pool.cache) + " is too large for MBUFS " + std::to_string(pool.mbufs) +
                "; DPDK needs CACHE * 1.5 <= MBUFS");
}

void parse_workers(Parse& p) {
  p.once_only("WORKERS");
  p.profile.workers = read_uint<uint16_t>(p.in, "WORKERS", 1, 64);
  end_statement(p.in, "WORKERS");
}

void parse_adjustdvipamss(Parse& p) {
  p.once_only("ADJUSTDVIPAMSS");
  GlobalConfig& g = p.profile.global;
  if (p.in.accept("AUTO")) {
    g.adjust_mss = MssMode::kAuto;
  } else if (p.in.accept("NONE")) {
    g.adjust_mss = MssMode::kNone;
  } else if (next_is_number(p.in)) {
    g.adjust_mss = MssMode::kFixed;
    g.adjust_mss_value = read_uint<uint16_t>(p.in, "ADJUSTDVIPAMSS", 536, 9560);
  } else {
    p.in.fail_expected("AUTO, NONE or an MSS (536-9560) after ADJUSTDVIPAMSS");
  }
  end_statement(p.in, "ADJUSTDVIPAMSS");
}

void parse_conntable(Parse& p) {
  p.once_only("CONNTABLE");
  read_trailing_options(p, "CONNTABLE", kConnTableOptions, p.profile.conntable);
}

void parse_routesource(Parse& p) {
  p.once_only("ROUTESOURCE");
  constexpr Choice<RouteSourceKind> kKinds[] = {
      {"STATIC", RouteSourceKind::kStatic}, {"KERNEL", RouteSourceKind::kKernel}, {"BOTH", RouteSourceKind::kBoth}};
  p.profile.route_source.kind = read_choice(p.in, "ROUTESOURCE", kKinds);
  read_trailing_options(p, "ROUTESOURCE", kRouteSourceOptions, p.profile.route_source);
}

void parse_targetcache(Parse& p) {
  p.once_only("TARGETCACHE");
  SeenOptions seen = read_trailing_options(p, "TARGETCACHE", kTargetCacheOptions, p.profile.global.target_cache);
  constexpr std::string_view kRequired[] = {"STEADY"};
  require_options(p, seen, "TARGETCACHE", kRequired);
}

}  // namespace sysplex::config
