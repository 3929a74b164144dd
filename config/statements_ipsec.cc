// IPSEC ... ENDIPSEC: filter rules and manual SAs. Key files are measured here and then referred
// to by path only; no key byte is stored in the Profile or appears in any message.
#include <algorithm>
#include <limits>

#include "config/key_file.h"
#include "config/profile_keywords.h"
#include "config/profile_values.h"
#include "config/statement_options.h"
#include "config/statements.h"

namespace sysplex::config {
namespace {

const char* rule_keyword(bool v6) { return v6 ? "IPSEC6RULE" : "IPSECRULE"; }
const char* family_name(bool v6) { return v6 ? "IPv6" : "IPv4"; }

void check_selector_family(TokenReader& in, const IpAddr& a, bool v6) {
  if (a.v6 != v6)
    in.fail(std::string(rule_keyword(v6)) + " takes " + family_name(v6) + " selectors, found " + in.peek().text);
}

AddrSel read_range_selector(TokenReader& in, std::string_view what, bool v6) {
  const std::string& text = in.peek().text;
  size_t dash = text.find('-');
  auto first = parse_ip(text.substr(0, dash)), last = parse_ip(text.substr(dash + 1));
  if (!first || !last) in.fail_expected(what);
  check_selector_family(in, *first, v6);
  check_selector_family(in, *last, v6);
  if (*last < *first) in.fail("address range " + text + " must not run backwards");
  in.next();
  AddrSel sel;
  sel.kind = AddrSel::Kind::kRange;
  sel.first = *first;
  sel.last = *last;
  return sel;
}

// `*`, an address, a prefix a/n or a range a1-a2, of the rule's family.
AddrSel read_selector(TokenReader& in, std::string_view what, bool v6) {
  if (in.accept("*")) return AddrSel{};
  const std::string& text = peek_value(in, what);
  if (text.find('-') != std::string::npos) return read_range_selector(in, what, v6);
  if (auto net = parse_prefix(text)) check_selector_family(in, net->addr, v6);
  AddrSel sel;
  sel.kind = AddrSel::Kind::kPrefix;
  sel.prefix = read_network(in, what);
  return sel;
}

std::optional<uint8_t> next_protocol(const TokenReader& in) {
  for (const Choice<uint8_t>& c : kProtocols)
    if (in.next_is(c.keyword)) return c.value;
  auto n = in.at_end() ? std::nullopt : parse_decimal(in.peek().text);
  if (n && *n <= 255) return uint8_t(*n);
  return std::nullopt;
}

// A name, a number 0-255 or `*`; the ICMP of the other family is refused by name or number.
void read_protocol(Parse& p, IpsecRule& r) {
  if (p.in.accept("*")) {
    r.protocol.reset();
    return;
  }
  auto proto = next_protocol(p.in);
  if (!proto) p.in.fail_expected("a protocol (0-255, *, TCP, UDP, ICMP, ICMPV6, GRE, ESP or OSPF) after PROTOCOL");
  if (*proto == (r.v6 ? kProtoIcmp : kProtoIcmpV6))
    p.in.fail(std::string(rule_keyword(r.v6)) + " takes PROTOCOL " + (r.v6 ? "ICMPV6" : "ICMP") + ", not " +
              std::string(choice_keyword(kProtocols, *proto)));
  p.in.next();
  r.protocol = *proto;
}

// `p [q]`: one port or an inclusive range.
PortRange read_rule_ports(TokenReader& in, std::string_view what) {
  PortRange range;
  range.first = range.last = read_uint<uint16_t>(in, what, 0, 65535);
  if (!next_is_number(in)) return range;
  SourcePos pos = in.pos();
  range.last = read_uint<uint16_t>(in, what, 0, 65535);
  if (range.last < range.first)
    throw ProfileError(pos, std::string(what) + " range " + std::to_string(range.first) + " " + std::to_string(range.last) +
                                " must not run backwards (first <= last)");
  return range;
}

constexpr OptionDef<IpsecRule> kRuleOptions[] = {
    {"LOG", [](Parse&, IpsecRule& r) { r.log = true; }, "LOG"},
    {"NOLOG", [](Parse&, IpsecRule& r) { r.log = false; }, "LOG"},
    {"PROTOCOL", read_protocol},
    {"SRCPORT", [](Parse& p, IpsecRule& r) { r.src_ports = read_rule_ports(p.in, "SRCPORT"); }},
    {"DESTPORT", [](Parse& p, IpsecRule& r) { r.dst_ports = read_rule_ports(p.in, "DESTPORT"); }},
    {"TYPE", [](Parse& p, IpsecRule& r) { r.icmp_type = read_uint<uint8_t>(p.in, "ICMP TYPE", 0, 255); }},
    {"CODE", [](Parse& p, IpsecRule& r) { r.icmp_code = read_uint<uint8_t>(p.in, "ICMP CODE", 0, 255); }},
    {"ROUTING", [](Parse& p, IpsecRule& r) { r.routing = read_choice(p.in, "ROUTING", kRoutings); }},
    {"DIRECTION", [](Parse& p, IpsecRule& r) { r.direction = read_choice(p.in, "DIRECTION", kRuleDirections); }},
    {"PERMIT", [](Parse&, IpsecRule& r) { r.action = RuleAction::kPermit; }, "ACTION"},
    {"DENY", [](Parse&, IpsecRule& r) { r.action = RuleAction::kDeny; }, "ACTION"},
    {"PROTECT",
     [](Parse& p, IpsecRule& r) {
       r.action = RuleAction::kProtect;
       r.sa = read_name(p.in, "an SA name after PROTECT");
     },
     "ACTION"},
};

bool is_port_protocol(const IpsecRule& r) { return r.protocol == kProtoTcp || r.protocol == kProtoUdp; }
bool is_icmp_protocol(const IpsecRule& r) { return r.protocol == (r.v6 ? kProtoIcmpV6 : kProtoIcmp); }

void check_rule(const IpsecRule& r, const SeenOptions& seen) {
  const std::string icmp = r.v6 ? "ICMPV6" : "ICMP";
  for (std::string_view keyword : {"SRCPORT", "DESTPORT"})
    if (const SourcePos* pos = seen.find(keyword); pos && !is_port_protocol(r))
      throw ProfileError(*pos, std::string(keyword) + " needs PROTOCOL TCP or UDP");
  for (std::string_view keyword : {"TYPE", "CODE"})
    if (const SourcePos* pos = seen.find(keyword); pos && !is_icmp_protocol(r))
      throw ProfileError(*pos, std::string(keyword) + " needs PROTOCOL " + icmp);
}

void parse_rule(Parse& p, bool v6) {
  IpsecRule rule;
  rule.v6 = v6;
  rule.pos = p.at;
  rule.src = read_selector(p.in, "a source selector (*, address, prefix or range)", v6);
  rule.dst = read_selector(p.in, "a destination selector (*, address, prefix or range)", v6);
  SeenOptions seen = read_trailing_options(p, rule_keyword(v6), kRuleOptions, rule);
  check_rule(rule, seen);
  p.profile.ipsec.rules.push_back(std::move(rule));
}

void parse_ipsecrule(Parse& p) { parse_rule(p, false); }
void parse_ipsec6rule(Parse& p) { parse_rule(p, true); }

// ---- IPSECSA ----

constexpr OptionDef<IpsecSa> kEncapOptions[] = {
    {"SPORT", [](Parse& p, IpsecSa& sa) { sa.encap_sport = read_uint<uint16_t>(p.in, "ENCAP UDP SPORT", 1, 65535); }},
    {"DPORT", [](Parse& p, IpsecSa& sa) { sa.encap_dport = read_uint<uint16_t>(p.in, "ENCAP UDP DPORT", 1, 65535); }},
};

void read_encap(Parse& p, IpsecSa& sa) {
  p.in.expect("UDP", "ENCAP");
  sa.udp_encap = true;
  read_options(p, "ENCAP UDP", kEncapOptions, sa);
}

// 0 turns anti-replay off; otherwise the window is kept as whole 64-bit words.
void read_replay_window(Parse& p, IpsecSa& sa) {
  SourcePos pos = p.in.pos();
  uint32_t window = read_uint<uint32_t>(p.in, "REPLAYWINDOW", 0, 65536);
  if (window != 0 && (window < 64 || window % 64 != 0))
    throw ProfileError(pos, "REPLAYWINDOW must be 0 (off) or 64-65536 in multiples of 64, found " + std::to_string(window));
  sa.replay_window = window;
}

template <typename T, T IpsecSa::*field>
void read_limit(Parse& p, IpsecSa& sa, std::string_view what) {
  sa.*field = read_uint<T>(p.in, what, 0, std::numeric_limits<T>::max());
}

constexpr OptionDef<IpsecSa> kSaOptions[] = {
    {"SPI", [](Parse& p, IpsecSa& sa) { sa.spi = read_spi(p.in); }},
    {"DIRECTION", [](Parse& p, IpsecSa& sa) { sa.direction = read_choice(p.in, "DIRECTION", kSaDirections); }},
    {"MODE", [](Parse& p, IpsecSa& sa) { sa.mode = read_choice(p.in, "MODE", kEspModes); }},
    {"ALGORITHM", [](Parse& p, IpsecSa& sa) { sa.alg = read_choice(p.in, "ALGORITHM", kEspAlgs); }},
    {"KEYFILE", [](Parse& p, IpsecSa& sa) { sa.key_file = p.resolve_path(read_value(p.in, "a key file path")); }},
    {"LOCAL", [](Parse& p, IpsecSa& sa) { sa.local = read_ip(p.in, "a LOCAL address"); }},
    {"REMOTE", [](Parse& p, IpsecSa& sa) { sa.remote = read_ip(p.in, "a REMOTE address"); }},
    {"ENCAP", read_encap},
    {"ESN", [](Parse&, IpsecSa& sa) { sa.esn = true; }},
    {"REPLAYWINDOW", read_replay_window},
    {"SOFTBYTES", [](Parse& p, IpsecSa& sa) { read_limit<uint64_t, &IpsecSa::soft_bytes>(p, sa, "SOFTBYTES"); }},
    {"HARDBYTES", [](Parse& p, IpsecSa& sa) { read_limit<uint64_t, &IpsecSa::hard_bytes>(p, sa, "HARDBYTES"); }},
    {"SOFTPACKETS", [](Parse& p, IpsecSa& sa) { read_limit<uint64_t, &IpsecSa::soft_packets>(p, sa, "SOFTPACKETS"); }},
    {"HARDPACKETS", [](Parse& p, IpsecSa& sa) { read_limit<uint64_t, &IpsecSa::hard_packets>(p, sa, "HARDPACKETS"); }},
    {"SOFTSECS", [](Parse& p, IpsecSa& sa) { read_limit<uint32_t, &IpsecSa::soft_secs>(p, sa, "SOFTSECS"); }},
    {"HARDSECS", [](Parse& p, IpsecSa& sa) { read_limit<uint32_t, &IpsecSa::hard_secs>(p, sa, "HARDSECS"); }},
    {"ENGINE", [](Parse& p, IpsecSa& sa) { sa.engine = read_choice(p.in, "ENGINE", kEngines); }},
    {"TARGET", [](Parse& p, IpsecSa& sa) { sa.target = read_system_name(p.in, "a TARGET node name"); }},
};

// Key and 4-byte salt: 16 + 4 for AES-128-GCM, 32 + 4 for AES-256-GCM and ChaCha20-Poly1305.
size_t key_bytes_for(EspAlg alg) { return alg == EspAlg::kAes128Gcm ? 20 : 36; }

void check_key_file(const IpsecSa& sa, const SourcePos& pos) {
  auto bytes = key_file_size(sa.key_file, KeyText::kHex);
  if (!bytes) throw ProfileError(pos, bytes.error().message);
  size_t want = key_bytes_for(sa.alg);
  if (*bytes != want)
    throw ProfileError(pos, "key file " + sa.key_file + " holds " + std::to_string(*bytes) + " bytes; " +
                                std::string(choice_keyword(kEspAlgs, sa.alg)) + " needs " + std::to_string(want) +
                                " (key and 4-byte salt, " + std::to_string(want * 2) + " hex digits)");
}

void check_lifetimes(const IpsecSa& sa, const SeenOptions& seen) {
  struct Pair {
    std::string_view soft, hard;
    uint64_t soft_value, hard_value;
  };
  const Pair pairs[] = {{"SOFTBYTES", "HARDBYTES", sa.soft_bytes, sa.hard_bytes},
                        {"SOFTPACKETS", "HARDPACKETS", sa.soft_packets, sa.hard_packets},
                        {"SOFTSECS", "HARDSECS", sa.soft_secs, sa.hard_secs}};
  for (const Pair& l : pairs)
    if (l.hard_value != 0 && l.soft_value >= l.hard_value)
      throw ProfileError(*seen.find(l.soft), std::string(l.soft) + " " + std::to_string(l.soft_value) + " must be below " +
                                                 std::string(l.hard) + " " + std::to_string(l.hard_value));
}

void check_unique_sa(const Parse& p, const IpsecSa& sa) {
  for (const IpsecSa& other : p.profile.ipsec.sas) {
    if (other.name == sa.name) p.fail_here("IPSECSA " + sa.name + " already defined at " + line_ref(other.pos));
    // Inbound ESP is demultiplexed by SPI and destination, so that pair must be unique.
    if (sa.direction == Direction::kInbound && other.direction == Direction::kInbound && other.spi == sa.spi &&
        other.local == sa.local)
      p.fail_here("inbound SPI " + std::to_string(sa.spi) + " for " + to_string(sa.local) + " already used by IPSECSA " +
                  other.name + " at " + line_ref(other.pos));
  }
}

void check_sa(const Parse& p, const IpsecSa& sa, const SeenOptions& seen) {
  constexpr std::string_view kRequired[] = {"SPI", "DIRECTION", "MODE", "ALGORITHM", "KEYFILE", "LOCAL", "REMOTE"};
  require_options(p, seen, "IPSECSA " + sa.name, kRequired);
  if (sa.local.v6 != sa.remote.v6)
    throw ProfileError(*seen.find("REMOTE"), "LOCAL " + to_string(sa.local) + " and REMOTE " + to_string(sa.remote) +
                                                 " must be of one family");
  // libsodium has AES-256-GCM and ChaCha20-Poly1305 but no AES-128-GCM.
  if (sa.engine == CryptoEngine::kSodium && sa.alg == EspAlg::kAes128Gcm)
    throw ProfileError(*seen.find("ENGINE"), "ENGINE SODIUM has no AES128GCM; use AES256GCM, CHACHA20POLY1305 or another ENGINE");
  check_lifetimes(sa, seen);
  if (!sa.target.empty() && sa.direction != Direction::kOutbound)
    throw ProfileError(*seen.find("TARGET"), "TARGET names the target that sends with an SA: only an OUTBOUND IPSECSA takes it");
  check_key_file(sa, *seen.find("KEYFILE"));
  check_unique_sa(p, sa);
}

void parse_ipsecsa(Parse& p) {
  IpsecSa sa;
  sa.pos = p.at;
  sa.name = read_name(p.in, "an SA name");
  SeenOptions seen = read_trailing_options(p, "IPSECSA", kSaOptions, sa);
  check_sa(p, sa, seen);
  p.profile.ipsec.sas.push_back(std::move(sa));
}

constexpr StatementDef kIpsecStatements[] = {
    {"IPSECRULE", parse_ipsecrule},
    {"IPSEC6RULE", parse_ipsec6rule},
    {"IPSECSA", parse_ipsecsa},
    {"ENDIPSEC", nullptr},
};

constexpr OptionDef<IpsecConfig> kIpsecOptions[] = {
    {"DVIPSEC", [](Parse&, IpsecConfig& c) { c.dvipsec = true; }},
    {"SEQBLOCK", [](Parse& p, IpsecConfig& c) { c.seq_block = read_uint<uint32_t>(p.in, "SEQBLOCK", 1024, 1u << 30); }},
    {"LOGENABLE", [](Parse&, IpsecConfig& c) { c.log_enable = true; }, "LOGENABLE"},
    {"LOGDISABLE", [](Parse&, IpsecConfig& c) { c.log_enable = false; }, "LOGENABLE"},
    {"LOGIMPLICIT", [](Parse&, IpsecConfig& c) { c.log_implicit = true; }, "LOGIMPLICIT"},
    {"NOLOGIMPLICIT", [](Parse&, IpsecConfig& c) { c.log_implicit = false; }, "LOGIMPLICIT"},
};

}  // namespace

StatementTable ipsec_statements() { return kIpsecStatements; }

void parse_ipsec(Parse& p) {
  p.once_only("IPSEC");
  p.profile.ipsec.present = true;
  read_trailing_options(p, "IPSEC", kIpsecOptions, p.profile.ipsec);
  parse_block(p, kIpsecStatements, "IPSEC", "ENDIPSEC");
}

}  // namespace sysplex::config
