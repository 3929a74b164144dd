// The security policy database for the fast path: the profile's IPSECRULE/IPSEC6RULE list compiled
// into a flat, first-match array the workers scan, with the implicit discard at its end.
//
// Matching is literal: a packet matches a rule when its source lies in the rule's source selector
// and its destination in the rule's destination selector (as the profile writes them), its
// protocol, ports or ICMP type/code match, the rule's DIRECTION admits the packet's direction
// (inbound: arriving at this node; outbound: leaving it; BIDIRECTIONAL: either) and its ROUTING
// admits whether the packet is the node's own (LOCAL) or forwarded (ROUTED). The first matching
// rule decides: PERMIT, DENY, or PROTECT with an SA (outbound: encrypt with it; inbound: the packet
// must have arrived decrypted by it). No rule matching is the implicit discard.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"

namespace sysplex::dp::esp {

inline constexpr uint32_t kSpdNoSa = UINT32_MAX;
inline constexpr int32_t kSpdImplicit = -1;  // the index lookup() returns for the implicit discard

enum class SpdAction : uint8_t { kPermit, kDeny, kProtect };

// The parts of a packet the rules look at, filled from the parser's descriptor.
struct SpdPacket {
  bool v6 = false;
  const uint8_t* src = nullptr;  // 4 or 16 bytes, network order
  const uint8_t* dst = nullptr;
  uint8_t proto = 0;
  bool has_ports = false;        // TCP/UDP with ports (not a non-first fragment)
  uint16_t sport = 0, dport = 0;
  bool has_icmp = false;
  uint8_t icmp_type = 0, icmp_code = 0;
  bool inbound = true;           // arriving at this node, or leaving it
  bool routed = false;           // forwarded by this node, not its own traffic
};

struct SpdRule {
  bool v6 = false;
  uint8_t src_first[16] = {}, src_last[16] = {};  // inclusive, big-endian (IPv4: first 4 bytes)
  uint8_t dst_first[16] = {}, dst_last[16] = {};
  int16_t proto = -1;                             // -1: any
  uint16_t sport_lo = 0, sport_hi = 65535, dport_lo = 0, dport_hi = 65535;
  int16_t icmp_type = -1, icmp_code = -1;
  config::Routing routing = config::Routing::kEither;
  config::Direction direction = config::Direction::kBidirectional;
  SpdAction action = SpdAction::kPermit;
  bool log = false;
  uint32_t sa = kSpdNoSa;                         // kProtect: the SA's dense id
};

class Spd {
 public:
  Spd() = default;  // empty and disabled: every packet is permitted (no IPSEC block)
  // Compiles the rules in order; `sa_id` maps a PROTECT rule's SA name to its dense id (kSpdNoSa:
  // no such SA, an error naming the rule's line). `enabled` is whether an IPSEC block was given.
  // `sa_inbound` says which way an installed SA protects (nullopt: not known yet): a
  // BIDIRECTIONAL PROTECT rule applies only in its SA's direction, and a rule whose DIRECTION
  // contradicts its SA's is an error.
  [[nodiscard]] static Result<Spd> build(const std::vector<config::IpsecRule>& rules, bool enabled,
                                         const std::function<uint32_t(const std::string&)>& sa_id,
                                         const std::function<std::optional<bool>(uint32_t)>& sa_inbound = {});
  // The index of the first matching rule, or kSpdImplicit. noexcept, no allocation.
  int32_t lookup(const SpdPacket& p) const noexcept;
  bool enabled() const { return enabled_; }
  const std::vector<SpdRule>& rules() const { return rules_; }

 private:
  std::vector<SpdRule> rules_;
  bool enabled_ = false;
};

}  // namespace sysplex::dp::esp
