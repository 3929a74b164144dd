// Ownership against a real etcd (Debian's etcd-server, started by the test on loopback): an owner's
// death taken over on heartbeats before its lease expires, an etcd restart on its data directory
// keeping the ownership record and the epoch, and a leave releasing with the epoch moved on.
// Real time (etcd's leases run on its own clock); figures are printed, not asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "control/ownership/member.h"
#include "control/ownership/member_test_util.h"
#include "control/store/etcd_process.h"
#include "control/store/etcd_store.h"

namespace sysplex::ownership {
namespace {

using namespace std::chrono_literals;
using store::testing::EtcdCluster;
using testing::ip;
using testing::of;
using testing::profile;

constexpr const char* D1 = "198.19.0.10";

uint64_t mono_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// Nodes of one group, each with its own etcd client, stepped every 20 ms in real time, with an
// in-process group channel.
class EtcdGroup {
 public:
  EtcdGroup(const EtcdCluster& cluster, Options options) : cluster_(cluster), options_(std::move(options)) {}

  void add(config::Profile p) {
    Node& n = nodes_[p.node_name];
    store::EtcdOptions eo;
    eo.endpoints = cluster_.endpoints();
    eo.attempt_timeout = 300ms;  // well below lease_ms / 3, as member.h asks
    eo.call_deadline = 500ms;
    auto s = store::EtcdStore::connect(eo);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    n.store = std::move(s).value();
    auto m = GroupMember::create(p, *n.store, options_);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    n.m = std::move(m).value();
  }
  void kill(const std::string& name) { nodes_.at(name).m.reset(); }
  GroupMember& m(const std::string& name) { return *nodes_.at(name).m; }
  const std::vector<Action>& actions(const std::string& name) { return nodes_.at(name).all; }
  void request(const std::string& name, Request r) { nodes_.at(name).pending.push_back(r); }

  void step_all() {
    uint64_t now = mono_ms();
    for (auto& [name, n] : nodes_) {
      if (!n.m) continue;
      Inputs in;
      in.requests = std::move(n.pending);
      n.pending.clear();
      for (auto [peer, h] : heard_[name]) {
        h.alive = now - h.last_heard_ms < 300;
        in.peers[peer] = h;
      }
      StepResult r = n.m->step(now, in);
      n.all.insert(n.all.end(), r.actions.begin(), r.actions.end());
      for (auto& [other, o] : nodes_)
        if (other != name) heard_[other][name] = PeerHeard{now, n.m->incarnation(), true};
    }
  }
  // Steps until `done` holds or `limit` passes; the time it took, or -1.
  template <typename Done>
  int64_t run_until(Done done, std::chrono::milliseconds limit) {
    uint64_t start = mono_ms();
    while (mono_ms() - start < uint64_t(limit.count())) {
      step_all();
      if (done()) return int64_t(mono_ms() - start);
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  bool acting(const std::string& name) {
    const Node& n = nodes_.at(name);
    return n.m && !n.m->state().dvipas.empty() && n.m->state().dvipas[0].acting;
  }

 private:
  struct Node {
    std::unique_ptr<store::EtcdStore> store;
    std::unique_ptr<GroupMember> m;
    std::vector<Action> all;
    std::vector<Request> pending;
  };
  const EtcdCluster& cluster_;
  Options options_;
  std::map<std::string, Node> nodes_;
  std::map<std::string, std::map<std::string, PeerHeard>> heard_;
};

std::optional<OwnerRecord> owner_in(store::Store& s, const Keys& keys) {
  auto kvs = s.get(keys.owner(ip(D1)));
  if (!kvs.ok() || kvs->empty()) return std::nullopt;
  auto rec = decode_owner(kvs->front().value);
  return rec.ok() ? std::optional<OwnerRecord>(*rec) : std::nullopt;
}

uint64_t epoch_in(store::Store& s, const Keys& keys) {
  auto kvs = s.get(keys.epoch(ip(D1)));
  if (!kvs.ok() || kvs->empty()) return 0;
  auto e = decode_counter(kvs->front().value);
  return e.ok() ? *e : 0;
}

TEST(OwnershipEtcd, TakeoverOnHeartbeatsAndOwnershipSurvivesAnEtcdRestart) {
  auto cluster = EtcdCluster::start(store::testing::EtcdClusterOptions{1, 10, 100});
  ASSERT_TRUE(cluster.ok()) << cluster.error().to_string();
  Options o;
  o.key_prefix = "/ownership-it/";
  Keys keys(o.key_prefix, "EZBTCPCS");
  EtcdGroup g(**cluster, o);
  g.add(profile("SYS1", 1, {{D1}}, {}));
  g.add(profile("SYS2", 2, {}, {{D1, 100}}));
  ASSERT_GE(g.run_until([&] { return g.acting("SYS1"); }, 10s), 0) << g.m("SYS1").state().store_error;
  g.run_until([] { return false; }, 500ms);  // SYS2 joins and hears SYS1 after seeing its record

  g.kill("SYS1");  // no leave: its lease (3 s) keeps its records for now
  int64_t took = g.run_until([&] { return g.acting("SYS2"); }, 10s);
  ASSERT_GE(took, 0);
  std::printf("takeover after the owner's death: %lld ms (heartbeat window 300 ms, lease 3000 ms)\n",
              static_cast<long long>(took));
  auto act = of<Activate>(g.actions("SYS2"));
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].reason, ActivateReason::kTakeoverFailed);  // on heartbeats, not the lease
  EXPECT_EQ(act[0].epoch, 2u);

  auto reader = store::EtcdStore::connect(store::EtcdOptions{(*cluster)->endpoints()});
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*cluster)->stop(0).ok());
  g.run_until([] { return false; }, 300ms);  // the members see the outage
  EXPECT_FALSE(g.m("SYS2").state().store_reachable);
  ASSERT_TRUE((*cluster)->restart(0).ok()) << (*cluster)->log_tail(0);
  ASSERT_GE(g.run_until([&] { return g.m("SYS2").state().store_reachable && g.acting("SYS2"); }, 10s), 0);
  g.run_until([] { return false; }, 1500ms);
  auto rec = owner_in(**reader, keys);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->node, "SYS2");
  EXPECT_EQ(rec->epoch, 2u);
  EXPECT_EQ(epoch_in(**reader, keys), 2u);
  EXPECT_TRUE(g.acting("SYS2"));
  for (const auto& a : of<Activate>(g.actions("SYS2"))) EXPECT_EQ(a.epoch, 2u);  // kept, or recovered at 2

  g.request("SYS2", Request::leave());
  g.run_until([&] { return g.m("SYS2").state().join == JoinState::kOut; }, 5s);
  EXPECT_FALSE(owner_in(**reader, keys).has_value());
  EXPECT_EQ(epoch_in(**reader, keys), 3u);  // the release moved it on; the next owner gets 4
}

}  // namespace
}  // namespace sysplex::ownership
