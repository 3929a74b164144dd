// What the data plane is told: each step compares what the view says this node may act on with
// what it was told last, and emits only the differences; then the displayed statuses and state.
#include "control/ownership/member.h"

#include <utility>

namespace sysplex::ownership {
namespace {

ActivateReason activate_reason(ClaimReason r) {
  switch (r) {
    case ClaimReason::kDefine: return ActivateReason::kDefine;
    case ClaimReason::kTakeoverFailed: return ActivateReason::kTakeoverFailed;
    case ClaimReason::kTakeoverLeft: return ActivateReason::kTakeoverLeft;
    case ClaimReason::kTakeback: return ActivateReason::kTakeback;
    case ClaimReason::kReactivate: return ActivateReason::kReactivate;
  }
  return ActivateReason::kDefine;
}

NoticeReason notice_reason(ClaimReason r) {
  if (r == ClaimReason::kTakeoverFailed) return NoticeReason::kOwnerFailed;
  if (r == ClaimReason::kTakeback || r == ClaimReason::kReactivate) return NoticeReason::kTakeback;
  return NoticeReason::kOwnerLeft;
}

// In place: GCC 12 at -O3 warns (falsely) of uninitialised fields when a temporary variant is
// moved into the vector.
template <typename T>
void emit(std::vector<Action>& out, T action) {
  out.emplace_back(std::in_place_type<T>, std::move(action));
}

MemberStatus member_status(MemberPhase p) {
  switch (p) {
    case MemberPhase::kJoining: return MemberStatus::kJoining;
    case MemberPhase::kActive: return MemberStatus::kActive;
    case MemberPhase::kLeaving: return MemberStatus::kLeaving;
  }
  return MemberStatus::kJoining;
}

}  // namespace

uint64_t GroupMember::fence_at() const {
  return lease_ == 0 ? 0 : renewed_at_ + lease_ms_ - opt_.fence_margin_ms;
}

bool GroupMember::fenced() const { return lease_ == 0 || now_ >= fence_at(); }

void GroupMember::reconcile(const Inputs& in, std::vector<Action>& out) {
  bool fence = join_ == JoinState::kMember && fenced();
  if (fence && !was_fenced_) ++counters_.self_fences;
  was_fenced_ = fence;
  for (auto& d : dvipas_) {
    const IpAddr& addr = d.prefix.addr;
    const OwnerEntry* o = view_.owner(addr);
    bool act = join_ == JoinState::kMember && !fenced() && mine(o) && !d.deactivated;
    if (act) {
      activate(d, *o, out);
    } else if (d.role == Role::kOwner) {
      deactivate(d, o, out);
    }
    bool kept = d.role == Role::kMoving || d.role == Role::kQuiescing;
    if (kept && (join_ == JoinState::kOut || in.local_idle.contains(addr))) {
      emit(out, StopServing{addr});
      d.role = Role::kNone;
    }
    update_status(d, o, out);
  }
}

// Activation at the record's epoch; a repeat at the same epoch (after a self-fence the store did not
// act on) is a recovery: no takeover notice, the same epoch kept.
void GroupMember::activate(Dvipa& d, const OwnerEntry& o, std::vector<Action>& out) {
  const OwnerRecord& rec = *o.record;
  d.claim_revision = o.mod_revision;
  if (d.role == Role::kOwner && d.role_epoch == rec.epoch) return;
  const IpAddr& addr = d.prefix.addr;
  bool recovered = d.role_epoch == rec.epoch;
  ActivateReason why = recovered ? ActivateReason::kRecovered : activate_reason(rec.reason);
  Activate a{d.prefix, rec.epoch, d.distribute, why, d.last_owner};
  emit(out, std::move(a));
  emit(out, Announce{addr});
  if (!recovered && rec.epoch > 1) emit(out, SendTakeoverNotice{addr, rec.epoch, notice_reason(rec.reason)});
  bool previous_member = !d.last_owner.empty() && view_.member(d.last_owner) != nullptr;
  if (d.distribute || previous_member) emit(out, RequestConnections{addr, rec.epoch});
  d.role = Role::kOwner;
  d.role_epoch = rec.epoch;
}

void GroupMember::deactivate(Dvipa& d, const OwnerEntry* o, std::vector<Action>& out) {
  std::string to = o && o->record && !mine(o) ? o->record->node : "";
  DeactivateReason why = DeactivateReason::kRecordLost;
  bool keep = true;
  if (join_ == JoinState::kOut && out_ == OutReason::kLeaseLost) {
    why = DeactivateReason::kLeaseLost;
  } else if (join_ != JoinState::kMember) {
    why = DeactivateReason::kLeave;
    keep = false;
  } else if (d.deactivated) {
    why = DeactivateReason::kOperator;
  } else if (fenced()) {
    why = DeactivateReason::kFenced;
  } else if (!to.empty()) {
    ClaimReason r = o->record->reason;
    bool back = r == ClaimReason::kTakeback || r == ClaimReason::kReactivate;
    why = back ? DeactivateReason::kTakenBack : DeactivateReason::kTakenOver;
  }
  Deactivate x{d.prefix.addr, d.role_epoch, why, keep, to};
  emit(out, std::move(x));
  d.role = !keep ? Role::kNone : why == DeactivateReason::kOperator ? Role::kQuiescing : Role::kMoving;
}

// The NETSTAT VIPADYN status and why, from what the data plane was told, the operator's requests,
// the membership and the view.
std::pair<DvipaStatus, std::string> GroupMember::status_of(const Dvipa& d, const OwnerEntry* o) const {
  const std::string kServing = "serving this node's connections until they end";
  std::string owner = o && o->record ? o->record->node : "";
  bool other_owner = !owner.empty() && !mine(o);
  if (d.role == Role::kOwner) return {DvipaStatus::kActive, ""};
  if (d.role == Role::kQuiescing) return {DvipaStatus::kQuiescing, "deactivated; " + kServing};
  if (d.deactivated) return {DvipaStatus::kDeactivated, ""};
  if (join_ == JoinState::kLeaving) return {DvipaStatus::kInactive, "leaving the group"};
  if (join_ != JoinState::kMember)
    return {DvipaStatus::kInactive, detail_.empty() ? std::string(to_string(out_)) : detail_};
  if (fenced())
    return {DvipaStatus::kInactive, "self-fenced: no lease renewal since " + std::to_string(renewed_at_) + " ms"};
  if (d.role == Role::kMoving)
    return {DvipaStatus::kMoving, (other_owner ? "moved to " + owner + "; " : "") + kServing};
  if (d.takeback && other_owner && d.moveable == config::Moveable::kWhenIdle)
    return {DvipaStatus::kMoving, "takeback from " + owner + " when idle (MOVEABLE WHENIDLE)"};
  return {DvipaStatus::kBackup, ""};
}

void GroupMember::update_status(Dvipa& d, const OwnerEntry* o, std::vector<Action>& out) {
  auto [s, detail] = status_of(d, o);
  if (!d.problem.empty()) detail = detail.empty() ? d.problem : detail + "; " + d.problem;
  if (s != d.status) {
    if (s == DvipaStatus::kBackup) emit(out, BecomeBackup{d.prefix.addr, d.rank});
    d.status = s;
    d.since_ms = now_;
  }
  d.detail = std::move(detail);
}

// ---- the published state ------------------------------------------------------------------------

DvipaRow GroupMember::row(const Dvipa& d) const {
  DvipaRow r;
  r.dvipa = d.prefix;
  r.origin = d.origin;
  r.rank = d.rank;
  r.moveable = d.moveable;
  r.distributed = d.distribute;
  r.status = d.status;
  r.detail = d.detail;
  r.since_ms = d.since_ms;
  const OwnerEntry* o = view_.owner(d.prefix.addr);
  if (o && o->record) r.owner = o->record->node;
  const CounterEntry* e = view_.epoch(d.prefix.addr);
  if (e && e->record) r.epoch = *e->record;
  r.acting = d.role == Role::kOwner;
  r.acting_epoch = r.acting ? d.role_epoch : 0;
  r.claim_revision = r.acting ? d.claim_revision : 0;
  return r;
}

std::vector<MemberRow> GroupMember::member_rows(const Inputs& in) const {
  std::vector<MemberRow> rows;
  for (const auto& [name, m] : view_.members()) {
    MemberRow row;
    row.node = name;
    row.self = name == node_;
    row.heard = row.self || !failed(name, in);
    if (auto s = seen_.find(name); s != seen_.end()) row.since_ms = s->second.since_ms;
    if (m.record) {
      row.status = member_status(m.record->phase);
      row.quiesced = m.record->quiesced;
      row.incarnation = m.record->incarnation;
      row.addrs = m.record->addrs;
    } else {
      row.error = m.error;
    }
    rows.push_back(std::move(row));
  }
  rows.insert(rows.end(), left_.begin(), left_.end());
  return rows;
}

void GroupMember::publish_state(const Inputs& in) {
  GroupState& s = state_;
  s.join = join_;
  s.out_reason = out_;
  s.detail = detail_;
  s.incarnation = incarnation_;
  s.lease = lease_;
  s.quiesced = quiesced_;
  s.store_reachable = !store_down_;
  s.store_down_since_ms = down_since_;
  s.store_error = store_error_;
  s.fence_at_ms = fence_at();
  s.fenced = join_ == JoinState::kMember && fenced();
  s.revision = view_.revision();
  s.last_read_ms = last_read_;
  s.malformed_records = view_.malformed();
  s.dvipas.clear();
  for (const auto& d : dvipas_) s.dvipas.push_back(row(d));
  s.members = member_rows(in);
  s.counters = counters_;
}

}  // namespace sysplex::ownership
