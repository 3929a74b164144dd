// Turns received datagrams back into typed messages, dropping every one that is not authentic,
// fresh and well formed with a counted reason (reasons.h). Not thread-safe: one per receiving thread.
//
// Checks, in order (the first that fails names the drop):
//   1. header (frame.h): oversized, truncated, foreign (magic, frame version, group hash), malformed
//   2. tag: forged
//   3. freshness, against the sender's state: own-message (our own name), stale-epoch (epoch below
//      the sender's current one), replayed (same epoch, sequence seen or below the 128-message
//      window), then the timestamp: too-old (older than max_age + max_skew), from-future (later
//      than now + max_skew), then sender-table-full (a new sender when max_senders are known)
//   4. body: unsupported (unknown type or body version), malformed (fails to decode, or its node
//      field is not the header's sender)
// Only a message that passes all of them changes state: a new sender is added, a higher boot epoch
// resets that sender's window (a restarted node), the sequence is recorded. A drop changes nothing.
//
// A receiver that starts afresh (empty table) cannot tell a replay of a message younger than
// max_age from the original, and accepts it once; keep max_age a small multiple of the heartbeat
// interval times the miss count. Sender and receiver clocks must agree within max_skew (NTP).
#pragma once

#include "control/layer_guard.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/result.h"
#include "control/channel/frame.h"
#include "control/channel/key.h"
#include "control/channel/messages.h"
#include "control/channel/reasons.h"
#include "control/channel/replay.h"
#include "control/channel/sources.h"

namespace sysplex::channel {

struct OpenerOptions {
  std::string group;            // the group name; other groups' datagrams are foreign
  std::string node;             // this node; datagrams naming it as sender are own-message drops
  uint64_t max_age_ms = 30000;  // how old (by its timestamp) a message may be on arrival, <= 1 day
  uint64_t max_skew_ms = 5000;  // tolerated clock difference between sender and receiver, <= 1 day
  size_t max_senders = 256;     // bound of the per-sender table
  Clock clock;                  // unset: system_clock_ms
};

// An accepted message with its authenticated header (sender, epoch, sequence, timestamp).
struct Received {
  FrameHeader header;
  Message message;
};

struct [[nodiscard]] OpenResult {
  RxReason reason = RxReason::kMalformed;
  std::optional<Received> received;  // set exactly when reason == kAccepted
  bool ok() const { return reason == RxReason::kAccepted; }
};

// One row of the sender table, for displays.
struct SenderView {
  std::string node;
  SenderState state;
};

class Opener {
 public:
  using Counters = std::array<uint64_t, size_t(RxReason::kCount)>;

  // Fails on a bad group or node name, a null key, max_senders of 0, or an age or skew above a day.
  [[nodiscard]] static Result<Opener> create(std::shared_ptr<const ChannelKey> key, OpenerOptions options);

  // Move-only: a copy would keep a second replay history and accept each message once more.
  Opener(Opener&&) = default;
  Opener& operator=(Opener&&) = default;
  Opener(const Opener&) = delete;
  Opener& operator=(const Opener&) = delete;

  OpenResult open(std::span<const uint8_t> datagram);

  // Drops what is known of a sender (e.g. once the store declares it gone), so its next boot epoch
  // is accepted even if lower. Timestamps still bound what an attacker can replay afterwards.
  void forget(std::string_view node);

  const Counters& counters() const { return counters_; }
  uint64_t count(RxReason r) const { return counters_[size_t(r)]; }
  size_t sender_count() const { return senders_.size(); }
  std::optional<SenderState> sender(std::string_view node) const;
  std::vector<SenderView> senders() const;  // sorted by node name

 private:
  Opener() = default;
  bool decrypt(std::span<const uint8_t> datagram, const FrameHeader& h);  // into body_
  RxReason freshness(const FrameHeader& h) const;
  RxReason decode(const FrameHeader& h, std::optional<Message>& out) const;
  void commit(const FrameHeader& h);
  OpenResult drop(RxReason r);

  std::shared_ptr<const ChannelKey> key_;
  OpenerOptions options_;
  uint64_t group_hash_ = 0;
  uint64_t self_ = 0;  // pack_node_name(options_.node)
  std::unordered_map<uint64_t, SenderState> senders_;
  Counters counters_{};
  SecretBytes body_;  // plaintext scratch, wiped after every open
};

}  // namespace sysplex::channel
