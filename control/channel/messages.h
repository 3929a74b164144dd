// The typed messages nodes of a group exchange (the XCF messages of a sysplex), their versioned,
// bounds-checked binary bodies and their one-line texts for displays and logs (never key material).
//
// Every body starts with a body-version byte (kBodyVersion), then its fields in network byte order.
// Shared field forms: a name or text is a u8 length + its bytes; an address is a family byte (4 or 6)
// + 4 or 16 bytes; a list is a u16 count + items; a connection is family, protocol, source port,
// destination port, then both addresses of that family. encode_body() refuses a message that
// validate() refuses, and decode_body() validates what it parsed, so a peer sends only what
// every receiver accepts, and a receiver accepts nothing malformed: no trailing bytes, no unknown
// enum values, no counts above the limits below, no reserved bits set.
#pragma once

#include "control/layer_guard.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/net.h"
#include "config/result.h"
#include "control/channel/key.h"

namespace sysplex::channel {

// Wire-stable values: never renumber; add new types at the end.
enum class MessageType : uint8_t {
  kHeartbeat = 1,
  kListenerReport = 2,
  kConnectionEnded = 3,
  kBulkConnectionRequest = 4,
  kBulkConnectionReport = 5,
  kTakeoverNotice = 6,
  kShadowSa = 7,
  kLeave = 8,
};
inline constexpr uint8_t kMessageTypeLimit = 9;  // one above the highest type

inline constexpr std::array<std::string_view, kMessageTypeLimit> kMessageTypeNames = {
    "unknown", "heartbeat", "listener-report", "connection-ended", "bulk-connection-request",
    "bulk-connection-report", "takeover-notice", "shadow-sa", "leave"};

constexpr bool is_message_type(uint8_t v) { return v >= 1 && v < kMessageTypeLimit; }
constexpr std::string_view message_type_name(MessageType t) {
  return is_message_type(uint8_t(t)) ? kMessageTypeNames[uint8_t(t)] : kMessageTypeNames[0];
}

inline constexpr uint8_t kBodyVersion = 1;  // of every body type today

// Limits a decoder enforces (and an encoder refuses to exceed); each fits a maximal datagram.
inline constexpr size_t kMaxXcfAddresses = 8;
inline constexpr size_t kMaxHeartbeatDvipas = 1024;
inline constexpr size_t kMaxListeners = 2048;
inline constexpr size_t kMaxConnections = 1024;   // per ConnectionEnded / BulkConnectionReport
inline constexpr size_t kMaxSaRecord = 1024;      // ShadowSa record bytes
inline constexpr size_t kMaxLeaveDetail = 64;     // printable ASCII
inline constexpr uint8_t kMaxWeight = 64;         // WLM-like spare capacity, as z/OS WLM weights

// ---- Heartbeat ----------------------------------------------------------------------------------

enum class MemberState : uint8_t { kJoining = 1, kActive = 2, kLeaving = 3, kQuiesced = 4 };
enum class DvipaRole : uint8_t { kOwner = 1, kBackup = 2, kTarget = 3 };

struct DvipaStatus {
  IpAddr dvipa;
  DvipaRole role = DvipaRole::kOwner;
  uint64_t ownership_epoch = 0;  // the store's fencing epoch of the DVIPA's ownership
  uint32_t connections = 0;      // this node's connections for it (as its owner or a target):
                                 // MOVEABLE WHENIDLE takes a DVIPA back once its owner has none
  friend bool operator==(const DvipaStatus&, const DvipaStatus&) = default;
};

struct Heartbeat {
  std::string node;                  // must equal the sealed header's sender (Opener checks)
  std::vector<IpAddr> xcf_addresses; // 1..kMaxXcfAddresses, IPv4 and/or IPv6
  MemberState state = MemberState::kJoining;
  uint64_t incarnation = 0;          // increases with every join of this node
  std::vector<DvipaStatus> dvipas;   // each DVIPA the node owns, backs up or serves as target
  uint8_t weight = 0;                // spare capacity 0..kMaxWeight
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// ---- ListenerReport -----------------------------------------------------------------------------

struct ListenerStatus {
  IpAddr dvipa;
  uint16_t port = 0;  // 1..65535
  bool ready = false;
  friend bool operator==(const ListenerStatus&, const ListenerStatus&) = default;
};

struct ListenerReport {
  std::string node;      // the reporting target; must equal the header's sender
  uint64_t report_seq = 0;  // increases per report, so a receiver ignores an older one
  std::vector<ListenerStatus> listeners;
  friend bool operator==(const ListenerReport&, const ListenerReport&) = default;
};

// ---- connections --------------------------------------------------------------------------------

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

// A connection's 5-tuple as the client sent it: src = client, dst = the DVIPA. Both addresses of
// one family; protocol TCP or UDP; ports 1..65535.
struct ConnTuple {
  IpAddr src;
  IpAddr dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t proto = kProtoTcp;
  friend bool operator==(const ConnTuple&, const ConnTuple&) = default;
};

size_t encoded_size(const ConnTuple& c);  // 14 bytes for IPv4, 38 for IPv6

struct ConnectionEnded {
  IpAddr dvipa;
  std::vector<ConnTuple> connections;  // 1..kMaxConnections
  friend bool operator==(const ConnectionEnded&, const ConnectionEnded&) = default;
};

struct BulkConnectionRequest {
  uint64_t request_id = 0;      // echoed by every report chunk
  IpAddr dvipa;
  std::string new_owner;        // the requesting (new) distributor
  uint64_t ownership_epoch = 0; // its fencing epoch, so targets ignore a superseded owner
  friend bool operator==(const BulkConnectionRequest&, const BulkConnectionRequest&) = default;
};

// One chunk of a target's answer; the target is the sealed header's sender. Chunks are numbered
// from 0; the one with last_chunk set has the highest index. An empty answer is one empty chunk.
struct BulkConnectionReport {
  uint64_t request_id = 0;
  IpAddr dvipa;
  uint32_t chunk_index = 0;
  bool last_chunk = false;
  std::vector<ConnTuple> connections;  // 0..kMaxConnections
  friend bool operator==(const BulkConnectionReport&, const BulkConnectionReport&) = default;
};

// ---- ownership and membership -------------------------------------------------------------------

enum class TakeoverReason : uint8_t { kOwnerLeft = 1, kOwnerFailed = 2, kTakeback = 3 };

struct TakeoverNotice {
  IpAddr dvipa;
  std::string new_owner;
  uint64_t ownership_epoch = 0;
  TakeoverReason reason = TakeoverReason::kOwnerLeft;
  friend bool operator==(const TakeoverNotice&, const TakeoverNotice&) = default;
};

enum class LeaveReason : uint8_t { kOperator = 1, kAutonomics = 2, kShutdown = 3 };

struct Leave {
  std::string node;    // the leaving node; must equal the header's sender
  LeaveReason reason = LeaveReason::kOperator;
  std::string detail;  // optional, printable ASCII, <= kMaxLeaveDetail (e.g. "pool critical")
  friend bool operator==(const Leave&, const Leave&) = default;
};

// ---- ShadowSa -----------------------------------------------------------------------------------

// A shadow SA pushed from the distributor to a target. KEY MATERIAL: `record` holds the SA's keys
// (its layout belongs to the SA manager). It lives in SecretBytes, so every copy is wiped when
// freed; it is never logged (to_string shows only its size) and is sent only sealed.
struct ShadowSa {
  uint32_t spi = 0;      // non-zero
  IpAddr dvipa;
  uint64_t version = 0;  // the SA manager's record version; a receiver keeps the highest
  SecretBytes record;    // 1..kMaxSaRecord bytes
  friend bool operator==(const ShadowSa&, const ShadowSa&) = default;
};

// ---- the variant --------------------------------------------------------------------------------

// Alternatives in MessageType order (index + 1 == type).
using Message = std::variant<Heartbeat, ListenerReport, ConnectionEnded, BulkConnectionRequest,
                             BulkConnectionReport, TakeoverNotice, ShadowSa, Leave>;

MessageType type_of(const Message& m);

// The node name the body claims as its sender (Heartbeat, ListenerReport, Leave), else empty.
std::string_view claimed_sender(const Message& m);

// Whether the message is well formed, with a message naming the first field that is not.
[[nodiscard]] Status validate(const Message& m);

// Appends the body (version byte first) to out; fails, appending nothing, if validate() fails.
[[nodiscard]] Status encode_body(const Message& m, SecretBytes& out);

// Parses and validates a body of the given type; rejects unknown versions, trailing bytes and
// every value validate() refuses.
[[nodiscard]] Result<Message> decode_body(MessageType type, std::span<const uint8_t> body);

// One line for displays and logs, e.g. "heartbeat SYS1 active inc=3 weight=40 xcf=198.18.0.1
// dvipas=[198.19.0.10 owner epoch=7]". ShadowSa shows "record=<N bytes redacted>".
std::string to_string(const Message& m);
std::string to_string(const Heartbeat& m);
std::string to_string(const ListenerReport& m);
std::string to_string(const ConnectionEnded& m);
std::string to_string(const BulkConnectionRequest& m);
std::string to_string(const BulkConnectionReport& m);
std::string to_string(const TakeoverNotice& m);
std::string to_string(const ShadowSa& m);
std::string to_string(const Leave& m);
std::string to_string(const ConnTuple& c);
std::string_view to_string(MemberState s);
std::string_view to_string(DvipaRole r);
std::string_view to_string(TakeoverReason r);
std::string_view to_string(LeaveReason r);

}  // namespace sysplex::channel
