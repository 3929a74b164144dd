// The keyword spellings of every enumerated profile operand, shared by the parser and the printer
// so the canonical form always re-parses to the same value.
#pragma once

#include <cstdint>

#include "config/profile.h"
#include "config/profile_values.h"

namespace sysplex::config {

inline constexpr Choice<Moveable> kMoveable[] = {
    {"IMMEDIATE", Moveable::kImmediate},
    {"WHENIDLE", Moveable::kWhenIdle},
};

inline constexpr Choice<DistMethod> kDistMethods[] = {
    {"ROUNDROBIN", DistMethod::kRoundRobin}, {"WEIGHTEDACTIVE", DistMethod::kWeightedActive},
    {"BASEWLM", DistMethod::kBaseWlm},       {"SERVERWLM", DistMethod::kServerWlm},
    {"HOTSTANDBY", DistMethod::kHotStandby},
};

inline constexpr Choice<Routing> kRoutings[] = {
    {"LOCAL", Routing::kLocal},
    {"ROUTED", Routing::kRouted},
    {"EITHER", Routing::kEither},
};

inline constexpr Choice<Direction> kRuleDirections[] = {
    {"INBOUND", Direction::kInbound},
    {"OUTBOUND", Direction::kOutbound},
    {"BIDIRECTIONAL", Direction::kBidirectional},
};

inline constexpr Choice<Direction> kSaDirections[] = {
    {"INBOUND", Direction::kInbound},
    {"OUTBOUND", Direction::kOutbound},
};

inline constexpr Choice<EspMode> kEspModes[] = {
    {"TUNNEL", EspMode::kTunnel},
    {"TRANSPORT", EspMode::kTransport},
};

inline constexpr Choice<EspAlg> kEspAlgs[] = {
    {"AES128GCM", EspAlg::kAes128Gcm},
    {"AES256GCM", EspAlg::kAes256Gcm},
    {"CHACHA20POLY1305", EspAlg::kChaCha20Poly1305},
};

inline constexpr Choice<CryptoEngine> kEngines[] = {
    {"AUTO", CryptoEngine::kAuto},
    {"OPENSSL", CryptoEngine::kOpenSsl},
    {"SODIUM", CryptoEngine::kSodium},
    {"IPSECMB", CryptoEngine::kIpsecMb},
};

// Protocol names accepted after PROTOCOL; numbers 0-255 and `*` are accepted as well.
inline constexpr Choice<uint8_t> kProtocols[] = {
    {"ICMP", 1}, {"TCP", 6}, {"UDP", 17}, {"GRE", 47}, {"ESP", 50}, {"ICMPV6", 58}, {"OSPF", 89},
};

inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpV6 = 58;

}  // namespace sysplex::config
