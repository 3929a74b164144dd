// A node's mirror of its group's keys in the store: members, ownership records, epochs and
// incarnations, fed by full reads, watch events and its own transactions, newest revision per key.
//
// Each key remembers the revision of the last change applied to it (a put or a delete, kept as a
// tombstone), so updates arriving out of order (a watch event older than a transaction's result
// already applied) never roll a key back. Values that do not decode are kept as entries without a
// record (their error is shown) and counted: the key exists, but nothing is read from it.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control/ownership/records.h"
#include "control/store/store.h"

namespace sysplex::ownership {

template <typename Record>
struct Entry {
  std::optional<Record> record;        // empty: the value did not decode (see error)
  std::string error;
  store::LeaseId lease = 0;
  store::Revision mod_revision = 0;
};
using MemberEntry = Entry<MemberRecord>;
using OwnerEntry = Entry<OwnerRecord>;
using CounterEntry = Entry<uint64_t>;

class GroupView {
 public:
  explicit GroupView(Keys keys) : keys_(std::move(keys)) {}

  // A put seen at kv.mod_revision; ignored if the key changed at a later revision already.
  void put(const store::KeyValue& kv);
  // A delete at revision `at`; likewise ignored when older than what the key holds.
  void erase(const std::string& key, store::Revision at);
  void apply(const store::WatchEvent& e);
  // A full read of the group at revision `at`: keys it lacks were deleted by `at`.
  void replace_all(const std::vector<store::KeyValue>& kvs, store::Revision at);
  // A read of one exact key at revision `at` (none: absent then).
  void replace_key(const std::string& key, const std::vector<store::KeyValue>& kvs, store::Revision at);
  void clear();

  const std::map<std::string, MemberEntry>& members() const { return members_; }
  const MemberEntry* member(const std::string& node) const;
  const OwnerEntry* owner(const IpAddr& dvipa) const;
  const CounterEntry* epoch(const IpAddr& dvipa) const;
  const CounterEntry* incarnation(const std::string& node) const;
  // The revision of the last change applied to `key` (0: never seen).
  store::Revision key_revision(const std::string& key) const;
  store::Revision revision() const { return revision_; }   // the highest revision applied
  uint64_t malformed() const { return malformed_; }         // values that did not decode
  const Keys& keys() const { return keys_; }

 private:
  bool newer(const std::string& key, store::Revision rev);

  Keys keys_;
  std::map<std::string, MemberEntry> members_;
  std::map<IpAddr, OwnerEntry> owners_;
  std::map<IpAddr, CounterEntry> epochs_;
  std::map<std::string, CounterEntry> incarnations_;
  std::map<std::string, store::Revision> seen_;  // per key: revision of its last put or delete
  store::Revision revision_ = 0;
  uint64_t malformed_ = 0;
};

}  // namespace sysplex::ownership
