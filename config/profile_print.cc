// One function per statement, each producing its line from the struct alone; statement order is
// fixed (node, ports, routes, ..., blocks) so equal profiles print equal text.
#include "config/profile_print.h"

#include <cstdio>
#include <initializer_list>

#include "config/profile_keywords.h"
#include "config/profile_parse.h"

namespace sysplex::config {
namespace {

std::string num(uint64_t n) { return std::to_string(n); }

std::string in_quotes(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool is_statement_keyword(std::string_view word) {
  for (StatementTable table : {top_level_statements(), vipadynamic_statements(), ipsec_statements()})
    for (const StatementDef& def : table)
      if (iequals(word, def.keyword)) return true;
  return false;
}

// Names are printed bare unless the lexer or the parser would read them as something else.
std::string name(std::string_view s) {
  bool plain = !s.empty() && s[0] != '#' && s[0] != '"' && !is_statement_keyword(s);
  for (char c : s) plain = plain && c != ' ' && c != '\t' && c != ';' && c != '\\' && c != '"';
  return plain ? std::string(s) : in_quotes(s);
}

class Lines {
 public:
  void add(int indent, std::initializer_list<std::string> words) {
    std::string line(size_t(indent) * 2, ' ');
    for (const std::string& w : words) {
      if (w.empty()) continue;  // an absent optional operand
      if (line.size() > size_t(indent) * 2) line += ' ';
      line += w;
    }
    text_ += line + "\n";
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// Optional "KEYWORD value" pair, empty when absent.
std::string opt(std::string_view keyword, const std::string& value) {
  return value.empty() ? "" : std::string(keyword) + " " + value;
}
std::string flag(bool on, std::string_view keyword) { return on ? std::string(keyword) : ""; }

void print_node(Lines& out, const Profile& p) {
  out.add(0, {"NODENAME", name(p.node_name)});
  for (const IpAddr& a : p.node_addrs) out.add(0, {"NODEADDR", to_string(a)});
}

void print_port(Lines& out, const PortConfig& c) {
  out.add(0, {"PORT", name(c.name), "DEVICE", in_quotes(c.device), opt("MAC", c.mac ? to_string(*c.mac) : ""),
              "RXQUEUES", num(c.rx_queues), "TXQUEUES", num(c.tx_queues), "RXDESC", num(c.rx_desc), "TXDESC",
              num(c.tx_desc), "MTU", num(c.mtu), flag(c.trusted, "TRUSTED")});
  for (const PortAddr& a : c.addrs)
    out.add(0, {"PORTADDR", name(c.name), to_string(a.prefix.addr) + "/" + num(a.prefix.len),
                opt("VLAN", a.vlan ? num(a.vlan) : "")});
}

std::string route_destination(const Prefix& dest) {
  if (dest.len == 0 && dest.addr.is_unspecified()) return dest.addr.v6 ? "DEFAULT6" : "DEFAULT";
  return to_string(dest);
}

void print_routing(Lines& out, const Profile& p) {
  for (const RouteConfig& r : p.routes)
    out.add(0, {"ROUTE", route_destination(r.dest), opt("VIA", r.via ? to_string(*r.via) : ""),
                opt("PORT", r.port.empty() ? "" : name(r.port)), "METRIC", num(r.metric)});
  for (const NeighborConfig& n : p.neighbors)
    out.add(0, {"NEIGHBOR", to_string(n.addr), to_string(n.mac), opt("PORT", n.port.empty() ? "" : name(n.port))});
  if (p.tap) out.add(0, {"TAP", name(p.tap->name), opt("PORT", p.tap->port.empty() ? "" : name(p.tap->port))});
}

void print_group(Lines& out, const Profile& p) {
  if (p.store.kind == StoreKind::kEmbedded) {
    out.add(0, {"STORE", "EMBEDDED"});
  } else {
    std::string urls;
    for (const std::string& url : p.store.endpoints) urls += (urls.empty() ? "" : " ") + in_quotes(url);
    out.add(0, {"STORE", "ETCD", urls, "LEASEMS", num(p.store.lease_ms)});
  }
  const GroupConfig& g = p.group;
  out.add(0, {"GROUP", name(g.name), opt("KEYFILE", g.key_file.empty() ? "" : in_quotes(g.key_file)), "HEARTBEATMS",
              num(g.heartbeat_ms), "MISSCOUNT", num(g.miss_count)});
}

std::string adjust_mss(const GlobalConfig& g) {
  if (g.adjust_mss == MssMode::kAuto) return "AUTO";
  return g.adjust_mss == MssMode::kNone ? "NONE" : num(g.adjust_mss_value);
}

void print_resources(Lines& out, const Profile& p) {
  out.add(0, {"MEMPOOL", "MBUFS", num(p.pool.mbufs), "CACHE", num(p.pool.cache), "DATAROOM", num(p.pool.data_room)});
  out.add(0, {"WORKERS", num(p.workers)});
  out.add(0, {"ADJUSTDVIPAMSS", adjust_mss(p.global)});
  std::string fast;
  for (uint32_t s : p.global.target_cache.fast_secs) fast += (fast.empty() ? "" : " ") + num(s);
  out.add(0, {"TARGETCACHE", "STEADY", num(p.global.target_cache.steady_secs), opt("FAST", fast)});
  const ConnTableConfig& c = p.conntable;
  out.add(0, {"CONNTABLE", "ENTRIES", num(c.entries), "SYNTIMEOUT", num(c.syn_secs), "IDLETIMEOUT", num(c.idle_secs),
              "FINTIMEOUT", num(c.fin_secs), "RSTTIMEOUT", num(c.rst_secs)});
  const RouteSourceConfig& r = p.route_source;
  const char* kind = r.kind == RouteSourceKind::kStatic ? "STATIC" : r.kind == RouteSourceKind::kKernel ? "KERNEL" : "BOTH";
  std::string protos;
  for (uint8_t v : r.daemon_protocols) protos += (protos.empty() ? "" : " ") + num(v);
  out.add(0, {"ROUTESOURCE", kind, "HEARTBEATMS", num(r.heartbeat_ms), opt("DAEMONPROTO", protos)});
}

std::string join_mode(JoinMode j) {
  if (j == JoinMode::kDelayJoin) return "DELAYJOIN";
  return j == JoinMode::kNoJoin ? "NOJOIN" : "NODELAYJOIN";
}

void print_globalconfig(Lines& out, const SysplexMonitor& m) {
  std::string mon = m.mon_interface ? (m.dyn_route ? "MONINTERFACE DYNROUTE" : "MONINTERFACE NODYNROUTE") : "NOMONINTERFACE";
  out.add(0, {"GLOBALCONFIG", "SYSPLEXMONITOR", m.auto_rejoin ? "AUTOREJOIN" : "NOAUTOREJOIN", join_mode(m.join), mon,
              m.recovery ? "RECOVERY" : "NORECOVERY", "TIMERSECS", num(m.timer_secs), "BUFCONSTRAINED",
              num(m.constrained_pct), "BUFCRITICAL", num(m.critical_pct), "BUFRELIEF", num(m.relief_pct),
              opt("TIMERMS", m.timer_ms ? num(m.timer_ms) : "")});
}

// z/OS writes IPv4 DVIPA masks dotted; IPv6 has only the /len form.
std::string dvipa_mask(const Prefix& dvipa) {
  if (dvipa.addr.v6) return "/" + num(dvipa.len);
  uint32_t bits = dvipa.len == 0 ? 0 : ~uint32_t(0) << (32 - dvipa.len);
  return to_string(IpAddr::v4_from_host(bits));
}

std::string moveable(Moveable m) { return "MOVEABLE " + std::string(choice_keyword(kMoveable, m)); }

std::string port_list(const std::vector<PortRange>& ports) {
  std::string out;
  for (const PortRange& r : ports)
    out += (out.empty() ? "" : " ") + num(r.first) + (r.first == r.last ? "" : "-" + num(r.last));
  return out;
}

std::string dest(const VipaDistribute& d, const DestIp& x) {
  std::string s = to_string(x.addr);
  if (d.method == DistMethod::kWeightedActive) return s + " WEIGHT " + num(x.weight);
  if (x.role == DestRole::kPreferred) return s + " PREFERRED";
  return x.role == DestRole::kBackup ? s + " BACKUP " + num(x.backup_rank) : s;
}

std::string distmethod(const VipaDistribute& d) {
  std::string s = "DISTMETHOD " + std::string(choice_keyword(kDistMethods, d.method));
  if (d.method != DistMethod::kHotStandby) return s;
  return s + (d.auto_switchback ? " AUTOSWITCHBACK" : " NOAUTOSWITCHBACK") +
         (d.health_switch ? " HEALTHSWITCH" : " NOHEALTHSWITCH");
}

void print_distribute(Lines& out, const VipaDistribute& d) {
  std::string dests = "ALL";
  if (!d.dest_all) {
    dests.clear();
    for (const DestIp& x : d.dests) dests += (dests.empty() ? "" : " ") + dest(d, x);
  }
  out.add(1, {"VIPADISTRIBUTE", "DEFINE", distmethod(d), "TIMEDAFFINITY", num(d.timed_affinity_secs),
              to_string(d.dvipa), "PORT", port_list(d.ports), "DESTIP", dests});
}

void print_vipadynamic(Lines& out, const VipaDynamic& v) {
  if (v.defines.empty() && v.backups.empty() && v.distributes.empty() && v.routes.empty()) return;
  out.add(0, {"VIPADYNAMIC"});
  for (const VipaDefine& d : v.defines)
    out.add(1, {"VIPADEFINE", moveable(d.moveable), dvipa_mask(d.dvipa), to_string(d.dvipa.addr)});
  for (const VipaBackup& b : v.backups) out.add(1, {"VIPABACKUP", num(b.rank), moveable(b.moveable), to_string(b.dvipa)});
  for (const VipaDistribute& d : v.distributes) print_distribute(out, d);
  for (const VipaRoute& r : v.routes) out.add(1, {"VIPAROUTE", "DEFINE", to_string(r.xcf_addr), to_string(r.target_addr)});
  out.add(0, {"ENDVIPADYNAMIC"});
}

std::string selector(const AddrSel& s) {
  if (s.kind == AddrSel::Kind::kAny) return "*";
  if (s.kind == AddrSel::Kind::kRange) return to_string(s.first) + "-" + to_string(s.last);
  return s.prefix.len == s.prefix.addr.family_bits() ? to_string(s.prefix.addr) : to_string(s.prefix);
}

std::string protocol(const std::optional<uint8_t>& proto) {
  if (!proto) return "*";
  for (const Choice<uint8_t>& c : kProtocols)
    if (c.value == *proto) return std::string(c.keyword);
  return num(*proto);
}

std::string rule_ports(std::string_view keyword, const PortRange& r) {
  return std::string(keyword) + " " + num(r.first) + (r.first == r.last ? "" : " " + num(r.last));
}

std::string action(const IpsecRule& r) {
  if (r.action == RuleAction::kProtect) return "PROTECT " + name(r.sa);
  return r.action == RuleAction::kDeny ? "DENY" : "PERMIT";
}

void print_rule(Lines& out, const IpsecRule& r) {
  bool ports = r.protocol == kProtoTcp || r.protocol == kProtoUdp;
  out.add(1, {r.v6 ? "IPSEC6RULE" : "IPSECRULE", selector(r.src), selector(r.dst), r.log ? "LOG" : "NOLOG",
              "PROTOCOL", protocol(r.protocol), ports ? rule_ports("SRCPORT", r.src_ports) : "",
              ports ? rule_ports("DESTPORT", r.dst_ports) : "", opt("TYPE", r.icmp_type ? num(*r.icmp_type) : ""),
              opt("CODE", r.icmp_code ? num(*r.icmp_code) : ""), "ROUTING",
              std::string(choice_keyword(kRoutings, r.routing)), "DIRECTION",
              std::string(choice_keyword(kRuleDirections, r.direction)), action(r)});
}

std::string hex(uint32_t n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", n);
  return buf;
}

std::string encap(const IpsecSa& sa) {
  return sa.udp_encap ? "ENCAP UDP SPORT " + num(sa.encap_sport) + " DPORT " + num(sa.encap_dport) : "";
}

void print_sa(Lines& out, const IpsecSa& sa) {
  out.add(1, {"IPSECSA", name(sa.name), "SPI", hex(sa.spi), "DIRECTION", std::string(choice_keyword(kSaDirections, sa.direction)),
              "MODE", std::string(choice_keyword(kEspModes, sa.mode)), "ALGORITHM",
              std::string(choice_keyword(kEspAlgs, sa.alg)), "KEYFILE", in_quotes(sa.key_file), "LOCAL",
              to_string(sa.local), "REMOTE", to_string(sa.remote), encap(sa), flag(sa.esn, "ESN"), "REPLAYWINDOW",
              num(sa.replay_window), "SOFTBYTES", num(sa.soft_bytes), "HARDBYTES", num(sa.hard_bytes),
              "SOFTPACKETS", num(sa.soft_packets), "HARDPACKETS", num(sa.hard_packets), "SOFTSECS",
              num(sa.soft_secs), "HARDSECS", num(sa.hard_secs), "ENGINE",
              std::string(choice_keyword(kEngines, sa.engine)), opt("TARGET", sa.target.empty() ? "" : name(sa.target))});
}

void print_ipsec(Lines& out, const IpsecConfig& c) {
  if (!c.present) return;
  out.add(0, {"IPSEC", flag(c.dvipsec, "DVIPSEC"), c.dvipsec ? "SEQBLOCK " + num(c.seq_block) : "",
              c.log_enable ? "LOGENABLE" : "LOGDISABLE", c.log_implicit ? "LOGIMPLICIT" : "NOLOGIMPLICIT"});
  for (const IpsecRule& r : c.rules) print_rule(out, r);
  for (const IpsecSa& sa : c.sas) print_sa(out, sa);
  out.add(0, {"ENDIPSEC"});
}

}  // namespace

std::string normalise(const Profile& profile) {
  Lines out;
  print_node(out, profile);
  for (const PortConfig& port : profile.ports) print_port(out, port);
  print_routing(out, profile);
  print_group(out, profile);
  print_resources(out, profile);
  print_globalconfig(out, profile.global.monitor);
  print_vipadynamic(out, profile.vipadynamic);
  print_ipsec(out, profile.ipsec);
  return out.take();
}

}  // namespace sysplex::config
