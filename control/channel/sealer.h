// Turns typed messages into sealed group channel datagrams (layout in frame.h) for one sending
// node: it owns the node's boot epoch and message sequence. Not thread-safe: one per sending thread.
//
// Why XChaCha20-Poly1305-IETF with a random 192-bit nonce, rather than ChaCha20-Poly1305-IETF
// with a nonce built from sender and counter: every node of the group encrypts under the same
// key, so a counter nonce is unique only while no two processes ever share (node name, boot
// epoch, sequence): two nodes given one name by mistake, a VM restored from a snapshot, or an
// injected epoch used twice would repeat nonces and expose plaintext and the Poly1305 key. A
// random 192-bit nonce stays unique without any such state (after 2^48 messages the chance of one
// collision is about 2^-97); it costs 24 bytes per datagram and one call to the random source.
// The header's epoch and sequence still serve anti-replay; they are authenticated, not nonces.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/result.h"
#include "control/channel/frame.h"
#include "control/channel/key.h"
#include "control/channel/messages.h"
#include "control/channel/sources.h"

namespace sysplex::channel {

struct SealerOptions {
  std::string group;                  // the group name (GROUP statement), 1-8 characters
  std::string node;                   // this node's name, 1-8 characters
  std::optional<uint64_t> boot_epoch; // unset: make_boot_epoch(clock(), random) at create()
  size_t max_datagram = kMaxDatagram; // refuse to seal anything larger (e.g. 1472: no IP fragments)
  Clock clock;                        // unset: system_clock_ms
  RandomFill random;                  // unset: system_random (nonces and the default epoch)
};

class Sealer {
 public:
  // Fails on a bad group or node name, a null key or max_datagram outside [kOverhead, kMaxDatagram].
  [[nodiscard]] static Result<Sealer> create(std::shared_ptr<const ChannelKey> key, SealerOptions options);

  // Move-only: a copy would send the same sequence numbers again (and receivers drop them).
  Sealer(Sealer&&) = default;
  Sealer& operator=(Sealer&&) = default;
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  // The sealed datagram. Fails (using no sequence number) when the message does not validate
  // (messages.h) or would exceed max_datagram.
  [[nodiscard]] Result<std::vector<uint8_t>> seal(const Message& m);
  // The same into a caller's buffer; the datagram's length, or an error if `out` is too small.
  [[nodiscard]] Result<size_t> seal_into(const Message& m, std::span<uint8_t> out);

  const std::string& node() const { return node_; }
  uint64_t boot_epoch() const { return boot_epoch_; }
  uint64_t last_sequence() const { return sequence_; }  // 0 before the first seal
  size_t max_datagram() const { return max_datagram_; }

 private:
  Sealer() = default;
  Status encode(const Message& m);  // into body_, checked against max_datagram_
  Result<size_t> finish(MessageType type, std::span<uint8_t> out);

  std::shared_ptr<const ChannelKey> key_;
  std::string node_;
  uint64_t group_hash_ = 0;
  uint64_t boot_epoch_ = 0;
  uint64_t sequence_ = 0;
  size_t max_datagram_ = kMaxDatagram;
  Clock clock_;
  RandomFill random_;
  SecretBytes body_;  // plaintext scratch, wiped after every seal
};

}  // namespace sysplex::channel
