// The embedded store's own semantics, beyond the behaviour shared with etcd (store_behaviour_test):
// exact lease timing on the manual clock, bounded history, outages, clients, threads.
#include "control/store/embedded_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "control/store/validate.h"

namespace sysplex::store {
namespace {

using namespace std::chrono_literals;

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  EmbeddedStore store_{EmbeddedOptions{clock_.clock(), 8}};

  bool present(const std::string& key) {
    auto kvs = store_.get(key);
    EXPECT_TRUE(kvs.ok());
    return kvs.ok() && !kvs->empty();
  }
  Revision revision() {
    Revision r = 0;
    EXPECT_TRUE(store_.get("/", true, &r).ok());
    return r;
  }
};

TEST_F(EmbeddedStoreTest, FreshStoreIsAtRevisionOne) { EXPECT_EQ(revision(), 1); }

TEST_F(EmbeddedStoreTest, LeaseExpiresExactlyAtItsTtl) {
  auto lease = store_.grant_lease(1500ms);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store_.put("/m/a", "x", *lease).ok());
  clock_.advance(1499ms);
  EXPECT_TRUE(present("/m/a"));
  clock_.advance(1ms);
  EXPECT_FALSE(present("/m/a"));
  EXPECT_EQ(store_.keep_alive(*lease).error().code, Errc::kNotFound);
}

TEST_F(EmbeddedStoreTest, KeepAliveRestartsTheFullTtl) {
  auto lease = store_.grant_lease(1000ms);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store_.put("/m/a", "x", *lease).ok());
  for (int i = 0; i < 5; ++i) {
    clock_.advance(900ms);
    ASSERT_TRUE(store_.keep_alive(*lease).ok()) << i;
  }
  clock_.advance(999ms);
  EXPECT_TRUE(present("/m/a"));
  clock_.advance(1ms);
  EXPECT_FALSE(present("/m/a"));
}

TEST_F(EmbeddedStoreTest, ExpireLeasesWakesAWaitingWatcher) {
  auto lease = store_.grant_lease(100ms);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store_.put("/m/a", "x", *lease).ok());
  auto w = store_.watch("/m/");
  ASSERT_TRUE(w.ok());
  std::thread ticker([&] {
    std::this_thread::sleep_for(20ms);
    clock_.advance(100ms);
    store_.expire_leases();
  });
  auto events = store_.poll_watch(*w, 5s);
  ticker.join();
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, WatchEvent::Type::kDelete);
  EXPECT_EQ((*events)[0].kv.key, "/m/a");
}

TEST_F(EmbeddedStoreTest, LeasesExpireInExpiryOrderEachInItsOwnRevision) {
  auto late = store_.grant_lease(300ms);
  auto early = store_.grant_lease(200ms);
  ASSERT_TRUE(late.ok() && early.ok());
  ASSERT_TRUE(store_.put("/m/late", "x", *late).ok());
  ASSERT_TRUE(store_.put("/m/early1", "x", *early).ok());
  ASSERT_TRUE(store_.put("/m/early2", "x", *early).ok());
  const Revision before = revision();
  auto w = store_.watch("/m/");
  ASSERT_TRUE(w.ok());
  clock_.advance(1s);
  auto events = store_.poll_watch(*w, 0ms);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].kv.key, "/m/early1");
  EXPECT_EQ((*events)[0].kv.mod_revision, before + 1);
  EXPECT_EQ((*events)[1].kv.mod_revision, before + 1);
  EXPECT_EQ((*events)[2].kv.key, "/m/late");
  EXPECT_EQ((*events)[2].kv.mod_revision, before + 2);
}

TEST_F(EmbeddedStoreTest, ZeroOrNegativeTtlIsRejected) {
  EXPECT_EQ(store_.grant_lease(0ms).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_.grant_lease(-5ms).error().code, Errc::kInvalidArgument);
}

TEST_F(EmbeddedStoreTest, HistoryBoundCompactsOldStarts) {
  // History of 8 events: after 20 puts only the last 8 revisions can be replayed.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_.put("/h/k", std::to_string(i)).ok());
  const Revision now = revision();
  auto recent = store_.watch("/h/", now - 7);
  ASSERT_TRUE(recent.ok());
  auto events = store_.poll_watch(*recent, 0ms);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 8u);
  auto old = store_.watch("/h/", now - 8);
  ASSERT_TRUE(old.ok());
  auto failed = store_.poll_watch(*old, 0ms);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(failed.error().message.find("compacted"), std::string::npos) << failed.error().message;
  EXPECT_EQ(store_.poll_watch(*old, 0ms).error().code, Errc::kFailedPrecondition) << "the failure sticks";
}

TEST_F(EmbeddedStoreTest, SlowWatcherThatFallsOutOfTheHistoryFails) {
  auto w = store_.watch("/h/");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(store_.put("/h/a", "1").ok());
  auto first = store_.poll_watch(*w, 0ms);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 1u);
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(store_.put("/h/b", "x").ok());
  EXPECT_EQ(store_.poll_watch(*w, 0ms).error().code, Errc::kFailedPrecondition);
}

TEST_F(EmbeddedStoreTest, HistoryNeverKeepsHalfARevision) {
  Txn t;
  for (int i = 0; i < 6; ++i) t.success.push_back(Op::put("/h/" + std::to_string(i), "x"));
  ASSERT_TRUE(store_.txn(t).ok());
  const Revision big = revision();
  ASSERT_TRUE(store_.txn(t).ok());  // 12 events of 2 revisions > 8: the older revision goes whole
  auto w = store_.watch("/h/", big);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(store_.poll_watch(*w, 0ms).error().code, Errc::kFailedPrecondition);
  auto w2 = store_.watch("/h/", big + 1);
  ASSERT_TRUE(w2.ok());
  auto events = store_.poll_watch(*w2, 0ms);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 6u);
}

TEST_F(EmbeddedStoreTest, CompactRejectsFutureRevisions) {
  EXPECT_EQ(store_.compact(revision() + 1).error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(store_.compact(revision()).ok());
}

TEST_F(EmbeddedStoreTest, ClientOutageFailsCallsAndIsReported) {
  auto other = store_.connect();
  ASSERT_TRUE(store_.put("/o/a", "1").ok());
  store_.set_client_down(true);
  auto put = store_.put("/o/a", "2");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kUnavailable);
  EXPECT_EQ(store_.get("/o/a").error().code, Errc::kUnavailable);
  EXPECT_EQ(store_.txn(Txn{}).error().code, Errc::kUnavailable);
  EXPECT_EQ(store_.grant_lease(1s).error().code, Errc::kUnavailable);
  EXPECT_EQ(store_.watch("/o/").error().code, Errc::kUnavailable);
  StoreHealth h = store_.health();
  EXPECT_FALSE(h.reachable);
  EXPECT_EQ(h.failed_calls, 5u);
  EXPECT_NE(h.last_error.find("simulated outage"), std::string::npos) << h.last_error;
  EXPECT_EQ(h.endpoint, "embedded");
  // The other client is not affected.
  EXPECT_TRUE(other->put("/o/b", "1").ok());
  EXPECT_TRUE(other->health().reachable);
  store_.set_client_down(false);
  EXPECT_TRUE(store_.get("/o/b").ok());
  h = store_.health();
  EXPECT_TRUE(h.reachable);
  EXPECT_TRUE(h.last_error.empty());
  EXPECT_EQ(h.failed_calls, 5u);
}

TEST_F(EmbeddedStoreTest, ClientOutageLetsLeasesLapseAndOthersTakeOver) {
  auto other = store_.connect();
  auto lease = store_.grant_lease(1s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store_.txn(Txn{{Compare::absent("/own/v1")}, {Op::put("/own/v1", "me", *lease)}, {}}).ok());
  store_.set_client_down(true);
  clock_.advance(1s);
  EXPECT_EQ(store_.keep_alive(*lease).error().code, Errc::kUnavailable);
  auto claim = other->txn(Txn{{Compare::absent("/own/v1")}, {Op::put("/own/v1", "other")}, {}});
  ASSERT_TRUE(claim.ok());
  EXPECT_TRUE(claim->succeeded);
  store_.set_client_down(false);
  EXPECT_EQ(store_.keep_alive(*lease).error().code, Errc::kNotFound);
}

TEST_F(EmbeddedStoreTest, StoreOutageStopsLeaseTimeAndRestartsTtls) {
  auto other = store_.connect();
  auto lease = store_.grant_lease(1s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store_.put("/own/v1", "me", *lease).ok());
  clock_.advance(900ms);
  store_.set_store_down(true);
  EXPECT_EQ(other->get("/own/v1").error().code, Errc::kUnavailable);
  clock_.advance(10s);
  store_.set_store_down(false);
  clock_.advance(999ms);
  EXPECT_TRUE(present("/own/v1")) << "a restarted store gives every lease its full TTL";
  clock_.advance(1ms);
  EXPECT_FALSE(present("/own/v1"));
}

TEST_F(EmbeddedStoreTest, WatchCatchesUpAfterAClientOutage) {
  auto other = store_.connect();
  auto w = store_.watch("/o/");
  ASSERT_TRUE(w.ok());
  store_.set_client_down(true);
  ASSERT_TRUE(other->put("/o/a", "1").ok());
  auto during = store_.poll_watch(*w, 0ms);
  ASSERT_TRUE(during.ok());
  EXPECT_TRUE(during->empty());
  store_.set_client_down(false);
  auto after = store_.poll_watch(*w, 0ms);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].kv.key, "/o/a");
}

TEST_F(EmbeddedStoreTest, WatchesBelongToTheirClient) {
  auto other = store_.connect();
  auto w = other->watch("/o/");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(store_.poll_watch(*w, 0ms).error().code, Errc::kNotFound);
  store_.cancel_watch(*w);  // not ours: ignored
  EXPECT_TRUE(other->poll_watch(*w, 0ms).ok());
  other->cancel_watch(*w);
  EXPECT_EQ(other->poll_watch(*w, 0ms).error().code, Errc::kNotFound);
}

TEST_F(EmbeddedStoreTest, StateOutlivesTheFirstClient) {
  auto store = std::make_unique<EmbeddedStore>(EmbeddedOptions{clock_.clock(), 100});
  ASSERT_TRUE(store->put("/k", "v").ok());
  auto other = store->connect();
  store.reset();
  auto kvs = other->get("/k");
  ASSERT_TRUE(kvs.ok());
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].value, "v");
}

TEST_F(EmbeddedStoreTest, PollWaitsForAWriteFromAnotherThread) {
  auto other = store_.connect();
  auto w = store_.watch("/o/");
  ASSERT_TRUE(w.ok());
  std::thread writer([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_TRUE(other->put("/o/a", "1").ok());
  });
  const auto start = std::chrono::steady_clock::now();
  auto events = store_.poll_watch(*w, 10s);
  writer.join();
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(EmbeddedStoreTest, PollWithoutEventsReturnsAfterTheWait) {
  auto w = store_.watch("/o/");
  ASSERT_TRUE(w.ok());
  const auto start = std::chrono::steady_clock::now();
  auto events = store_.poll_watch(*w, 50ms);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST_F(EmbeddedStoreTest, ConcurrentClaimsFromManyThreadsSerialise) {
  EmbeddedStore store(EmbeddedOptions{clock_.clock(), 100000});
  constexpr int kThreads = 6;
  constexpr int kIncrements = 200;
  auto watcher = store.watch("/c/");
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(store.put("/c/n", "0").ok());
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, client = store.connect()] {
      for (int done = 0; done < kIncrements;) {
        auto kvs = client->get("/c/n");
        ASSERT_TRUE(kvs.ok() && kvs->size() == 1);
        const KeyValue& kv = (*kvs)[0];
        Txn t{{Compare::mod_revision_is("/c/n", kv.mod_revision)},
              {Op::put("/c/n", std::to_string(std::stoi(kv.value) + 1))},
              {}};
        auto r = client->txn(t);
        ASSERT_TRUE(r.ok());
        r->succeeded ? ++done : ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto kvs = store.get("/c/n");
  ASSERT_TRUE(kvs.ok());
  EXPECT_EQ((*kvs)[0].value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ((*kvs)[0].version, kThreads * kIncrements + 1);
  auto events = store.poll_watch(*watcher, 0ms);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<size_t>(kThreads * kIncrements + 1));
  for (size_t i = 1; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].kv.mod_revision, (*events)[i - 1].kv.mod_revision + 1) << i;
    EXPECT_EQ((*events)[i].kv.value, std::to_string(i));
  }
}

TEST_F(EmbeddedStoreTest, TooManyTxnOpsAreRejected) {
  Txn t;
  for (size_t i = 0; i <= kMaxTxnOps; ++i) t.success.push_back(Op::get("/k" + std::to_string(i)));
  auto r = store_.txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  t.success.pop_back();
  EXPECT_TRUE(store_.txn(t).ok());
}

}  // namespace
}  // namespace sysplex::store
