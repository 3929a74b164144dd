// Why a received datagram was accepted or dropped: one enum and one constexpr name table, feeding
// the Opener's counters and every display of them (as dataplane/counters/drop_reason.h does).
#pragma once

#include "control/layer_guard.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace sysplex::channel {

enum class RxReason : uint8_t {
  kAccepted = 0,
  kTruncated,        // shorter than a minimal datagram or than its header's body length
  kOversized,        // longer than kMaxDatagram
  kMalformed,        // bad header field, trailing bytes, or an authentic body that fails to decode
  kForeign,          // another protocol, frame version or group (by the header's group hash)
  kForged,           // the tag does not verify: wrong key, or altered in flight
  kStaleEpoch,       // a known sender's boot epoch below the one it now runs with
  kReplayed,         // a sequence already accepted, or below the sender's window
  kTooOld,           // timestamp older than max age (+ skew) by the receiver's clock
  kFromFuture,       // timestamp later than the receiver's clock + skew
  kOwnMessage,       // our own node name as sender: reflected back to us
  kUnsupported,      // authentic but of an unknown message type or body version (a newer peer)
  kSenderTableFull,  // authentic, from a new sender, but the per-sender table is full
  kCount
};

inline constexpr std::array<std::string_view, size_t(RxReason::kCount)> kRxReasonNames = {
    "accepted", "truncated",  "oversized",   "malformed",   "foreign",     "forged",            "stale-epoch",
    "replayed", "too-old",    "from-future", "own-message", "unsupported", "sender-table-full",
};

constexpr std::string_view rx_reason_name(RxReason r) {
  return r < RxReason::kCount ? kRxReasonNames[size_t(r)] : "unknown";
}

}  // namespace sysplex::channel
