// The ownership half of the state machine: per DVIPA, whether it is vacant, who comes first in its
// backup chain, and the compare-and-swap claims and releases that move its epoch.
#include "control/ownership/member.h"

#include <algorithm>

#include "control/ownership/ranking.h"

namespace sysplex::ownership {
namespace {

const MemberDvipa* listed(const MemberRecord& m, const IpAddr& dvipa) {
  for (const auto& d : m.dvipas)
    if (d.dvipa.addr == dvipa) return &d;
  return nullptr;
}

store::Compare unchanged(const std::string& key, const store::Revision* mod_revision) {
  return mod_revision ? store::Compare::mod_revision_is(key, *mod_revision) : store::Compare::absent(key);
}

}  // namespace

void GroupMember::decide_all(const Inputs& in) {
  if (fenced() || !store_ready() || !synced_) return;
  for (auto& d : dvipas_) {
    if (join_ != JoinState::kMember) return;  // a claim found the lease gone
    decide(d, in);
  }
  if (!first_pass_ && join_ == JoinState::kMember) {
    first_pass_ = true;
    phase_ = MemberPhase::kActive;
    member_dirty_ = true;
  }
}

void GroupMember::decide(Dvipa& d, const Inputs& in) {
  const OwnerEntry* o = view_.owner(d.prefix.addr);
  if (o && o->record && o->record->node != node_) d.last_owner = o->record->node;
  if (o && o->mod_revision != d.record_revision) {
    d.record_revision = o->mod_revision;
    d.record_seen_ms = now_;
  }
  if (mine(o) && d.deactivated) {
    release(d, *o);
    return;
  }
  if (mine(o)) {
    d.takeback = d.reactivated = false;
    d.vacant_since = 0;
    return;
  }
  if (d.deactivated) return;
  Vacancy v = vacancy(o, d, in);
  if (v != Vacancy::kHeld) {
    claim_vacant(d, o, v, in);
    return;
  }
  d.vacant_since = 0;
  if (d.takeback) try_takeback(d, o, in);
}

// A vacant DVIPA: the candidate at position p claims p x grace after it saw the vacancy; a
// (re)joined or reactivated definer at once.
void GroupMember::claim_vacant(Dvipa& d, const OwnerEntry* o, Vacancy v, const Inputs& in) {
  bool eligible = d.origin == Origin::kDefine || opt_.backup_activates_unowned || v != Vacancy::kNeverOwned;
  if (!eligible) return;
  store::Revision at = view_.key_revision(keys_.owner(d.prefix.addr));
  if (d.vacant_since == 0 || d.vacancy_revision != at) {
    d.vacant_since = now_;
    d.vacancy_revision = at;
  }
  int p = d.takeback ? 0 : position(d, in);
  if (p < 0 || now_ < d.vacant_since + uint64_t(p) * opt_.takeover_grace_ms) return;
  ClaimReason why = v == Vacancy::kFailed ? ClaimReason::kTakeoverFailed
                    : v == Vacancy::kLeft ? ClaimReason::kTakeoverLeft
                                          : ClaimReason::kDefine;
  claim(d, o, d.reactivated ? ClaimReason::kReactivate : why);
}

bool GroupMember::mine(const OwnerEntry* o) const {
  return lease_ != 0 && o && o->record && o->record->node == node_ && o->lease == lease_;
}

// Whether the DVIPA is held by a live member (kHeld) or free to claim, and why. An owner's silence
// counts only if this node heard it after first seeing its current record: silence from a node that
// has claimed since it was last heard is a channel partition, not a death (it reached the store), and
// is left to its lease; so two live nodes that cannot hear each other never take a DVIPA in turns.
GroupMember::Vacancy GroupMember::vacancy(const OwnerEntry* o, const Dvipa& d, const Inputs& in) const {
  if (!o) return view_.epoch(d.prefix.addr) ? Vacancy::kLeft : Vacancy::kNeverOwned;
  if (!o->record) return Vacancy::kFailed;  // undecodable: nobody can act on it, so nobody owns it
  const OwnerRecord& rec = *o->record;
  if (rec.node == node_) return Vacancy::kFailed;  // written by an earlier incarnation of this node
  const MemberEntry* m = view_.member(rec.node);
  if (!m) return Vacancy::kLeft;
  if (m->lease != o->lease || (m->record && m->record->incarnation != rec.incarnation)) return Vacancy::kFailed;
  bool heard_since_claim = last_heard(rec.node, in) >= d.record_seen_ms;
  return heard_since_claim && failed(rec.node, in) ? Vacancy::kFailed : Vacancy::kHeld;
}

// When the channel last heard the member's current incarnation (0: never).
uint64_t GroupMember::last_heard(const std::string& node, const Inputs& in) const {
  auto p = in.peers.find(node);
  if (p == in.peers.end()) return 0;
  const MemberEntry* m = view_.member(node);
  uint64_t inc = m && m->record ? m->record->incarnation : 0;
  bool same_life = p->second.incarnation == 0 || inc == 0 || p->second.incarnation >= inc;
  return same_life ? p->second.last_heard_ms : 0;
}

// No heartbeat of its current incarnation for miss_count x heartbeat_ms, counted from the later of
// the last one heard and when this node first saw its member record (a grace after joining).
bool GroupMember::failed(const std::string& node, const Inputs& in) const {
  if (node == node_) return false;
  auto s = seen_.find(node);
  uint64_t since = s == seen_.end() ? now_ : s->second.since_ms;
  return now_ >= std::max(since, last_heard(node, in)) + window_ms_;
}

// This node's place among the live candidates for the DVIPA (0: first), or -1 if it is none.
// A failed owner is no candidate (failed() holds for it); one whose record is stale but which is
// alive again in a new incarnation is.
int GroupMember::position(const Dvipa& d, const Inputs& in) const {
  std::vector<Candidate> chain;
  for (const auto& [name, m] : view_.members()) {
    if (name == node_ || !m.record || m.record->phase == MemberPhase::kLeaving) continue;
    const MemberDvipa* x = listed(*m.record, d.prefix.addr);
    if (!x || x->deactivated || failed(name, in)) continue;
    chain.push_back(Candidate{name, x->origin, x->rank});
  }
  chain.push_back(Candidate{node_, d.origin, d.rank});
  chain = chain_order(std::move(chain));
  auto it = std::find_if(chain.begin(), chain.end(), [&](const Candidate& c) { return c.node == node_; });
  return int(it - chain.begin());
}

// A (re)joined VIPADEFINE owner takes its DVIPA back from the live member holding it: IMMEDIATE at
// once, WHENIDLE once the lead reports the holder has no connections for it.
void GroupMember::try_takeback(Dvipa& d, const OwnerEntry* o, const Inputs& in) {
  if (d.origin != Origin::kDefine) {
    d.takeback = false;
    return;
  }
  if (d.moveable == config::Moveable::kWhenIdle && !in.owner_idle.contains(d.prefix.addr)) return;
  claim(d, o, d.reactivated ? ClaimReason::kReactivate : ClaimReason::kTakeback);
}

// CAS against the ownership and epoch records as last read: this node's record under its lease and
// the epoch + 1, or, when either changed, both as they are now (so the next decision sees them).
void GroupMember::claim(Dvipa& d, const OwnerEntry* o, ClaimReason reason) {
  const IpAddr& addr = d.prefix.addr;
  const CounterEntry* e = view_.epoch(addr);
  if (e && !e->record) {
    d.problem = "cannot claim: the epoch record is malformed (" + e->error + ")";
    return;
  }
  if (!store_ready() || !spend()) return;
  d.problem.clear();
  uint64_t next = (e ? *e->record : 0) + 1;
  if (o && o->record) next = std::max(next, o->record->epoch + 1);  // never behind a record's epoch
  std::string okey = keys_.owner(addr), ekey = keys_.epoch(addr);
  store::Txn t;
  t.compare = {unchanged(okey, o ? &o->mod_revision : nullptr), unchanged(ekey, e ? &e->mod_revision : nullptr)};
  OwnerRecord rec{node_, incarnation_, next, d.origin, d.moveable, reason};
  t.success = {store::Op::put(okey, encode(rec), lease_), store::Op::put(ekey, encode_counter(next))};
  t.failure = {store::Op::get(okey), store::Op::get(ekey)};
  ++counters_.claims;
  auto r = store_.txn(t);
  if (claim_answered(r, okey, ekey)) claimed(d, t, r->revision, reason);
}

// Whether the claim went through; otherwise the view takes what the store said (or is read again).
bool GroupMember::claim_answered(const Result<store::TxnResult>& r, const std::string& okey, const std::string& ekey) {
  if (!call_ok(r)) {
    if (r.error().code == Errc::kUnavailable) ++counters_.claims_unknown;
    if (r.error().code == Errc::kNotFound) lease_lost();
    synced_ = false;  // never assume the outcome: read the group before deciding again
    return false;
  }
  if (!r->succeeded) {
    ++counters_.claims_lost;
    take_txn_answer(*r, okey, ekey);
    return false;
  }
  return true;
}

void GroupMember::claimed(Dvipa& d, const store::Txn& t, store::Revision at, ClaimReason reason) {
  ++counters_.claims_won;
  if (reason == ClaimReason::kTakeoverFailed || reason == ClaimReason::kTakeoverLeft) ++counters_.takeovers;
  if (reason == ClaimReason::kTakeback) ++counters_.takebacks;
  view_.put(store::KeyValue{t.success[0].key, t.success[0].value, 0, at, 0, lease_});
  view_.put(store::KeyValue{t.success[1].key, t.success[1].value, 0, at, 0, 0});
  d.takeback = d.reactivated = false;
  d.vacant_since = 0;
}

// Deletes this node's ownership record and moves the epoch on, in one CAS.
void GroupMember::release(Dvipa& d, const OwnerEntry& o) {
  if (!store_ready() || !spend()) return;
  const IpAddr& addr = d.prefix.addr;
  const CounterEntry* e = view_.epoch(addr);
  uint64_t next = std::max(e && e->record ? *e->record : 0, o.record->epoch) + 1;
  std::string okey = keys_.owner(addr), ekey = keys_.epoch(addr);
  store::Txn t;
  t.compare = {store::Compare::mod_revision_is(okey, o.mod_revision)};
  t.success = {store::Op::del(okey), store::Op::put(ekey, encode_counter(next))};
  t.failure = {store::Op::get(okey), store::Op::get(ekey)};
  auto r = store_.txn(t);
  if (!call_ok(r)) {
    synced_ = false;
    return;
  }
  if (!r->succeeded) {
    take_txn_answer(*r, okey, ekey);
    return;
  }
  ++counters_.releases;
  view_.erase(okey, r->revision);
  view_.put(store::KeyValue{ekey, t.success[1].value, 0, r->revision, 0, 0});
}

// A failed CAS's failure branch read both keys: they replace what the view held.
void GroupMember::take_txn_answer(const store::TxnResult& r, const std::string& first, const std::string& second) {
  if (r.responses.size() != 2) {
    synced_ = false;
    return;
  }
  view_.replace_key(first, r.responses[0], r.revision);
  view_.replace_key(second, r.responses[1], r.revision);
}

}  // namespace sysplex::ownership
