// The store schema: keys and their parsing, every record's round trip and golden bytes, and each
// kind of malformed value refused with a message (truncation at every byte, trailing bytes, unknown
// versions, enum values and flag bits, bad names and counts); the view's ordering rules; the chain.
#include "control/ownership/records.h"

#include <gtest/gtest.h>

#include "control/ownership/ranking.h"
#include "control/ownership/view.h"

namespace sysplex::ownership {
namespace {

IpAddr ip(const char* t) { return *parse_ip(t); }

MemberRecord sample_member() {
  MemberRecord m;
  m.incarnation = 7;
  m.phase = MemberPhase::kActive;
  m.quiesced = true;
  m.addrs = {ip("198.18.0.1"), ip("2001:db8::1")};
  using config::Moveable;
  m.dvipas = {MemberDvipa{Prefix{ip("198.19.0.10"), 24}, Origin::kDefine, 0, Moveable::kWhenIdle, false, true},
              MemberDvipa{Prefix{ip("2001:db8::10"), 128}, Origin::kBackup, 254, Moveable::kImmediate, true, false}};
  return m;
}

OwnerRecord sample_owner() {
  return OwnerRecord{"SYS1", 3, 42, Origin::kBackup, config::Moveable::kWhenIdle, ClaimReason::kTakeback};
}

TEST(OwnershipKeys, NameAndParseBack) {
  Keys k("/sysplex/", "EZBTCPCS");
  EXPECT_EQ(k.group(), "/sysplex/EZBTCPCS/");
  EXPECT_EQ(k.member("SYS1"), "/sysplex/EZBTCPCS/members/SYS1");
  EXPECT_EQ(k.owner(ip("198.19.0.10")), "/sysplex/EZBTCPCS/owners/198.19.0.10");
  EXPECT_EQ(k.epoch(ip("2001:db8::10")), "/sysplex/EZBTCPCS/epochs/2001:db8::10");
  EXPECT_EQ(k.incarnation("SYS1"), "/sysplex/EZBTCPCS/incarnations/SYS1");
  auto p = k.parse(k.owner(ip("2001:db8::10")));
  EXPECT_EQ(p.kind, Keys::Kind::kOwner);
  EXPECT_EQ(p.dvipa, ip("2001:db8::10"));
  EXPECT_EQ(k.parse(k.member("SYS$1")).node, "SYS$1");
  EXPECT_EQ(k.parse(k.incarnation("SYS1")).kind, Keys::Kind::kIncarnation);
  EXPECT_EQ(k.parse(k.epoch(ip("198.19.0.1"))).kind, Keys::Kind::kEpoch);
  for (const char* other : {"/sysplex/OTHER/members/SYS1", "/sysplex/EZBTCPCS/members/sys1",
                            "/sysplex/EZBTCPCS/members/",
                            "/sysplex/EZBTCPCS/owners/198.19.0.010", "/sysplex/EZBTCPCS/owners/2001:DB8::1",
                            "/sysplex/EZBTCPCS/owners/x", "/sysplex/EZBTCPCS/sa/1", "/sysplex/EZBTCPCS/members",
                            "/sysplex/EZBTCPCS/members/TOOLONGNAME"})
    EXPECT_EQ(k.parse(other).kind, Keys::Kind::kOther) << other;
}

TEST(OwnershipKeys, SystemNames) {
  EXPECT_TRUE(is_system_name("SYS1"));
  EXPECT_TRUE(is_system_name("@#$ABC12"));
  EXPECT_FALSE(is_system_name(""));
  EXPECT_FALSE(is_system_name("ABCDEFGHI"));
  EXPECT_FALSE(is_system_name("sys1"));
  EXPECT_FALSE(is_system_name("SYS/1"));
}

TEST(OwnershipRecords, RoundTrips) {
  MemberRecord m = sample_member();
  auto dm = decode_member(encode(m));
  ASSERT_TRUE(dm.ok()) << dm.error().to_string();
  EXPECT_EQ(*dm, m);
  OwnerRecord o = sample_owner();
  auto d = decode_owner(encode(o));
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(*d, o);
  EXPECT_EQ(*decode_counter(encode_counter(0xfedcba9876543210ull)), 0xfedcba9876543210ull);
  MemberRecord empty;
  empty.incarnation = 1;
  EXPECT_EQ(*decode_member(encode(empty)), empty);
}

TEST(OwnershipRecords, GoldenBytes) {
  EXPECT_EQ(encode_counter(258), std::string("\x01\0\0\0\0\0\0\x01\x02", 9));
  OwnerRecord o{"SYS1", 1, 2, Origin::kDefine, config::Moveable::kImmediate, ClaimReason::kDefine};
  EXPECT_EQ(encode(o), std::string("\x01\x04SYS1\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x02\x01\x01\x01", 25));
  MemberRecord m;
  m.incarnation = 1;
  m.phase = MemberPhase::kJoining;
  m.addrs = {ip("198.18.0.1")};
  m.dvipas = {
      MemberDvipa{Prefix{ip("198.19.0.10"), 32}, Origin::kBackup, 100, config::Moveable::kWhenIdle, true, true}};
  // version, incarnation 1, joining, no flags, one address (198.18.0.1), one DVIPA: 198.19.0.10/32
  // VIPABACKUP rank 100 WHENIDLE, deactivated and distributed.
  EXPECT_EQ(encode(m), std::string("\x01\0\0\0\0\0\0\0\x01\x01\0\x01\x04\xc6\x12\0\x01"
                                   "\0\x01\x04\xc6\x13\0\x0a\x20\x02\x64\x02\x03",
                                   29));
}

TEST(OwnershipRecords, TruncationAtEveryByteIsRefused) {
  std::string m = encode(sample_member()), o = encode(sample_owner()), c = encode_counter(5);
  for (size_t n = 0; n < m.size(); ++n) {
    auto r = decode_member(m.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
  }
  for (size_t n = 0; n < o.size(); ++n) EXPECT_FALSE(decode_owner(o.substr(0, n)).ok()) << n;
  for (size_t n = 0; n < c.size(); ++n) EXPECT_FALSE(decode_counter(c.substr(0, n)).ok()) << n;
}

TEST(OwnershipRecords, TrailingBytesAreRefused) {
  auto r = decode_member(encode(sample_member()) + "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1 trailing bytes"), std::string::npos) << r.error().message;
  EXPECT_FALSE(decode_owner(encode(sample_owner()) + std::string(1, '\0')).ok());
  EXPECT_FALSE(decode_counter(encode_counter(1) + "xy").ok());
}

// Changes one byte of a valid encoding and expects the field's name in the refusal.
void expect_refused(std::string bytes, size_t at, uint8_t value, const char* field, bool member) {
  bytes[at] = char(value);
  std::string msg = member ? (decode_member(bytes).ok() ? "" : decode_member(bytes).error().message)
                           : (decode_owner(bytes).ok() ? "" : decode_owner(bytes).error().message);
  EXPECT_NE(msg.find(field), std::string::npos) << "byte " << at << " = " << int(value) << ": '" << msg << "'";
}

TEST(OwnershipRecords, BadFieldsAreNamed) {
  std::string m = encode(sample_member());
  expect_refused(m, 0, 2, "version", true);
  expect_refused(m, 8, 0, "incarnation", true);    // incarnation 0 (its low byte was 7)
  expect_refused(m, 9, 4, "phase", true);
  expect_refused(m, 10, 2, "member flags", true);
  expect_refused(m, 11, 9, "address count", true);
  expect_refused(m, 12, 5, "address", true);       // family 5
  expect_refused(m, 34, 0x04, "dvipa count", true);  // 0x0402 > 1024
  // The first DVIPA starts at 36: family, 4 bytes, prefix length, origin, rank, moveable, flags.
  expect_refused(m, 36, 7, "dvipa", true);
  expect_refused(m, 41, 33, "prefix length", true);
  expect_refused(m, 42, 3, "origin", true);
  expect_refused(m, 43, 1, "rank", true);          // a VIPADEFINE has rank 0
  expect_refused(m, 44, 0, "moveable", true);
  expect_refused(m, 45, 4, "dvipa flags", true);
  std::string o = encode(sample_owner());
  expect_refused(o, 0, 0, "version", false);
  expect_refused(o, 1, 9, "owner", false);         // a name longer than the record
  expect_refused(o, 2, 's', "owner", false);       // lower case
  expect_refused(o, 13, 0, "incarnation", false);  // incarnation 3 -> 0
  expect_refused(o, 21, 0, "epoch", false);        // epoch 42 -> 0
  expect_refused(o, 22, 0, "origin", false);
  expect_refused(o, 23, 3, "moveable", false);
  expect_refused(o, 24, 6, "reason", false);
  expect_refused(o, 24, 0, "reason", false);
}

TEST(OwnershipRecords, BackupRankMustBeInRange) {
  MemberRecord m = sample_member();
  m.dvipas[1].rank = 255;
  EXPECT_FALSE(decode_member(encode(m)).ok());
  m.dvipas[1].rank = 0;
  EXPECT_FALSE(decode_member(encode(m)).ok());
}

TEST(OwnershipView, NewerRevisionsWinAndDeletesAreRemembered) {
  Keys k("/p/", "G");
  GroupView v(k);
  std::string key = k.owner(ip("198.19.0.1"));
  OwnerRecord a{"SYS1", 1, 1, Origin::kDefine, config::Moveable::kImmediate, ClaimReason::kDefine};
  OwnerRecord b{"SYS2", 1, 2, Origin::kBackup, config::Moveable::kImmediate, ClaimReason::kTakeoverFailed};
  v.put(store::KeyValue{key, encode(b), 5, 9, 1, 22});
  v.put(store::KeyValue{key, encode(a), 5, 5, 1, 11});  // an older event after a newer txn result
  ASSERT_NE(v.owner(ip("198.19.0.1")), nullptr);
  EXPECT_EQ(v.owner(ip("198.19.0.1"))->record->node, "SYS2");
  EXPECT_EQ(v.owner(ip("198.19.0.1"))->lease, 22);
  v.erase(key, 12);
  EXPECT_EQ(v.owner(ip("198.19.0.1")), nullptr);
  v.put(store::KeyValue{key, encode(b), 5, 9, 1, 22});  // a put older than the delete stays deleted
  EXPECT_EQ(v.owner(ip("198.19.0.1")), nullptr);
  EXPECT_EQ(v.key_revision(key), 12);
  EXPECT_EQ(v.revision(), 12);
}

TEST(OwnershipView, AFullReadDeletesWhatItLacksButKeepsNewerChanges) {
  Keys k("/p/", "G");
  GroupView v(k);
  std::string m1 = k.member("SYS1"), m2 = k.member("SYS2");
  MemberRecord r;
  r.incarnation = 1;
  v.put(store::KeyValue{m1, encode(r), 3, 3, 1, 1});
  v.put(store::KeyValue{m2, encode(r), 20, 20, 1, 2});  // learned from a txn after the read below
  v.replace_all({}, 10);
  EXPECT_EQ(v.member("SYS1"), nullptr);
  EXPECT_NE(v.member("SYS2"), nullptr);
  v.replace_key(m2, {}, 25);
  EXPECT_EQ(v.member("SYS2"), nullptr);
}

TEST(OwnershipView, MalformedValuesAreKeptWithTheirErrorAndCounted) {
  Keys k("/p/", "G");
  GroupView v(k);
  v.put(store::KeyValue{k.epoch(ip("198.19.0.1")), "bad", 1, 1, 1, 0});
  v.put(store::KeyValue{"/p/G/unrelated", "x", 2, 2, 1, 0});
  const CounterEntry* e = v.epoch(ip("198.19.0.1"));
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->record.has_value());
  EXPECT_NE(e->error.find("counter"), std::string::npos);
  EXPECT_EQ(v.malformed(), 1u);
}

TEST(OwnershipChain, DefinersFirstThenRankThenName) {
  std::vector<Candidate> c = {{"SYS4", Origin::kBackup, 100}, {"SYS2", Origin::kBackup, 200},
                              {"SYS3", Origin::kBackup, 100}, {"SYS9", Origin::kDefine, 0},
                              {"SYS1", Origin::kBackup, 1},   {"SYS8", Origin::kDefine, 0}};
  auto chain = chain_order(c);
  std::vector<std::string> names;
  for (const auto& x : chain) names.push_back(x.node);
  EXPECT_EQ(names, (std::vector<std::string>{"SYS8", "SYS9", "SYS2", "SYS3", "SYS4", "SYS1"}));
  EXPECT_FALSE(ranks_before(c[0], c[0]));
}

}  // namespace
}  // namespace sysplex::ownership
