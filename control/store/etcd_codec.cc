// nlohmann-json is parsed without exceptions and read through a Reader that keeps the first
// problem, so a malformed reply becomes one kInternal error naming the field. Messages never quote
// reply text: a reply may carry values (sealed SA records), which must not reach logs.
#include "control/store/etcd_codec.h"

#include <sodium.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "control/store/validate.h"

namespace sysplex::store::etcd {
namespace {

using Json = nlohmann::json;

// Reads fields of a parsed reply; the first problem is kept and later reads return defaults.
class Reader {
 public:
  const Json& object(const Json& parent, const char* name) { return member(parent, name, Json::value_t::object); }
  const Json& array(const Json& parent, const char* name) { return member(parent, name, Json::value_t::array); }

  int64_t i64(const Json& parent, const char* name) {
    const Json& v = field(parent, name);
    if (v.is_null()) return 0;
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_string()) return from_chars<int64_t>(v.get_ref<const std::string&>(), name);
    fail(std::string("field '") + name + "' is not an integer");
    return 0;
  }

  uint64_t u64(const Json& parent, const char* name) {
    const Json& v = field(parent, name);
    if (v.is_null()) return 0;
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_string()) return from_chars<uint64_t>(v.get_ref<const std::string&>(), name);
    fail(std::string("field '") + name + "' is not an unsigned integer");
    return 0;
  }

  bool boolean(const Json& parent, const char* name) {
    const Json& v = field(parent, name);
    if (v.is_null()) return false;
    if (v.is_boolean()) return v.get<bool>();
    fail(std::string("field '") + name + "' is not a boolean");
    return false;
  }

  std::string text(const Json& parent, const char* name) {
    const Json& v = field(parent, name);
    if (v.is_null()) return {};
    if (v.is_string()) return v.get<std::string>();
    fail(std::string("field '") + name + "' is not a string");
    return {};
  }

  std::string bytes(const Json& parent, const char* name) {
    std::string encoded = text(parent, name);
    auto decoded = base64_decode(encoded);
    if (!decoded) {
      fail(std::string("field '") + name + "' is not valid base64");
      return {};
    }
    return std::move(decoded).value();
  }

  KeyValue kv(const Json& j) {
    KeyValue kv;
    kv.key = bytes(j, "key");
    kv.value = bytes(j, "value");
    kv.create_revision = i64(j, "create_revision");
    kv.mod_revision = i64(j, "mod_revision");
    kv.version = i64(j, "version");
    kv.lease = i64(j, "lease");
    return kv;
  }

  std::vector<KeyValue> kvs(const Json& parent) {
    std::vector<KeyValue> out;
    for (const Json& j : array(parent, "kvs")) out.push_back(kv(j));
    return out;
  }

  void fail(std::string problem) {
    if (!problem_) problem_ = std::move(problem);
  }
  bool ok() const { return !problem_.has_value(); }
  Error error() const { return make_error(Errc::kInternal, "malformed reply from etcd: " + problem_.value_or("")); }

 private:
  const Json& field(const Json& parent, const char* name) {
    static const Json kNull;
    if (!ok() || !parent.is_object()) return kNull;
    auto it = parent.find(name);
    return it == parent.end() ? kNull : *it;
  }

  const Json& member(const Json& parent, const char* name, Json::value_t type) {
    static const Json kEmptyObject = Json::object();
    static const Json kEmptyArray = Json::array();
    const Json& empty = type == Json::value_t::object ? kEmptyObject : kEmptyArray;
    const Json& v = field(parent, name);
    if (v.is_null()) return empty;
    if (v.type() != type) {
      fail(std::string("field '") + name + "' is not an " + (type == Json::value_t::object ? "object" : "array"));
      return empty;
    }
    return v;
  }

  template <typename T>
  T from_chars(const std::string& s, const char* name) {
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
      fail(std::string("field '") + name + "' is not a decimal integer");
      return T{};
    }
    return value;
  }

  std::optional<std::string> problem_;
};

Result<Json> parse_json(std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return make_error(Errc::kInternal, "malformed reply from etcd: not a JSON object (" +
                                           std::to_string(body.size()) + " bytes)");
  return j;
}

// Puts key (and range_end for a prefix) into a request object.
void put_range(Json& request, const std::string& key, bool prefix) {
  if (!prefix) {
    request["key"] = base64_encode(key);
    return;
  }
  request["key"] = base64_encode(key.empty() ? std::string(1, '\0') : key);
  request["range_end"] = base64_encode(prefix_range_end(key));
}

Json op_json(const Op& op) {
  Json inner = Json::object();
  switch (op.kind) {
    case Op::Kind::kPut:
      inner["key"] = base64_encode(op.key);
      inner["value"] = base64_encode(op.value);
      if (op.lease != 0) inner["lease"] = std::to_string(op.lease);
      return Json{{"request_put", inner}};
    case Op::Kind::kDelete:
      put_range(inner, op.key, op.prefix);
      return Json{{"request_delete_range", inner}};
    case Op::Kind::kGet:
      put_range(inner, op.key, op.prefix);
      return Json{{"request_range", inner}};
  }
  return Json::object();
}

Json compare_json(const Compare& c) {
  static constexpr const char* kTargets[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
  static constexpr const char* kFields[] = {"version", "create_revision", "mod_revision", "value", "lease"};
  static constexpr const char* kResults[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  const auto target = static_cast<size_t>(c.target);
  Json j{{"key", base64_encode(c.key)}, {"target", kTargets[target]}, {"result", kResults[static_cast<size_t>(c.result)]}};
  if (c.target == Compare::Target::kValue) {
    j[kFields[target]] = base64_encode(c.value);
  } else {
    j[kFields[target]] = std::to_string(c.number);
  }
  return j;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::strict); }

// The response object a branch op gets back, by kind.
const char* response_name(Op::Kind kind) {
  switch (kind) {
    case Op::Kind::kPut: return "response_put";
    case Op::Kind::kDelete: return "response_delete_range";
    case Op::Kind::kGet: return "response_range";
  }
  return "";
}

struct GrpcMapping {
  Errc code;
  Delivery delivery;
};

// etcd's messages for Unavailable replies that come before the request reached the raft log.
bool refused_before_log(std::string_view message) {
  for (std::string_view m : {"etcdserver: no leader", "etcdserver: not leader", "etcdserver: not capable",
                             "etcdserver: unhealthy cluster", "etcdserver: too many requests",
                             "raft proposal dropped"}) {
    if (message.find(m) != std::string_view::npos) return true;
  }
  return false;
}

GrpcMapping map_grpc_code(int64_t code, std::string_view message) {
  if (refused_before_log(message)) return {Errc::kUnavailable, Delivery::kNotApplied};
  switch (code) {
    case 1:   // Canceled
    case 4:   // DeadlineExceeded
    case 10:  // Aborted
    case 14:  // Unavailable: request timed out, leader changed, server stopped
      return {Errc::kUnavailable, Delivery::kMaybeApplied};
    case 3:   // InvalidArgument
    case 11:  // OutOfRange: future or compacted revision
      return {Errc::kInvalidArgument, Delivery::kRejected};
    case 5: return {Errc::kNotFound, Delivery::kRejected};
    case 6: return {Errc::kAlreadyExists, Delivery::kRejected};
    case 8: return {Errc::kResourceExhausted, Delivery::kRejected};  // e.g. database space exceeded
    case 7:   // PermissionDenied
    case 9:   // FailedPrecondition
    case 16:  // Unauthenticated
      return {Errc::kFailedPrecondition, Delivery::kRejected};
    default: return {Errc::kInternal, Delivery::kRejected};
  }
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL sodium writes
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                        nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return make_error(Errc::kInvalidArgument, "invalid base64 (" + std::to_string(text.size()) + " characters)");
  out.resize(len);
  return out;
}

std::string range_request(const std::string& key, bool prefix) {
  Json j = Json::object();
  put_range(j, key, prefix);
  return dump(j);
}

std::string put_request(const std::string& key, const std::string& value, LeaseId lease) {
  Json j{{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) j["lease"] = std::to_string(lease);
  return dump(j);
}

std::string delete_request(const std::string& key, bool prefix) { return range_request(key, prefix); }

std::string txn_request(const Txn& txn) {
  Json j = Json::object();
  j["compare"] = Json::array();
  j["success"] = Json::array();
  j["failure"] = Json::array();
  for (const Compare& c : txn.compare) j["compare"].push_back(compare_json(c));
  for (const Op& op : txn.success) j["success"].push_back(op_json(op));
  for (const Op& op : txn.failure) j["failure"].push_back(op_json(op));
  return dump(j);
}

std::string lease_grant_request(int64_t ttl_seconds) { return dump(Json{{"TTL", std::to_string(ttl_seconds)}}); }

std::string lease_id_request(LeaseId lease) { return dump(Json{{"ID", std::to_string(lease)}}); }

std::string watch_create_request(const std::string& prefix, Revision start_revision) {
  Json create = Json::object();
  put_range(create, prefix, true);
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  return dump(Json{{"create_request", create}});
}

std::string compaction_request(Revision revision) {
  return dump(Json{{"revision", std::to_string(revision)}, {"physical", true}});
}

Result<RangeReply> parse_range(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  RangeReply reply{r.kvs(*j), r.i64(r.object(*j, "header"), "revision")};
  if (!r.ok()) return r.error();
  return reply;
}

Result<Revision> parse_put(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  Revision rev = r.i64(r.object(*j, "header"), "revision");
  if (!r.ok()) return r.error();
  return rev;
}

Result<DeleteReply> parse_delete(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  DeleteReply reply{r.i64(*j, "deleted"), r.i64(r.object(*j, "header"), "revision")};
  if (!r.ok()) return r.error();
  return reply;
}

Result<TxnResult> parse_txn(std::string_view body, const Txn& txn) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  TxnResult result;
  result.succeeded = r.boolean(*j, "succeeded");
  result.revision = r.i64(r.object(*j, "header"), "revision");
  const std::vector<Op>& ops = result.succeeded ? txn.success : txn.failure;
  const Json& responses = r.array(*j, "responses");
  if (r.ok() && responses.size() != ops.size())
    r.fail("txn has " + std::to_string(ops.size()) + " operations in the branch that ran but " +
           std::to_string(responses.size()) + " responses");
  for (size_t i = 0; r.ok() && i < ops.size(); ++i) {
    const Json& response = responses[i];
    const char* name = response_name(ops[i].kind);
    if (!response.is_object() || !response.contains(name)) {
      r.fail("txn response " + std::to_string(i) + " lacks '" + name + "'");
      break;
    }
    result.responses.push_back(ops[i].kind == Op::Kind::kGet ? r.kvs(r.object(response, name))
                                                             : std::vector<KeyValue>{});
  }
  if (!r.ok()) return r.error();
  return result;
}

Result<LeaseGrantReply> parse_lease_grant(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  LeaseGrantReply reply{r.i64(*j, "ID"), r.i64(*j, "TTL")};
  std::string error = r.text(*j, "error");
  if (!r.ok()) return r.error();
  if (!error.empty()) return make_error(Errc::kUnavailable, "lease grant refused: " + error);
  if (reply.id == 0) return make_error(Errc::kInternal, "malformed reply from etcd: lease grant without an ID");
  return reply;
}

Result<int64_t> parse_keepalive(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  int64_t ttl = r.i64(r.object(*j, "result"), "TTL");
  if (!r.ok()) return r.error();
  return ttl;
}

Result<StatusReply> parse_status(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  Reader r;
  const Json& header = r.object(*j, "header");
  StatusReply reply{r.u64(header, "member_id"), r.u64(*j, "leader"), r.i64(header, "revision")};
  if (!r.ok()) return r.error();
  return reply;
}

Result<WatchMessage> parse_watch_message(std::string_view line) {
  auto j = parse_json(line);
  if (!j) return j.error();
  Reader r;
  WatchMessage m;
  if (j->contains("error")) {
    const Json& error = r.object(*j, "error");
    m.stream_error = r.text(error, "message");
    if (!r.ok()) return r.error();
    return m;
  }
  const Json& result = r.object(*j, "result");
  m.created = r.boolean(result, "created");
  m.canceled = r.boolean(result, "canceled");
  m.header_revision = r.i64(r.object(result, "header"), "revision");
  m.compact_revision = r.i64(result, "compact_revision");
  m.cancel_reason = r.text(result, "cancel_reason");
  for (const Json& ev : r.array(result, "events")) {
    std::string type = r.text(ev, "type");
    if (type != "" && type != "PUT" && type != "DELETE") r.fail("watch event type is neither PUT nor DELETE");
    m.events.push_back(WatchEvent{type == "DELETE" ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut,
                                  r.kv(r.object(ev, "kv"))});
  }
  if (!r.ok()) return r.error();
  return m;
}

ReplyError classify_error_reply(long http_status, std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  Reader r;
  std::string message = j.is_object() ? r.text(j, "message") : "";
  if (message.empty() && j.is_object()) message = r.text(j, "error");
  const int64_t code = j.is_object() ? r.i64(j, "code") : 0;
  if (!j.is_object() || !r.ok() || message.empty() || code == 0) {
    const bool server_side = http_status >= 500;
    return {server_side ? Errc::kUnavailable : Errc::kInternal,
            "HTTP " + std::to_string(http_status) + " without an etcd error (" + std::to_string(body.size()) +
                " bytes; is this an etcd v3 client URL?)",
            server_side ? Delivery::kMaybeApplied : Delivery::kRejected};
  }
  GrpcMapping m = map_grpc_code(code, message);
  return {m.code, message, m.delivery};
}

}  // namespace sysplex::store::etcd
