#include "dataplane/conn/conn_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

namespace sysplex::conn {
namespace {

ConnKey key_v4(uint32_t client, uint16_t sport, uint16_t dport = 80) {
  uint8_t src[4] = {198, 18, uint8_t(client >> 8), uint8_t(client)};
  uint8_t dst[4] = {198, 19, 10, 1};
  return make_key(src, dst, false, sport, dport, 6);
}

ConnKey key_v6(uint32_t n) {
  uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
  uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::memcpy(src + 12, &n, 4);
  return make_key(src, dst, true, 40000, 443, 6);
}

std::unique_ptr<ConnTable> table(uint32_t capacity, ConnTimeouts t = {}) {
  auto r = ConnTable::create(capacity, t);
  EXPECT_TRUE(r.ok());
  return std::move(*r);
}

TEST(ConnTable, RefusesCapacitiesOutsideItsRange) {
  EXPECT_FALSE(ConnTable::create(0, {}).ok());
  EXPECT_FALSE(ConnTable::create(1u << 30, {}).ok());
  EXPECT_EQ(ConnTable::create(1u << 30, {}).error().message,
            "connection table capacity 1073741824 is outside 16-268435456");
}

// make_key writes whole words; every field must still land where ConnKey declares it, with the
// unused address bytes and the padding zero (compare and hash read all 40 bytes).
void expect_key(const ConnKey& k, const uint8_t* src, const uint8_t* dst, uint16_t sport, uint16_t dport,
                uint8_t proto, bool v6) {
  EXPECT_EQ(std::memcmp(k.src, src, 16), 0);
  EXPECT_EQ(std::memcmp(k.dst, dst, 16), 0);
  EXPECT_EQ(k.sport, sport);
  EXPECT_EQ(k.dport, dport);
  EXPECT_EQ(k.proto, proto);
  EXPECT_EQ(k.v6, v6 ? 1 : 0);
  EXPECT_EQ(k.pad[0] | k.pad[1], 0);
}

TEST(ConnTable, MakeKeyFillsTheDeclaredFields) {
  const uint8_t s4[16] = {198, 19, 0, 7, 0xaa, 0xaa}, d4[16] = {198, 18, 1, 50, 0xbb, 0xbb};
  const uint8_t want_s[16] = {198, 19, 0, 7}, want_d[16] = {198, 18, 1, 50};
  expect_key(make_key(s4, d4, false, 40001, 80, 6), want_s, want_d, 40001, 80, 6, false);
  uint8_t s6[16], d6[16];
  for (int i = 0; i < 16; ++i) s6[i] = uint8_t(0x20 + i), d6[i] = uint8_t(0x40 + i);
  expect_key(make_key(s6, d6, true, 1, 443, 17), s6, d6, 1, 443, 17, true);
}

TEST(ConnTable, InsertFindErase) {
  auto t = table(1024);
  ConnKey k = key_v4(1, 1000);
  ConnHash h = t->hash(k);
  EXPECT_EQ(t->find(k, h), kNoSlot);
  uint32_t slot = t->insert(k, h, 7, 3, ConnState::kSyn, 0, 100);
  ASSERT_NE(slot, kNoSlot);
  EXPECT_EQ(t->find(k, h), slot);
  EXPECT_EQ(t->size(), 1u);
  EXPECT_EQ(t->entry(slot).target, 7u);
  EXPECT_EQ(t->entry(slot).service, 3u);
  ConnView v;
  ASSERT_TRUE(t->read(slot, v));
  EXPECT_EQ(v.key, k);
  EXPECT_EQ(v.state, ConnState::kSyn);
  EXPECT_EQ(v.created_ms, 100u);
  t->erase(slot);
  EXPECT_EQ(t->find(k, h), kNoSlot);
  EXPECT_FALSE(t->read(slot, v));
  EXPECT_EQ(t->size(), 0u);
}

TEST(ConnTable, Ipv4AndIpv6KeysNeverMatchEachOther) {
  auto t = table(1024);
  ConnKey a = key_v4(1, 1000), b = a;
  b.v6 = 1;
  t->insert(a, t->hash(a), 1, 0, ConnState::kSyn, 0, 0);
  EXPECT_EQ(t->find(b, t->hash(b)), kNoSlot);
  ConnKey c = key_v6(5);
  uint32_t slot = t->insert(c, t->hash(c), 2, 0, ConnState::kSyn, 0, 0);
  EXPECT_EQ(t->find(c, t->hash(c)), slot);
}

// Fill to the rated capacity with distinct keys: every one must fit and be found, with its target.
TEST(ConnTable, HoldsItsCapacity) {
  const uint32_t n = 200'000;
  auto t = table(n);
  for (uint32_t i = 0; i < n; ++i) {
    ConnKey k = key_v4(i >> 10, uint16_t(1024 + (i & 1023)), uint16_t(80 + (i >> 26)));
    ASSERT_NE(t->insert(k, t->hash(k), i, 0, ConnState::kEstablished, 0, 0), kNoSlot) << "at " << i;
  }
  EXPECT_EQ(t->size(), n);
  for (uint32_t i = 0; i < n; ++i) {
    ConnKey k = key_v4(i >> 10, uint16_t(1024 + (i & 1023)), uint16_t(80 + (i >> 26)));
    uint32_t slot = t->find(k, t->hash(k));
    ASSERT_NE(slot, kNoSlot);
    ASSERT_EQ(t->entry(slot).target, i);
  }
}

TEST(ConnTable, AFullTableRefusesWithoutLosingEntries) {
  auto t = table(16);  // two buckets
  std::vector<ConnKey> in;
  for (uint32_t i = 0; i < 1000; ++i) {
    ConnKey k = key_v4(2, uint16_t(i));
    if (t->insert(k, t->hash(k), i, 0, ConnState::kSyn, 0, 0) == kNoSlot) break;
    in.push_back(k);
  }
  EXPECT_EQ(in.size(), t->slots());  // two choices over two buckets: every slot is used
  for (const ConnKey& k : in) EXPECT_NE(t->find(k, t->hash(k)), kNoSlot);
}

TEST(ConnTable, BurstLookupMatchesSingleLookups) {
  auto t = table(4096);
  std::vector<ConnKey> keys;
  for (uint32_t i = 0; i < 64; ++i) keys.push_back(key_v4(3, uint16_t(i)));
  for (uint32_t i = 0; i < 64; i += 2) t->insert(keys[i], t->hash(keys[i]), i, 0, ConnState::kSyn, 0, 0);
  const ConnKey* ptrs[64];
  for (uint32_t i = 0; i < 64; ++i) ptrs[i] = &keys[i];
  ConnHash hashes[64];
  uint32_t slots[64];
  t->find_burst(ptrs, 64, hashes, slots);
  for (uint32_t i = 0; i < 64; ++i) {
    EXPECT_EQ(slots[i], t->find(keys[i], t->hash(keys[i])));
    EXPECT_EQ(slots[i] != kNoSlot, i % 2 == 0);
  }
}

TEST(ConnTable, SweepAgesEachStateByItsTimeout) {
  ConnTimeouts to{.syn_ms = 100, .established_ms = 1000, .fin_ms = 200, .closed_ms = 50};
  auto t = table(1024, to);
  ConnState states[] = {ConnState::kSyn, ConnState::kEstablished, ConnState::kFin, ConnState::kClosed};
  for (uint32_t i = 0; i < 4; ++i) {
    ConnKey k = key_v4(4, uint16_t(i));
    t->insert(k, t->hash(k), i, 0, states[i], 0, 0);
  }
  std::vector<uint32_t> gone;
  auto collect = [&](uint32_t slot) { gone.push_back(t->entry(slot).target); };
  EXPECT_EQ(t->sweep(t->buckets(), 50, collect), 0u);  // at exactly the timeout: kept
  EXPECT_EQ(t->sweep(t->buckets(), 51, collect), 1u);
  EXPECT_EQ(gone, std::vector<uint32_t>{3});
  EXPECT_EQ(t->sweep(t->buckets(), 101, collect), 1u);
  EXPECT_EQ(t->sweep(t->buckets(), 201, collect), 1u);
  EXPECT_EQ(t->sweep(t->buckets(), 1000, collect), 0u);
  EXPECT_EQ(t->sweep(t->buckets(), 1001, collect), 1u);
  EXPECT_EQ(gone, (std::vector<uint32_t>{3, 0, 2, 1}));
  EXPECT_EQ(t->size(), 0u);
}

TEST(ConnTable, SweepIsIncrementalAndWraps) {
  ConnTimeouts to{.syn_ms = 10};
  auto t = table(4096, to);
  for (uint32_t i = 0; i < 500; ++i) {
    ConnKey k = key_v4(5, uint16_t(i));
    t->insert(k, t->hash(k), i, 0, ConnState::kSyn, 0, 0);
  }
  uint32_t total = 0, rounds = 0;
  while (t->size() > 0 && rounds < 2 * t->buckets()) {
    total += t->sweep(7, 1000, [](uint32_t) {});
    rounds += 7;
  }
  EXPECT_EQ(total, 500u);
  EXPECT_LE(rounds, t->buckets() + 7);
}

TEST(ConnTable, AgesAcrossTheClockWrap) {
  ConnTimeouts to{.syn_ms = 100};
  auto t = table(1024, to);
  ConnKey k = key_v4(6, 1);
  t->insert(k, t->hash(k), 1, 0, ConnState::kSyn, 0, UINT32_MAX - 10);
  EXPECT_EQ(t->sweep(t->buckets(), 50, [](uint32_t) {}), 0u);  // 61 ms later, across the wrap
  EXPECT_EQ(t->sweep(t->buckets(), 100, [](uint32_t) {}), 1u);
}

// A reader copying entries while the writer inserts and erases never sees a torn key/target pair:
// every key it reads carries the target the writer stored with it.
TEST(ConnTable, ConcurrentReadersSeeConsistentEntries) {
  auto t = table(4096);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0}, torn{0};
  std::thread reader([&] {
    ConnView v;
    while (!stop.load()) {
      for (uint32_t s = 0; s < t->slots(); ++s) {
        if (!t->read(s, v)) continue;
        ++reads;
        if (v.target != (uint32_t(v.key.sport) | uint32_t(v.key.src[3]) << 16)) ++torn;
      }
    }
  });
  std::mt19937 rng(1);
  std::vector<uint32_t> live;
  for (int round = 0; round < 200'000; ++round) {
    if (live.size() < 2000 && (live.empty() || rng() % 2)) {
      ConnKey k = key_v4(rng() % 256, uint16_t(rng()));
      if (t->find(k, t->hash(k)) != kNoSlot) continue;
      uint32_t slot = t->insert(k, t->hash(k), uint32_t(k.sport) | uint32_t(k.src[3]) << 16, 0, ConnState::kSyn, 0, 0);
      if (slot != kNoSlot) live.push_back(slot);
    } else {
      size_t i = rng() % live.size();
      t->erase(live[i]);
      live[i] = live.back();
      live.pop_back();
    }
  }
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(torn.load(), 0u);
}

}  // namespace
}  // namespace sysplex::conn
