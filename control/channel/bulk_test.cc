// Unit tests of chunking: every chunk seals within the budget, chunks are as few as the greedy
// packing allows, indices and the last flag are right, and the collector reassembles in index order.
#include "control/channel/bulk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using namespace testing;

std::vector<ConnTuple> mixed(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<ConnTuple> v;
  for (size_t i = 0; i < n; ++i) v.push_back(tuple(rng() % 3 == 0, uint32_t(i)));
  return v;
}

size_t sealed_len(const Message& m) {
  FakeClock clock;
  auto s = Sealer::create(test_key(), sealer_options(clock));
  auto d = s->seal(m);
  EXPECT_TRUE(d.ok()) << d.error().message;
  return d.ok() ? d->size() : SIZE_MAX;
}

TEST(SplitBulk, EmptyListIsOneEmptyLastChunk) {
  auto r = split_bulk_report(5, ip("198.19.0.10"), {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], (BulkConnectionReport{5, ip("198.19.0.10"), 0, true, {}}));
}

TEST(SplitBulk, ChunksFitTheBudgetAreNumberedAndReassembleInOrder) {
  for (size_t budget : {size_t(200), kDefaultPayloadBudget, size_t(9000)}) {
    std::vector<ConnTuple> all = mixed(3000, 7);
    auto r = split_bulk_report(9, ip("2001:db8:ffff::10"), all, budget);
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::vector<ConnTuple> joined;
    for (size_t i = 0; i < r->size(); ++i) {
      const BulkConnectionReport& c = (*r)[i];
      EXPECT_EQ(c.chunk_index, i);
      EXPECT_EQ(c.last_chunk, i + 1 == r->size());
      EXPECT_EQ(c.request_id, 9u);
      size_t len = sealed_len(c);
      EXPECT_LE(len, budget) << "chunk " << i;
      // Greedy and tight: the next connection would not have fit (except after the last chunk).
      if (i + 1 < r->size()) {
        EXPECT_GT(len + encoded_size((*r)[i + 1].connections[0]), budget) << "chunk " << i;
      }
      joined.insert(joined.end(), c.connections.begin(), c.connections.end());
    }
    EXPECT_EQ(joined, all) << "budget " << budget;
  }
}

TEST(SplitBulk, CountsAtTheDefaultBudget) {
  // IPv4 entries are 14 bytes: (1400 - 88 sealed overhead - 21 fixed body bytes) / 14 = 92 per chunk.
  auto v4 = split_bulk_report(1, ip("198.19.0.10"), std::vector<ConnTuple>(920, tuple(false, 3)));
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->size(), 10u);
  EXPECT_EQ((*v4)[0].connections.size(), 92u);
  auto v4_plus = split_bulk_report(1, ip("198.19.0.10"), std::vector<ConnTuple>(921, tuple(false, 3)));
  EXPECT_EQ(v4_plus->size(), 11u);
  EXPECT_EQ(v4_plus->back().connections.size(), 1u);
  // IPv6 entries are 38 bytes; with an IPv6 DVIPA the fixed part is 12 bytes more: 33 per chunk.
  auto v6 = split_bulk_report(1, ip("2001:db8::10"), std::vector<ConnTuple>(100, tuple(true, 3)));
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ((*v6)[0].connections.size(), 33u);
  EXPECT_EQ(v6->size(), 4u);
}

TEST(SplitBulk, EntryLimitCapsAChunkUnderAHugeBudget) {
  auto r = split_bulk_report(1, ip("198.19.0.10"), std::vector<ConnTuple>(2500, tuple(false, 1)), kMaxDatagram);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].connections.size(), kMaxConnections);
  EXPECT_EQ((*r)[2].connections.size(), 2500 - 2 * kMaxConnections);
}

TEST(SplitBulk, BudgetLimits) {
  IpAddr dvipa = ip("2001:db8::10");
  auto r = split_bulk_report(1, dvipa, mixed(10, 1), 100);
  ASSERT_FALSE(r.ok());
  // Smallest budget: 88 overhead + 33 fixed (IPv6 DVIPA) + 38 for one IPv6 entry.
  EXPECT_NE(r.error().message.find("outside 159-65507"), std::string::npos) << r.error().message;
  auto tight = split_bulk_report(1, dvipa, std::vector<ConnTuple>(3, tuple(true, 1)), 159);
  ASSERT_TRUE(tight.ok());
  EXPECT_EQ(tight->size(), 3u);
  EXPECT_FALSE(split_bulk_report(1, dvipa, mixed(10, 1), kMaxDatagram + 1).ok());
}

TEST(SplitBulk, InvalidConnectionsOrDvipaAreRefused) {
  std::vector<ConnTuple> v = mixed(10, 2);
  v[4].proto = 47;
  auto r = split_bulk_report(1, ip("198.19.0.10"), v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("protocol 47"), std::string::npos);
  EXPECT_FALSE(split_bulk_report(1, IpAddr{}, mixed(3, 1)).ok());
}

TEST(SplitConnectionEnded, BatchesFitTheBudget) {
  EXPECT_TRUE(split_connection_ended(ip("198.19.0.10"), {})->empty());
  std::vector<ConnTuple> all = mixed(500, 3);
  auto r = split_connection_ended(ip("198.19.0.10"), all, 600);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<ConnTuple> joined;
  for (const ConnectionEnded& m : *r) {
    EXPECT_LE(sealed_len(m), 600u);
    EXPECT_FALSE(m.connections.empty());
    joined.insert(joined.end(), m.connections.begin(), m.connections.end());
  }
  EXPECT_EQ(joined, all);
  EXPECT_FALSE(split_connection_ended(ip("198.19.0.10"), all, 120).ok());
}

TEST(BulkCollector, ReassemblesOutOfOrderChunksByIndex) {
  std::vector<ConnTuple> all = mixed(1000, 4);
  auto chunks = split_bulk_report(3, ip("198.19.0.10"), all, 400);
  ASSERT_TRUE(chunks.ok());
  ASSERT_GT(chunks->size(), 5u);
  std::mt19937 rng(11);
  std::shuffle(chunks->begin(), chunks->end(), rng);
  BulkCollector c(3, ip("198.19.0.10"));
  for (size_t i = 0; i < chunks->size(); ++i) {
    EXPECT_FALSE(c.complete());
    EXPECT_TRUE(c.connections().empty());
    EXPECT_EQ(c.add((*chunks)[i]), BulkCollector::Add::kAccepted);
    EXPECT_EQ(c.add((*chunks)[i]), BulkCollector::Add::kDuplicate);
  }
  EXPECT_TRUE(c.complete());
  EXPECT_EQ(c.chunks_received(), chunks->size());
  EXPECT_EQ(c.connections(), all);
}

TEST(BulkCollector, RefusesChunksThatDoNotBelong) {
  using Add = BulkCollector::Add;
  IpAddr dvipa = ip("198.19.0.10");
  BulkCollector c(3, dvipa, 10);
  auto chunk = [&](uint32_t index, bool last, uint64_t id = 3) {
    return BulkConnectionReport{id, dvipa, index, last, {tuple(false, index)}};
  };
  EXPECT_EQ(c.add(chunk(0, false, 4)), Add::kMismatch);
  EXPECT_EQ(c.add(BulkConnectionReport{3, ip("198.19.0.11"), 0, false, {}}), Add::kMismatch);
  EXPECT_EQ(c.add(chunk(10, true)), Add::kTooManyChunks);
  EXPECT_EQ(c.add(chunk(5, false)), Add::kAccepted);
  EXPECT_EQ(c.add(chunk(4, true)), Add::kBeyondLast);  // a last chunk below one already seen
  EXPECT_EQ(c.add(chunk(2, true)), Add::kBeyondLast);
  EXPECT_EQ(c.add(chunk(6, true)), Add::kAccepted);
  EXPECT_EQ(c.add(chunk(7, false)), Add::kBeyondLast);
  EXPECT_EQ(c.add(chunk(3, true)), Add::kBeyondLast);  // a second last chunk
  EXPECT_FALSE(c.complete());
  for (uint32_t i : {0, 1, 2, 3}) EXPECT_EQ(c.add(chunk(i, false)), Add::kAccepted);
  EXPECT_FALSE(c.complete());  // 4 still missing
  EXPECT_EQ(c.add(chunk(4, false)), Add::kAccepted);
  EXPECT_TRUE(c.complete());
  std::vector<ConnTuple> expected;
  for (uint32_t i = 0; i <= 6; ++i) expected.push_back(tuple(false, i));
  EXPECT_EQ(c.connections(), expected);
}

TEST(BulkCollector, ChunksTravelThroughTheChannel) {
  FakeClock clock;
  auto key = test_key();
  auto s = Sealer::create(key, sealer_options(clock, "SYS2"));
  auto o = Opener::create(key, opener_options(clock, "SYS1"));
  ASSERT_TRUE(s.ok() && o.ok());
  std::vector<ConnTuple> all = mixed(700, 5);
  auto chunks = split_bulk_report(42, ip("198.19.0.10"), all);
  ASSERT_TRUE(chunks.ok());
  std::vector<std::vector<uint8_t>> wire;
  for (const auto& c : *chunks) wire.push_back(*s->seal(c));
  std::reverse(wire.begin(), wire.end());
  BulkCollector col(42, ip("198.19.0.10"));
  for (const auto& d : wire) {
    EXPECT_LE(d.size(), kDefaultPayloadBudget);
    OpenResult r = o->open(d);
    ASSERT_TRUE(r.ok()) << rx_reason_name(r.reason);
    EXPECT_EQ(r.received->header.sender, "SYS2");
    EXPECT_EQ(col.add(std::get<BulkConnectionReport>(r.received->message)), BulkCollector::Add::kAccepted);
  }
  EXPECT_TRUE(col.complete());
  EXPECT_EQ(col.connections(), all);
}

}  // namespace
}  // namespace sysplex::channel
