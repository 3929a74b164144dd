// The etcd client against a fake gateway on loopback: failover, timeouts and their messages, which
// calls are resent, health, and the watch stream (split lines, reconnect and resume, compaction).
#include <gtest/gtest.h>

#include <atomic>

#include "control/store/etcd_store.h"
#include "control/store/fake_gateway.h"

namespace sysplex::store {
namespace {

using namespace std::chrono_literals;
using testing::FakeGateway;
using testing::FakeReply;
using testing::FakeRequest;

const std::string kHeader = R"("header":{"cluster_id":"1","member_id":"2","revision":"10","raft_term":"2"})";
const std::string kPutReply = "{" + kHeader + "}";

std::unique_ptr<EtcdStore> client(std::vector<std::string> endpoints, std::chrono::milliseconds attempt = 300ms,
                                  std::chrono::milliseconds deadline = 1000ms, size_t queue_limit = 1000) {
  EtcdOptions o;
  o.endpoints = std::move(endpoints);
  o.attempt_timeout = attempt;
  o.call_deadline = deadline;
  o.backoff_initial = 10ms;
  o.backoff_max = 40ms;
  o.watch_queue_limit = queue_limit;
  auto store = EtcdStore::connect(o);
  EXPECT_TRUE(store.ok()) << store.error().to_string();
  return std::move(store).value();
}

FakeReply ok(std::string body) { return FakeReply{200, std::move(body)}; }

TEST(EtcdOptions, AreChecked) {
  EXPECT_EQ(EtcdStore::connect(EtcdOptions{}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(EtcdStore::connect(EtcdOptions{{"127.0.0.1:2379"}}).error().code, Errc::kInvalidArgument);
  EtcdOptions zero{{"http://127.0.0.1:2379"}};
  zero.attempt_timeout = 0ms;
  EXPECT_EQ(EtcdStore::connect(zero).error().code, Errc::kInvalidArgument);
  auto normal = normalize(EtcdOptions{{"http://127.0.0.1:2379//"}});
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal->endpoints[0], "http://127.0.0.1:2379");
}

TEST(EtcdTransport, FailsOverToTheNextEndpointAndStaysThere) {
  FakeGateway gw([](const FakeRequest&) { return ok(kPutReply); });
  auto store = client({FakeGateway::closed_url(), gw.url()});
  auto rev = store->put("/k", "v");
  ASSERT_TRUE(rev.ok()) << rev.error().to_string();
  EXPECT_EQ(*rev, 10);
  StoreHealth h = store->health();
  EXPECT_TRUE(h.reachable);
  EXPECT_EQ(h.endpoint, gw.url());
  EXPECT_EQ(h.retries, 1u);
  EXPECT_TRUE(h.last_error.empty());
  ASSERT_TRUE(store->put("/k", "v").ok());
  EXPECT_EQ(store->health().retries, 1u) << "the second call goes straight to the working endpoint";
  EXPECT_EQ(gw.count("/v3/kv/put"), 2u);
}

TEST(EtcdTransport, TimeoutNamesTheEndpointAndTheAttempts) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, kPutReply, 2s}; });
  auto store = client({gw.url()}, 100ms, 350ms);
  const auto start = std::chrono::steady_clock::now();
  auto rev = store->put("/sysplex/k", "sealed-value");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().code, Errc::kUnavailable);
  const std::string& m = rev.error().message;
  // "etcd http://127.0.0.1:P: put /sysplex/k: timed out after 100 ms (N attempts over 1 endpoint in T ms)"
  EXPECT_TRUE(m.starts_with("etcd " + gw.url() + ": put /sysplex/k: timed out after 100 ms (")) << m;
  EXPECT_NE(m.find(" attempts over 1 endpoint in "), std::string::npos) << m;
  EXPECT_TRUE(m.ends_with(" ms)")) << m;
  EXPECT_EQ(m.find("sealed"), std::string::npos);
  EXPECT_LT(took, 900ms);
  StoreHealth h = store->health();
  EXPECT_FALSE(h.reachable);
  EXPECT_EQ(h.failed_calls, 1u);
  EXPECT_GE(h.retries, 2u);
  EXPECT_EQ(h.last_error, m);
}

TEST(EtcdTransport, TxnIsNotResentWhenItMayHaveBeenApplied) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, "{}", 2s}; });
  auto store = client({gw.url()}, 100ms, 1000ms);
  auto r = store->txn(Txn{{Compare::absent("/own/v")}, {Op::put("/own/v", "me")}, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("outcome is unknown"), std::string::npos) << r.error().message;
  EXPECT_EQ(gw.count("/v3/kv/txn"), 1u);
}

TEST(EtcdTransport, ReadOnlyTxnIsResent) {
  std::atomic<int> calls{0};
  FakeGateway gw([&](const FakeRequest&) {
    return ++calls == 1 ? FakeReply{200, "{}", 2s} : ok("{" + kHeader + R"(,"succeeded":true,"responses":[{"response_range":{}}]})");
  });
  auto store = client({gw.url()}, 100ms, 1000ms);
  auto r = store->txn(Txn{{}, {Op::get("/a")}, {}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(gw.count("/v3/kv/txn"), 2u);
}

TEST(EtcdTransport, TxnIsResentWhenEtcdRefusedIt) {
  std::atomic<int> calls{0};
  FakeGateway gw([&](const FakeRequest&) {
    if (++calls == 1)
      return FakeReply{503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})"};
    return ok("{" + kHeader + R"(,"succeeded":true,"responses":[{"response_put":{}}]})");
  });
  auto store = client({gw.url()});
  auto r = store->txn(Txn{{Compare::absent("/own/v")}, {Op::put("/own/v", "me")}, {}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(gw.count("/v3/kv/txn"), 2u);
  EXPECT_EQ(store->health().retries, 1u);
}

TEST(EtcdTransport, DefiniteAnswersAreNotRetriedAndKeepTheStoreHealthy) {
  FakeGateway gw([](const FakeRequest& r) {
    if (r.path == "/v3/lease/keepalive") return ok(R"({"result":{)" + kHeader + R"(,"ID":"77"}})");
    return FakeReply{404, R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})"};
  });
  auto store = client({gw.url()});
  auto put = store->put("/k", "v", 77);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kNotFound);
  EXPECT_EQ(put.error().message, "etcd " + gw.url() + ": put /k: HTTP 404: etcdserver: requested lease not found");
  EXPECT_EQ(store->revoke_lease(77).error().code, Errc::kNotFound);
  auto alive = store->keep_alive(77);
  ASSERT_FALSE(alive.ok());
  EXPECT_EQ(alive.error().code, Errc::kNotFound);
  EXPECT_NE(alive.error().message.find("expired or was revoked"), std::string::npos);
  EXPECT_EQ(gw.requests().size(), 3u);
  StoreHealth h = store->health();
  EXPECT_TRUE(h.reachable);
  EXPECT_EQ(h.failed_calls, 0u);
  EXPECT_TRUE(h.last_error.empty());
}

TEST(EtcdTransport, MalformedReplyIsAnInternalErrorNamingTheEndpoint) {
  FakeGateway gw([](const FakeRequest&) { return ok(R"({"kvs":[{"key":"c2VhbGVk!"}]})"); });
  auto store = client({gw.url()});
  auto kvs = store->get("/k");
  ASSERT_FALSE(kvs.ok());
  EXPECT_EQ(kvs.error().code, Errc::kInternal);
  EXPECT_EQ(kvs.error().message.rfind("etcd " + gw.url() + ": get /k: malformed reply", 0), 0u) << kvs.error().message;
  EXPECT_EQ(kvs.error().message.find("c2VhbGVk"), std::string::npos);
  EXPECT_EQ(store->health().last_error, kvs.error().message);
  EXPECT_TRUE(store->health().reachable);
}

TEST(EtcdTransport, ServerErrorsWithoutAnEtcdBodyAreRetriedUntilTheDeadline) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{502, "<html>bad gateway</html>"}; });
  auto store = client({gw.url()}, 100ms, 300ms);
  auto kvs = store->get("/k");
  ASSERT_FALSE(kvs.ok());
  EXPECT_EQ(kvs.error().code, Errc::kUnavailable);
  EXPECT_GT(gw.count("/v3/kv/range"), 2u);
}

TEST(EtcdTransport, DroppedConnectionsFailOver) {
  FakeGateway bad([](const FakeRequest&) { return FakeReply{200, "", 0ms, /*drop=*/true}; });
  FakeGateway good([](const FakeRequest&) { return ok("{" + kHeader + R"(,"kvs":[{"key":"L2s=","value":"dg=="}]})"); });
  auto store = client({bad.url(), good.url()});
  auto kvs = store->get("/k");
  ASSERT_TRUE(kvs.ok()) << kvs.error().to_string();
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].value, "v");
  EXPECT_EQ(store->health().endpoint, good.url());
}

TEST(EtcdTransport, LeaseTtlIsRoundedUpToSeconds) {
  FakeGateway gw([](const FakeRequest&) { return ok("{" + kHeader + R"(,"ID":"99","TTL":"2"})"); });
  auto store = client({gw.url()});
  auto lease = store->grant_lease(1200ms);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(*lease, 99);
  EXPECT_EQ(gw.requests().back().body, R"({"TTL":"2"})");
  EXPECT_EQ(store->grant_lease(0ms).error().code, Errc::kInvalidArgument);
}

std::string created(Revision rev) {
  return R"({"result":{"header":{"revision":")" + std::to_string(rev) + R"("},"created":true}})" "\n";
}

std::string put_event(const std::string& key_b64, Revision rev) {
  return R"({"kv":{"key":")" + key_b64 + R"(","create_revision":")" + std::to_string(rev) + R"(","mod_revision":")" +
         std::to_string(rev) + R"(","version":"1","value":"dg=="}})";
}

std::string events(std::initializer_list<std::string> evs) {
  std::string all;
  for (const std::string& e : evs) all += (all.empty() ? "" : ",") + e;
  return R"({"result":{"header":{"revision":"99"},"events":[)" + all + "]}}\n";
}

std::vector<WatchEvent> drain(Store& store, WatchId id, size_t n) {
  std::vector<WatchEvent> all;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto got = store.poll_watch(id, 100ms);
    EXPECT_TRUE(got.ok()) << got.error().to_string();
    if (!got.ok()) break;
    all.insert(all.end(), got->begin(), got->end());
  }
  return all;
}

TEST(EtcdWatch, SplitLinesReconnectResumeAndCompaction) {
  std::atomic<Revision> created_at{10};
  FakeGateway gw([&](const FakeRequest&) { return FakeReply{200, created(created_at), 0ms, false, true, 3}; });
  auto store = client({gw.url()});
  auto id = store->watch("/w/");
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(gw.requests()[0].body, R"({"create_request":{"key":"L3cv","range_end":"L3cw"}})");
  // Two events, sent one byte per chunk.
  gw.stream_send(events({put_event("L3cvYQ==", 11), put_event("L3cvYg==", 12)}));
  auto first = drain(*store, *id, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].kv.key, "/w/a");
  EXPECT_EQ(first[1].kv.mod_revision, 12);
  // The stream breaks: the watch comes back from revision 13 and drops anything older.
  created_at = 20;
  gw.stream_cut();
  ASSERT_TRUE(gw.wait_streams(2, 5s));
  EXPECT_EQ(gw.requests()[1].body,
            R"({"create_request":{"key":"L3cv","range_end":"L3cw","start_revision":"13"}})");
  gw.stream_send(events({put_event("L3cvYg==", 12), put_event("L3cvYw==", 13)}));
  auto second = drain(*store, *id, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].kv.key, "/w/c");
  EXPECT_EQ(store->watch_reconnects(), 1u);
  auto none = store->poll_watch(*id, 50ms);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // etcd compacted the history: the watch fails for good.
  gw.stream_send(R"({"result":{"header":{},"canceled":true,"compact_revision":"30"}})" "\n");
  auto failed = store->poll_watch(*id, 5s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(failed.error().message.find("compacted"), std::string::npos) << failed.error().message;
  store->cancel_watch(*id);
  EXPECT_EQ(store->poll_watch(*id, 0ms).error().code, Errc::kNotFound);
}

TEST(EtcdWatch, StartRevisionIsSentAndFromNowResumesAfterTheCreationRevision) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, created(41), 0ms, false, true, 0}; });
  auto store = client({gw.url()});
  auto from = store->watch("/w/", 7);
  ASSERT_TRUE(from.ok());
  EXPECT_NE(gw.requests()[0].body.find(R"("start_revision":"7")"), std::string::npos);
  store->cancel_watch(*from);
  auto now = store->watch("/w/");
  ASSERT_TRUE(now.ok());
  gw.stream_cut();  // before any event: resume right after the revision it was created at
  ASSERT_TRUE(gw.wait_streams(3, 5s));
  EXPECT_NE(gw.requests()[2].body.find(R"("start_revision":"42")"), std::string::npos) << gw.requests()[2].body;
}

TEST(EtcdWatch, UnconfirmedWatchFailsWithinTheDeadline) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, "", 0ms, false, true, 0}; });
  auto store = client({gw.url()}, 100ms, 400ms);
  const auto start = std::chrono::steady_clock::now();
  auto id = store->watch("/w/");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, Errc::kUnavailable);
  EXPECT_NE(id.error().message.find("not confirmed"), std::string::npos) << id.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(EtcdWatch, RejectedWatchRequestFailsAtOnce) {
  FakeGateway gw([](const FakeRequest&) {
    return FakeReply{403, R"({"error":"etcdserver: permission denied","message":"etcdserver: permission denied","code":7})"};
  });
  auto store = client({gw.url()});
  auto id = store->watch("/w/");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, Errc::kFailedPrecondition);
  EXPECT_EQ(id.error().message, "etcd " + gw.url() + ": watch /w/ from now: HTTP 403: etcdserver: permission denied");
  EXPECT_EQ(gw.count("/v3/watch"), 1u);
}

TEST(EtcdWatch, UnavailableWatchRequestIsRetriedUntilTheDeadline) {
  FakeGateway gw([](const FakeRequest&) {
    return FakeReply{503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})"};
  });
  auto store = client({gw.url()}, 100ms, 400ms);
  auto id = store->watch("/w/");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, Errc::kUnavailable);
  EXPECT_NE(id.error().message.find("HTTP 503: etcdserver: no leader"), std::string::npos) << id.error().message;
  EXPECT_GT(gw.count("/v3/watch"), 1u);
}

TEST(EtcdWatch, UnreadEventsBeyondTheLimitFailTheWatch) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, created(10), 0ms, false, true, 0}; });
  auto store = client({gw.url()}, 300ms, 1000ms, /*queue_limit=*/2);
  auto id = store->watch("/w/");
  ASSERT_TRUE(id.ok());
  gw.stream_send(events({put_event("L3cvYQ==", 11), put_event("L3cvYg==", 12), put_event("L3cvYw==", 13)}));
  Result<std::vector<WatchEvent>> got = std::vector<WatchEvent>{};
  for (int i = 0; i < 50 && got.ok(); ++i) got = store->poll_watch(*id, 100ms);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(got.error().message.find("unread"), std::string::npos) << got.error().message;
}

TEST(EtcdWatch, MalformedStreamLinesDropTheStreamAndReconnect) {
  FakeGateway gw([](const FakeRequest&) { return FakeReply{200, created(10), 0ms, false, true, 0}; });
  auto store = client({gw.url()});
  auto id = store->watch("/w/");
  ASSERT_TRUE(id.ok());
  gw.stream_send("{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}\n");
  ASSERT_TRUE(gw.wait_streams(2, 5s));
  EXPECT_NE(gw.requests()[1].body.find(R"("start_revision":"11")"), std::string::npos);
  gw.stream_send(events({put_event("L3cvYQ==", 11)}));
  EXPECT_EQ(drain(*store, *id, 1).size(), 1u);
}

}  // namespace
}  // namespace sysplex::store
