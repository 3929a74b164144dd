// The etcd backend through real failures: a 3-member cluster losing its leader, a member restart
// on its data dir (ownership facts kept), an outage seen through health(), and a watch that lives
// through a restart without losing or repeating an event. Each test starts its own etcd.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "control/store/etcd_process.h"
#include "control/store/etcd_store.h"

namespace sysplex::store {
namespace {

using namespace std::chrono_literals;
using testing::EtcdCluster;
using testing::EtcdClusterOptions;

std::unique_ptr<EtcdCluster> start_cluster(EtcdClusterOptions options) {
  auto cluster = EtcdCluster::start(options);
  EXPECT_TRUE(cluster.ok()) << cluster.error().to_string();
  return cluster.ok() ? std::move(cluster).value() : nullptr;
}

std::unique_ptr<EtcdStore> client(std::vector<std::string> endpoints, std::chrono::milliseconds attempt,
                                  std::chrono::milliseconds deadline) {
  EtcdOptions o;
  o.endpoints = std::move(endpoints);
  o.attempt_timeout = attempt;
  o.call_deadline = deadline;
  auto store = EtcdStore::connect(o);
  EXPECT_TRUE(store.ok()) << store.error().to_string();
  return std::move(store).value();
}

std::vector<WatchEvent> collect(Store& store, WatchId id, size_t n, std::chrono::milliseconds limit = 8s) {
  std::vector<WatchEvent> all;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto got = store.poll_watch(id, 200ms);
    EXPECT_TRUE(got.ok()) << got.error().to_string();
    if (!got.ok()) break;
    all.insert(all.end(), got->begin(), got->end());
  }
  return all;
}

// Keys in order, each event's revision above the last: no loss shows as a missing key, no
// duplicate as a repeated one.
void expect_exactly(const std::vector<WatchEvent>& events, const std::vector<std::string>& keys) {
  std::vector<std::string> got;
  for (const WatchEvent& ev : events) got.push_back(ev.kv.key);
  EXPECT_EQ(got, keys);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].kv.mod_revision, events[i - 1].kv.mod_revision) << i;
}

TEST(EtcdFailover, LeaderKilledWritesResumeThroughEndpointFailover) {
  auto cluster = start_cluster(EtcdClusterOptions{3, 25, 250});
  ASSERT_TRUE(cluster);
  auto leader = cluster->leader(5s);
  ASSERT_TRUE(leader.ok()) << leader.error().to_string();
  // The leader first in the list, so the client must fail over when it dies.
  std::vector<std::string> endpoints = {cluster->endpoint(*leader)};
  for (int i = 0; i < cluster->size(); ++i)
    if (i != *leader) endpoints.push_back(cluster->endpoint(i));
  auto store = client(endpoints, 500ms, 8s);
  ASSERT_TRUE(store->put("/f/before", "1").ok());
  auto w = store->watch("/f/");
  ASSERT_TRUE(w.ok()) << w.error().to_string();

  cluster->kill(*leader);
  const auto killed = std::chrono::steady_clock::now();
  auto after = store->put("/f/after", "2");  // one call: the client fails over and retries by itself
  const auto resumed = std::chrono::steady_clock::now() - killed;
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  std::printf("writes resumed %lld ms after SIGKILL of the leader\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(resumed).count()));
  StoreHealth h = store->health();
  EXPECT_TRUE(h.reachable);
  EXPECT_NE(h.endpoint, endpoints[0]);
  EXPECT_GE(h.retries, 1u);

  Result<TxnResult> claim = make_error(Errc::kUnavailable, "not tried");
  for (int i = 0; i < 10 && !claim.ok(); ++i) claim = store->txn(Txn{{Compare::absent("/f/claim")}, {Op::put("/f/claim", "me")}, {}});
  ASSERT_TRUE(claim.ok()) << claim.error().to_string();
  EXPECT_TRUE(claim->succeeded);
  auto kvs = store->get("/f/", true);
  ASSERT_TRUE(kvs.ok());
  EXPECT_EQ(kvs->size(), 3u);
  // The watch stream, opened on the dead leader, moved to a live member and missed nothing.
  expect_exactly(collect(*store, *w, 2), {"/f/after", "/f/claim"});
  EXPECT_GE(store->watch_reconnects(), 1u);
}

TEST(EtcdFailover, RestartKeepsEveryOwnershipFact) {
  auto cluster = start_cluster(EtcdClusterOptions{1, 25, 250});
  ASSERT_TRUE(cluster);
  auto store = client(cluster->endpoints(), 500ms, 5s);
  auto lease = store->grant_lease(30s);
  ASSERT_TRUE(lease.ok());
  for (int i = 0; i < 16; ++i) {
    const std::string dvipa = "/own/dvipa/198.18.0." + std::to_string(10 + i);
    Txn claim{{Compare::absent(dvipa)}, {Op::put(dvipa, "SYS" + std::to_string(i % 3) + " epoch " + std::to_string(i))}, {}};
    auto r = store->txn(claim);
    ASSERT_TRUE(r.ok() && r->succeeded);
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->put("/own/member/SYS" + std::to_string(i), "up", *lease).ok());
  ASSERT_TRUE(store->put("/own/epoch", "17").ok());
  Revision before_rev = 0;
  auto before = store->get("/own/", true, &before_rev);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 20u);

  ASSERT_TRUE(cluster->restart(0).ok()) << cluster->log_tail(0);
  Revision after_rev = 0;
  auto after = store->get("/own/", true, &after_rev);
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  EXPECT_EQ(*after, *before) << "same keys, values, revisions, versions and leases";
  EXPECT_EQ(after_rev, before_rev);
  EXPECT_TRUE(store->keep_alive(*lease).ok()) << "leases survive a restart";
}

TEST(EtcdFailover, OutageIsReportedThroughHealthAndRecoveredFrom) {
  auto cluster = start_cluster(EtcdClusterOptions{1, 25, 250});
  ASSERT_TRUE(cluster);
  auto store = client(cluster->endpoints(), 200ms, 600ms);
  ASSERT_TRUE(store->put("/o/a", "1").ok());
  ASSERT_TRUE(cluster->stop(0).ok());

  auto put = store->put("/o/a", "secret-value");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kUnavailable);
  const std::string& m = put.error().message;
  EXPECT_EQ(m.rfind("etcd " + cluster->endpoint(0) + ": put /o/a: cannot connect", 0), 0u) << m;
  EXPECT_NE(m.find("attempts over 1 endpoint"), std::string::npos) << m;
  EXPECT_EQ(m.find("secret"), std::string::npos) << m;
  StoreHealth down = store->health();
  EXPECT_FALSE(down.reachable);
  EXPECT_EQ(down.failed_calls, 1u);
  EXPECT_GE(down.retries, 1u);
  EXPECT_EQ(down.last_error, m);
  EXPECT_EQ(down.endpoint, cluster->endpoint(0));
  EXPECT_EQ(store->get("/o/a").error().code, Errc::kUnavailable);
  EXPECT_EQ(store->health().failed_calls, 2u);

  ASSERT_TRUE(cluster->restart(0).ok()) << cluster->log_tail(0);
  auto back = store->put("/o/a", "2");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  StoreHealth up = store->health();
  EXPECT_TRUE(up.reachable);
  EXPECT_TRUE(up.last_error.empty());
  EXPECT_EQ(up.failed_calls, 2u);
  EXPECT_EQ(store->get("/o/a")->front().value, "2");
}

TEST(EtcdFailover, WatchSurvivesARestartWithoutLossOrDuplicates) {
  auto cluster = start_cluster(EtcdClusterOptions{1, 25, 250});
  ASSERT_TRUE(cluster);
  auto store = client(cluster->endpoints(), 500ms, 5s);
  auto writer = client(cluster->endpoints(), 500ms, 5s);
  auto w = store->watch("/w/");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  ASSERT_TRUE(writer->put("/w/1", "a").ok());
  ASSERT_TRUE(writer->put("/w/2", "b").ok());
  auto first = collect(*store, *w, 2);
  expect_exactly(first, {"/w/1", "/w/2"});

  ASSERT_TRUE(writer->put("/w/3", "c").ok());  // may or may not be delivered before the stop
  ASSERT_TRUE(cluster->stop(0).ok());
  ASSERT_TRUE(cluster->restart(0).ok()) << cluster->log_tail(0);
  // Written at once, most likely before the watch stream is back: it resumes from its revision.
  for (const char* key : {"/w/4", "/w/5", "/w/6"}) ASSERT_TRUE(writer->put(key, "d").ok());
  ASSERT_TRUE(writer->del("/w/1").ok());
  auto rest = collect(*store, *w, 5);
  expect_exactly(rest, {"/w/3", "/w/4", "/w/5", "/w/6", "/w/1"});
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest.back().type, WatchEvent::Type::kDelete);
  auto more = store->poll_watch(*w, 200ms);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
  EXPECT_GE(store->watch_reconnects(), 1u);
}

}  // namespace
}  // namespace sysplex::store
