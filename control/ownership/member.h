// A node's group membership and the ownership of its DVIPAs, as one pure state machine the lead
// steps on the node's group thread: store calls in, typed actions out; no sockets, no sleeping.
//
// Each step(now_ms, inputs) the lead passes what it learned since the last one (peers heard on the
// group channel, join readiness, queued operator requests, idle signals) and carries out the actions
// returned (actions.h). The machine talks to the group store only (records.h has the schema) through
// synchronous calls bounded by the store's own timeouts; after a failure it backs off and calls again
// no earlier than the backoff allows, so a step during an outage costs at most one call. The lead
// keeps the store's call deadline well below lease_ms / 3 (e.g. etcd attempt 300 ms, call 500 ms for
// the default 3000 ms lease): a step blocked in a call delays self-fencing by that much.
//
// The rules (z/OS Communications Server behaviour, IP Configuration Guide and Reference, see below):
//  - Join (GLOBALCONFIG SYSPLEXMONITOR): NODELAYJOIN joins at the first step, DELAYJOIN once
//    Inputs::join_ready (route source ready, monitored interfaces up), NOJOIN only on an operator
//    join (VARY TCPIP,,SYSPLEX,JOINGROUP); under DELAYJOIN an operator join also waits for readiness.
//    Joining grants a lease of lease_ms, waits until no member record of this node's name remains
//    (a previous incarnation's expires within lease_ms), then puts the member record and bumps the
//    node's incarnation in one compare-and-swap. The lease is renewed every lease_ms / 3.
//  - Activation: a (re)joining VIPADEFINE owner claims each of its DVIPAs nobody owns at once. A
//    DVIPA another live member owns is taken back per the VIPADEFINE's MOVEABLE: IMMEDIATE at once
//    (the previous owner keeps its connections, forwarded by the new owner; actions.h), WHENIDLE once
//    Inputs::owner_idle names it (the DVIPA shows MOVING meanwhile). Only a join (or REACTIVATE) arms
//    a takeback: a definer that lost a DVIPA while staying a member (its heartbeats were lost) does
//    not grab it back, so a flaky link cannot make ownership flap. A VIPABACKUP node activates a
//    DVIPA only once it has been owned in the group (its epoch exists), as a plain z/OS VIPABACKUP
//    does not create a DVIPA its VIPADEFINE owner never activated (Options::backup_activates_unowned
//    gives the VIPABACKUP MOVEABLE form's behaviour instead).
//  - Takeover: a DVIPA is vacant when its ownership record is gone, its owner's member record is gone
//    (left), or its owner failed: no heartbeat for miss_count x heartbeat_ms (counted from the later
//    of the last heartbeat and when this node first saw that member's record), or its record belongs
//    to a previous incarnation or lease. Silence counts only from an owner this node heard after it
//    first saw the owner's current record: one that claimed since it was last heard reached the
//    store, so its silence is a channel partition and is left to its lease (two live nodes that
//    cannot hear each other never take a DVIPA from each other in turns). The live candidates
//    (members whose record lists the DVIPA, not deactivated, not leaving, not failed) rank VIPADEFINE
//    owners first, then VIPABACKUP by rank (254 first), ties by node name (alphabetical first). The
//    candidate at position p claims once p x takeover_grace has passed since it saw the vacancy, so
//    the best claims at once and the next ones only if the better ones have not (they may be dead
//    too). A claim is a CAS against the ownership and epoch records as last read, writing the record
//    under this node's lease and the epoch + 1; a lost CAS returns the records as they are, so the
//    next decision uses them.
//  - Fencing: the node acts as owner only while its view of the store (its own claim, a read or a
//    watch event) names it under its current lease, and its lease is alive: a view showing another
//    owner deactivates at once; not renewing the lease for lease_ms - fence_margin (counted from the
//    step that sent the last successful renewal) deactivates everything (self-fencing), before the
//    store could expire the lease. A CAS that fails with kUnavailable (the etcd client's "outcome is
//    unknown") is never assumed either way: the node re-reads the group before it decides again.
//  - Leave (operator, autonomics, shutdown): the member record turns "leaving", owned DVIPAs are
//    released (ownership record deleted, epoch + 1, so backups take over at once), the lease is
//    revoked; definitions are kept and a later join reprocesses them. A lost lease (the store
//    expired it) deactivates everything and rejoins as a new incarnation, as after a leave.
//  - Deactivate/reactivate one DVIPA (VARY TCPIP,,SYSPLEX,DEACTIVATE/REACTIVATE): deactivating an
//    owned DVIPA releases it (QUIESCING while this node still has connections, then DEACTIVATED); a
//    deactivated DVIPA is no candidate. Reactivating a VIPADEFINE takes it back per MOVEABLE.
//  - Quiesce/resume (VARY TCPIP,,SYSPLEX,QUIESCE/RESUME,TARGET): recorded in the member record and
//    shown; the lead stops giving this node new connections. Ownership is not affected.
//  - Store outage: nothing is deactivated before the lease could have expired; calls back off from
//    backoff_min to backoff_max; the outage shows in the state; afterwards the view is re-read and
//    the node carries on (re-activating, at the same epoch, what the store still says it owns).
//
// Timing (s = the lead's step period, C = one store call's round trip, W = miss_count x heartbeat_ms):
//  - takeover after an owner dies: within W + s + C by the best live candidate; a candidate at
//    position p, within W + p x grace + s + C. After a leave: within s + C + the watch's delivery.
//  - double ownership: an owner cut off from its peers but not the store deactivates at its next
//    step after the watch (or its periodic re-read, every lease_ms / 3) shows the new owner: the
//    overlap is at most s + the watch's delivery. An owner cut off from the store but heard by its
//    peers is not taken over before its lease expires, and fences itself before that: no overlap.
//    An owner cut off from both acts until its fence, at most lease_ms - fence_margin after its last
//    renewal, while a backup claims W - heartbeat_ms after its last heartbeat at the earliest: the
//    overlap is at most lease_ms - fence_margin + s - (miss_count - 1) x heartbeat_ms (2.7 s with
//    the defaults). It is safe for the data plane because every ownership change increments the
//    DVIPA's epoch in the same transaction: the new owner's epoch is strictly higher than any the
//    old owner holds, its takeover notice, connection request and GRE key carry it, and targets
//    refuse distributor traffic whose epoch is older than the newest they have seen. Two ownerships
//    never share an epoch: the epoch record is never deleted and only a successful CAS moves it.
//
// z/OS references relied on: IP Configuration Reference, VIPADEFINE and VIPABACKUP statements
// (MOVEABLE IMMEDIATE/WHENIDLE, rank 1-254, larger ranks earlier in the backup chain; VIPABACKUP
// alone takes over only an existing DVIPA); the TCP/IP MIB's ibmMvsDVIPAMoveable ("immediate: moved
// as soon as the other stack requests ownership; existing connections are maintained by the new
// owning stack; whenIdle: moved when there are no connections for it on this stack, new connection
// requests continue to go to this stack meanwhile"); IP Configuration Guide, "Planning for dynamic
// VIPA takeover" (takeover when the owner terminates or leaves the group), "Manually initiating
// takeover for an individual dynamic VIPA" (DEACTIVATE keeps the DVIPA QUIESCING until its last
// connection ends; REACTIVATE makes the backup relinquish it; a deactivated backup is not eligible),
// "Sysplex problem detection and recovery" (DELAYJOIN); IP System Administrator's Commands, VARY
// TCPIP,,SYSPLEX (LEAVEGROUP deletes the DVIPAs and keeps the VIPADYNAMIC configuration, JOINGROUP
// reprocesses it, QUIESCE/RESUME TARGET) and Netstat VIPADYN status values (Active, Backup, Moving,
// Quiescing, Deactivated).
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/net.h"
#include "config/profile.h"
#include "config/result.h"
#include "control/ownership/actions.h"
#include "control/ownership/records.h"
#include "control/ownership/view.h"
#include "control/store/store.h"

namespace sysplex::ownership {

struct Options {
  std::string key_prefix = "/sysplex/";   // keys are key_prefix + group + "/..." (records.h)
  uint32_t takeover_grace_ms = 0;          // per candidate position; 0: miss_count x heartbeat_ms
  uint32_t fence_margin_ms = 0;            // fence this much before the lease could expire;
                                           // 0: 2 x heartbeat_ms, at most lease_ms / 4
  uint32_t renew_ms = 0;                   // lease renewal period; 0: lease_ms / 3
  uint32_t verify_ms = 0;                  // full re-read of the group (watch backstop); 0: renew_ms
  uint32_t backoff_min_ms = 0;             // after a store failure; 0: heartbeat_ms
  uint32_t backoff_max_ms = 0;             // 0: lease_ms / 6
  bool backup_activates_unowned = false;   // VIPABACKUP may activate a DVIPA never owned before
  uint32_t max_store_calls = 64;           // per step, lease renewals not counted; the rest waits
  size_t left_history = 16;                // members shown as "left"
};

enum class RequestKind : uint8_t { kJoin, kLeave, kDeactivate, kReactivate, kQuiesce, kResume };
enum class LeaveCause : uint8_t { kOperator, kAutonomics, kShutdown };

// An operator (or autonomics) request, queued by the lead since the last step.
struct Request {
  RequestKind kind = RequestKind::kJoin;
  IpAddr dvipa;                            // kDeactivate, kReactivate
  LeaveCause cause = LeaveCause::kOperator;// kLeave

  static Request join() { return {RequestKind::kJoin, {}, LeaveCause::kOperator}; }
  static Request leave(LeaveCause c = LeaveCause::kOperator) { return {RequestKind::kLeave, {}, c}; }
  static Request deactivate(const IpAddr& d) { return {RequestKind::kDeactivate, d, LeaveCause::kOperator}; }
  static Request reactivate(const IpAddr& d) { return {RequestKind::kReactivate, d, LeaveCause::kOperator}; }
  static Request quiesce() { return {RequestKind::kQuiesce, {}, LeaveCause::kOperator}; }
  static Request resume() { return {RequestKind::kResume, {}, LeaveCause::kOperator}; }
};

// A peer as the group channel heard it. Liveness is recomputed from last_heard_ms against
// miss_count x heartbeat_ms; a heartbeat of an older incarnation than the member record's is not
// counted (the new process has not beaten yet). `alive` is the channel's own verdict, for displays.
struct PeerHeard {
  uint64_t last_heard_ms = 0;
  uint64_t incarnation = 0;                // 0: unknown
  bool alive = false;
};

struct Inputs {
  std::map<std::string, PeerHeard> peers;  // by node name; this node's own entry is ignored
  bool join_ready = false;                 // DELAYJOIN: route source ready and monitored interfaces up
  std::vector<Request> requests;           // in order; each gets a reply in StepResult::replies
  std::set<IpAddr> owner_idle;             // DVIPAs whose current (other) owner has no connections
  std::set<IpAddr> local_idle;             // DVIPAs this node has no connections of its own for
};

struct StepResult {
  std::vector<Action> actions;             // in order
  std::vector<Status> replies;             // one per request, same order
};

enum class JoinState : uint8_t { kOut, kJoining, kMember, kLeaving };
enum class OutReason : uint8_t { kNotJoined, kOperatorLeave, kAutonomicsLeave, kShutdown, kLeaseLost };

// NETSTAT VIPADYN statuses, plus INACTIVE for a node outside the group or self-fenced.
enum class DvipaStatus : uint8_t { kActive, kBackup, kMoving, kQuiescing, kDeactivated, kInactive };
enum class MemberStatus : uint8_t { kJoining, kActive, kLeaving, kLeft };

struct DvipaRow {
  Prefix dvipa;
  Origin origin = Origin::kDefine;
  uint8_t rank = 0;                        // VIPABACKUP rank; 0 for VIPADEFINE
  config::Moveable moveable = config::Moveable::kImmediate;
  bool distributed = false;
  DvipaStatus status = DvipaStatus::kInactive;
  std::string detail;                      // why (e.g. "takeback from SYS2 when idle")
  uint64_t since_ms = 0;                   // when the status last changed
  std::string owner;                       // the owner as this node's view of the store says ("": none)
  uint64_t epoch = 0;                      // the DVIPA's current epoch in the view
  bool acting = false;                     // this node acts as owner (told the data plane so)
  uint64_t acting_epoch = 0;               // the epoch it acts at
  store::Revision claim_revision = 0;      // the store revision of the ownership record it acts on
};

struct MemberRow {
  std::string node;
  MemberStatus status = MemberStatus::kJoining;
  bool self = false;
  bool quiesced = false;
  bool heard = false;                      // heartbeats within miss_count x heartbeat_ms (self: true)
  uint64_t incarnation = 0;
  std::vector<IpAddr> addrs;
  uint64_t since_ms = 0;                   // first seen in this incarnation, or when it left
  std::string error;                       // its record did not decode
};

struct Counters {
  uint64_t joins = 0, leaves = 0;
  uint64_t claims = 0, claims_won = 0, claims_lost = 0, claims_unknown = 0;
  uint64_t takeovers = 0, takebacks = 0, releases = 0;
  uint64_t self_fences = 0, leases_lost = 0;
  uint64_t store_failures = 0, resyncs = 0;
};

struct GroupState {
  std::string node, group;
  JoinState join = JoinState::kOut;
  OutReason out_reason = OutReason::kNotJoined;
  std::string detail;                      // what the join waits for, or the last problem
  uint64_t incarnation = 0;
  store::LeaseId lease = 0;
  bool quiesced = false;
  bool store_reachable = true;
  uint64_t store_down_since_ms = 0;
  std::string store_error;
  uint64_t fence_at_ms = 0;                // when the node fences itself without a renewal
  bool fenced = false;
  store::Revision revision = 0;            // the newest store revision in the view
  uint64_t last_read_ms = 0;               // the last full read of the group (the watch's backstop)
  uint64_t malformed_records = 0;
  std::vector<DvipaRow> dvipas;            // profile order: VIPADEFINEs, then VIPABACKUPs
  std::vector<MemberRow> members;          // members by name, then those that left, newest first
  Counters counters;
};

class GroupMember {
 public:
  // Checks the profile's names, addresses and timers; kInvalidArgument naming what is wrong. The
  // store client must outlive the machine (its watch belongs to that client).
  static Result<std::unique_ptr<GroupMember>> create(const config::Profile& profile, store::Store& store,
                                                     Options options = {});
  // Cancels the watch; does not leave (as a crash would: the lease expires, backups take over).
  ~GroupMember();
  GroupMember(const GroupMember&) = delete;
  GroupMember& operator=(const GroupMember&) = delete;

  StepResult step(uint64_t now_ms, const Inputs& in);

  const GroupState& state() const { return state_; }
  // For the lead's heartbeats: increases with every join; 0 before the first.
  uint64_t incarnation() const { return incarnation_; }
  const std::string& node() const { return node_; }

 private:
  enum class Role : uint8_t { kNone, kOwner, kMoving, kQuiescing };
  enum class Vacancy : uint8_t { kHeld, kNeverOwned, kLeft, kFailed };
  struct Dvipa {
    Prefix prefix;
    Origin origin = Origin::kDefine;
    uint8_t rank = 0;
    config::Moveable moveable = config::Moveable::kImmediate;
    bool distribute = false;
    bool deactivated = false;              // operator
    bool takeback = false;                 // armed by a join or REACTIVATE (VIPADEFINE only)
    bool reactivated = false;
    uint64_t vacant_since = 0;             // 0: not vacant in this node's view
    store::Revision vacancy_revision = -1; // the ownership key's revision when the vacancy began
    store::Revision record_revision = 0;   // the ownership record last seen, and when first seen
    uint64_t record_seen_ms = 0;
    std::string last_owner;                // the last other node seen owning it
    std::string problem;                   // a record that blocks claiming (shown in detail)
    Role role = Role::kNone;               // what the data plane was told
    uint64_t role_epoch = 0;
    store::Revision claim_revision = 0;
    DvipaStatus status = DvipaStatus::kInactive;
    uint64_t since_ms = 0;
    std::string detail;
  };
  struct Seen {
    uint64_t incarnation = 0;
    uint64_t since_ms = 0;
  };

  GroupMember(const config::Profile& profile, store::Store& store, Options options);

  // member.cc: requests, join, lease, view, leave, store health.
  Status handle(const Request& r);
  Status handle_dvipa(const Request& r);
  bool join_due(const Inputs& in);
  void begin_join();
  void advance_join();
  bool put_member_record_cas();
  void joined();
  void keep_lease();
  void lease_lost();
  void sync_view();
  bool resync();
  void forget_watch();
  void track_members();
  void write_member_record();
  MemberRecord member_record(uint64_t incarnation) const;
  void begin_leave(LeaveCause cause);
  void advance_leave();
  void finish_leave();
  void remember_left(const std::string& node, uint64_t incarnation, bool self);
  bool store_ready() const;
  bool spend();
  void note(const Error* error);
  template <typename T>
  bool call_ok(const Result<T>& r) {
    note(r.ok() ? nullptr : &r.error());
    return r.ok();
  }

  // member_claims.cc: per-DVIPA decisions and the transactions behind them.
  void decide_all(const Inputs& in);
  void decide(Dvipa& d, const Inputs& in);
  bool mine(const OwnerEntry* o) const;
  Vacancy vacancy(const OwnerEntry* o, const Dvipa& d, const Inputs& in) const;
  uint64_t last_heard(const std::string& node, const Inputs& in) const;
  bool failed(const std::string& node, const Inputs& in) const;
  int position(const Dvipa& d, const Inputs& in) const;
  void claim_vacant(Dvipa& d, const OwnerEntry* o, Vacancy v, const Inputs& in);
  void try_takeback(Dvipa& d, const OwnerEntry* o, const Inputs& in);
  void claim(Dvipa& d, const OwnerEntry* o, ClaimReason reason);
  bool claim_answered(const Result<store::TxnResult>& r, const std::string& okey, const std::string& ekey);
  void claimed(Dvipa& d, const store::Txn& t, store::Revision at, ClaimReason reason);
  void release(Dvipa& d, const OwnerEntry& o);
  void take_txn_answer(const store::TxnResult& r, const std::string& owner_key, const std::string& epoch_key);

  // member_reconcile.cc: what the data plane is told, statuses and the published state.
  void reconcile(const Inputs& in, std::vector<Action>& out);
  void activate(Dvipa& d, const OwnerEntry& o, std::vector<Action>& out);
  void deactivate(Dvipa& d, const OwnerEntry* o, std::vector<Action>& out);
  std::pair<DvipaStatus, std::string> status_of(const Dvipa& d, const OwnerEntry* o) const;
  void update_status(Dvipa& d, const OwnerEntry* o, std::vector<Action>& out);
  bool fenced() const;
  uint64_t fence_at() const;
  void publish_state(const Inputs& in);
  DvipaRow row(const Dvipa& d) const;
  std::vector<MemberRow> member_rows(const Inputs& in) const;

  // Configuration.
  std::string node_;
  std::vector<IpAddr> addrs_;
  std::string group_name_;
  uint32_t lease_ms_ = 0;
  uint32_t window_ms_ = 0;                 // miss_count x heartbeat_ms
  config::JoinMode join_mode_ = config::JoinMode::kNoDelayJoin;
  Options opt_;
  Keys keys_;
  store::Store& store_;
  GroupView view_;
  std::vector<Dvipa> dvipas_;

  // Membership.
  JoinState join_ = JoinState::kOut;
  OutReason out_ = OutReason::kNotJoined;
  LeaveCause leave_cause_ = LeaveCause::kOperator;
  bool auto_join_ = false;                 // join without an operator request (join mode, lease lost)
  bool join_requested_ = false;            // an operator join is pending
  bool first_pass_ = false;                // the first decisions after joining were made
  std::string detail_;
  store::LeaseId lease_ = 0;
  uint64_t incarnation_ = 0;
  MemberPhase phase_ = MemberPhase::kJoining;
  bool quiesced_ = false;
  bool member_dirty_ = false;              // the member record must be written again
  uint64_t renewed_at_ = 0;                // the step that sent the last successful renewal
  uint64_t next_renew_ = 0;
  bool was_fenced_ = false;

  // The view's freshness.
  bool synced_ = false;
  store::WatchId watch_ = 0;
  uint64_t next_verify_ = 0;
  uint64_t last_read_ = 0;

  // Store health and backoff.
  bool store_down_ = false;
  uint64_t down_since_ = 0;
  uint64_t next_attempt_ = 0;
  uint32_t backoff_ = 0;
  std::string store_error_;

  uint64_t now_ = 0;
  uint32_t budget_ = 0;
  std::map<std::string, Seen> seen_;       // members in the view, by name
  std::deque<MemberRow> left_;
  Counters counters_;
  GroupState state_;
};

std::string_view to_string(DvipaStatus s);   // "ACTIVE", "BACKUP", "MOVING", ...
std::string_view to_string(MemberStatus s);  // "joining", "active", "leaving", "left"
std::string_view to_string(JoinState s);
std::string_view to_string(OutReason r);

}  // namespace sysplex::ownership
