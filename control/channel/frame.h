// The sealed datagram's layout: a cleartext header (authenticated as AAD), the AEAD nonce, the
// encrypted body and the tag. Pure byte layout and header parsing; the crypto is in seal.h.
//
//   off len  field
//     0   4  magic "SPXG"
//     4   1  frame version (1)
//     5   1  message type (MessageType)
//     6   2  body length n (plaintext bytes)
//     8   8  group hash: 8 bytes of BLAKE2b("sysplexd group channel\0" + group name)
//    16   8  sender node name, ASCII, NUL-padded (1-8 of A-Z 0-9 @ # $)
//    24   8  sender boot epoch
//    32   8  sender message sequence (>= 1, strictly increasing within a boot epoch)
//    40   8  timestamp, milliseconds since the Unix epoch by the sender's clock
//    48  24  XChaCha20-Poly1305 nonce (random)
//    72   n  ciphertext
//  72+n  16  Poly1305 tag over bytes 0..71 (AAD) and the ciphertext
// All integers big-endian. A datagram is exactly 88 + n bytes, at most kMaxDatagram.
#pragma once

#include "control/layer_guard.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/result.h"
#include "control/channel/messages.h"

namespace sysplex::channel {

inline constexpr std::array<uint8_t, 4> kMagic = {'S', 'P', 'X', 'G'};
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kHeaderSize = 48;
inline constexpr size_t kNonceSize = 24;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kAadSize = kHeaderSize + kNonceSize;   // header and nonce, authenticated
inline constexpr size_t kOverhead = kAadSize + kTagSize;        // 88 bytes around the body
inline constexpr size_t kMaxDatagram = 65507;                   // the largest IPv4 UDP payload
inline constexpr size_t kMaxBody = kMaxDatagram - kOverhead;

constexpr size_t sealed_size(size_t body_len) { return kOverhead + body_len; }

// The fields of the cleartext header.
struct FrameHeader {
  uint8_t version = kFrameVersion;
  uint8_t type = 0;            // raw: may be a type this node does not know
  uint16_t body_len = 0;
  uint64_t group_hash = 0;
  std::string sender;
  uint64_t boot_epoch = 0;
  uint64_t sequence = 0;
  uint64_t timestamp_ms = 0;
  friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// Identifies the group on the wire, so nodes of two groups on one segment tell each other apart
// before spending a decryption (the key, not this hash, is what keeps them apart).
uint64_t group_hash(std::string_view group_name);

// The sender name as the 8 bytes of the header (and as a dense key for per-sender tables).
uint64_t pack_node_name(std::string_view name) noexcept;  // name already validated

// Writes the 48 header bytes; the caller validated the fields.
void write_header(const FrameHeader& h, std::span<uint8_t, kHeaderSize> out) noexcept;

// How a header fails to parse; kOk when it parsed.
enum class HeaderCheck : uint8_t {
  kOk,
  kTruncated,   // shorter than a minimal datagram, or than the body length says
  kOversized,   // longer than kMaxDatagram
  kForeign,     // not this protocol, this frame version or this group
  kMalformed,   // sender name, sequence 0, or bytes after the tag
};

// Parses the cleartext header of a whole datagram and checks its length against the body length.
// Nothing is authenticated yet: the caller must verify the tag before trusting any field.
HeaderCheck parse_header(std::span<const uint8_t> datagram, uint64_t expected_group_hash, FrameHeader& out);

}  // namespace sysplex::channel
