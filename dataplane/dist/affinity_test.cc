#include "dataplane/dist/affinity.h"

#include <gtest/gtest.h>

#include <map>

namespace sysplex::dist {
namespace {

IpAddr client(uint32_t i) { return IpAddr::v4_from_host(0xc6120000 + i); }  // 198.18.0.0/15

TEST(AffinityTable, BindFindReleaseHold) {
  AffinityTable table(16);
  const IpAddr c = client(1);
  EXPECT_EQ(table.find(c, 0), nullptr);
  Affinity* a = table.bind(c, 3, 0);
  ASSERT_NE(a, nullptr);
  ++a->conns;  // a second connection
  table.release(c, 3, 1000, 5000);
  EXPECT_EQ(table.find(c, 1'000'000)->conns, 1u) << "still one live connection: no expiry";
  table.release(c, 3, 2000, 5000);  // the last one: held until 7000
  ASSERT_NE(table.find(c, 6999), nullptr);
  EXPECT_EQ(table.find(c, 6999)->target, 3u);
  EXPECT_EQ(table.find(c, 7000), nullptr);
  EXPECT_EQ(table.size(), 1u) << "lapsed but not yet swept";
  EXPECT_EQ(table.expire(7000), 1u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(AffinityTable, ReleaseForAnotherTargetIsIgnored) {
  AffinityTable table(4);
  const IpAddr c = client(1);
  table.bind(c, 1, 0);
  table.bind(c, 2, 0);  // rebound (the old target went away): its old connections no longer count
  table.release(c, 1, 10, 5000);
  ASSERT_NE(table.find(c, 1'000'000), nullptr);
  EXPECT_EQ(table.find(c, 1'000'000)->conns, 1u);
}

TEST(AffinityTable, FullTableRefusesUntilExpired) {
  AffinityTable table(2);
  ASSERT_NE(table.bind(client(1), 0, 0), nullptr);
  ASSERT_NE(table.bind(client(2), 0, 0), nullptr);
  EXPECT_EQ(table.bind(client(3), 0, 0), nullptr);
  table.release(client(1), 0, 0, 100);
  EXPECT_EQ(table.expire(99), 0u);
  EXPECT_EQ(table.expire(100), 1u);
  ASSERT_NE(table.bind(client(3), 1, 100), nullptr);
  EXPECT_EQ(table.find(client(3), 100)->target, 1u);
  EXPECT_EQ(table.size(), 2u);
}

// A full table still takes a new client whose probe passes a lapsed binding, without a sweep.
// With one client in two slots, about half the other clients' probes pass it.
TEST(AffinityTable, LapsedBindingOnProbePathIsReused) {
  AffinityTable table(1);
  uint32_t reused = 0;
  for (uint32_t c = 2; c < 40; ++c) {
    table.bind(client(1), 0, 0);
    table.release(client(1), 0, 0, 100);  // lapses at 100
    if (table.bind(client(c), 1, 100) == nullptr) continue;
    ++reused;
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.find(client(1), 0), nullptr) << "client 1's slot went to client " << c;
    table.release(client(c), 1, 100, 0);
    table.expire(100);
  }
  EXPECT_GT(reused, 0u);
}

// A long deterministic mix of binds, releases and sweeps over more clients than fit, checked
// against a std::map model after every step: exercises probing, reuse and backward-shift erase.
TEST(AffinityTable, MatchesModel) {
  constexpr uint32_t kCapacity = 64, kClients = 300, kHoldMs = 50;
  AffinityTable table(kCapacity);
  std::map<uint32_t, Affinity> model;  // client index -> binding that was accepted
  uint64_t lcg = 7;
  auto next = [&lcg](uint32_t n) {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>((lcg >> 33) % n);
  };
  for (uint64_t now = 0; now < 200000; ++now) {
    const uint32_t c = next(kClients), target = next(4);
    auto it = model.find(c);
    const bool holds = it != model.end() && it->second.holds(now);
    switch (next(3)) {
      case 0:
        if (!holds && table.bind(client(c), target, now) != nullptr) {
          model[c] = Affinity{client(c), target, 1, 0};
        }
        break;
      case 1:
        if (holds && it->second.conns > 0) {
          table.release(client(c), it->second.target, now, kHoldMs);
          if (--it->second.conns == 0) it->second.expires_ms = now + kHoldMs;
        }
        break;
      default:
        if (next(100) == 0) {
          table.expire(now);
          std::erase_if(model, [now](const auto& kv) { return !kv.second.holds(now); });
        }
    }
    auto agrees = [&](uint32_t k) {
      const Affinity* a = table.find(client(k), now);
      const auto m = model.find(k);
      if ((a != nullptr) != (m != model.end() && m->second.holds(now))) return false;
      return !a || (a->target == m->second.target && a->conns == m->second.conns);
    };
    ASSERT_TRUE(agrees(c)) << "step " << now << " client " << c;
    if (now % 997 == 0) {
      for (uint32_t k = 0; k < kClients; ++k) {
        ASSERT_TRUE(agrees(k)) << "step " << now << " client " << k;
      }
    }
  }
  uint32_t live = 0;
  for (uint32_t c = 0; c < kClients; ++c) live += table.find(client(c), 200000) != nullptr;
  table.expire(200000);
  EXPECT_EQ(table.size(), live);
}

}  // namespace
}  // namespace sysplex::dist
