// Unit tests of the message bodies: golden bytes, round trips of every type with IPv4 and IPv6,
// every validation rule, and decoders refusing every prefix, trailing byte and bad field value.
#include "control/channel/messages.h"

#include <gtest/gtest.h>

#include <string>

#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using testing::all_samples;
using testing::body_of;
using testing::ip;
using testing::sample_messages;
using testing::tuple;

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(const SecretBytes& s) { return Bytes(s.begin(), s.end()); }

Result<Message> decode(MessageType t, const Bytes& b) { return decode_body(t, b); }

std::string why_invalid(const Message& m) {
  auto s = validate(m);
  return s ? "" : s.error().message;
}

// ---- golden bytes -------------------------------------------------------------------------------

TEST(Body, HeartbeatGoldenBytes) {
  Heartbeat hb{"SYS1", {ip("198.18.0.1")}, MemberState::kActive, 3, {{ip("198.19.0.10"), DvipaRole::kOwner, 7, 258}}, 40};
  const Bytes expected = {
      0x01,                                            // body version
      0x04, 'S', 'Y', 'S', '1',                        // node
      0x02,                                            // active
      0, 0, 0, 0, 0, 0, 0, 3,                          // incarnation
      40,                                              // weight
      0x00, 0x01, 0x04, 198, 18, 0, 1,                 // one XCF address
      0x00, 0x01, 0x04, 198, 19, 0, 10, 0x01,          // one DVIPA, owner
      0, 0, 0, 0, 0, 0, 0, 7,                          // its ownership epoch
      0, 0, 1, 2,                                      // its connections
  };
  EXPECT_EQ(bytes_of(body_of(hb)), expected);
}

TEST(Body, ConnectionEndedGoldenBytesIpv4AndIpv6) {
  ConnTuple c4{ip("198.18.0.5"), ip("198.19.0.10"), 1025, 443, kProtoTcp};
  const Bytes v4 = {0x01, 0x04, 198, 19, 0, 10, 0x00, 0x01,  // version, DVIPA, count
                    0x04, 0x06, 0x04, 0x01, 0x01, 0xbb, 198, 18, 0, 5, 198, 19, 0, 10};
  EXPECT_EQ(bytes_of(body_of(ConnectionEnded{ip("198.19.0.10"), {c4}})), v4);

  ConnTuple c6{ip("2001:db8::5"), ip("2001:db8::10"), 53000, 53, kProtoUdp};
  Bytes v6 = {0x01, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0x01,
              0x06, 0x11, 0xcf, 0x08, 0x00, 0x35};
  Bytes src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  Bytes dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  v6.insert(v6.end(), src.begin(), src.end());
  v6.insert(v6.end(), dst.begin(), dst.end());
  EXPECT_EQ(bytes_of(body_of(ConnectionEnded{ip("2001:db8::10"), {c6}})), v6);
  EXPECT_EQ(encoded_size(c4), 14u);
  EXPECT_EQ(encoded_size(c6), 38u);
}

// ---- round trips --------------------------------------------------------------------------------

TEST(Body, EveryTypeRoundTripsWithIpv4AndIpv6) {
  for (const Message& m : all_samples()) {
    SecretBytes b = body_of(m);
    ASSERT_FALSE(b.empty()) << to_string(m) << ": " << why_invalid(m);
    auto back = decode_body(type_of(m), b);
    ASSERT_TRUE(back.ok()) << to_string(m) << ": " << back.error().message;
    EXPECT_EQ(*back, m) << to_string(m);
    EXPECT_EQ(bytes_of(body_of(*back)), bytes_of(b)) << "re-encoding differs: " << to_string(m);
  }
}

TEST(Body, TypeOfFollowsTheVariantOrder) {
  auto samples = sample_messages(false);
  for (size_t i = 0; i < samples.size(); ++i) EXPECT_EQ(uint8_t(type_of(samples[i])), i + 1);
  EXPECT_EQ(message_type_name(MessageType::kShadowSa), "shadow-sa");
  EXPECT_EQ(message_type_name(MessageType(0)), "unknown");
  EXPECT_EQ(message_type_name(MessageType(200)), "unknown");
}

TEST(Body, LimitsRoundTripAtTheirMaximum) {
  Heartbeat hb{"A@#$9Z", {}, MemberState::kQuiesced, UINT64_MAX, {}, kMaxWeight};
  for (size_t i = 0; i < kMaxXcfAddresses; ++i) hb.xcf_addresses.push_back(IpAddr::v4_from_host(0xC6120001 + i));
  for (size_t i = 0; i < kMaxHeartbeatDvipas; ++i)
    hb.dvipas.push_back({IpAddr::v4_from_host(0xC6130001 + i), DvipaRole::kTarget, i});
  ConnectionEnded ce{ip("2001:db8::10"), {}};
  for (uint32_t i = 0; i < kMaxConnections; ++i) ce.connections.push_back(tuple(true, i));
  ShadowSa sa{UINT32_MAX, ip("198.19.0.1"), 1, SecretBytes(kMaxSaRecord, 0x33)};
  Leave lv{"SYS12345", LeaveReason::kShutdown, std::string(kMaxLeaveDetail, '~')};
  for (const Message& m : std::vector<Message>{hb, ce, sa, lv}) {
    auto back = decode_body(type_of(m), body_of(m));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, m);
  }
}

// ---- validation ---------------------------------------------------------------------------------

TEST(Validate, RefusesEveryBadField) {
  auto s = sample_messages(false);
  auto hb = std::get<Heartbeat>(s[0]);
  auto lr = std::get<ListenerReport>(s[1]);
  auto ce = std::get<ConnectionEnded>(s[2]);
  auto rq = std::get<BulkConnectionRequest>(s[3]);
  auto rp = std::get<BulkConnectionReport>(s[4]);
  auto tn = std::get<TakeoverNotice>(s[5]);
  auto sa = std::get<ShadowSa>(s[6]);
  auto lv = std::get<Leave>(s[7]);
  std::vector<std::pair<Message, std::string>> bad;
  auto add = [&bad](Message m, std::string why) { bad.emplace_back(std::move(m), std::move(why)); };
  { auto m = hb; m.node = ""; add(m, "node ''"); }
  { auto m = hb; m.node = "sys1"; add(m, "node 'sys1'"); }
  { auto m = hb; m.node = "SYS123456"; add(m, "is not 1-8"); }
  { auto m = hb; m.xcf_addresses.clear(); add(m, "0 XCF addresses"); }
  { auto m = hb; m.xcf_addresses.assign(kMaxXcfAddresses + 1, ip("198.18.0.1")); add(m, "9 XCF addresses"); }
  { auto m = hb; m.xcf_addresses[0] = ip("0.0.0.0"); add(m, "XCF address is the unspecified"); }
  { auto m = hb; m.state = MemberState(0); add(m, "membership state 0"); }
  { auto m = hb; m.state = MemberState(5); add(m, "membership state 5"); }
  { auto m = hb; m.weight = 65; add(m, "weight 65"); }
  { auto m = hb; m.dvipas[0].role = DvipaRole(4); add(m, "role 4"); }
  { auto m = hb; m.dvipas[0].dvipa = ip("::"); add(m, "unspecified"); }
  { auto m = hb; m.dvipas.assign(kMaxHeartbeatDvipas + 1, hb.dvipas[0]); add(m, "1025 DVIPAs"); }
  { auto m = lr; m.listeners[0].port = 0; add(m, "port 0"); }
  { auto m = lr; m.node = "S Y"; add(m, "node 'S Y'"); }
  { auto m = lr; m.listeners.assign(kMaxListeners + 1, lr.listeners[0]); add(m, "2049 listeners"); }
  { auto m = ce; m.connections.clear(); add(m, "0 connections"); }
  { auto m = ce; m.connections[0].dst = ip("2001:db8::1"); add(m, "mixes IPv4 and IPv6"); }
  { auto m = ce; m.connections[1].proto = 1; add(m, "protocol 1"); }
  { auto m = ce; m.connections[2].sport = 0; add(m, "port 0"); }
  { auto m = ce; m.connections[2].dport = 0; add(m, "port 0"); }
  { auto m = ce; m.connections.assign(kMaxConnections + 1, ce.connections[0]); add(m, "1025 connections"); }
  { auto m = rq; m.new_owner = "x"; add(m, "new owner 'x'"); }
  { auto m = rq; m.dvipa = IpAddr{}; add(m, "unspecified"); }
  { auto m = rp; m.connections.assign(kMaxConnections + 1, rp.connections[0]); add(m, "1025 connections"); }
  { auto m = tn; m.reason = TakeoverReason(0); add(m, "reason 0"); }
  { auto m = tn; m.new_owner = ""; add(m, "new owner"); }
  { auto m = sa; m.spi = 0; add(m, "SPI 0"); }
  { auto m = sa; m.record.clear(); add(m, "0 record bytes"); }
  { auto m = sa; m.record.resize(kMaxSaRecord + 1); add(m, "1025 record bytes"); }
  { auto m = lv; m.reason = LeaveReason(4); add(m, "reason 4"); }
  { auto m = lv; m.detail = std::string(kMaxLeaveDetail + 1, 'x'); add(m, "longer than 64"); }
  { auto m = lv; m.detail = "line\nbreak"; add(m, "non-printable"); }
  for (const auto& [m, why] : bad) {
    std::string got = why_invalid(m);
    EXPECT_NE(got.find(why), std::string::npos) << "expected '" << why << "', got '" << got << "'";
    SecretBytes out;
    EXPECT_FALSE(encode_body(m, out).ok());
    EXPECT_TRUE(out.empty()) << "a refused message appended bytes";
  }
  for (const Message& m : all_samples()) EXPECT_EQ(why_invalid(m), "") << to_string(m);
}

TEST(Validate, ErrorsShowUntrustedNamesOnlyAsPrintable) {
  Heartbeat hb = std::get<Heartbeat>(sample_messages(false)[0]);
  hb.node = std::string("A\x1b[2J\nB", 7);
  std::string why = why_invalid(hb);
  EXPECT_EQ(why.find('\x1b'), std::string::npos);
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

// ---- decoding rejects ---------------------------------------------------------------------------

TEST(Decode, EveryPrefixOfEveryBodyIsRejected) {
  for (const Message& m : all_samples()) {
    Bytes b = bytes_of(body_of(m));
    for (size_t n = 0; n < b.size(); ++n)
      EXPECT_FALSE(decode(type_of(m), Bytes(b.begin(), b.begin() + n)).ok()) << to_string(m) << " prefix " << n;
  }
}

TEST(Decode, TrailingBytesUnknownVersionsAndUnknownTypesAreRejected) {
  for (const Message& m : all_samples()) {
    Bytes b = bytes_of(body_of(m));
    Bytes longer = b;
    longer.push_back(0);
    auto r = decode(type_of(m), longer);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("1 bytes after the last field"), std::string::npos) << r.error().message;
    Bytes v2 = b;
    v2[0] = 2;
    r = decode(type_of(m), v2);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("body version 2"), std::string::npos) << r.error().message;
    EXPECT_FALSE(decode(MessageType(0), b).ok());
    EXPECT_FALSE(decode(MessageType(kMessageTypeLimit), b).ok());
  }
}

// Patches one byte of the IPv4 heartbeat's body (layout as in the golden test) and expects `why`.
void expect_heartbeat_patch_rejected(size_t offset, uint8_t value, const std::string& why) {
  Heartbeat hb{"SYS1", {ip("198.18.0.1")}, MemberState::kActive, 3, {{ip("198.19.0.10"), DvipaRole::kOwner, 7, 258}}, 40};
  Bytes b = bytes_of(body_of(hb));
  b.at(offset) = value;
  auto r = decode(MessageType::kHeartbeat, b);
  ASSERT_FALSE(r.ok()) << "offset " << offset;
  EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
}

TEST(Decode, BadFieldValuesAreRejected) {
  expect_heartbeat_patch_rejected(1, 9, "text of 9 bytes");        // name length above 8
  expect_heartbeat_patch_rejected(1, 0, "");                       // empty name: fields shift
  expect_heartbeat_patch_rejected(2, 's', "node 'sYS1'");          // lower case
  expect_heartbeat_patch_rejected(6, 0, "membership state 0");
  expect_heartbeat_patch_rejected(6, 5, "membership state 5");
  expect_heartbeat_patch_rejected(15, 65, "weight 65");
  expect_heartbeat_patch_rejected(17, 0, "above the limit");       // 0 XCF: DVIPA count reads 0x04c6
  expect_heartbeat_patch_rejected(17, 9, "above the limit");       // XCF count 9
  expect_heartbeat_patch_rejected(17, 2, "bad address family 0");  // the 2nd address is not there
  expect_heartbeat_patch_rejected(18, 5, "bad address family 5");
  expect_heartbeat_patch_rejected(18, 6, "");                      // IPv6 family: fields shift
  expect_heartbeat_patch_rejected(23, 0xff, "above the limit");    // DVIPA count 0xff01
  expect_heartbeat_patch_rejected(24, 2, "cannot fit");            // 2 DVIPAs in room for 1
  expect_heartbeat_patch_rejected(30, 0, "role 0");
  expect_heartbeat_patch_rejected(30, 4, "role 4");
}

TEST(Decode, ReservedFlagBitsAreRejected) {
  auto s = sample_messages(false);
  Bytes lr = bytes_of(body_of(s[1]));  // ..., dvipa(5) port(2) flags(1) at the end of each entry
  lr.back() |= 0x02;
  EXPECT_FALSE(decode(MessageType::kListenerReport, lr).ok());
  Bytes rp = bytes_of(body_of(s[4]));  // version, id(8), dvipa(5), index(4), flags at 18
  ASSERT_EQ(rp[18], 0x01);
  rp[18] = 0x81;
  auto r = decode(MessageType::kBulkConnectionReport, rp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("reserved flag bits"), std::string::npos);
}

TEST(Decode, HugeCountsNeverAllocateForWhatIsNotThere) {
  // A ConnectionEnded claiming 1024 connections in a 10-byte body fails on room, not on memory.
  Bytes b = {0x01, 0x04, 198, 19, 0, 10, 0x04, 0x00, 0x04, 0x06};
  auto r = decode(MessageType::kConnectionEnded, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot fit"), std::string::npos) << r.error().message;
  b[6] = 0xff;  // 65535+: above the limit
  EXPECT_FALSE(decode(MessageType::kConnectionEnded, b).ok());
  Bytes sa = {0x01, 0, 0, 0, 1, 0x04, 198, 19, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
  r = decode(MessageType::kShadowSa, sa);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("above the limit"), std::string::npos);
}

TEST(Decode, MixedFamiliesAndBadProtocolsInTuplesAreRejected) {
  Bytes b = bytes_of(body_of(sample_messages(false)[2]));
  Bytes bad_proto = b;
  bad_proto[9] = 50;  // ESP: first tuple's protocol
  EXPECT_FALSE(decode(MessageType::kConnectionEnded, bad_proto).ok());
  Bytes bad_family = b;
  bad_family[8] = 7;
  EXPECT_FALSE(decode(MessageType::kConnectionEnded, bad_family).ok());
  Bytes zero_port = b;
  zero_port[10] = zero_port[11] = 0;
  EXPECT_FALSE(decode(MessageType::kConnectionEnded, zero_port).ok());
}

// ---- text ---------------------------------------------------------------------------------------

TEST(Text, ShowsTheFieldsAndNeverTheSaRecord) {
  auto s = sample_messages(false);
  EXPECT_EQ(to_string(s[0]),
            "heartbeat SYS1 active inc=3 weight=40 xcf=[198.18.0.1, 2001:db8::2] dvipas=[198.19.0.10 owner epoch=7, "
            "198.19.0.11 backup epoch=2]");
  EXPECT_EQ(to_string(s[1]), "listener-report SYS1 seq=9 2 [198.19.0.10:443 ready, 198.19.0.10:8080 not-ready]");
  EXPECT_EQ(to_string(s[3]), "bulk-connection-request id=77 dvipa=198.19.0.10 new-owner=SYS2 epoch=8");
  EXPECT_EQ(to_string(s[5]), "takeover-notice dvipa=198.19.0.10 new-owner=SYS2 epoch=8 reason=owner-failed");
  EXPECT_EQ(to_string(s[7]), "leave SYS1 reason=autonomics detail=\"buffer pool critical\"");
  EXPECT_EQ(to_string(ConnTuple{ip("2001:db8::5"), ip("2001:db8::10"), 53000, 53, kProtoUdp}),
            "udp [2001:db8::5]:53000->[2001:db8::10]:53");

  ShadowSa sa{0x1000abcd, ip("198.19.0.10"), 5, {}};
  const std::string secret = "KEYMATERIAL-0123456789";
  sa.record.assign(secret.begin(), secret.end());
  std::string text = to_string(Message(sa));
  EXPECT_EQ(text, "shadow-sa spi=0x1000abcd dvipa=198.19.0.10 version=5 record=<22 bytes redacted>");
  EXPECT_EQ(text.find("KEY"), std::string::npos);
}

TEST(Text, LongListsAreCut) {
  ConnectionEnded ce{ip("198.19.0.10"), {}};
  for (uint32_t i = 0; i < 20; ++i) ce.connections.push_back(tuple(false, i));
  std::string text = to_string(ce);
  EXPECT_NE(text.find("connection-ended dvipa=198.19.0.10 20 ["), std::string::npos);
  EXPECT_NE(text.find("... 12 more]"), std::string::npos);
  std::string bulk = to_string(sample_messages(true)[4]);
  EXPECT_NE(bulk.find("chunk=3 last 2 ["), std::string::npos) << bulk;
}

}  // namespace
}  // namespace sysplex::channel
