#include "control/swsa/lease.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "control/store/embedded_store.h"

namespace sysplex::swsa {
namespace {

constexpr uint64_t k32 = 0xffffffffull;

TEST(SeqLease, BlocksFollowEachOtherAndNeverOverlap) {
  store::EmbeddedStore s;
  const std::string key = "/sysplex/G/seq/TOPEER";
  EXPECT_EQ(*next_unleased(s, key), 1u);
  EXPECT_EQ(*lease_block(s, key, 1000, k32), (SeqBlock{1, 1000}));
  EXPECT_EQ(*lease_block(s, key, 1000, k32), (SeqBlock{1001, 2000}));
  EXPECT_EQ(*next_unleased(s, key), 2001u);
}

TEST(SeqLease, TheSpaceEndsAtTheLimit) {
  store::EmbeddedStore s;
  const std::string key = "/sysplex/G/seq/X";
  EXPECT_EQ(*lease_block(s, key, 60, 100), (SeqBlock{1, 60}));
  EXPECT_EQ(*lease_block(s, key, 60, 100), (SeqBlock{61, 100}));  // cut at the limit
  auto r = lease_block(s, key, 60, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kResourceExhausted);
}

TEST(SeqLease, ConcurrentLeasersGetDisjointBlocks) {
  store::EmbeddedStore s;
  const std::string key = "/sysplex/G/seq/SHARED";
  std::vector<std::vector<SeqBlock>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto b = lease_block(s, key, 10, k32, 1000);
        if (b) got[t].push_back(*b);
      }
    });
  for (auto& t : threads) t.join();
  std::set<uint64_t> firsts;
  size_t n = 0;
  for (const auto& g : got)
    for (const auto& b : g) {
      EXPECT_EQ(b.last - b.first, 9u);
      EXPECT_EQ((b.first - 1) % 10, 0u);
      firsts.insert(b.first);
      ++n;
    }
  EXPECT_EQ(n, 200u);
  EXPECT_EQ(firsts.size(), 200u);  // no block handed out twice
  EXPECT_EQ(*next_unleased(s, key), 2001u);
}

TEST(SeqLease, AForeignValueIsAnErrorNotAReset) {
  store::EmbeddedStore s;
  const std::string key = "/sysplex/G/seq/BAD";
  ASSERT_TRUE(s.put(key, "abc").ok());
  auto r = lease_block(s, key, 10, k32);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "sequence counter at /sysplex/G/seq/BAD is 3 bytes, not 8");
  EXPECT_EQ(s.get(key)->front().value, "abc");
}

}  // namespace
}  // namespace sysplex::swsa
