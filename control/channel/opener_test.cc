// Unit tests of receiving: replay, reordering, stale epochs and timestamps, restarted senders,
// foreign groups, the bounded sender table, reflections, authentic but unusable bodies, and that
// no drop changes any state.
#include "control/channel/opener.h"

#include <gtest/gtest.h>

#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using namespace testing;
using Bytes = std::vector<uint8_t>;

class OpenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = Opener::create(key_, opener_options(clock_));
    ASSERT_TRUE(o.ok());
    opener_.emplace(std::move(*o));
  }

  Sealer sealer(std::string node = "SYS1", uint64_t epoch = 1000, uint32_t seed = 1) {
    auto s = Sealer::create(key_, sealer_options(clock_, std::move(node), epoch, seed));
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }

  static Message bulk_request() { return sample_messages(false)[3]; }  // names no sender

  Bytes seal(Sealer& s, const Message& m = bulk_request()) {
    auto d = s.seal(m);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return *d;
  }

  RxReason open(const Bytes& d) { return opener_->open(d).reason; }

  // The opener's externally visible state, to show a drop left it alone.
  std::string state() const {
    std::string s;
    for (const SenderView& v : opener_->senders())
      s += v.node + "/" + std::to_string(v.state.boot_epoch) + "/" + std::to_string(v.state.window.highest()) + "/" +
           std::to_string(v.state.accepted) + ";";
    return s;
  }

  FakeClock clock_;
  std::shared_ptr<const ChannelKey> key_ = test_key();
  std::optional<Opener> opener_;
};

TEST_F(OpenerTest, ReplayOfAnAcceptedMessageIsRejected) {
  Sealer s = sealer();
  Bytes d = seal(s);
  EXPECT_EQ(open(d), RxReason::kAccepted);
  std::string before = state();
  EXPECT_EQ(open(d), RxReason::kReplayed);
  EXPECT_EQ(open(d), RxReason::kReplayed);
  EXPECT_EQ(state(), before);
  EXPECT_EQ(opener_->count(RxReason::kReplayed), 2u);
  EXPECT_EQ(open(seal(s)), RxReason::kAccepted);
}

TEST_F(OpenerTest, ReorderingWithinTheWindowIsAcceptedBelowItIsNot) {
  Sealer s = sealer();
  std::vector<Bytes> d;
  for (int i = 0; i < 200; ++i) d.push_back(seal(s));  // sequences 1..200
  EXPECT_EQ(open(d[199]), RxReason::kAccepted);         // 200 first
  EXPECT_EQ(open(d[72]), RxReason::kAccepted);          // 73: offset 127, the window's edge
  EXPECT_EQ(open(d[71]), RxReason::kReplayed);          // 72: offset 128, below the window
  for (int i = 198; i >= 100; --i) EXPECT_EQ(open(d[i]), RxReason::kAccepted) << i + 1;
  for (int i = 198; i >= 100; --i) EXPECT_EQ(open(d[i]), RxReason::kReplayed) << i + 1;
  EXPECT_EQ(opener_->sender("SYS1")->window.highest(), 200u);
  EXPECT_EQ(opener_->sender("SYS1")->accepted, 101u);
}

TEST_F(OpenerTest, StaleBootEpochIsRejected) {
  Sealer old_boot = sealer("SYS1", 1000);
  Sealer new_boot = sealer("SYS1", 2000, 2);
  Bytes from_old = seal(old_boot);
  EXPECT_EQ(open(seal(new_boot)), RxReason::kAccepted);
  std::string before = state();
  EXPECT_EQ(open(from_old), RxReason::kStaleEpoch);
  EXPECT_EQ(open(seal(old_boot)), RxReason::kStaleEpoch);
  EXPECT_EQ(state(), before);
}

TEST_F(OpenerTest, RestartedSenderWithAHigherEpochIsAcceptedAndResetsItsWindow) {
  Sealer first = sealer("SYS1", 1000);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(open(seal(first)), RxReason::kAccepted);
  Sealer restarted = sealer("SYS1", 1001, 2);  // starts again at sequence 1
  EXPECT_EQ(open(seal(restarted)), RxReason::kAccepted);
  auto st = opener_->sender("SYS1");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->boot_epoch, 1001u);
  EXPECT_EQ(st->window.highest(), 1u);
  EXPECT_EQ(st->accepted, 1u);
  EXPECT_EQ(open(seal(first)), RxReason::kStaleEpoch);  // the old incarnation is done for
}

TEST_F(OpenerTest, TimestampsOutsideAgeAndSkewAreRejected) {
  Sealer s = sealer();
  // max_age 30 s, skew 5 s: accepted up to 35 s old and up to 5 s ahead.
  Bytes d = seal(s);
  clock_.advance(35'000);
  EXPECT_EQ(open(d), RxReason::kAccepted);
  d = seal(s);
  clock_.advance(35'001);
  std::string before = state();
  EXPECT_EQ(open(d), RxReason::kTooOld);
  EXPECT_EQ(state(), before);
  d = seal(s);  // sealed "now"; the receiver's clock is behind by 5 s, then by 5.001 s
  clock_.set(*clock_.now - 5'000);
  EXPECT_EQ(open(d), RxReason::kAccepted);
  d = seal(s);
  clock_.set(*clock_.now - 5'001);
  EXPECT_EQ(open(d), RxReason::kFromFuture);
  EXPECT_EQ(opener_->count(RxReason::kTooOld), 1u);
  EXPECT_EQ(opener_->count(RxReason::kFromFuture), 1u);
}

TEST_F(OpenerTest, ConfigurableAgeAndSkew) {
  OpenerOptions o = opener_options(clock_);
  o.max_age_ms = 100;
  o.max_skew_ms = 0;
  auto strict = Opener::create(key_, o);
  ASSERT_TRUE(strict.ok());
  Sealer s = sealer();
  Bytes d = seal(s);
  clock_.advance(101);
  EXPECT_EQ(strict->open(d).reason, RxReason::kTooOld);
  clock_.set(*clock_.now - 1);  // 100 ms old: the limit itself
  EXPECT_EQ(strict->open(d).reason, RxReason::kAccepted);
}

TEST_F(OpenerTest, ForeignGroupIsRejected) {
  SealerOptions o = sealer_options(clock_);
  o.group = "OTHERGRP";
  auto other = Sealer::create(key_, o);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(open(seal(*other)), RxReason::kForeign);
  EXPECT_EQ(opener_->sender_count(), 0u);
}

TEST_F(OpenerTest, SenderTableOverflowIsCountedAndKnownSendersGoOn) {
  OpenerOptions oo = opener_options(clock_);
  oo.max_senders = 3;
  auto small = Opener::create(key_, oo);
  ASSERT_TRUE(small.ok());
  std::vector<Sealer> nodes;
  for (int i = 1; i <= 5; ++i) nodes.push_back(sealer("SYS" + std::to_string(i), 1000, i));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(small->open(seal(nodes[i])).reason, RxReason::kAccepted);
  EXPECT_EQ(small->open(seal(nodes[3])).reason, RxReason::kSenderTableFull);
  EXPECT_EQ(small->open(seal(nodes[4])).reason, RxReason::kSenderTableFull);
  EXPECT_EQ(small->count(RxReason::kSenderTableFull), 2u);
  EXPECT_EQ(small->sender_count(), 3u);
  EXPECT_EQ(small->open(seal(nodes[0])).reason, RxReason::kAccepted);
  small->forget("SYS2");
  EXPECT_EQ(small->open(seal(nodes[3])).reason, RxReason::kAccepted);
  EXPECT_EQ(small->sender_count(), 3u);
}

TEST_F(OpenerTest, DefaultTableHolds256Senders) {
  for (int i = 0; i < 257; ++i) {
    Sealer s = sealer("N" + std::to_string(i), 1000, i);
    EXPECT_EQ(open(seal(s)), i < 256 ? RxReason::kAccepted : RxReason::kSenderTableFull) << i;
  }
}

TEST_F(OpenerTest, ForgetAcceptsALowerEpochAfterwards) {
  Sealer high = sealer("SYS1", 5000);
  Sealer low = sealer("SYS1", 10, 2);  // e.g. restarted with its clock stepped back
  EXPECT_EQ(open(seal(high)), RxReason::kAccepted);
  EXPECT_EQ(open(seal(low)), RxReason::kStaleEpoch);
  opener_->forget("SYS1");
  EXPECT_EQ(opener_->sender_count(), 0u);
  EXPECT_EQ(open(seal(low)), RxReason::kAccepted);
  opener_->forget("nonsense name");  // ignored
}

TEST_F(OpenerTest, OwnMessagesAreRejected) {
  Sealer self = sealer("SYS9");  // the opener's own node name
  EXPECT_EQ(open(seal(self)), RxReason::kOwnMessage);
  EXPECT_EQ(opener_->sender_count(), 0u);
}

TEST_F(OpenerTest, BodyNamingAnotherSenderIsMalformed) {
  Sealer s = sealer("SYS2");
  for (const Message& m : sample_messages(true)) {
    bool names_sender = !claimed_sender(m).empty();  // samples name SYS1
    EXPECT_EQ(open(seal(s, m)), names_sender ? RxReason::kMalformed : RxReason::kAccepted) << to_string(m);
  }
}

TEST_F(OpenerTest, AuthenticButUnusableBodies) {
  SecretBytes good = body_of(bulk_request());
  auto crafted = [&](uint8_t type, std::span<const uint8_t> body, uint64_t seq) {
    FrameHeader h = raw_header(MessageType::kBulkConnectionRequest, "SYS1", seq);
    h.type = type;
    return seal_raw(*key_, h, body);
  };
  EXPECT_EQ(open(crafted(200, good, 1)), RxReason::kUnsupported);  // a type from a newer release
  EXPECT_EQ(open(crafted(0, good, 2)), RxReason::kUnsupported);
  SecretBytes v2 = good;
  v2[0] = 2;
  EXPECT_EQ(open(crafted(uint8_t(MessageType::kBulkConnectionRequest), v2, 3)), RxReason::kUnsupported);
  SecretBytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(open(crafted(uint8_t(MessageType::kBulkConnectionRequest), trailing, 4)), RxReason::kMalformed);
  EXPECT_EQ(open(crafted(uint8_t(MessageType::kBulkConnectionRequest), {}, 5)), RxReason::kMalformed);
  EXPECT_EQ(open(crafted(uint8_t(MessageType::kHeartbeat), good, 6)), RxReason::kMalformed);  // wrong type
  EXPECT_EQ(opener_->sender_count(), 0u) << "an unusable body changed state";
  // Having been refused, the same sequence numbers are still fresh.
  EXPECT_EQ(open(crafted(uint8_t(MessageType::kBulkConnectionRequest), good, 1)), RxReason::kAccepted);
}

TEST_F(OpenerTest, GarbageIsTruncatedOversizedOrForeign) {
  EXPECT_EQ(open({}), RxReason::kTruncated);
  EXPECT_EQ(open(Bytes(87, 0)), RxReason::kTruncated);
  EXPECT_EQ(open(Bytes(200, 0)), RxReason::kForeign);
  EXPECT_EQ(open(Bytes(kMaxDatagram + 1, 0)), RxReason::kOversized);
}

TEST_F(OpenerTest, CountersAddUpAndNamesCoverEveryReason) {
  Sealer s = sealer();
  Bytes d = seal(s);
  (void)open(d);
  (void)open(d);
  (void)open(Bytes(10));
  uint64_t total = 0;
  for (uint64_t c : opener_->counters()) total += c;
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(opener_->count(RxReason::kAccepted), 1u);
  for (size_t i = 0; i < size_t(RxReason::kCount); ++i) EXPECT_FALSE(kRxReasonNames[i].empty());
  EXPECT_EQ(rx_reason_name(RxReason::kSenderTableFull), "sender-table-full");
  EXPECT_EQ(rx_reason_name(RxReason::kCount), "unknown");
}

TEST_F(OpenerTest, SendersAreListedByName) {
  Sealer b = sealer("SYSB", 7);
  Sealer a = sealer("SYSA", 9, 2);
  (void)open(seal(b));
  (void)open(seal(a));
  (void)open(seal(a));
  auto v = opener_->senders();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].node, "SYSA");
  EXPECT_EQ(v[0].state.boot_epoch, 9u);
  EXPECT_EQ(v[0].state.accepted, 2u);
  EXPECT_EQ(v[1].node, "SYSB");
  EXPECT_EQ(v[1].state.last_timestamp_ms, kT0);
  EXPECT_FALSE(opener_->sender("NOBODY").has_value());
}

TEST(Opener, CreateChecksItsOptions) {
  FakeClock clock;
  auto key = test_key();
  EXPECT_TRUE(Opener::create(key, opener_options(clock)).ok());
  EXPECT_FALSE(Opener::create(nullptr, opener_options(clock)).ok());
  OpenerOptions o = opener_options(clock);
  o.max_senders = 0;
  EXPECT_FALSE(Opener::create(key, o).ok());
  o = opener_options(clock, "lower");
  EXPECT_FALSE(Opener::create(key, o).ok());
  o = opener_options(clock);
  o.group = "";
  EXPECT_FALSE(Opener::create(key, o).ok());
  o = opener_options(clock);
  o.max_age_ms = 86'400'001;
  EXPECT_FALSE(Opener::create(key, o).ok());
  o = opener_options(clock);
  o.max_skew_ms = UINT64_MAX;
  EXPECT_FALSE(Opener::create(key, o).ok());
}

}  // namespace
}  // namespace sysplex::channel
