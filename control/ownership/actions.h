// What the ownership state machine tells its node to do, one typed action each: the lead carries
// them out on the data plane and the group channel; the machine itself touches only the store.
//
// Connections across a move (z/OS MOVEABLE semantics, see member.h): the node that gets a DVIPA
// activates it with a new, higher epoch and, when the DVIPA is distributed or its previous owner is
// still a member, asks every target (the previous owner included) for its connections
// (RequestConnections), so packets of connections that live elsewhere are forwarded there. The node
// that loses it while alive deactivates with keep_connections: it stops answering ARP/ND and taking
// new connections, but keeps serving its own established connections, which now arrive forwarded by
// the new owner (accepted as a target, at the new epoch). StopServing ends that once the lead reports
// the node idle for the DVIPA (Inputs::local_idle).
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "config/net.h"

namespace sysplex::ownership {

enum class ActivateReason : uint8_t {
  kDefine,          // the VIPADEFINE owner activates it; nobody held it before
  kTakeoverFailed,  // the owner's heartbeats stopped for miss_count x heartbeat_ms
  kTakeoverLeft,    // the owner left (its ownership or member record disappeared)
  kTakeback,        // this (re)joining VIPADEFINE owner took it back per MOVEABLE
  kReactivate,      // VARY ... REACTIVATE
  kRecovered,       // the store is back and still names this node (after a self-fence)
};

enum class DeactivateReason : uint8_t {
  kTakenOver,   // another node claimed it (it judged this node failed)
  kTakenBack,   // its VIPADEFINE owner (re)joined and took it back
  kOperator,    // VARY ... DEACTIVATE
  kLeave,       // this node leaves the group (operator, autonomics or shutdown)
  kFenced,      // the lease could not be renewed for lease_ms (minus the margin): self-fencing
  kLeaseLost,   // the store says this node's lease has expired
  kRecordLost,  // the ownership record vanished although this node still holds its lease
};

// The reason a takeover notice carries (values as the channel's TakeoverReason).
enum class NoticeReason : uint8_t { kOwnerLeft = 1, kOwnerFailed = 2, kTakeback = 3 };

// Own the DVIPA from now on at `epoch`: answer ARP/ND, deliver locally, distribute if configured.
// A repeated Activate for an active DVIPA carries a new epoch (the data plane adopts it).
struct Activate {
  Prefix dvipa;
  uint64_t epoch = 0;
  bool distribute = false;          // a VIPADISTRIBUTE names it on this node: act as distributor
  ActivateReason reason = ActivateReason::kDefine;
  std::string previous_owner;       // the last other node seen owning it ("" if none)
  friend bool operator==(const Activate&, const Activate&) = default;
};

// Stop owning it. With keep_connections, keep serving this node's established connections for it
// (forwarded by the new owner) until StopServing; without, drop them (the node leaves).
struct Deactivate {
  IpAddr dvipa;
  uint64_t epoch = 0;               // the epoch given up
  DeactivateReason reason = DeactivateReason::kOperator;
  bool keep_connections = true;
  std::string new_owner;            // when known
  friend bool operator==(const Deactivate&, const Deactivate&) = default;
};

// The connections kept after a Deactivate have ended: stop accepting them.
struct StopServing {
  IpAddr dvipa;
  friend bool operator==(const StopServing&, const StopServing&) = default;
};

// This node now stands by for the DVIPA (it shows as BACKUP): e.g. fetch SA records ahead of need.
struct BecomeBackup {
  IpAddr dvipa;
  uint8_t rank = 0;                 // 0 for a VIPADEFINE owner standing by
  friend bool operator==(const BecomeBackup&, const BecomeBackup&) = default;
};

// Tell every member (group channel TakeoverNotice) that this node now owns it at `epoch`.
struct SendTakeoverNotice {
  IpAddr dvipa;
  uint64_t epoch = 0;
  NoticeReason reason = NoticeReason::kOwnerLeft;
  friend bool operator==(const SendTakeoverNotice&, const SendTakeoverNotice&) = default;
};

// Ask every target for its connections to the DVIPA (BulkConnectionRequest at `epoch`).
struct RequestConnections {
  IpAddr dvipa;
  uint64_t epoch = 0;
  friend bool operator==(const RequestConnections&, const RequestConnections&) = default;
};

// Gratuitous ARP (IPv4) / unsolicited neighbour advertisement (IPv6) for the DVIPA.
struct Announce {
  IpAddr dvipa;
  friend bool operator==(const Announce&, const Announce&) = default;
};

using Action = std::variant<Activate, Deactivate, StopServing, BecomeBackup, SendTakeoverNotice,
                            RequestConnections, Announce>;

std::string_view to_string(ActivateReason r);
std::string_view to_string(DeactivateReason r);
std::string_view to_string(NoticeReason r);
// One line for logs, e.g. "activate 198.18.0.10/32 epoch=4 distribute reason=takeover-failed".
std::string to_string(const Action& a);

}  // namespace sysplex::ownership
