#include "control/swsa/lease.h"

namespace sysplex::swsa {

namespace {

std::string encode_u64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[size_t(i)] = char(v & 0xff);
  return s;
}

Result<uint64_t> decode_u64(const std::string& s, const std::string& key) {
  if (s.size() != 8) return make_error(Errc::kInvalidArgument, "sequence counter at " + key + " is " + std::to_string(s.size()) + " bytes, not 8");
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | uint8_t(c);
  if (v == 0) return make_error(Errc::kInvalidArgument, "sequence counter at " + key + " is 0 (numbers start at 1)");
  return v;
}

}  // namespace

Result<uint64_t> next_unleased(store::Store& store, const std::string& key) {
  auto got = store.get(key);
  if (!got) return got.error();
  if (got->empty()) return uint64_t(1);
  return decode_u64(got->front().value, key);
}

Result<SeqBlock> lease_block(store::Store& store, const std::string& key, uint64_t size, uint64_t limit, int attempts) {
  if (size == 0) return make_error(Errc::kInvalidArgument, "a sequence block of 0 numbers");
  for (int i = 0; i < attempts; ++i) {
    auto got = store.get(key);
    if (!got) return got.error();
    uint64_t next = 1;
    store::Revision rev = 0;
    if (!got->empty()) {
      auto v = decode_u64(got->front().value, key);
      if (!v) return v.error();
      next = *v;
      rev = got->front().mod_revision;
    }
    if (next > limit) return make_error(Errc::kResourceExhausted, "the sequence space at " + key + " is used up: rekey the SA");
    uint64_t last = limit - next + 1 <= size ? limit : next + size - 1;
    store::Txn t;
    t.compare.push_back(rev ? store::Compare::mod_revision_is(key, rev) : store::Compare::absent(key));
    t.success.push_back(store::Op::put(key, encode_u64(last == UINT64_MAX ? UINT64_MAX : last + 1)));
    auto r = store.txn(t);
    if (!r) return r.error();
    if (r->succeeded) return SeqBlock{next, last};
  }
  return make_error(Errc::kUnavailable, "lost " + std::to_string(attempts) + " races for a sequence block at " + key);
}

}  // namespace sysplex::swsa
