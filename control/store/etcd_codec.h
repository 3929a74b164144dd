// Translation between the store's types and etcd v3's JSON gateway (grpc-gateway): request bodies,
// replies, watch stream messages and error replies. Pure functions, no I/O, tested on canned replies.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/result.h"
#include "control/store/store.h"

namespace sysplex::store::etcd {

// Keys and values travel as standard base64 with padding. Decoding is strict (no whitespace, no
// missing padding, nothing after the end).
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

// Request bodies. A prefix request for "" covers every key (etcd's key "\0", range_end "\0").
// int64 fields are sent as JSON strings, as the gateway itself writes them.
std::string range_request(const std::string& key, bool prefix);
std::string put_request(const std::string& key, const std::string& value, LeaseId lease);
std::string delete_request(const std::string& key, bool prefix);
std::string txn_request(const Txn& txn);
std::string lease_grant_request(int64_t ttl_seconds);
std::string lease_id_request(LeaseId lease);  // keepalive and revoke
std::string watch_create_request(const std::string& prefix, Revision start_revision);
std::string compaction_request(Revision revision);

// Replies (HTTP 200 bodies). int64 fields may come as strings or numbers, and fields equal to
// their proto3 default (0, "", false, PUT) are omitted. Errors are kInternal: "malformed reply".
struct RangeReply {
  std::vector<KeyValue> kvs;
  Revision revision = 0;  // the header's: the store's revision when read
};
struct DeleteReply {
  int64_t deleted = 0;
  Revision revision = 0;
};
struct LeaseGrantReply {
  LeaseId id = 0;
  int64_t ttl_seconds = 0;  // as granted: etcd may raise a small TTL to its minimum
};
struct StatusReply {
  uint64_t member_id = 0;  // the answering member
  uint64_t leader = 0;     // 0: the member knows no leader
  Revision revision = 0;
};
Result<RangeReply> parse_range(std::string_view body);
Result<Revision> parse_put(std::string_view body);
Result<DeleteReply> parse_delete(std::string_view body);
// The responses are matched by position with the ops of the branch that ran.
Result<TxnResult> parse_txn(std::string_view body, const Txn& txn);
Result<LeaseGrantReply> parse_lease_grant(std::string_view body);
// The lease's remaining TTL in seconds; 0 when etcd no longer knows the lease (expired, revoked).
Result<int64_t> parse_keepalive(std::string_view body);
Result<StatusReply> parse_status(std::string_view body);

// One line of the /v3/watch stream: {"result":{...}} or, when the stream fails, {"error":{...}}.
struct WatchMessage {
  bool created = false;
  bool canceled = false;
  Revision header_revision = 0;
  Revision compact_revision = 0;  // non-zero: the start revision was compacted (canceled too)
  std::string cancel_reason;
  std::vector<WatchEvent> events;
  std::optional<std::string> stream_error;  // the gateway's message for an {"error":...} line
};
Result<WatchMessage> parse_watch_message(std::string_view line);

// What a non-200 reply means for a retry: whether etcd certainly did not apply the request.
enum class Delivery : uint8_t {
  kNotApplied,    // refused before it reached the log (no leader, proposal dropped, too many requests)
  kMaybeApplied,  // timed out or lost inside etcd: a write may or may not have happened
  kRejected,      // a definite answer (not found, invalid argument, ...): never retried
};
struct ReplyError {
  Errc code = Errc::kInternal;
  std::string message;  // etcd's own words ("etcdserver: requested lease not found"), or ours
  Delivery delivery = Delivery::kRejected;
};
ReplyError classify_error_reply(long http_status, std::string_view body);

}  // namespace sysplex::store::etcd
