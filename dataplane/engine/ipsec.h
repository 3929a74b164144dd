// The worker's IPsec policy decisions over the snapshot's SPD: inbound clear traffic, packets a
// given SA decrypted, and outbound traffic (the node's own, from the TAP, or forwarded), which a
// PROTECT rule sends through its SA. Per-packet, noexcept, no allocation.
#pragma once

#include "dataplane/counters/drop_reason.h"
#include "dataplane/engine/snapshot.h"
#include "dataplane/esp/sa.h"
#include "dataplane/esp/spd.h"
#include "dataplane/parse/packet.h"

namespace sysplex::dp {

inline bool spd_enabled(const Snapshot& s) noexcept { return s.spd && s.spd->enabled(); }

inline esp::SpdPacket spd_packet(const PacketDesc& d, bool inbound, bool routed) noexcept {
  esp::SpdPacket p;
  p.v6 = d.l3 == L3::kIpv6;
  p.src = d.src;
  p.dst = d.dst;
  p.proto = d.l4_proto;
  p.has_ports = (d.l4_proto == kProtoTcp || d.l4_proto == kProtoUdp) && (d.flags & kFlagL4Valid);
  p.sport = d.sport;
  p.dport = d.dport;
  p.has_icmp = (d.l4_proto == kProtoIcmp || d.l4_proto == kProtoIcmpv6) && (d.flags & kFlagL4Valid);
  p.icmp_type = d.icmp_type;
  p.icmp_code = d.icmp_code;
  p.inbound = inbound;
  p.routed = routed;
  return p;
}

// A clear packet arriving for this node: PERMIT passes; DENY, no rule, or a PROTECT rule (the
// packet should have come encrypted) drop it.
inline Drop spd_inbound(const Snapshot& s, const PacketDesc& d) noexcept {
  int32_t i = s.spd->lookup(spd_packet(d, true, false));
  if (i == esp::kSpdImplicit) return Drop::kIpsecImplicit;
  switch (s.spd->rules()[size_t(i)].action) {
    case esp::SpdAction::kPermit: return Drop::kNone;
    case esp::SpdAction::kDeny: return Drop::kIpsecDeny;
    case esp::SpdAction::kProtect: return Drop::kIpsecNeedsProtection;
  }
  return Drop::kIpsecDeny;
}

// A packet `sa_id` decrypted: only a PROTECT rule naming that SA admits it.
inline Drop spd_decrypted(const Snapshot& s, const PacketDesc& d, uint32_t sa_id) noexcept {
  if (!spd_enabled(s)) return Drop::kNone;
  int32_t i = s.spd->lookup(spd_packet(d, true, false));
  if (i == esp::kSpdImplicit) return Drop::kIpsecImplicit;
  const esp::SpdRule& r = s.spd->rules()[size_t(i)];
  if (r.action == esp::SpdAction::kDeny) return Drop::kIpsecDeny;
  return r.action == esp::SpdAction::kProtect && r.sa == sa_id ? Drop::kNone : Drop::kIpsecWrongSa;
}

struct OutboundPolicy {
  Drop drop = Drop::kNone;
  esp::SaRuntime* sa = nullptr;  // PROTECT: send through it
};

inline OutboundPolicy spd_outbound(const Snapshot& s, const PacketDesc& d, bool routed) noexcept {
  int32_t i = s.spd->lookup(spd_packet(d, false, routed));
  if (i == esp::kSpdImplicit) return {Drop::kIpsecImplicit, nullptr};
  const esp::SpdRule& r = s.spd->rules()[size_t(i)];
  if (r.action == esp::SpdAction::kPermit) return {};
  if (r.action == esp::SpdAction::kDeny) return {Drop::kIpsecDeny, nullptr};
  if (r.sa >= s.sas.size() || !s.sas[r.sa]) return {Drop::kEspNoSa, nullptr};
  return {Drop::kNone, s.sas[r.sa]};
}

}  // namespace sysplex::dp
