// VIPADYNAMIC ... ENDVIPADYNAMIC. Statements apply in profile order as z/OS applies them:
// VIPADELETE and the DELETE forms remove what earlier statements defined.
#include <algorithm>

#include "config/profile_keywords.h"
#include "config/profile_values.h"
#include "config/statement_options.h"
#include "config/statements.h"

namespace sysplex::config {
namespace {

Moveable read_moveable(TokenReader& in) {
  return in.accept("MOVEABLE") ? read_choice(in, "MOVEABLE", kMoveable) : Moveable::kImmediate;
}

struct MaskOperand {
  uint8_t len = 0;
  bool dotted = false;
  SourcePos pos;
};

// `255.255.255.0` (IPv4 only) or `/len`; the range of `len` is checked once the DVIPA's family is known.
MaskOperand read_mask(TokenReader& in) {
  MaskOperand mask{0, false, in.pos()};
  const std::string text = in.at_end() ? "" : in.peek().text;
  auto dotted = parse_ip(text);
  auto slash_len = text.size() > 1 && text[0] == '/' ? parse_decimal(text.substr(1)) : std::nullopt;
  if (dotted && !dotted->v6) {
    auto len = mask_to_len(*dotted);
    if (!len) in.fail(text + " is not a subnet mask (its one bits must be contiguous)");
    mask.len = *len;
    mask.dotted = true;
  } else if (slash_len && *slash_len <= 128) {
    mask.len = uint8_t(*slash_len);
  } else {
    in.fail_expected("a subnet mask (255.255.255.0) or /len before the DVIPA");
  }
  in.next();
  return mask;
}

void check_mask(const MaskOperand& mask, const IpAddr& dvipa) {
  if (mask.dotted && dvipa.v6) throw ProfileError(mask.pos, "a dotted mask is IPv4 only; give /len for IPv6 DVIPA " + to_string(dvipa));
  if (mask.len < 1 || mask.len > dvipa.family_bits())
    throw ProfileError(mask.pos, "the DVIPA mask length must be 1-" + std::to_string(dvipa.family_bits()) + ", found " +
                                     std::to_string(mask.len));
}

const VipaDefine* find_define(const VipaDynamic& v, const IpAddr& a) {
  auto it = std::find_if(v.defines.begin(), v.defines.end(), [&](const VipaDefine& d) { return d.dvipa.addr == a; });
  return it == v.defines.end() ? nullptr : &*it;
}

const VipaBackup* find_backup(const VipaDynamic& v, const IpAddr& a) {
  auto it = std::find_if(v.backups.begin(), v.backups.end(), [&](const VipaBackup& b) { return b.dvipa == a; });
  return it == v.backups.end() ? nullptr : &*it;
}

// A DVIPA is defined or backed up once per profile (until a VIPADELETE).
void claim_dvipa(const Parse& p, const IpAddr& dvipa, const SourcePos& pos) {
  const VipaDynamic& v = p.profile.vipadynamic;
  if (const VipaDefine* d = find_define(v, dvipa))
    throw ProfileError(pos, "DVIPA " + to_string(dvipa) + " already defined by the VIPADEFINE at " + line_ref(d->pos));
  if (const VipaBackup* b = find_backup(v, dvipa))
    throw ProfileError(pos, "DVIPA " + to_string(dvipa) + " already defined by the VIPABACKUP at " + line_ref(b->pos));
}

void parse_vipadefine(Parse& p) {
  VipaDefine define;
  define.pos = p.at;
  define.moveable = read_moveable(p.in);
  MaskOperand mask = read_mask(p.in);
  SourcePos dvipa_pos = p.in.pos();
  IpAddr dvipa = read_ip(p.in, "a DVIPA address");
  end_statement(p.in, "VIPADEFINE");
  check_mask(mask, dvipa);
  claim_dvipa(p, dvipa, dvipa_pos);
  define.dvipa = Prefix{dvipa, mask.len};
  p.profile.vipadynamic.defines.push_back(define);
}

void parse_vipabackup(Parse& p) {
  VipaBackup backup;
  backup.pos = p.at;
  backup.rank = read_uint<uint8_t>(p.in, "VIPABACKUP rank", 1, 254);
  backup.moveable = read_moveable(p.in);
  do {
    SourcePos pos = p.in.pos();
    backup.dvipa = read_ip(p.in, "a DVIPA address");
    claim_dvipa(p, backup.dvipa, pos);
    p.profile.vipadynamic.backups.push_back(backup);
  } while (next_ip(p.in));
  end_statement(p.in, "VIPABACKUP");
}

void parse_vipadelete(Parse& p) {
  IpAddr dvipa = read_ip(p.in, "the DVIPA to delete");
  end_statement(p.in, "VIPADELETE");
  VipaDynamic& v = p.profile.vipadynamic;
  size_t erased = std::erase_if(v.defines, [&](const VipaDefine& d) { return d.dvipa.addr == dvipa; }) +
                  std::erase_if(v.backups, [&](const VipaBackup& b) { return b.dvipa == dvipa; });
  if (erased == 0) p.fail_here("VIPADELETE " + to_string(dvipa) + ": no earlier VIPADEFINE or VIPABACKUP defines it");
  std::erase_if(v.distributes, [&](const VipaDistribute& d) { return d.dvipa == dvipa; });
}

// ---- VIPADISTRIBUTE ----

constexpr OptionDef<VipaDistribute> kHotStandbyOptions[] = {
    {"AUTOSWITCHBACK", [](Parse&, VipaDistribute& d) { d.auto_switchback = true; }, "SWITCHBACK"},
    {"NOAUTOSWITCHBACK", [](Parse&, VipaDistribute& d) { d.auto_switchback = false; }, "SWITCHBACK"},
    {"HEALTHSWITCH", [](Parse&, VipaDistribute& d) { d.health_switch = true; }, "HEALTHSWITCH"},
    {"NOHEALTHSWITCH", [](Parse&, VipaDistribute& d) { d.health_switch = false; }, "HEALTHSWITCH"},
};

void read_distmethod(Parse& p, VipaDistribute& d) {
  d.method = read_choice(p.in, "DISTMETHOD", kDistMethods);
  if (d.method == DistMethod::kHotStandby) read_options(p, "DISTMETHOD HOTSTANDBY", kHotStandbyOptions, d);
}

constexpr OptionDef<VipaDistribute> kDistributeOptions[] = {
    {"DISTMETHOD", read_distmethod},
    {"TIMEDAFFINITY",
     [](Parse& p, VipaDistribute& d) { d.timed_affinity_secs = read_uint<uint32_t>(p.in, "TIMEDAFFINITY", 0, 99999); }},
};

bool overlaps(const PortRange& a, const PortRange& b) { return a.first <= b.last && b.first <= a.last; }

std::vector<PortRange> read_port_list(TokenReader& in) {
  std::vector<PortRange> ports;
  do {
    SourcePos pos = in.pos();
    PortRange r = read_port_range(in, "a port");
    for (const PortRange& earlier : ports)
      if (overlaps(earlier, r))
        throw ProfileError(pos, "port " + std::to_string(std::max(earlier.first, r.first)) + " is listed twice");
    ports.push_back(r);
  } while (!in.at_end() && parse_port_range(in.peek().text));
  return ports;
}

std::string_view method_name(DistMethod m) { return choice_keyword(kDistMethods, m); }

// WEIGHT w | PREFERRED | BACKUP rank after one DESTIP address, each only under its DISTMETHOD.
void read_dest_role(TokenReader& in, const VipaDistribute& d, DestIp& dest) {
  SourcePos pos = in.pos();
  auto belongs_to = [&](std::string_view keyword, DistMethod method) {
    if (d.method != method)
      throw ProfileError(pos, std::string(keyword) + " belongs to DISTMETHOD " + std::string(method_name(method)) +
                                  ", not " + std::string(method_name(d.method)));
  };
  if (in.accept("WEIGHT")) {
    belongs_to("WEIGHT", DistMethod::kWeightedActive);
    dest.weight = read_uint<uint16_t>(in, "WEIGHT", 1, 100);
  } else if (in.accept("PREFERRED")) {
    belongs_to("PREFERRED", DistMethod::kHotStandby);
    dest.role = DestRole::kPreferred;
  } else if (in.accept("BACKUP")) {
    belongs_to("BACKUP", DistMethod::kHotStandby);
    dest.role = DestRole::kBackup;
    dest.backup_rank = read_uint<uint8_t>(in, "BACKUP rank", 1, 254);
  } else if (d.method == DistMethod::kHotStandby) {
    in.fail("DESTIP " + to_string(dest.addr) + " needs PREFERRED or BACKUP rank under HOTSTANDBY, found " + in.found());
  }
}

void read_dest(TokenReader& in, VipaDistribute& d) {
  SourcePos pos = in.pos();
  DestIp dest;
  dest.addr = read_ip(in, "a DESTIP address or ALL");
  if (dest.addr.v6 != d.dvipa.v6)
    throw ProfileError(pos, "DESTIP " + to_string(dest.addr) + " is not the family of DVIPA " + to_string(d.dvipa));
  for (const DestIp& other : d.dests)
    if (other.addr == dest.addr) throw ProfileError(pos, "DESTIP " + to_string(dest.addr) + " is listed twice");
  read_dest_role(in, d, dest);
  d.dests.push_back(dest);
}

void read_destips(Parse& p, VipaDistribute& d) {
  if (p.in.accept("ALL")) {
    if (d.method == DistMethod::kHotStandby)
      p.fail_here("HOTSTANDBY needs DESTIP addresses (one PREFERRED, the rest BACKUP rank), not DESTIP ALL");
    d.dest_all = true;
    return;
  }
  do read_dest(p.in, d);
  while (next_ip(p.in));
  if (d.method != DistMethod::kHotStandby) return;
  auto preferred = std::count_if(d.dests.begin(), d.dests.end(), [](const DestIp& x) { return x.role == DestRole::kPreferred; });
  if (preferred != 1) p.fail_here("HOTSTANDBY needs exactly one PREFERRED DESTIP, found " + std::to_string(preferred));
}

void check_distribute(const Parse& p, const VipaDistribute& d) {
  const VipaDynamic& v = p.profile.vipadynamic;
  if (!find_define(v, d.dvipa) && !find_backup(v, d.dvipa))
    p.fail_here("VIPADISTRIBUTE for " + to_string(d.dvipa) + ", which no earlier VIPADEFINE or VIPABACKUP defines");
  for (const VipaDistribute& other : v.distributes) {
    if (other.dvipa != d.dvipa) continue;
    for (const PortRange& a : d.ports)
      for (const PortRange& b : other.ports)
        if (overlaps(a, b))
          p.fail_here("port " + std::to_string(std::max(a.first, b.first)) + " of DVIPA " + to_string(d.dvipa) +
                      " is already distributed by the VIPADISTRIBUTE at " + line_ref(other.pos));
  }
}

// Removes `cut` from every range in `ports`, splitting a range that `cut` falls inside.
void subtract_ports(std::vector<PortRange>& ports, const PortRange& cut) {
  std::vector<PortRange> kept;
  for (const PortRange& r : ports) {
    if (!overlaps(r, cut)) {
      kept.push_back(r);
      continue;
    }
    if (r.first < cut.first) kept.push_back({r.first, uint16_t(cut.first - 1)});
    if (r.last > cut.last) kept.push_back({uint16_t(cut.last + 1), r.last});
  }
  ports = std::move(kept);
}

uint32_t distributed_count(const std::vector<VipaDistribute>& all, const IpAddr& dvipa, const PortRange& cut) {
  uint32_t n = 0;
  for (const VipaDistribute& d : all)
    for (const PortRange& r : d.ports)
      if (d.dvipa == dvipa && overlaps(r, cut)) n += std::min(r.last, cut.last) - std::max(r.first, cut.first) + 1u;
  return n;
}

void delete_ports(Parse& p, const IpAddr& dvipa, const std::vector<PortRange>& cuts) {
  auto& all = p.profile.vipadynamic.distributes;
  for (const PortRange& cut : cuts)
    if (distributed_count(all, dvipa, cut) != uint32_t(cut.last - cut.first + 1))
      p.fail_here("VIPADISTRIBUTE DELETE " + to_string(dvipa) + " PORT " + std::to_string(cut.first) +
                  (cut.last != cut.first ? "-" + std::to_string(cut.last) : "") + ": not every port there is distributed");
  for (VipaDistribute& d : all)
    for (const PortRange& cut : cuts)
      if (d.dvipa == dvipa) subtract_ports(d.ports, cut);
  std::erase_if(all, [](const VipaDistribute& d) { return d.ports.empty(); });
}

void parse_distribute_delete(Parse& p) {
  IpAddr dvipa = read_ip(p.in, "the DVIPA whose VIPADISTRIBUTE to delete");
  std::vector<PortRange> cuts;
  if (p.in.accept("PORT")) cuts = read_port_list(p.in);
  end_statement(p.in, "VIPADISTRIBUTE DELETE");
  auto& all = p.profile.vipadynamic.distributes;
  if (std::none_of(all.begin(), all.end(), [&](const VipaDistribute& d) { return d.dvipa == dvipa; }))
    p.fail_here("VIPADISTRIBUTE DELETE " + to_string(dvipa) + ": no earlier VIPADISTRIBUTE for it");
  if (cuts.empty()) std::erase_if(all, [&](const VipaDistribute& d) { return d.dvipa == dvipa; });
  else delete_ports(p, dvipa, cuts);
}

void parse_vipadistribute(Parse& p) {
  if (p.in.accept("DELETE")) return parse_distribute_delete(p);
  p.in.accept("DEFINE");
  VipaDistribute d;
  d.pos = p.at;
  read_options(p, "VIPADISTRIBUTE", kDistributeOptions, d);
  d.dvipa = read_ip(p.in, "a DVIPA address");
  p.in.expect("PORT", "the DVIPA address");
  d.ports = read_port_list(p.in);
  p.in.expect("DESTIP", "PORT list");
  read_destips(p, d);
  end_statement(p.in, "VIPADISTRIBUTE");
  check_distribute(p, d);
  p.profile.vipadynamic.distributes.push_back(std::move(d));
}

// ---- VIPAROUTE ----

void apply_viparoute(Parse& p, const VipaRoute& route, bool remove) {
  auto& routes = p.profile.vipadynamic.routes;
  auto same_target = [&](const VipaRoute& r) { return r.xcf_addr == route.xcf_addr; };
  auto it = std::find_if(routes.begin(), routes.end(), same_target);
  std::string pair = to_string(route.xcf_addr) + " " + to_string(route.target_addr);
  if (remove && (it == routes.end() || it->target_addr != route.target_addr))
    p.fail_here("VIPAROUTE DELETE " + pair + ": no earlier VIPAROUTE DEFINE for it");
  if (remove) routes.erase(it);
  else if (it != routes.end())
    p.fail_here("VIPAROUTE for " + to_string(route.xcf_addr) + " already defined at " + line_ref(it->pos));
  else routes.push_back(route);
}

void parse_viparoute(Parse& p) {
  bool remove = p.in.accept("DELETE");
  if (!remove) p.in.accept("DEFINE");
  VipaRoute route;
  route.pos = p.at;
  route.xcf_addr = read_ip(p.in, "a target's dynamic XCF address");
  route.target_addr = read_ip(p.in, "the address to route to for that target");
  end_statement(p.in, remove ? "VIPAROUTE DELETE" : "VIPAROUTE");
  if (route.xcf_addr.v6 != route.target_addr.v6)
    p.fail_here("VIPAROUTE addresses must be of one family, found " + to_string(route.xcf_addr) + " and " +
                to_string(route.target_addr));
  apply_viparoute(p, route, remove);
}

constexpr StatementDef kVipaStatements[] = {
    {"VIPADEFINE", parse_vipadefine},       {"VIPABACKUP", parse_vipabackup},
    {"VIPADELETE", parse_vipadelete},       {"VIPADISTRIBUTE", parse_vipadistribute},
    {"VIPAROUTE", parse_viparoute},         {"ENDVIPADYNAMIC", nullptr},
};

}  // namespace

StatementTable vipadynamic_statements() { return kVipaStatements; }

void parse_vipadynamic(Parse& p) {
  end_statement(p.in, "VIPADYNAMIC");
  parse_block(p, kVipaStatements, "VIPADYNAMIC", "ENDVIPADYNAMIC");
}

}  // namespace sysplex::config
