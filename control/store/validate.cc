// etcd rejects these requests before they reach its log; checking them here as well gives the
// embedded backend the same rules and the etcd backend a message that names the offending key.
#include "control/store/validate.h"

#include <set>
#include <utility>
#include <vector>

namespace sysplex::store {
namespace {

Status check_branch(std::string_view branch, const std::vector<Op>& ops) {
  if (ops.size() > kMaxTxnOps)
    return make_error(Errc::kInvalidArgument, "txn " + std::string(branch) + " branch has " +
                                                  std::to_string(ops.size()) + " operations; the limit is " +
                                                  std::to_string(kMaxTxnOps));
  std::set<std::string> puts;
  std::vector<std::pair<std::string, std::string>> deletes;  // [begin, end) ranges
  for (const Op& op : ops) {
    if (auto s = check_range("txn " + std::string(branch) + " operation", op.key,
                             op.kind != Op::Kind::kPut && op.prefix);
        !s)
      return s;
    if (op.kind == Op::Kind::kPut && !puts.insert(op.key).second)
      return make_error(Errc::kInvalidArgument, "txn " + std::string(branch) + " branch puts key " + key_text(op.key) +
                                                    " twice (etcd: duplicate key given in txn request)");
    if (op.kind == Op::Kind::kDelete)
      deletes.emplace_back(op.key, op.prefix ? prefix_range_end(op.key) : op.key + '\0');
  }
  for (const std::string& key : puts) {
    for (const auto& [begin, end] : deletes) {
      if (in_range(key, begin, end))
        return make_error(Errc::kInvalidArgument, "txn " + std::string(branch) + " branch puts key " + key_text(key) +
                                                      " and also deletes it (etcd: duplicate key given in txn request)");
    }
  }
  return ok_status();
}

}  // namespace

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

std::string key_text(std::string_view key) {
  constexpr size_t kShown = 160;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kShown; ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (key.size() > kShown) out += "...";
  return out;
}

bool in_range(std::string_view key, std::string_view begin, std::string_view end) {
  if (key < begin) return false;  // string_view compares bytes as unsigned (char_traits<char>)
  return end == std::string_view("\0", 1) || key < end;
}

Status check_key(std::string_view what, std::string_view key) {
  if (key.empty()) return make_error(Errc::kInvalidArgument, std::string(what) + ": the key is empty");
  return ok_status();
}

Status check_range(std::string_view what, std::string_view key, bool prefix) {
  return prefix ? ok_status() : check_key(what, key);
}

Status check_txn(const Txn& txn) {
  for (const Compare& c : txn.compare) {
    if (auto s = check_key("txn compare", c.key); !s) return s;
  }
  if (auto s = check_branch("success", txn.success); !s) return s;
  return check_branch("failure", txn.failure);
}

}  // namespace sysplex::store
