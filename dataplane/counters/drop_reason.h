// Drop reasons: one enum, one constexpr name table. It feeds the per-lcore counters, telemetry and
// every display, so a reason added here shows up everywhere without further wiring.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sysplex::dp {

enum class Drop : uint8_t {
  kNone = 0,
  // parse
  kTruncatedEth,
  kTruncatedVlan,
  kTruncatedArp,
  kBadArp,
  kTruncatedIpv4,
  kBadIpv4Version,
  kBadIpv4Ihl,
  kBadIpv4Length,
  kBadIpv4Checksum,
  kBadIpv4Options,
  kTruncatedIpv6,
  kBadIpv6Version,
  kBadIpv6Length,
  kBadIpv6ExtHeader,
  kTruncatedIcmp,
  kTruncatedTcp,
  kBadTcpOffset,
  kTruncatedUdp,
  kBadUdpLength,
  kTruncatedGre,
  kBadGre,
  kTruncatedEsp,
  kStackedVlan,
  kUnsupportedEthertype,
  // classify / act
  kTtlExpired,
  kNoRoute,
  kNoNeighbor,
  kNotForUs,
  kFragmentNotForUs,
  kMartianSource,
  kPuntRingFull,
  kTxFull,
  kPortDown,
  kMbufAlloc,
  // distributor and target
  kNoReadyTarget,
  kTargetUnreachable,
  kDistributedFragment,
  kDvipaNotActive,
  kInnerNotServed,
  kStaleEpoch,
  kBadInner,
  kNoLocalPort,
  kNoHeadroom,
  kExceptionRingFull,
  // IPsec (per-SA detail in the SA's own counters: dataplane/esp/esp_drop.h)
  kEspNoSa,
  kEspFailed,
  kIpsecDeny,
  kIpsecImplicit,
  kIpsecNeedsProtection,
  kIpsecWrongSa,
  kUntrustedSegment,
  kNatKeepalive,
  kIke,
  kCount
};

inline constexpr std::array<std::string_view, size_t(Drop::kCount)> kDropNames = {
    "none",
    "truncated-ethernet",
    "truncated-vlan",
    "truncated-arp",
    "bad-arp",
    "truncated-ipv4",
    "bad-ipv4-version",
    "bad-ipv4-ihl",
    "bad-ipv4-length",
    "bad-ipv4-checksum",
    "bad-ipv4-options",
    "truncated-ipv6",
    "bad-ipv6-version",
    "bad-ipv6-length",
    "bad-ipv6-ext-header",
    "truncated-icmp",
    "truncated-tcp",
    "bad-tcp-offset",
    "truncated-udp",
    "bad-udp-length",
    "truncated-gre",
    "bad-gre",
    "truncated-esp",
    "stacked-vlan",
    "unsupported-ethertype",
    "ttl-expired",
    "no-route",
    "no-neighbor",
    "not-for-us",
    "fragment-not-for-us",
    "martian-source",
    "punt-ring-full",
    "tx-full",
    "port-down",
    "mbuf-alloc",
    "no-ready-target",
    "target-unreachable",
    "fragment-to-distributed-dvipa",
    "dvipa-not-active",
    "inner-dvipa-not-served",
    "stale-distributor-epoch",
    "bad-inner-packet",
    "no-local-port",
    "no-headroom",
    "exception-ring-full",
    "esp-no-sa",
    "esp-failed",
    "ipsec-deny",
    "ipsec-implicit-discard",
    "ipsec-clear-needs-protection",
    "ipsec-wrong-sa",
    "decrypted-to-untrusted-segment",
    "nat-keepalive",
    "ike-no-daemon",
};

constexpr std::string_view drop_name(Drop d) { return kDropNames[size_t(d)]; }

static_assert(kDropNames.back() == "ike-no-daemon", "kDropNames must list every Drop in order");

}  // namespace sysplex::dp
