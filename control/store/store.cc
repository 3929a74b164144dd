// The out-of-line helpers of store.h and the request checks both backends apply, so that a bad
// request fails the same way (same code, same message) whichever backend serves it.
#include "control/store/store.h"

#include <utility>

#include "control/store/validate.h"

namespace sysplex::store {

Compare Compare::absent(std::string key) {
  return Compare{std::move(key), Target::kCreateRevision, Result::kEqual, 0, {}};
}

Compare Compare::mod_revision_is(std::string key, Revision r) {
  return Compare{std::move(key), Target::kModRevision, Result::kEqual, r, {}};
}

Compare Compare::value_is(std::string key, std::string value) {
  return Compare{std::move(key), Target::kValue, Result::kEqual, 0, std::move(value)};
}

Op Op::put(std::string key, std::string value, LeaseId lease) {
  return Op{Kind::kPut, std::move(key), std::move(value), lease, false};
}

Op Op::del(std::string key, bool prefix) { return Op{Kind::kDelete, std::move(key), {}, 0, prefix}; }

Op Op::get(std::string key, bool prefix) { return Op{Kind::kGet, std::move(key), {}, 0, prefix}; }

}  // namespace sysplex::store
