// Keys map to typed slots through Keys::parse; keys of other kinds are ignored (other units may keep
// their own records under the group prefix).
#include "control/ownership/view.h"

#include <set>

namespace sysplex::ownership {
namespace {

template <typename Record, typename Decode>
Entry<Record> make_entry(const store::KeyValue& kv, Decode decode, uint64_t& malformed) {
  Entry<Record> e;
  e.lease = kv.lease;
  e.mod_revision = kv.mod_revision;
  auto r = decode(kv.value);
  if (r.ok()) {
    e.record = std::move(r).value();
  } else {
    e.error = r.error().message;
    ++malformed;
  }
  return e;
}

template <typename Map, typename Id>
const typename Map::mapped_type* find(const Map& m, const Id& id) {
  auto it = m.find(id);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

bool GroupView::newer(const std::string& key, store::Revision rev) {
  if (rev > revision_) revision_ = rev;
  auto [it, inserted] = seen_.try_emplace(key, rev);
  if (inserted) return true;
  if (rev <= it->second) return false;
  it->second = rev;
  return true;
}

void GroupView::put(const store::KeyValue& kv) {
  Keys::Parsed p = keys_.parse(kv.key);
  if (p.kind == Keys::Kind::kOther || !newer(kv.key, kv.mod_revision)) return;
  switch (p.kind) {
    case Keys::Kind::kMember: members_[p.node] = make_entry<MemberRecord>(kv, decode_member, malformed_); break;
    case Keys::Kind::kOwner: owners_[p.dvipa] = make_entry<OwnerRecord>(kv, decode_owner, malformed_); break;
    case Keys::Kind::kEpoch: epochs_[p.dvipa] = make_entry<uint64_t>(kv, decode_counter, malformed_); break;
    case Keys::Kind::kIncarnation:
      incarnations_[p.node] = make_entry<uint64_t>(kv, decode_counter, malformed_);
      break;
    case Keys::Kind::kOther: break;
  }
}

void GroupView::erase(const std::string& key, store::Revision at) {
  Keys::Parsed p = keys_.parse(key);
  if (p.kind == Keys::Kind::kOther || !newer(key, at)) return;
  switch (p.kind) {
    case Keys::Kind::kMember: members_.erase(p.node); break;
    case Keys::Kind::kOwner: owners_.erase(p.dvipa); break;
    case Keys::Kind::kEpoch: epochs_.erase(p.dvipa); break;
    case Keys::Kind::kIncarnation: incarnations_.erase(p.node); break;
    case Keys::Kind::kOther: break;
  }
}

void GroupView::apply(const store::WatchEvent& e) {
  if (e.type == store::WatchEvent::Type::kPut) {
    put(e.kv);
  } else {
    erase(e.kv.key, e.kv.mod_revision);
  }
}

void GroupView::replace_all(const std::vector<store::KeyValue>& kvs, store::Revision at) {
  std::set<std::string> present;
  for (const auto& kv : kvs) {
    present.insert(kv.key);
    put(kv);
  }
  std::vector<std::string> gone;
  for (const auto& [key, rev] : seen_)
    if (rev < at && !present.contains(key)) gone.push_back(key);
  for (const auto& key : gone) erase(key, at);
  if (at > revision_) revision_ = at;
}

void GroupView::replace_key(const std::string& key, const std::vector<store::KeyValue>& kvs, store::Revision at) {
  bool found = false;
  for (const auto& kv : kvs) {
    if (kv.key != key) continue;
    found = true;
    put(kv);
  }
  if (!found) erase(key, at);
}

void GroupView::clear() {
  members_.clear();
  owners_.clear();
  epochs_.clear();
  incarnations_.clear();
  seen_.clear();
  revision_ = 0;
}

const MemberEntry* GroupView::member(const std::string& node) const { return find(members_, node); }
const OwnerEntry* GroupView::owner(const IpAddr& dvipa) const { return find(owners_, dvipa); }
const CounterEntry* GroupView::epoch(const IpAddr& dvipa) const { return find(epochs_, dvipa); }
const CounterEntry* GroupView::incarnation(const std::string& node) const { return find(incarnations_, node); }

store::Revision GroupView::key_revision(const std::string& key) const {
  auto it = seen_.find(key);
  return it == seen_.end() ? 0 : it->second;
}

}  // namespace sysplex::ownership
