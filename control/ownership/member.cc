// The membership half of the state machine: operator requests, the join and leave sequences, the
// lease, the view's freshness (full reads, the watch, the periodic re-read) and the store's health.
#include "control/ownership/member.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace sysplex::ownership {
namespace {

using std::chrono::milliseconds;

Status invalid(std::string message) { return make_error(Errc::kInvalidArgument, std::move(message)); }

Status check_profile(const config::Profile& p) {
  const char* kRule = "' must be 1-8 of A-Z, 0-9, @, # and $";
  if (!is_system_name(p.node_name)) return invalid("node name '" + p.node_name + kRule);
  if (!is_system_name(p.group.name)) return invalid("group name '" + p.group.name + kRule);
  if (p.store.lease_ms == 0) return invalid("the store lease must be positive");
  if (p.group.heartbeat_ms == 0 || p.group.miss_count == 0)
    return invalid("heartbeat_ms and miss_count must be positive");
  if (p.node_addrs.size() > kMaxMemberAddrs)
    return invalid("at most " + std::to_string(kMaxMemberAddrs) + " NODEADDRs fit a member record, not " +
                   std::to_string(p.node_addrs.size()));
  size_t n = p.vipadynamic.defines.size() + p.vipadynamic.backups.size();
  if (n > kMaxMemberDvipas)
    return invalid("at most " + std::to_string(kMaxMemberDvipas) + " VIPADEFINE/VIPABACKUP DVIPAs, not " +
                   std::to_string(n));
  std::set<IpAddr> seen;
  for (const auto& d : p.vipadynamic.defines)
    if (!seen.insert(d.dvipa.addr).second) return invalid("DVIPA " + to_string(d.dvipa.addr) + " is defined twice");
  for (const auto& b : p.vipadynamic.backups) {
    if (!seen.insert(b.dvipa).second) return invalid("DVIPA " + to_string(b.dvipa) + " is both defined and backed up");
    if (b.rank < 1 || b.rank > 254) return invalid("VIPABACKUP rank of " + to_string(b.dvipa) + " must be 1-254");
  }
  return ok_status();
}

Options resolve(Options o, const config::Profile& p) {
  uint32_t hb = p.group.heartbeat_ms, lease = p.store.lease_ms;
  if (o.takeover_grace_ms == 0) o.takeover_grace_ms = hb * p.group.miss_count;
  if (o.fence_margin_ms == 0) o.fence_margin_ms = std::min(2 * hb, lease / 4);
  if (o.renew_ms == 0) o.renew_ms = std::max<uint32_t>(1, lease / 3);
  if (o.verify_ms == 0) o.verify_ms = o.renew_ms;
  if (o.backoff_min_ms == 0) o.backoff_min_ms = hb;
  if (o.backoff_max_ms == 0) o.backoff_max_ms = std::max(o.backoff_min_ms, lease / 6);
  if (o.max_store_calls == 0) o.max_store_calls = 1;
  return o;
}

OutReason out_reason(LeaveCause c) {
  if (c == LeaveCause::kOperator) return OutReason::kOperatorLeave;
  return c == LeaveCause::kAutonomics ? OutReason::kAutonomicsLeave : OutReason::kShutdown;
}

bool distributed(const config::Profile& p, const IpAddr& dvipa) {
  for (const auto& d : p.vipadynamic.distributes)
    if (d.dvipa == dvipa) return true;
  return false;
}

}  // namespace

Result<std::unique_ptr<GroupMember>> GroupMember::create(const config::Profile& profile, store::Store& store,
                                                         Options options) {
  if (auto st = check_profile(profile); !st) return st.error();
  if (options.fence_margin_ms >= profile.store.lease_ms)
    return invalid("the fence margin (" + std::to_string(options.fence_margin_ms) + " ms) must be below the lease (" +
                   std::to_string(profile.store.lease_ms) + " ms)")
        .error();
  return std::unique_ptr<GroupMember>(new GroupMember(profile, store, std::move(options)));
}

GroupMember::GroupMember(const config::Profile& p, store::Store& store, Options options)
    : node_(p.node_name),
      addrs_(p.node_addrs),
      group_name_(p.group.name),
      lease_ms_(p.store.lease_ms),
      window_ms_(p.group.heartbeat_ms * p.group.miss_count),
      join_mode_(p.global.monitor.join),
      opt_(resolve(std::move(options), p)),
      keys_(opt_.key_prefix, p.group.name),
      store_(store),
      view_(keys_) {
  for (const auto& d : p.vipadynamic.defines) {
    Dvipa x;
    x.prefix = d.dvipa;
    x.origin = Origin::kDefine;
    x.moveable = d.moveable;
    x.distribute = distributed(p, d.dvipa.addr);
    dvipas_.push_back(std::move(x));
  }
  for (const auto& b : p.vipadynamic.backups) {
    Dvipa x;
    x.prefix = Prefix{b.dvipa, uint8_t(b.dvipa.family_bits())};
    x.origin = Origin::kBackup;
    x.rank = b.rank;
    x.moveable = b.moveable;
    x.distribute = distributed(p, b.dvipa);
    dvipas_.push_back(std::move(x));
  }
  auto_join_ = join_mode_ != config::JoinMode::kNoJoin;
  state_.node = node_;
  state_.group = group_name_;
}

GroupMember::~GroupMember() { forget_watch(); }

StepResult GroupMember::step(uint64_t now_ms, const Inputs& in) {
  StepResult out;
  now_ = std::max(now_, now_ms);  // a clock that steps back is held, never followed
  budget_ = opt_.max_store_calls;
  for (const auto& r : in.requests) out.replies.push_back(handle(r));
  if (join_ == JoinState::kOut && join_due(in)) begin_join();
  if (lease_ != 0) {
    keep_lease();
    sync_view();
  }
  if (join_ == JoinState::kJoining) advance_join();
  if (join_ == JoinState::kMember) {
    track_members();
    write_member_record();
    decide_all(in);
  } else if (join_ == JoinState::kLeaving) {
    advance_leave();
  }
  reconcile(in, out.actions);
  publish_state(in);
  return out;
}

// ---- operator requests --------------------------------------------------------------------------

Status GroupMember::handle(const Request& r) {
  auto precondition = [](std::string m) { return make_error(Errc::kFailedPrecondition, std::move(m)); };
  switch (r.kind) {
    case RequestKind::kJoin:
      if (join_ != JoinState::kOut) return precondition(node_ + " is already in group " + group_name_);
      join_requested_ = true;
      return ok_status();
    case RequestKind::kLeave:
      if (join_ == JoinState::kLeaving) return precondition(node_ + " is already leaving group " + group_name_);
      auto_join_ = join_requested_ = false;
      if (join_ != JoinState::kOut) begin_leave(r.cause);
      if (join_ == JoinState::kOut && out_ == OutReason::kLeaseLost) out_ = out_reason(r.cause);  // no rejoin
      return ok_status();
    case RequestKind::kQuiesce:
    case RequestKind::kResume: {
      bool quiesce = r.kind == RequestKind::kQuiesce;
      if (quiesced_ == quiesce) return precondition(node_ + (quiesce ? " is already quiesced" : " is not quiesced"));
      quiesced_ = quiesce;
      member_dirty_ = true;
      return ok_status();
    }
    case RequestKind::kDeactivate:
    case RequestKind::kReactivate: return handle_dvipa(r);
  }
  return make_error(Errc::kInvalidArgument, "unknown request");
}

Status GroupMember::handle_dvipa(const Request& r) {
  auto it = std::find_if(dvipas_.begin(), dvipas_.end(), [&](const Dvipa& d) { return d.prefix.addr == r.dvipa; });
  if (it == dvipas_.end())
    return make_error(Errc::kNotFound, to_string(r.dvipa) + " is not a VIPADEFINE or VIPABACKUP DVIPA of " + node_);
  bool deactivate = r.kind == RequestKind::kDeactivate;
  if (it->deactivated == deactivate)
    return make_error(Errc::kFailedPrecondition,
                      to_string(r.dvipa) + (deactivate ? " is already deactivated" : " is not deactivated"));
  it->deactivated = deactivate;
  it->takeback = !deactivate && it->origin == Origin::kDefine;
  it->reactivated = it->takeback;
  member_dirty_ = true;
  return ok_status();
}

// ---- join ---------------------------------------------------------------------------------------

bool GroupMember::join_due(const Inputs& in) {
  if (!auto_join_ && !join_requested_) {
    if (out_ == OutReason::kNotJoined)
      detail_ = join_mode_ == config::JoinMode::kNoJoin ? "NOJOIN: waiting for an operator join"
                                                         : "waiting for an operator join";
    return false;
  }
  if (join_mode_ == config::JoinMode::kDelayJoin && !in.join_ready) {
    detail_ = "DELAYJOIN: waiting for the route source and monitored interfaces";
    return false;
  }
  return true;
}

void GroupMember::begin_join() {
  join_ = JoinState::kJoining;
  join_requested_ = false;
  detail_ = "joining";
  synced_ = false;
}

void GroupMember::advance_join() {
  if (!store_ready()) return;
  if (lease_ == 0) {
    if (!spend()) return;
    auto lease = store_.grant_lease(milliseconds(lease_ms_));
    if (!call_ok(lease)) return;
    lease_ = *lease;
    renewed_at_ = now_;
    next_renew_ = now_ + opt_.renew_ms;
  }
  if (!synced_ && !resync()) return;
  const MemberEntry* me = view_.member(node_);
  if (me && me->lease == lease_) {  // an earlier attempt's outcome was unknown: it did land
    incarnation_ = me->record ? me->record->incarnation : incarnation_;
    joined();
    return;
  }
  if (me) {
    detail_ = "waiting for the member record of an earlier " + node_ + " (lease " + std::to_string(me->lease) +
              ") to expire";
    return;
  }
  if (put_member_record_cas()) joined();
}

MemberRecord GroupMember::member_record(uint64_t incarnation) const {
  MemberRecord r;
  r.incarnation = incarnation;
  r.phase = phase_;
  r.quiesced = quiesced_;
  r.addrs = addrs_;
  for (const auto& d : dvipas_)
    r.dvipas.push_back(MemberDvipa{d.prefix, d.origin, d.rank, d.moveable, d.deactivated, d.distribute});
  return r;
}

// The member record and the incarnation counter in one CAS: no other record of this name may exist.
bool GroupMember::put_member_record_cas() {
  const CounterEntry* inc = view_.incarnation(node_);
  if (inc && !inc->record) {
    detail_ = "cannot join: the incarnation record " + keys_.incarnation(node_) + " is malformed (" + inc->error +
              "); delete it to let " + node_ + " join";
    return false;
  }
  if (!spend()) return false;
  uint64_t next = (inc ? *inc->record : 0) + 1;
  phase_ = MemberPhase::kJoining;
  std::string mkey = keys_.member(node_), ikey = keys_.incarnation(node_);
  store::Txn t;
  t.compare = {store::Compare::absent(mkey),
               inc ? store::Compare::mod_revision_is(ikey, inc->mod_revision) : store::Compare::absent(ikey)};
  t.success = {store::Op::put(mkey, encode(member_record(next)), lease_), store::Op::put(ikey, encode_counter(next))};
  t.failure = {store::Op::get(mkey), store::Op::get(ikey)};
  auto r = store_.txn(t);
  if (!call_ok(r)) {
    if (r.error().code == Errc::kNotFound) lease_lost();
    synced_ = false;  // the outcome may be unknown: read before trying again
    return false;
  }
  if (!r->succeeded) {
    take_txn_answer(*r, mkey, ikey);
    return false;
  }
  view_.put(store::KeyValue{mkey, t.success[0].value, r->revision, r->revision, 1, lease_});
  view_.put(store::KeyValue{ikey, t.success[1].value, r->revision, r->revision, 1, 0});
  incarnation_ = next;
  return true;
}

void GroupMember::joined() {
  join_ = JoinState::kMember;
  phase_ = MemberPhase::kJoining;
  first_pass_ = false;
  detail_.clear();
  ++counters_.joins;
  seen_.clear();
  for (auto& d : dvipas_) {
    d.takeback = d.origin == Origin::kDefine && !d.deactivated;
    d.vacant_since = 0;
  }
}

// ---- lease --------------------------------------------------------------------------------------

void GroupMember::keep_lease() {
  if (now_ < next_renew_ || !store_ready()) return;
  Status st = store_.keep_alive(lease_);
  note(st.ok() ? nullptr : &st.error());
  if (st.ok()) {
    renewed_at_ = now_;
    next_renew_ = now_ + opt_.renew_ms;
  } else if (st.error().code == Errc::kNotFound) {
    lease_lost();
  } else {
    next_renew_ = next_attempt_;
  }
}

void GroupMember::lease_lost() {
  ++counters_.leases_lost;
  lease_ = 0;
  renewed_at_ = 0;
  forget_watch();
  view_.clear();
  synced_ = false;
  if (join_ == JoinState::kLeaving) {
    finish_leave();
    return;
  }
  if (join_ == JoinState::kMember) remember_left(node_, incarnation_, true);
  join_ = JoinState::kOut;
  out_ = OutReason::kLeaseLost;
  auto_join_ = true;  // the group dropped this node: join again, as a new incarnation
  detail_ = "the store expired this node's lease; joining again";
}

// ---- the view -----------------------------------------------------------------------------------

void GroupMember::sync_view() {
  if (lease_ == 0 || !store_ready()) return;
  if (!synced_ || now_ >= next_verify_) {
    resync();
    return;
  }
  // An empty poll proves nothing about the store (a backend may return none while unreachable), so
  // only its failures count towards the store's health.
  auto events = store_.poll_watch(watch_, milliseconds(0));
  if (!events.ok()) {
    note(&events.error());
    if (events.error().code != Errc::kUnavailable) {
      forget_watch();  // compacted or cancelled: read everything again
      resync();
    }
    return;
  }
  for (const auto& e : *events) view_.apply(e);
}

// A full read of the group, then (if there is none) a watch from just after it.
bool GroupMember::resync() {
  if (!spend()) return false;
  store::Revision at = 0;
  auto kvs = store_.get(keys_.group(), true, &at);
  if (!call_ok(kvs)) return false;
  view_.replace_all(*kvs, at);
  ++counters_.resyncs;
  last_read_ = now_;
  next_verify_ = now_ + opt_.verify_ms;
  if (watch_ == 0) {
    if (!spend()) return false;
    auto w = store_.watch(keys_.group(), at + 1);
    if (!call_ok(w)) return false;
    watch_ = *w;
  }
  synced_ = true;
  return true;
}

void GroupMember::forget_watch() {
  if (watch_ != 0) store_.cancel_watch(watch_);
  watch_ = 0;
}

void GroupMember::track_members() {
  for (const auto& [name, m] : view_.members()) {
    uint64_t inc = m.record ? m.record->incarnation : 0;
    Seen& s = seen_[name];
    if (s.since_ms == 0 || s.incarnation != inc) s = Seen{inc, now_};
    std::erase_if(left_, [&](const MemberRow& r) { return r.node == name; });
  }
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (view_.member(it->first)) {
      ++it;
      continue;
    }
    remember_left(it->first, it->second.incarnation, it->first == node_);
    it = seen_.erase(it);
  }
}

void GroupMember::remember_left(const std::string& node, uint64_t incarnation, bool self) {
  std::erase_if(left_, [&](const MemberRow& r) { return r.node == node; });
  MemberRow row;
  row.node = node;
  row.status = MemberStatus::kLeft;
  row.self = self;
  row.incarnation = incarnation;
  row.since_ms = now_;
  left_.push_front(std::move(row));
  while (left_.size() > opt_.left_history) left_.pop_back();
}

// The member record again (phase, quiesce, deactivations), only while it is still ours.
void GroupMember::write_member_record() {
  if (!member_dirty_ || !store_ready() || !spend()) return;
  std::string mkey = keys_.member(node_);
  store::Txn t;
  t.compare = {store::Compare{mkey, store::Compare::Target::kLease, store::Compare::Result::kEqual, lease_, {}}};
  t.success = {store::Op::put(mkey, encode(member_record(incarnation_)), lease_)};
  t.failure = {store::Op::get(mkey)};
  auto r = store_.txn(t);
  if (!call_ok(r)) {
    if (r.error().code == Errc::kNotFound) lease_lost();
    return;
  }
  if (!r->succeeded) {  // the record is gone or not ours: the group no longer has this member
    view_.replace_key(mkey, r->responses[0], r->revision);
    lease_lost();
    return;
  }
  view_.put(store::KeyValue{mkey, t.success[0].value, 0, r->revision, 0, lease_});
  member_dirty_ = false;
}

// ---- leave --------------------------------------------------------------------------------------

void GroupMember::begin_leave(LeaveCause cause) {
  leave_cause_ = cause;
  if (join_ == JoinState::kJoining) {  // not a member yet: nothing to release
    finish_leave();
    return;
  }
  join_ = JoinState::kLeaving;
  phase_ = MemberPhase::kLeaving;
  member_dirty_ = true;
  detail_ = "leaving";
}

// Releases what it owns so backups take over at once, then revokes the lease. An unreachable store
// ends the leave locally: the lease then expires by itself.
void GroupMember::advance_leave() {
  if (store_down_) {
    finish_leave();
    return;
  }
  write_member_record();
  bool pending = false;
  for (auto& d : dvipas_) {
    if (join_ != JoinState::kLeaving) return;  // the lease went meanwhile: the leave is over
    const OwnerEntry* o = view_.owner(d.prefix.addr);
    if (!mine(o)) continue;
    release(d, *o);
    pending = pending || mine(view_.owner(d.prefix.addr));
  }
  if (join_ == JoinState::kLeaving && (store_down_ || !pending)) finish_leave();
}

void GroupMember::finish_leave() {
  if (lease_ != 0 && !store_down_) {
    Status st = store_.revoke_lease(lease_);
    note(st.ok() || st.error().code == Errc::kNotFound ? nullptr : &st.error());
  }
  if (join_ == JoinState::kMember || join_ == JoinState::kLeaving) remember_left(node_, incarnation_, true);
  forget_watch();
  view_.clear();
  synced_ = false;
  lease_ = 0;
  renewed_at_ = 0;
  join_ = JoinState::kOut;
  out_ = out_reason(leave_cause_);
  phase_ = MemberPhase::kJoining;
  auto_join_ = join_requested_ = false;
  member_dirty_ = false;
  detail_.clear();
  ++counters_.leaves;
  for (auto& d : dvipas_) {
    d.takeback = false;
    d.vacant_since = 0;
  }
}

// ---- store health -------------------------------------------------------------------------------

bool GroupMember::store_ready() const { return !store_down_ || now_ >= next_attempt_; }

bool GroupMember::spend() {
  if (budget_ == 0) return false;
  --budget_;
  return true;
}

// Every store call's outcome: kUnavailable starts or extends the outage (and its backoff); any
// answer from the store ends it, and the view is re-read since what happened meanwhile is unknown.
void GroupMember::note(const Error* error) {
  if (error && error->code == Errc::kUnavailable) {
    ++counters_.store_failures;
    if (!store_down_) down_since_ = now_;
    store_down_ = true;
    backoff_ = backoff_ == 0 ? opt_.backoff_min_ms : std::min(2 * backoff_, opt_.backoff_max_ms);
    next_attempt_ = now_ + backoff_;
    store_error_ = error->message;
    return;
  }
  if (store_down_) synced_ = false;
  store_down_ = false;
  backoff_ = 0;
  down_since_ = 0;
  store_error_.clear();
}

}  // namespace sysplex::ownership
