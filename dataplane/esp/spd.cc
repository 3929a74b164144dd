#include "dataplane/esp/spd.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace sysplex::dp::esp {

namespace {

using config::AddrSel;

// A selector as an inclusive range of addresses: `*` is the whole family, a prefix its first and
// last address.
void to_range(const AddrSel& s, bool v6, uint8_t* first, uint8_t* last) {
  size_t n = v6 ? 16 : 4;
  switch (s.kind) {
    case AddrSel::Kind::kAny:
      std::memset(first, 0, n);
      std::memset(last, 0xff, n);
      return;
    case AddrSel::Kind::kRange:
      std::memcpy(first, s.first.bytes.data(), n);
      std::memcpy(last, s.last.bytes.data(), n);
      return;
    case AddrSel::Kind::kPrefix:
      for (size_t i = 0; i < n; ++i) {
        int bits = std::clamp(int(s.prefix.len) - int(i) * 8, 0, 8);
        uint8_t mask = uint8_t(0xff00 >> bits);
        first[i] = s.prefix.addr.bytes[i] & mask;
        last[i] = uint8_t(first[i] | ~mask);
      }
      return;
  }
}

// Addresses compare as big-endian integers: IPv4 as one 32-bit word, IPv6 as two 64-bit halves
// (no per-rule memcmp calls of variable length).
uint32_t be32_at(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
uint64_t be64_at(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
bool within(const uint8_t* a, const uint8_t* first, const uint8_t* last, size_t n) noexcept {
  if (n == 4) {
    uint32_t x = be32_at(a);
    return x >= be32_at(first) && x <= be32_at(last);
  }
  uint64_t hi = be64_at(a), lo = be64_at(a + 8);
  uint64_t fhi = be64_at(first), flo = be64_at(first + 8), lhi = be64_at(last), llo = be64_at(last + 8);
  bool above = hi > fhi || (hi == fhi && lo >= flo);
  bool below = hi < lhi || (hi == lhi && lo <= llo);
  return above && below;
}

bool matches(const SpdRule& r, const SpdPacket& p) noexcept {
  if (r.v6 != p.v6) return false;
  if (r.direction == config::Direction::kInbound && !p.inbound) return false;
  if (r.direction == config::Direction::kOutbound && p.inbound) return false;
  if (r.routing == config::Routing::kLocal && p.routed) return false;
  if (r.routing == config::Routing::kRouted && !p.routed) return false;
  size_t n = p.v6 ? 16 : 4;
  if (!within(p.src, r.src_first, r.src_last, n) || !within(p.dst, r.dst_first, r.dst_last, n)) return false;
  if (r.proto >= 0 && r.proto != p.proto) return false;
  bool port_rule = r.sport_lo != 0 || r.sport_hi != 65535 || r.dport_lo != 0 || r.dport_hi != 65535;
  if (port_rule && (!p.has_ports || p.sport < r.sport_lo || p.sport > r.sport_hi || p.dport < r.dport_lo ||
                    p.dport > r.dport_hi))
    return false;
  if (r.icmp_type >= 0 && (!p.has_icmp || r.icmp_type != p.icmp_type)) return false;
  if (r.icmp_code >= 0 && (!p.has_icmp || r.icmp_code != p.icmp_code)) return false;
  return true;
}

}  // namespace

Result<Spd> Spd::build(const std::vector<config::IpsecRule>& rules, bool enabled,
                       const std::function<uint32_t(const std::string&)>& sa_id,
                       const std::function<std::optional<bool>(uint32_t)>& sa_inbound) {
  Spd spd;
  spd.enabled_ = enabled;
  for (const auto& in : rules) {
    SpdRule r;
    r.v6 = in.v6;
    to_range(in.src, in.v6, r.src_first, r.src_last);
    to_range(in.dst, in.v6, r.dst_first, r.dst_last);
    if (in.protocol) r.proto = *in.protocol;
    r.sport_lo = in.src_ports.first, r.sport_hi = in.src_ports.last;
    r.dport_lo = in.dst_ports.first, r.dport_hi = in.dst_ports.last;
    if (in.icmp_type) r.icmp_type = *in.icmp_type;
    if (in.icmp_code) r.icmp_code = *in.icmp_code;
    r.routing = in.routing;
    r.direction = in.direction;
    r.log = in.log;
    r.action = in.action == config::RuleAction::kPermit ? SpdAction::kPermit
               : in.action == config::RuleAction::kDeny ? SpdAction::kDeny
                                                        : SpdAction::kProtect;
    if (r.action == SpdAction::kProtect) {
      r.sa = sa_id(in.sa);
      if (r.sa == kSpdNoSa)
        return make_error(Errc::kNotFound, in.pos.file + ":" + std::to_string(in.pos.line) + ": PROTECT names SA '" + in.sa +
                                               "', which is not installed (no IPSECSA of that name, and IKE has none)");
      if (std::optional<bool> inbound = sa_inbound ? sa_inbound(r.sa) : std::nullopt) {
        config::Direction way = *inbound ? config::Direction::kInbound : config::Direction::kOutbound;
        if (r.direction != config::Direction::kBidirectional && r.direction != way)
          return make_error(Errc::kInvalidArgument, in.pos.file + ":" + std::to_string(in.pos.line) + ": the rule is DIRECTION " +
                                                        (*inbound ? "OUTBOUND" : "INBOUND") + " but its SA '" + in.sa +
                                                        "' is " + (*inbound ? "INBOUND" : "OUTBOUND"));
        r.direction = way;
      }
    }
    spd.rules_.push_back(r);
  }
  return spd;
}

int32_t Spd::lookup(const SpdPacket& p) const noexcept {
  for (size_t i = 0; i < rules_.size(); ++i)
    if (matches(rules_[i], p)) return int32_t(i);
  return kSpdImplicit;
}

}  // namespace sysplex::dp::esp
