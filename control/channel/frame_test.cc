// Unit tests of the cleartext header: byte layout, parsing, and each way a header is refused.
#include "control/channel/frame.h"

#include <gtest/gtest.h>

#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using Bytes = std::vector<uint8_t>;

FrameHeader sample_header() {
  FrameHeader h;
  h.type = uint8_t(MessageType::kHeartbeat);
  h.body_len = 3;
  h.group_hash = group_hash("EZBTCPCS");
  h.sender = "SYS1";
  h.boot_epoch = 0x0102030405060708;
  h.sequence = 0x1112131415161718;
  h.timestamp_ms = testing::kT0;
  return h;
}

// A "datagram" with the header and the right total length (nonce, body and tag left zero).
Bytes datagram(const FrameHeader& h) {
  Bytes d(sealed_size(h.body_len));
  write_header(h, std::span(d).first<kHeaderSize>());
  return d;
}

HeaderCheck parse(const Bytes& d, FrameHeader* out = nullptr) {
  FrameHeader h;
  HeaderCheck c = parse_header(d, group_hash("EZBTCPCS"), h);
  if (out) *out = h;
  return c;
}

TEST(Frame, LayoutIsAsDocumented) {
  Bytes d = datagram(sample_header());
  ASSERT_EQ(d.size(), 88u + 3);
  const Bytes head(d.begin(), d.begin() + 8);
  EXPECT_EQ(head, (Bytes{'S', 'P', 'X', 'G', 1, 1, 0, 3}));
  EXPECT_EQ(load_be64(&d[8]), group_hash("EZBTCPCS"));
  EXPECT_EQ(Bytes(d.begin() + 16, d.begin() + 24), (Bytes{'S', 'Y', 'S', '1', 0, 0, 0, 0}));
  EXPECT_EQ(Bytes(d.begin() + 24, d.begin() + 32), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(d[32], 0x11);
  EXPECT_EQ(d[39], 0x18);
  EXPECT_EQ(load_be64(&d[40]), testing::kT0);
  EXPECT_EQ(kOverhead, 88u);
  EXPECT_EQ(kMaxBody + kOverhead, kMaxDatagram);
}

TEST(Frame, ParsesWhatItWrote) {
  FrameHeader back;
  ASSERT_EQ(parse(datagram(sample_header()), &back), HeaderCheck::kOk);
  EXPECT_EQ(back, sample_header());
  FrameHeader eight = sample_header();
  eight.sender = "ABCDEFGH";
  ASSERT_EQ(parse(datagram(eight), &back), HeaderCheck::kOk);
  EXPECT_EQ(back.sender, "ABCDEFGH");
}

TEST(Frame, GroupHashSeparatesGroups) {
  EXPECT_NE(group_hash("EZBTCPCS"), group_hash("EZBTCPC"));
  EXPECT_NE(group_hash("GROUPA"), group_hash("GROUPB"));
  EXPECT_EQ(group_hash("GROUPA"), group_hash("GROUPA"));
}

TEST(Frame, LengthChecks) {
  Bytes d = datagram(sample_header());
  for (size_t n = 0; n < d.size(); ++n)
    EXPECT_EQ(parse(Bytes(d.begin(), d.begin() + n)), HeaderCheck::kTruncated) << n;
  Bytes longer = d;
  longer.push_back(0);
  EXPECT_EQ(parse(longer), HeaderCheck::kMalformed);
  FrameHeader big = sample_header();
  big.body_len = uint16_t(kMaxBody);
  EXPECT_EQ(parse(datagram(big)), HeaderCheck::kOk);
  Bytes too_big(kMaxDatagram + 1);
  EXPECT_EQ(parse(too_big), HeaderCheck::kOversized);
}

TEST(Frame, ForeignHeaders) {
  Bytes d = datagram(sample_header());
  for (size_t i = 0; i < 5; ++i) {
    Bytes x = d;
    x[i] ^= 0x20;
    EXPECT_EQ(parse(x), HeaderCheck::kForeign) << "byte " << i;
  }
  FrameHeader other = sample_header();
  other.group_hash = group_hash("OTHER");
  EXPECT_EQ(parse(datagram(other)), HeaderCheck::kForeign);
}

TEST(Frame, MalformedSenderOrSequence) {
  for (std::string name : {"", "sys1", "S Y", "SYS-1"}) {
    FrameHeader h = sample_header();
    h.sender = name;
    EXPECT_EQ(parse(datagram(h)), HeaderCheck::kMalformed) << "'" << name << "'";
  }
  Bytes d = datagram(sample_header());
  d[21] = 'X';  // a character after the NUL padding began
  EXPECT_EQ(parse(d), HeaderCheck::kMalformed);
  FrameHeader zero = sample_header();
  zero.sequence = 0;
  EXPECT_EQ(parse(datagram(zero)), HeaderCheck::kMalformed);
}

TEST(Frame, UnknownTypesParse) {
  // The type is authenticated with the rest, so it is judged only after the tag (unsupported).
  FrameHeader h = sample_header();
  h.type = 200;
  FrameHeader back;
  EXPECT_EQ(parse(datagram(h), &back), HeaderCheck::kOk);
  EXPECT_EQ(back.type, 200);
}

TEST(Frame, PackedNamesAreDistinct) {
  EXPECT_NE(pack_node_name("SYS1"), pack_node_name("SYS10"));
  EXPECT_NE(pack_node_name("A"), pack_node_name("B"));
  EXPECT_EQ(pack_node_name("SYS1"), pack_node_name("SYS1"));
}

}  // namespace
}  // namespace sysplex::channel
