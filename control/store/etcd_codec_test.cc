// The JSON gateway translation on canned replies: the replies below were captured from etcd
// 3.4.23 (Debian), cut to the fields that matter, so the gateway's quirks are pinned down.
#include "control/store/etcd_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "control/store/validate.h"

namespace sysplex::store::etcd {
namespace {

using Json = nlohmann::json;

constexpr const char* kHeader = R"("header":{"cluster_id":"18302870418645416937","member_id":"4192500049502141256","revision":"7","raft_term":"2"})";

std::string with_header(const std::string& rest) { return std::string("{") + kHeader + rest + "}"; }

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (size_t len = 0; len <= all.size(); len += 1) {
    std::string bytes = all.substr(0, len);
    auto back = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(back.ok()) << len;
    EXPECT_EQ(*back, bytes) << len;
  }
  EXPECT_EQ(base64_encode("/gw/k1"), "L2d3L2sx");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode(std::string(1, '\0')), "AA==");
}

TEST(Base64, RejectsMalformedText) {
  for (const char* bad : {"A", "AA", "AA=", "A===", "L2d3L2sx!", "L2d3 L2sx", "AA==AA==", "AA==x"}) {
    EXPECT_FALSE(base64_decode(bad).ok()) << bad;
  }
}

TEST(Requests, RangeOfAKeyAndOfAPrefix) {
  EXPECT_EQ(Json::parse(range_request("/a", false)), Json::parse(R"({"key":"L2E="})"));
  // "/w/" -> range_end "/w0"
  EXPECT_EQ(Json::parse(range_request("/w/", true)), Json::parse(R"({"key":"L3cv","range_end":"L3cw"})"));
  // every key: "\0" .. "\0"
  EXPECT_EQ(Json::parse(range_request("", true)), Json::parse(R"({"key":"AA==","range_end":"AA=="})"));
}

TEST(Requests, PrefixRangeEndFollowsEtcd) {
  EXPECT_EQ(prefix_range_end("/a"), "/b");
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_range_end(std::string("\xff\xff", 2)), std::string(1, '\0'));
  EXPECT_EQ(prefix_range_end(""), std::string(1, '\0'));
}

TEST(Requests, PutCarriesTheLeaseAsAString) {
  EXPECT_EQ(Json::parse(put_request("/a", "v1", 0)), Json::parse(R"({"key":"L2E=","value":"djE="})"));
  EXPECT_EQ(Json::parse(put_request("/a", "", 8883528593106566664)),
            Json::parse(R"({"key":"L2E=","value":"","lease":"8883528593106566664"})"));
}

TEST(Requests, TxnMapsEveryTargetResultAndOp) {
  Txn t;
  t.compare = {Compare::absent("/a"), Compare::mod_revision_is("/a", 5), Compare::value_is("/a", "v"),
               Compare{"/a", Compare::Target::kVersion, Compare::Result::kGreater, 2, {}},
               Compare{"/a", Compare::Target::kLease, Compare::Result::kNotEqual, 9, {}},
               Compare{"/a", Compare::Target::kVersion, Compare::Result::kLess, 3, {}}};
  t.success = {Op::put("/a", "v", 9), Op::del("/p/", true), Op::get("/a")};
  t.failure = {Op::get("/p/", true), Op::del("/a")};
  Json want = Json::parse(R"({
    "compare":[
      {"key":"L2E=","target":"CREATE","result":"EQUAL","create_revision":"0"},
      {"key":"L2E=","target":"MOD","result":"EQUAL","mod_revision":"5"},
      {"key":"L2E=","target":"VALUE","result":"EQUAL","value":"dg=="},
      {"key":"L2E=","target":"VERSION","result":"GREATER","version":"2"},
      {"key":"L2E=","target":"LEASE","result":"NOT_EQUAL","lease":"9"},
      {"key":"L2E=","target":"VERSION","result":"LESS","version":"3"}],
    "success":[
      {"request_put":{"key":"L2E=","value":"dg==","lease":"9"}},
      {"request_delete_range":{"key":"L3Av","range_end":"L3Aw"}},
      {"request_range":{"key":"L2E="}}],
    "failure":[
      {"request_range":{"key":"L3Av","range_end":"L3Aw"}},
      {"request_delete_range":{"key":"L2E="}}]})");
  EXPECT_EQ(Json::parse(txn_request(t)), want);
}

TEST(Requests, LeaseWatchAndCompaction) {
  EXPECT_EQ(Json::parse(lease_grant_request(5)), Json::parse(R"({"TTL":"5"})"));
  EXPECT_EQ(Json::parse(lease_id_request(42)), Json::parse(R"({"ID":"42"})"));
  EXPECT_EQ(Json::parse(watch_create_request("/w/", 0)),
            Json::parse(R"({"create_request":{"key":"L3cv","range_end":"L3cw"}})"));
  EXPECT_EQ(Json::parse(watch_create_request("/w/", 12)),
            Json::parse(R"({"create_request":{"key":"L3cv","range_end":"L3cw","start_revision":"12"}})"));
  EXPECT_EQ(Json::parse(compaction_request(4)), Json::parse(R"({"revision":"4","physical":true})"));
}

TEST(Replies, RangeWithOmittedDefaults) {
  // A value of "" and lease 0 are omitted by the gateway; version and revisions are strings.
  auto r = parse_range(with_header(R"(,"kvs":[
      {"key":"L3cvazE=","create_revision":"2","mod_revision":"3","version":"2","value":"djE=","lease":"77"},
      {"key":"L3cvazY=","create_revision":"8","mod_revision":"8","version":"1"}],"count":"2")"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->revision, 7);
  ASSERT_EQ(r->kvs.size(), 2u);
  EXPECT_EQ(r->kvs[0], (KeyValue{"/w/k1", "v1", 2, 3, 2, 77}));
  EXPECT_EQ(r->kvs[1], (KeyValue{"/w/k6", "", 8, 8, 1, 0}));
  auto empty = parse_range(with_header(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->kvs.empty());
}

TEST(Replies, NumbersAreAcceptedAsStringsOrIntegers) {
  auto r = parse_range(R"({"header":{"revision":9},"kvs":[{"key":"L2E=","create_revision":2,"mod_revision":"3"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->revision, 9);
  EXPECT_EQ(r->kvs[0].create_revision, 2);
  EXPECT_EQ(r->kvs[0].mod_revision, 3);
}

TEST(Replies, PutAndDelete) {
  auto put = parse_put(with_header(""));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, 7);
  auto del = parse_delete(with_header(R"(,"deleted":"3")"));
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->deleted, 3);
  auto none = parse_delete(with_header(""));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->deleted, 0);
}

TEST(Replies, TxnSucceededBranch) {
  Txn t{{Compare::value_is("/w/k1", "v1")}, {Op::get("/w/", true), Op::del("/w/k5")}, {}};
  auto r = parse_txn(with_header(R"(,"succeeded":true,"responses":[
      {"response_range":{"header":{"revision":"6"},"kvs":[{"key":"L3cvazE=","create_revision":"2","mod_revision":"2","version":"1","value":"djE="}],"count":"1"}},
      {"response_delete_range":{"header":{"revision":"7"},"deleted":"1"}}])"),
                     t);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(r->revision, 7);
  ASSERT_EQ(r->responses.size(), 2u);
  ASSERT_EQ(r->responses[0].size(), 1u);
  EXPECT_EQ(r->responses[0][0].value, "v1");
  EXPECT_TRUE(r->responses[1].empty());
}

TEST(Replies, TxnFailedBranchHasNoSucceededField) {
  Txn t{{Compare::absent("/a")}, {Op::put("/a", "x")}, {Op::put("/w/k6", "")}};
  auto r = parse_txn(with_header(R"(,"responses":[{"response_put":{"header":{"revision":"8"}}}])"), t);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->succeeded);
  ASSERT_EQ(r->responses.size(), 1u);
  // An empty branch brings no "responses" at all.
  auto empty = parse_txn(with_header(""), Txn{{Compare::absent("/a")}, {Op::put("/a", "x")}, {}});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->responses.empty());
}

TEST(Replies, TxnResponsesThatDoNotMatchTheBranchAreMalformed) {
  Txn t{{}, {Op::get("/a"), Op::put("/b", "x")}, {}};
  for (const char* responses :
       {R"(,"succeeded":true,"responses":[{"response_range":{}}])",
        R"(,"succeeded":true,"responses":[{"response_put":{}},{"response_put":{}}])",
        R"(,"succeeded":true,"responses":[{"response_range":{}},"x"])", R"(,"succeeded":"yes")"}) {
    auto r = parse_txn(with_header(responses), t);
    ASSERT_FALSE(r.ok()) << responses;
    EXPECT_EQ(r.error().code, Errc::kInternal);
  }
}

TEST(Replies, Leases) {
  auto grant = parse_lease_grant(with_header(R"(,"ID":"8883528593106566664","TTL":"2")"));
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->id, 8883528593106566664);
  EXPECT_EQ(grant->ttl_seconds, 2);
  auto alive = parse_keepalive(R"({"result":{)" + std::string(kHeader) + R"(,"ID":"5","TTL":"5"}})");
  ASSERT_TRUE(alive.ok());
  EXPECT_EQ(*alive, 5);
  // An expired or unknown lease: the keep-alive reply has no TTL.
  auto gone = parse_keepalive(R"({"result":{)" + std::string(kHeader) + R"(,"ID":"12345"}})");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, 0);
}

TEST(Replies, Status) {
  auto s = parse_status(with_header(R"(,"version":"3.4.23","leader":"4192500049502141256","raftIndex":"9")"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->member_id, 4192500049502141256u);
  EXPECT_EQ(s->leader, 4192500049502141256u);
  EXPECT_EQ(s->revision, 7);
}

TEST(Replies, MalformedRepliesNeverQuoteTheirText) {
  const std::string secret = "c2VjcmV0LXNhLXJlY29yZA==";  // a value that must not reach a message
  for (const std::string& body : std::vector<std::string>{std::string("not json ") + secret, "[1,2]", R"({"header":{"revision":"x"}})",
                           R"({"kvs":[{"key":")" + secret + R"(!"}]})", R"({"kvs":{"key":"x"}})",
                           R"({"header":{"revision":"12a"}})", R"({"header":{"revision":1.5}})"}) {
    auto r = parse_range(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, Errc::kInternal);
    EXPECT_EQ(r.error().message.find(secret), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  }
}

TEST(Replies, TruncatedRepliesAreMalformedAtEveryByte) {
  const std::string body = with_header(
      R"(,"kvs":[{"key":"L3cvazE=","create_revision":"2","mod_revision":"3","version":"2","value":"djE="}],"count":"1")");
  for (size_t cut = 0; cut < body.size(); ++cut) {
    auto r = parse_range(std::string_view(body).substr(0, cut));
    EXPECT_FALSE(r.ok()) << cut;
  }
  EXPECT_TRUE(parse_range(body).ok());
}

TEST(WatchMessages, CreatedEventsAndDeletes) {
  auto created = parse_watch_message(R"({"result":{)" + std::string(kHeader) + R"(,"created":true}})");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->header_revision, 7);
  EXPECT_TRUE(created->events.empty());
  // The PUT type is omitted (proto3 default); DELETE is spelled out and has key and mod_revision only.
  auto events = parse_watch_message(R"({"result":{)" + std::string(kHeader) + R"(,"events":[
      {"kv":{"key":"L3cvazM=","create_revision":"4","mod_revision":"4","version":"1","value":"djM="}},
      {"type":"DELETE","kv":{"key":"L3cvazM=","mod_revision":"5"}}]}})");
  ASSERT_TRUE(events.ok()) << events.error().to_string();
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->events[0], (WatchEvent{WatchEvent::Type::kPut, KeyValue{"/w/k3", "v3", 4, 4, 1, 0}}));
  WatchEvent del{WatchEvent::Type::kDelete, {}};
  del.kv.key = "/w/k3";
  del.kv.mod_revision = 5;
  EXPECT_EQ(events->events[1], del);
}

TEST(WatchMessages, CompactionCancelAndStreamError) {
  auto compacted = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"1","member_id":"2","raft_term":"2"},"canceled":true,"compact_revision":"4"}})");
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 4);
  auto error = parse_watch_message(
      R"({"error":{"grpc_code":14,"http_code":503,"message":"transport is closing","http_status":"Service Unavailable"}})");
  ASSERT_TRUE(error.ok());
  ASSERT_TRUE(error->stream_error.has_value());
  EXPECT_EQ(*error->stream_error, "transport is closing");
  EXPECT_FALSE(parse_watch_message(R"({"result":{"events":[{"type":"EXPIRE","kv":{}}]}})").ok());
}

TEST(ErrorReplies, MapGrpcCodesAndRetrySafety) {
  struct Case {
    long status;
    const char* body;
    Errc code;
    Delivery delivery;
  };
  const Case cases[] = {
      {404, R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})",
       Errc::kNotFound, Delivery::kRejected},
      {400, R"({"error":"etcdserver: key is not provided","message":"etcdserver: key is not provided","code":3})",
       Errc::kInvalidArgument, Delivery::kRejected},
      {400, R"({"error":"etcdserver: mvcc: required revision is a future revision","code":11})",
       Errc::kInvalidArgument, Delivery::kRejected},
      {503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})", Errc::kUnavailable,
       Delivery::kNotApplied},
      {500, R"({"error":"raft proposal dropped","message":"raft proposal dropped","code":2})", Errc::kUnavailable,
       Delivery::kNotApplied},
      {503, R"({"message":"etcdserver: request timed out","code":14})", Errc::kUnavailable, Delivery::kMaybeApplied},
      {503, R"({"message":"etcdserver: leader changed","code":14})", Errc::kUnavailable, Delivery::kMaybeApplied},
      {429, R"({"message":"etcdserver: too many requests","code":8})", Errc::kUnavailable, Delivery::kNotApplied},
      {429, R"({"message":"etcdserver: mvcc: database space exceeded","code":8})", Errc::kResourceExhausted,
       Delivery::kRejected},
      {412, R"({"message":"etcdserver: permission denied","code":7})", Errc::kFailedPrecondition, Delivery::kRejected},
      {502, "<html>bad gateway</html>", Errc::kUnavailable, Delivery::kMaybeApplied},
      {404, "404 page not found", Errc::kInternal, Delivery::kRejected},
  };
  for (const Case& c : cases) {
    ReplyError e = classify_error_reply(c.status, c.body);
    EXPECT_EQ(e.code, c.code) << c.body;
    EXPECT_EQ(e.delivery, c.delivery) << c.body;
    EXPECT_FALSE(e.message.empty());
  }
  EXPECT_EQ(classify_error_reply(404, cases[0].body).message, "etcdserver: requested lease not found");
  EXPECT_EQ(classify_error_reply(404, "404 page not found").message.find("page"), std::string::npos);
}

TEST(Checks, TxnRulesAsEtcd) {
  EXPECT_TRUE(check_txn(Txn{{Compare::absent("/a")}, {Op::put("/a", "1"), Op::get("/a")}, {Op::put("/a", "2")}}).ok());
  EXPECT_FALSE(check_txn(Txn{{Compare::absent("")}, {}, {}}).ok());
  EXPECT_FALSE(check_txn(Txn{{}, {Op::put("", "1")}, {}}).ok());
  EXPECT_FALSE(check_txn(Txn{{}, {Op::put("/a", "1"), Op::put("/a", "2")}, {}}).ok());
  EXPECT_FALSE(check_txn(Txn{{}, {Op::del("/p/", true), Op::put("/p/x", "2")}, {}}).ok());
  EXPECT_FALSE(check_txn(Txn{{}, {}, {Op::del("/a"), Op::put("/a", "2")}}).ok());
  EXPECT_TRUE(check_txn(Txn{{}, {Op::del("/a"), Op::put("/ab", "2"), Op::del("/a")}, {}}).ok());
  EXPECT_TRUE(check_txn(Txn{{}, {Op::get("", true), Op::del("", true)}, {}}).ok());
  EXPECT_EQ(key_text(std::string("/a\0\xff\\b", 6)), "/a\\x00\\xff\\x5cb");
}

}  // namespace
}  // namespace sysplex::store::etcd
