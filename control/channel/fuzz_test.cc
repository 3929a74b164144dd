// Seeded fuzzing: random buffers, buffers with a valid-looking header, and mutations of real sealed
// datagrams must never crash and never be accepted; random and mutated bodies must never crash, and
// any body that decodes must re-encode to the very same bytes (the encoding is canonical).
#include <gtest/gtest.h>

#include <random>

#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using namespace testing;
using Bytes = std::vector<uint8_t>;

constexpr int kRandomBuffers = 30000;
constexpr int kHeaderedBuffers = 20000;
constexpr int kMutations = 50000;
constexpr int kBodyFuzz = 100000;

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (uint8_t& x : b) x = uint8_t(rng());
  return b;
}

struct Fixture {
  FakeClock clock;
  std::shared_ptr<const ChannelKey> key = test_key();
  Opener opener = Opener::create(key, opener_options(clock)).value();
  Sealer sealer = Sealer::create(key, sealer_options(clock)).value();
};

TEST(Fuzz, RandomBuffersAreNeverAccepted) {
  Fixture f;
  std::mt19937_64 rng(1);
  for (int i = 0; i < kRandomBuffers; ++i) {
    Bytes b = random_bytes(rng, rng() % 400);
    ASSERT_FALSE(f.opener.open(b).ok()) << i;
  }
  // With a plausible header (magic, version, group, exact length, valid name), so every one of
  // these reaches the tag check.
  for (int i = 0; i < kHeaderedBuffers; ++i) {
    size_t body = rng() % 300;
    Bytes b = random_bytes(rng, sealed_size(body));
    FrameHeader h = raw_header(MessageType(1 + rng() % 8), "SYS" + std::to_string(rng() % 10), 1 + rng() % 1000);
    h.body_len = uint16_t(body);
    write_header(h, std::span(b).first<kHeaderSize>());
    ASSERT_FALSE(f.opener.open(b).ok()) << i;
  }
  EXPECT_EQ(f.opener.count(RxReason::kAccepted), 0u);
  EXPECT_EQ(f.opener.count(RxReason::kForged), uint64_t(kHeaderedBuffers));
  EXPECT_EQ(f.opener.sender_count(), 0u);
}

Bytes mutate(std::mt19937_64& rng, const Bytes& original, const std::vector<Bytes>& pool) {
  Bytes b = original;
  switch (rng() % 6) {
    case 0:  // a few random bytes
      for (int k = 1 + int(rng() % 4); k > 0; --k) b[rng() % b.size()] = uint8_t(rng());
      break;
    case 1:  // truncate
      b.resize(rng() % b.size());
      break;
    case 2:  // extend
      for (int k = 1 + int(rng() % 40); k > 0; --k) b.push_back(uint8_t(rng()));
      break;
    case 3: {  // another datagram's header and nonce on this body
      const Bytes& other = pool[rng() % pool.size()];
      std::copy(other.begin(), other.begin() + kAadSize, b.begin());
      break;
    }
    case 4: {  // overwrite one header field with random bytes, keeping the length consistent
      size_t field = 16 + 8 * (rng() % 4);  // sender, epoch, sequence, timestamp
      for (size_t k = 0; k < 8; ++k) b[field + k] = uint8_t(rng());
      break;
    }
    default:  // flip a run of bits
      for (size_t k = rng() % b.size(), n = 1 + rng() % 16; n > 0 && k < b.size(); --n, ++k) b[k] ^= uint8_t(rng() | 1);
      break;
  }
  return b;
}

TEST(Fuzz, MutatedSealedDatagramsAreNeverAccepted) {
  Fixture f;
  std::vector<Bytes> pool;  // fresh datagrams, never opened, so only a forgery could be accepted
  for (const Message& m : all_samples()) pool.push_back(*f.sealer.seal(m));
  std::mt19937_64 rng(2);
  int tried = 0;
  for (int i = 0; i < kMutations; ++i) {
    const Bytes& original = pool[rng() % pool.size()];
    Bytes b = mutate(rng, original, pool);
    if (b == original) continue;
    ++tried;
    OpenResult r = f.opener.open(b);
    ASSERT_FALSE(r.ok()) << "mutation " << i << " accepted";
  }
  EXPECT_GT(tried, kMutations * 9 / 10);
  EXPECT_EQ(f.opener.sender_count(), 0u);
  for (const Bytes& d : pool) EXPECT_TRUE(f.opener.open(d).ok()) << "state was changed by a rejected datagram";
}

TEST(Fuzz, BodiesNeverCrashAndDecodedBodiesAreCanonical) {
  std::vector<Message> samples = all_samples();
  std::vector<SecretBytes> bodies;
  for (const Message& m : samples) bodies.push_back(body_of(m));
  std::mt19937_64 rng(3);
  int decoded = 0;
  for (int i = 0; i < kBodyFuzz; ++i) {
    size_t s = rng() % samples.size();
    MessageType type = rng() % 16 == 0 ? MessageType(rng() % 12) : type_of(samples[s]);
    Bytes b(bodies[s].begin(), bodies[s].end());
    if (rng() % 8 == 0) {
      b = random_bytes(rng, rng() % 200);
    } else {
      for (int k = 1 + int(rng() % 3); k > 0 && !b.empty(); --k) b[rng() % b.size()] = uint8_t(rng());
      if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    }
    auto m = decode_body(type, b);
    if (!m.ok()) continue;
    ++decoded;
    SecretBytes again;
    ASSERT_TRUE(encode_body(*m, again).ok()) << to_string(*m);
    ASSERT_EQ(Bytes(again.begin(), again.end()), b) << "non-canonical decode: " << to_string(*m);
    (void)to_string(*m);
  }
  EXPECT_GT(decoded, 1000) << "the mutations should leave many bodies valid (field values changed)";
}

}  // namespace
}  // namespace sysplex::channel
