// One behavioural suite, run against both backends: the embedded store (manual clock) and a real
// etcd started by the fixture (one member on free loopback ports, shared by the suite). Revisions
// are only compared relative to each other, since the etcd member outlives single tests.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "control/store/embedded_store.h"
#include "control/store/etcd_process.h"
#include "control/store/etcd_store.h"

namespace sysplex::store {
namespace {

using namespace std::chrono_literals;
using testing::EtcdCluster;

class EmbeddedBackend {
 public:
  static constexpr const char* kName = "Embedded";
  static void start_shared() {}
  static void stop_shared() {}
  static bool ready() { return true; }
  static std::string problem() { return {}; }

  std::unique_ptr<Store> client() { return root_.connect(); }
  void pass(std::chrono::milliseconds d) { clock_.advance(d); }
  Status compact(Revision r) { return root_.compact(r); }

 private:
  ManualClock clock_;
  EmbeddedStore root_{EmbeddedOptions{clock_.clock(), 10000}};
};

class EtcdBackend {
 public:
  static constexpr const char* kName = "Etcd";
  static void start_shared() {
    // Short raft timers: etcd's minimum lease TTL becomes 1 s, as small as it goes.
    auto cluster = EtcdCluster::start(testing::EtcdClusterOptions{1, 10, 100});
    if (cluster.ok()) {
      cluster_ = std::move(cluster).value();
    } else {
      problem_ = cluster.error().to_string();
    }
  }
  static void stop_shared() { cluster_.reset(); }
  static bool ready() { return cluster_ != nullptr; }
  static std::string problem() { return "etcd did not start: " + problem_; }

  std::unique_ptr<Store> client() { return etcd_client(); }
  void pass(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }
  Status compact(Revision r) { return etcd_client()->compact(r); }

 private:
  static std::unique_ptr<EtcdStore> etcd_client() {
    auto store = EtcdStore::connect(EtcdOptions{cluster_->endpoints()});
    EXPECT_TRUE(store.ok()) << store.error().to_string();
    return std::move(store).value();
  }
  static inline std::unique_ptr<EtcdCluster> cluster_;
  static inline std::string problem_;
};

template <typename B>
class StoreBehaviour : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { B::start_shared(); }
  static void TearDownTestSuite() { B::stop_shared(); }

  void SetUp() override {
    ASSERT_TRUE(B::ready()) << B::problem();
    store_ = backend_.client();
    prefix_ = std::string("/t/") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/";
  }

  std::string k(const std::string& name) const { return prefix_ + name; }

  Revision revision() {
    Revision r = 0;
    EXPECT_TRUE(store_->get(prefix_, true, &r).ok());
    return r;
  }

  std::optional<KeyValue> read(const std::string& key) {
    auto kvs = store_->get(key);
    EXPECT_TRUE(kvs.ok()) << kvs.error().to_string();
    if (!kvs.ok() || kvs->empty()) return std::nullopt;
    return kvs->front();
  }

  // Events until `n` have come (or 5 s passed); then checks that nothing more follows.
  std::vector<WatchEvent> collect(Store& store, WatchId id, size_t n) {
    std::vector<WatchEvent> all;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto got = store.poll_watch(id, 200ms);
      EXPECT_TRUE(got.ok()) << got.error().to_string();
      if (!got.ok()) return all;
      all.insert(all.end(), got->begin(), got->end());
    }
    auto more = store.poll_watch(id, 100ms);
    EXPECT_TRUE(more.ok() && more->empty()) << "unexpected extra events";
    return all;
  }

  // Real time for etcd (its lessor checks expiry twice a second); at once for the embedded store.
  template <typename F>
  bool eventually(F&& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 4s;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  B backend_;
  std::unique_ptr<Store> store_;
  std::string prefix_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Backends = ::testing::Types<EmbeddedBackend, EtcdBackend>;
TYPED_TEST_SUITE(StoreBehaviour, Backends, BackendNames);

WatchEvent put_event(KeyValue kv) { return WatchEvent{WatchEvent::Type::kPut, std::move(kv)}; }
WatchEvent delete_event(const std::string& key, Revision rev) {
  WatchEvent ev{WatchEvent::Type::kDelete, {}};
  ev.kv.key = key;
  ev.kv.mod_revision = rev;
  return ev;
}

constexpr LeaseId kUnknownLease = 0x5ea1ed0000000001;

TYPED_TEST(StoreBehaviour, PutThenGetHasRevisionsAndVersions) {
  const Revision before = this->revision();
  auto r1 = this->store_->put(this->k("a"), "v1");
  ASSERT_TRUE(r1.ok()) << r1.error().to_string();
  EXPECT_EQ(*r1, before + 1);
  EXPECT_EQ(this->read(this->k("a")), (KeyValue{this->k("a"), "v1", *r1, *r1, 1, 0}));
  auto r2 = this->store_->put(this->k("a"), "v2");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*r2, *r1 + 1);
  EXPECT_EQ(this->read(this->k("a")), (KeyValue{this->k("a"), "v2", *r1, *r2, 2, 0}));
  EXPECT_EQ(this->revision(), *r2);
}

TYPED_TEST(StoreBehaviour, GetOfAMissingKeyIsEmptyAndStillGivesTheRevision) {
  ASSERT_TRUE(this->store_->put(this->k("other"), "x").ok());
  Revision rev = 0;
  auto kvs = this->store_->get(this->k("missing"), false, &rev);
  ASSERT_TRUE(kvs.ok());
  EXPECT_TRUE(kvs->empty());
  EXPECT_EQ(rev, this->revision());
  EXPECT_GT(rev, 1);
}

TYPED_TEST(StoreBehaviour, PrefixGetIsSortedAndBounded) {
  const std::string outside = this->prefix_.substr(0, this->prefix_.size() - 1) + "0";  // just past the prefix
  for (const std::string& key : {this->k("b"), this->k("a/x"), this->k("a"), outside, this->k("")})
    ASSERT_TRUE(this->store_->put(key, "v").ok());
  auto kvs = this->store_->get(this->prefix_, true);
  ASSERT_TRUE(kvs.ok());
  std::vector<std::string> keys;
  for (const KeyValue& kv : *kvs) keys.push_back(kv.key);
  EXPECT_EQ(keys, (std::vector<std::string>{this->k(""), this->k("a"), this->k("a/x"), this->k("b")}));
  auto all = this->store_->get("", true);
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), 5u) << "prefix \"\" reads every key";
}

TYPED_TEST(StoreBehaviour, KeysAndValuesAreOpaqueBytes) {
  const std::string key = this->k(std::string("\x00\x01\xfe\xff", 4));
  const std::string value("sealed\x00\xff\x80record", 16);
  ASSERT_TRUE(this->store_->put(key, value).ok());
  ASSERT_TRUE(this->store_->put(this->k("empty"), "").ok());
  auto kv = this->read(key);
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->value, value);
  EXPECT_EQ(kv->key, key);
  auto empty = this->read(this->k("empty"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->value, "");
  EXPECT_EQ(empty->version, 1);
}

TYPED_TEST(StoreBehaviour, DeleteCountsAndChangesTheRevisionOnlyWhenSomethingWent) {
  const Revision start = this->revision();
  auto none = this->store_->del(this->k("nothing"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(this->revision(), start);
  for (const char* name : {"p/1", "p/2", "p/3", "q"}) ASSERT_TRUE(this->store_->put(this->k(name), "v").ok());
  const Revision filled = this->revision();
  auto three = this->store_->del(this->k("p/"), true);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, 3);
  EXPECT_EQ(this->revision(), filled + 1) << "one revision for the whole range";
  auto one = this->store_->del(this->k("q"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  EXPECT_FALSE(this->read(this->k("q")).has_value());
}

TYPED_TEST(StoreBehaviour, RecreatedKeyStartsAgainAtVersionOne) {
  ASSERT_TRUE(this->store_->put(this->k("a"), "1").ok());
  ASSERT_TRUE(this->store_->put(this->k("a"), "2").ok());
  ASSERT_TRUE(this->store_->del(this->k("a")).ok());
  auto again = this->store_->put(this->k("a"), "3");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(this->read(this->k("a")), (KeyValue{this->k("a"), "3", *again, *again, 1, 0}));
}

TYPED_TEST(StoreBehaviour, CreateIfAbsentSucceedsForExactlyOneClient) {
  auto other = this->backend_.client();
  const std::string owner = this->k("owner");
  Txn claim_a{{Compare::absent(owner)}, {Op::put(owner, "node-a")}, {Op::get(owner)}};
  Txn claim_b{{Compare::absent(owner)}, {Op::put(owner, "node-b")}, {Op::get(owner)}};
  auto a = this->store_->txn(claim_a);
  auto b = other->txn(claim_b);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->succeeded);
  EXPECT_FALSE(b->succeeded);
  ASSERT_EQ(a->responses.size(), 1u);
  EXPECT_TRUE(a->responses[0].empty());
  ASSERT_EQ(b->responses.size(), 1u);
  ASSERT_EQ(b->responses[0].size(), 1u);
  EXPECT_EQ(b->responses[0][0].value, "node-a");
  EXPECT_EQ(b->revision, a->revision);
}

TYPED_TEST(StoreBehaviour, ModRevisionGuardsAReadModifyWrite) {
  auto r = this->store_->put(this->k("epoch"), "1");
  ASSERT_TRUE(r.ok());
  auto stale = this->store_->put(this->k("epoch"), "2");
  ASSERT_TRUE(stale.ok());
  auto lost = this->store_->txn(Txn{{Compare::mod_revision_is(this->k("epoch"), *r)}, {Op::put(this->k("epoch"), "x")}, {}});
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->succeeded);
  auto won =
      this->store_->txn(Txn{{Compare::mod_revision_is(this->k("epoch"), *stale)}, {Op::put(this->k("epoch"), "3")}, {}});
  ASSERT_TRUE(won.ok());
  EXPECT_TRUE(won->succeeded);
  EXPECT_EQ(this->read(this->k("epoch"))->value, "3");
}

TYPED_TEST(StoreBehaviour, EveryCompareTargetAndResult) {
  using T = Compare::Target;
  using R = Compare::Result;
  const std::string a = this->k("a");
  const std::string missing = this->k("missing");
  auto c1 = this->store_->put(a, "m");
  ASSERT_TRUE(c1.ok());
  auto m2 = this->store_->put(a, "m");
  ASSERT_TRUE(m2.ok());
  const std::vector<std::pair<Compare, bool>> cases = {
      {{a, T::kVersion, R::kEqual, 2, {}}, true},          {{a, T::kVersion, R::kGreater, 1, {}}, true},
      {{a, T::kVersion, R::kLess, 2, {}}, false},          {{a, T::kVersion, R::kNotEqual, 2, {}}, false},
      {{a, T::kCreateRevision, R::kEqual, *c1, {}}, true}, {{a, T::kCreateRevision, R::kLess, *m2, {}}, true},
      {{a, T::kModRevision, R::kEqual, *m2, {}}, true},    {{a, T::kModRevision, R::kGreater, *m2, {}}, false},
      {{a, T::kLease, R::kEqual, 0, {}}, true},            {{a, T::kValue, R::kEqual, 0, "m"}, true},
      {{a, T::kValue, R::kGreater, 0, "l"}, true},         {{a, T::kValue, R::kLess, 0, "mm"}, true},
      {{a, T::kValue, R::kNotEqual, 0, "m"}, false},       {{a, T::kValue, R::kGreater, 0, "\x80"}, false},
      // A missing key has zeros for numbers, and every value comparison on it fails.
      {{missing, T::kVersion, R::kEqual, 0, {}}, true},    {{missing, T::kCreateRevision, R::kEqual, 0, {}}, true},
      {{missing, T::kValue, R::kNotEqual, 0, "x"}, false}, {{missing, T::kValue, R::kEqual, 0, ""}, false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto r = this->store_->txn(Txn{{cases[i].first}, {}, {}});
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().to_string();
    EXPECT_EQ(r->succeeded, cases[i].second) << "case " << i;
  }
  auto both = this->store_->txn(Txn{{cases[0].first, cases[2].first}, {}, {}});
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(both->succeeded) << "every compare must hold";
}

TYPED_TEST(StoreBehaviour, TxnWritesShareOneRevisionAndLaterReadsSeeThem) {
  ASSERT_TRUE(this->store_->put(this->k("old/1"), "x").ok());
  const Revision before = this->revision();
  Txn t{{},
        {Op::put(this->k("a"), "1"), Op::put(this->k("b"), "2"), Op::get(this->k("a")), Op::del(this->k("old/"), true),
         Op::get(this->prefix_, true)},
        {}};
  auto r = this->store_->txn(t);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(r->revision, before + 1);
  ASSERT_EQ(r->responses.size(), 5u);
  ASSERT_EQ(r->responses[2].size(), 1u);
  EXPECT_EQ(r->responses[2][0], (KeyValue{this->k("a"), "1", before + 1, before + 1, 1, 0}));
  ASSERT_EQ(r->responses[4].size(), 2u) << "the get after the delete no longer sees old/1";
  EXPECT_EQ(this->read(this->k("b"))->mod_revision, before + 1);
}

TYPED_TEST(StoreBehaviour, ReadOnlyOrEmptyTxnLeavesTheRevision) {
  ASSERT_TRUE(this->store_->put(this->k("a"), "1").ok());
  const Revision before = this->revision();
  auto r = this->store_->txn(Txn{{Compare::value_is(this->k("a"), "1")}, {Op::get(this->k("a"))}, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(r->revision, before);
  auto empty = this->store_->txn(Txn{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->succeeded);
  EXPECT_EQ(empty->revision, before);
}

TYPED_TEST(StoreBehaviour, MalformedRequestsAreRejectedAndApplyNothing) {
  const Revision before = this->revision();
  EXPECT_EQ(this->store_->put("", "v").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(this->store_->get("").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(this->store_->del("").error().code, Errc::kInvalidArgument);
  Txn twice{{}, {Op::put(this->k("a"), "1"), Op::put(this->k("a"), "2")}, {}};
  EXPECT_EQ(this->store_->txn(twice).error().code, Errc::kInvalidArgument);
  Txn put_and_delete{{}, {Op::del(this->k(""), true), Op::put(this->k("a"), "1")}, {}};
  EXPECT_EQ(this->store_->txn(put_and_delete).error().code, Errc::kInvalidArgument);
  Txn too_many;
  for (int i = 0; i < 129; ++i) too_many.success.push_back(Op::put(this->k(std::to_string(i)), "v"));
  EXPECT_EQ(this->store_->txn(too_many).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(this->store_->grant_lease(0ms).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(this->revision(), before);
}

TYPED_TEST(StoreBehaviour, UnknownLeaseIsNotFoundAndTheTxnAppliesNothing) {
  EXPECT_EQ(this->store_->put(this->k("a"), "v", kUnknownLease).error().code, Errc::kNotFound);
  Txn t{{}, {Op::put(this->k("b"), "v"), Op::put(this->k("c"), "v", kUnknownLease)}, {}};
  auto r = this->store_->txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_FALSE(this->read(this->k("b")).has_value());
  EXPECT_EQ(this->store_->keep_alive(kUnknownLease).error().code, Errc::kNotFound);
  EXPECT_EQ(this->store_->revoke_lease(kUnknownLease).error().code, Errc::kNotFound);
  // Only the branch that runs needs its leases.
  auto other_branch = this->store_->txn(Txn{{}, {Op::put(this->k("d"), "v")}, {Op::put(this->k("e"), "v", kUnknownLease)}});
  ASSERT_TRUE(other_branch.ok()) << other_branch.error().to_string();
}

TYPED_TEST(StoreBehaviour, RevokeDeletesTheLeaseKeysInOneRevisionAsDeleteEvents) {
  auto lease = this->store_->grant_lease(30s);
  ASSERT_TRUE(lease.ok()) << lease.error().to_string();
  ASSERT_TRUE(this->store_->put(this->k("m/1"), "a", *lease).ok());
  ASSERT_TRUE(this->store_->put(this->k("m/2"), "b", *lease).ok());
  ASSERT_TRUE(this->store_->put(this->k("m/3"), "c").ok());
  EXPECT_EQ(this->read(this->k("m/1"))->lease, *lease);
  auto w = this->store_->watch(this->k("m/"));
  ASSERT_TRUE(w.ok());
  const Revision before = this->revision();
  ASSERT_TRUE(this->store_->revoke_lease(*lease).ok());
  auto events = this->collect(*this->store_, *w, 2);
  EXPECT_EQ(events, (std::vector<WatchEvent>{delete_event(this->k("m/1"), before + 1),
                                             delete_event(this->k("m/2"), before + 1)}));
  EXPECT_TRUE(this->read(this->k("m/3")).has_value());
  EXPECT_EQ(this->store_->revoke_lease(*lease).error().code, Errc::kNotFound);
  EXPECT_EQ(this->store_->keep_alive(*lease).error().code, Errc::kNotFound);
  EXPECT_EQ(this->store_->put(this->k("m/1"), "a", *lease).error().code, Errc::kNotFound);
}

TYPED_TEST(StoreBehaviour, ExpiredLeaseDeletesItsKeys) {
  auto lease = this->store_->grant_lease(1000ms);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(this->store_->put(this->k("member"), "up", *lease).ok());
  auto w = this->store_->watch(this->k(""));
  ASSERT_TRUE(w.ok());
  this->backend_.pass(1100ms);
  EXPECT_TRUE(this->eventually([&] { return !this->read(this->k("member")).has_value(); }));
  auto events = this->collect(*this->store_, *w, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(events[0].kv.key, this->k("member"));
  EXPECT_EQ(this->store_->keep_alive(*lease).error().code, Errc::kNotFound);
}

TYPED_TEST(StoreBehaviour, KeepAliveHoldsTheLeaseWellPastItsTtl) {
  auto lease = this->store_->grant_lease(1000ms);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(this->store_->put(this->k("member"), "up", *lease).ok());
  for (int i = 0; i < 5; ++i) {
    this->backend_.pass(400ms);
    ASSERT_TRUE(this->store_->keep_alive(*lease).ok()) << i;
  }
  EXPECT_TRUE(this->read(this->k("member")).has_value()) << "2 s on a 1 s lease";
  this->backend_.pass(1100ms);
  EXPECT_TRUE(this->eventually([&] { return !this->read(this->k("member")).has_value(); }));
}

TYPED_TEST(StoreBehaviour, PutWithoutTheLeaseDetachesTheKey) {
  auto lease = this->store_->grant_lease(30s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(this->store_->put(this->k("a"), "1", *lease).ok());
  auto held = this->store_->txn(Txn{{Compare{this->k("a"), Compare::Target::kLease, Compare::Result::kEqual, *lease, {}}}, {}, {}});
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->succeeded);
  ASSERT_TRUE(this->store_->put(this->k("a"), "2").ok());
  EXPECT_EQ(this->read(this->k("a"))->lease, 0);
  ASSERT_TRUE(this->store_->revoke_lease(*lease).ok());
  EXPECT_EQ(this->read(this->k("a"))->value, "2");
}

TYPED_TEST(StoreBehaviour, WatchFromNowSeesPutsAndDeletesInOrder) {
  auto w = this->store_->watch(this->k(""));
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  auto r1 = this->store_->put(this->k("a"), "1");
  auto r2 = this->store_->put(this->k("a"), "2");
  auto r3 = this->store_->del(this->k("a"));
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  auto events = this->collect(*this->store_, *w, 3);
  EXPECT_EQ(events, (std::vector<WatchEvent>{put_event({this->k("a"), "1", *r1, *r1, 1, 0}),
                                             put_event({this->k("a"), "2", *r1, *r2, 2, 0}),
                                             delete_event(this->k("a"), *r2 + 1)}));
}

TYPED_TEST(StoreBehaviour, WatchFromAPastRevisionReplaysTheHistory) {
  auto r1 = this->store_->put(this->k("a"), "1");
  auto r2 = this->store_->put(this->k("b"), "2");
  ASSERT_TRUE(r1.ok() && r2.ok());
  auto w = this->store_->watch(this->k(""), *r1);
  ASSERT_TRUE(w.ok());
  auto r3 = this->store_->put(this->k("c"), "3");
  ASSERT_TRUE(r3.ok());
  auto events = this->collect(*this->store_, *w, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.mod_revision, *r1);
  EXPECT_EQ(events[1].kv.mod_revision, *r2);
  EXPECT_EQ(events[2].kv, (KeyValue{this->k("c"), "3", *r3, *r3, 1, 0}));
}

TYPED_TEST(StoreBehaviour, WatchSeesOnlyItsPrefix) {
  auto w = this->store_->watch(this->k("in/"));
  ASSERT_TRUE(w.ok());
  for (const char* name : {"in", "inx", "in/a", "out/a", "in/b"}) ASSERT_TRUE(this->store_->put(this->k(name), "v").ok());
  auto events = this->collect(*this->store_, *w, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.key, this->k("in/a"));
  EXPECT_EQ(events[1].kv.key, this->k("in/b"));
}

TYPED_TEST(StoreBehaviour, WatchSeesTxnAndRangeDeleteEventsInOrder) {
  auto w = this->store_->watch(this->k(""));
  ASSERT_TRUE(w.ok());
  auto t = this->store_->txn(Txn{{}, {Op::put(this->k("b"), "1"), Op::put(this->k("a"), "2"), Op::get(this->k("a"))}, {}});
  ASSERT_TRUE(t.ok());
  auto gone = this->store_->del(this->k(""), true);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, 2);
  auto events = this->collect(*this->store_, *w, 4);
  const Revision r = t->revision;
  EXPECT_EQ(events, (std::vector<WatchEvent>{put_event({this->k("b"), "1", r, r, 1, 0}),
                                             put_event({this->k("a"), "2", r, r, 1, 0}),
                                             delete_event(this->k("a"), r + 1), delete_event(this->k("b"), r + 1)}));
}

TYPED_TEST(StoreBehaviour, WatchOfOneClientSeesTheWritesOfAnother) {
  auto other = this->backend_.client();
  auto w = this->store_->watch(this->k(""));
  ASSERT_TRUE(w.ok());
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(other->put(this->k("n"), std::to_string(i)).ok());
  });
  auto events = this->collect(*this->store_, *w, 20);
  writer.join();
  ASSERT_EQ(events.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(events[i].kv.value, std::to_string(i));
    EXPECT_EQ(events[i].kv.version, i + 1);
  }
}

TYPED_TEST(StoreBehaviour, WatchFromACompactedRevisionFails) {
  auto r1 = this->store_->put(this->k("a"), "1");
  auto r2 = this->store_->put(this->k("a"), "2");
  ASSERT_TRUE(r1.ok() && r2.ok());
  ASSERT_TRUE(this->backend_.compact(*r2).ok());
  auto kept = this->store_->watch(this->k(""), *r2);
  ASSERT_TRUE(kept.ok());
  auto events = this->collect(*this->store_, *kept, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.value, "2");
  auto old = this->store_->watch(this->k(""), *r1);
  ASSERT_TRUE(old.ok()) << old.error().to_string();
  auto failed = this->store_->poll_watch(*old, 5s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(failed.error().message.find("compacted"), std::string::npos) << failed.error().message;
}

TYPED_TEST(StoreBehaviour, CancelledOrUnknownWatchIsNotFound) {
  auto w = this->store_->watch(this->k(""));
  ASSERT_TRUE(w.ok());
  auto quiet = this->store_->poll_watch(*w, 0ms);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->empty());
  this->store_->cancel_watch(*w);
  EXPECT_EQ(this->store_->poll_watch(*w, 0ms).error().code, Errc::kNotFound);
  EXPECT_EQ(this->store_->poll_watch(9999, 0ms).error().code, Errc::kNotFound);
  this->store_->cancel_watch(9999);  // harmless
}

TYPED_TEST(StoreBehaviour, ConcurrentClientsLoseNoUpdate) {
  constexpr int kClients = 4;
  constexpr int kIncrements = 15;
  const std::string counter = this->k("counter");
  ASSERT_TRUE(this->store_->put(counter, "0").ok());
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, client = this->backend_.client()] {
      for (int done = 0; done < kIncrements;) {
        auto kvs = client->get(counter);
        ASSERT_TRUE(kvs.ok() && kvs->size() == 1) << (kvs.ok() ? "" : kvs.error().to_string());
        const KeyValue& kv = (*kvs)[0];
        auto r = client->txn(Txn{{Compare::mod_revision_is(counter, kv.mod_revision)},
                                 {Op::put(counter, std::to_string(std::stoi(kv.value) + 1))},
                                 {}});
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        if (r->succeeded) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto kv = this->read(counter);
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->value, std::to_string(kClients * kIncrements));
  EXPECT_EQ(kv->version, kClients * kIncrements + 1);
}

TYPED_TEST(StoreBehaviour, HealthShowsAReachableStore) {
  ASSERT_TRUE(this->store_->get(this->k("a")).ok());
  StoreHealth h = this->store_->health();
  EXPECT_TRUE(h.reachable);
  EXPECT_TRUE(h.last_error.empty());
  EXPECT_EQ(h.failed_calls, 0u);
  EXPECT_FALSE(h.endpoint.empty());
}

}  // namespace
}  // namespace sysplex::store
