// Why the ESP fast path refused a packet: one enum, one constexpr name table, in the style of
// dataplane/counters/drop_reason.h (into which these are meant to merge). Per-SA counters use it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sysplex::dp::esp {

enum class EspDrop : uint8_t {
  kNone = 0,
  // ---- both directions
  kNoSa,              // SAD lookup missed (counted by the caller: there is no SA to count on)
  kWrongDirection,    // an outbound SA given an inbound packet or the reverse
  kNoWorkerContext,   // worker slot without an AEAD context (beyond the workers installed)
  kSaHardExpired,     // a hard lifetime (bytes, packets, time) was reached: the SA refuses packets
  kCryptoError,       // the AEAD library reported an internal failure (never seen in practice)
  // ---- inbound, before decryption
  kTruncated,         // the IP packet, UDP datagram or ESP payload is shorter than its headers
  kBadOuterHeader,    // outer IP version or length fields inconsistent with the buffer
  kBadAlignment,      // ciphertext length not a multiple of 4 (RFC 4303 section 2.4)
  kSpiMismatch,       // the packet's SPI is not this SA's
  kAddressMismatch,   // outer family or destination is not this SA's local address
  kEncapMismatch,     // UDP-encapsulated ESP on a plain SA or the reverse
  kReplaySeqZero,     // sequence number 0 (never sent: the first is 1)
  kReplayTooOld,      // left of the anti-replay window
  kReplayed,          // inside the window and already received
  // ---- inbound, after decryption
  kAuthFailed,        // the ICV did not verify
  kBadPadding,        // pad length beyond the payload or padding not 1, 2, 3, ...
  kBadNextHeader,     // tunnel: not 4/41; transport: 4/41 (a tunnel-mode peer)
  kDummyPacket,       // next header 59: a TFC dummy packet (RFC 4303 section 2.6), dropped
  kBadInnerPacket,    // tunnel: decrypted inner IP header malformed or longer than the payload
  kBadTransportHeader,// transport IPv6: extension headers do not lead to the ESP header
  // ---- outbound
  kOutBadPacket,      // the packet to protect is not a well-formed IPv4/IPv6 packet
  kOutFragment,       // transport mode on a fragment (ESP transport protects whole datagrams)
  kOutNoHeadroom,     // not enough room before the packet for the headers ESP adds
  kOutNoTailroom,     // not enough room after the packet for padding, trailer and ICV
  kSeqLimit,          // the sequence block this node holds is used up (waits for a new lease)
  kSeqOverflow,       // 32-bit sequence space used up without ESN (RFC 4303: never cycle)
  kCount
};

inline constexpr std::array<std::string_view, size_t(EspDrop::kCount)> kEspDropNames = {
    "none",
    "esp-no-sa",
    "esp-wrong-direction",
    "esp-no-worker-context",
    "esp-sa-hard-expired",
    "esp-crypto-error",
    "esp-truncated",
    "esp-bad-outer-header",
    "esp-bad-alignment",
    "esp-spi-mismatch",
    "esp-address-mismatch",
    "esp-encap-mismatch",
    "esp-replay-seq-zero",
    "esp-replay-too-old",
    "esp-replayed",
    "esp-auth-failed",
    "esp-bad-padding",
    "esp-bad-next-header",
    "esp-dummy-packet",
    "esp-bad-inner-packet",
    "esp-bad-transport-header",
    "esp-out-bad-packet",
    "esp-out-fragment",
    "esp-out-no-headroom",
    "esp-out-no-tailroom",
    "esp-seq-limit",
    "esp-seq-overflow",
};

constexpr std::string_view esp_drop_name(EspDrop d) { return kEspDropNames[size_t(d)]; }

static_assert(kEspDropNames.back() == "esp-seq-overflow",
              "kEspDropNames must list every EspDrop in order");

}  // namespace sysplex::dp::esp
