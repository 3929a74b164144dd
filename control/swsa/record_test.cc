#include "control/swsa/record.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace sysplex::swsa {
namespace {

RecordSealer sealer_for(uint8_t offset = 0) {
  std::vector<uint8_t> b(32);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i + offset);
  auto key = channel::SecretKey::from_bytes(b);
  auto s = RecordSealer::from_group_key(*key);
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

SaRecord sample() {
  SaRecord r;
  r.name = "TOPEER";
  r.dvipa = *parse_ip("198.18.1.50");
  r.owner = "N1";
  r.version = 3;
  auto& c = r.control;
  c.spi = 0x2000;
  c.dir = dp::esp::SaDir::kOutbound;
  c.alg = config::EspAlg::kAes128Gcm;
  std::vector<uint8_t> key(20);
  for (size_t i = 0; i < key.size(); ++i) key[i] = uint8_t(0xa0 + i);
  c.key = dp::esp::KeyBytes(key);
  c.local = *parse_ip("198.18.1.50");
  c.remote = *parse_ip("198.18.1.100");
  c.udp_encap = true;
  c.encap_sport = 4500;
  c.encap_dport = 4501;
  c.esn = true;
  c.replay_window = 2048;
  c.replay_top = 77;
  c.lifetime.soft_bytes = 1000, c.lifetime.hard_bytes = 2000, c.lifetime.hard_secs = 3600;
  return r;
}

void expect_same(const SaRecord& a, const SaRecord& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dvipa, b.dvipa);
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.control.spi, b.control.spi);
  EXPECT_EQ(a.control.dir, b.control.dir);
  EXPECT_EQ(a.control.alg, b.control.alg);
  EXPECT_TRUE(std::equal(a.control.key.bytes().begin(), a.control.key.bytes().end(), b.control.key.bytes().begin(),
                         b.control.key.bytes().end()));
  EXPECT_EQ(a.control.local, b.control.local);
  EXPECT_EQ(a.control.remote, b.control.remote);
  EXPECT_EQ(a.control.udp_encap, b.control.udp_encap);
  EXPECT_EQ(a.control.encap_dport, b.control.encap_dport);
  EXPECT_EQ(a.control.esn, b.control.esn);
  EXPECT_EQ(a.control.replay_window, b.control.replay_window);
  EXPECT_EQ(a.control.replay_top, b.control.replay_top);
  EXPECT_EQ(a.control.lifetime.hard_bytes, b.control.lifetime.hard_bytes);
  EXPECT_EQ(a.control.lifetime.hard_secs, b.control.lifetime.hard_secs);
}

TEST(SaRecord, RoundTrips) {
  auto bytes = encode(sample());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto back = decode(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same(sample(), *back);
  SaRecord v6 = sample();
  v6.dvipa = v6.control.local = *parse_ip("2001:db8::50");
  v6.control.remote = *parse_ip("2001:db8::100");
  v6.target = "N3";
  v6.control.alg = config::EspAlg::kChaCha20Poly1305;
  v6.control.key = dp::esp::KeyBytes(std::vector<uint8_t>(36, 7));
  auto b6 = encode(v6);
  ASSERT_TRUE(b6.ok());
  auto back6 = decode(*b6);
  ASSERT_TRUE(back6.ok()) << back6.error().message;
  expect_same(v6, *back6);
}

TEST(SaRecord, EveryTruncationAndTrailingByteIsRefused) {
  auto bytes = encode(sample());
  ASSERT_TRUE(bytes.ok());
  for (size_t n = 0; n < bytes->size(); ++n) {
    auto r = decode({bytes->data(), n});
    ASSERT_FALSE(r.ok()) << "accepted " << n << " of " << bytes->size() << " bytes";
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
  }
  channel::SecretBytes longer = *bytes;
  longer.push_back(0);
  EXPECT_EQ(decode(longer).error().message, "SA record: 1 trailing bytes");
}

TEST(SaRecord, BadFieldsAreNamedNeverTheKey) {
  auto bytes = *encode(sample());
  auto with = [&](size_t at, uint8_t v) {
    channel::SecretBytes b = bytes;
    b[at] = v;
    auto r = decode(b);
    return r.ok() ? std::string("accepted") : r.error().message;
  };
  EXPECT_EQ(with(0, 9), "SA record version 9 is not 1 (a newer sysplexd wrote it?)");
  EXPECT_EQ(with(1, 0), "SA record: name length 0 is outside 1-32");
  EXPECT_EQ(with(2, '!'), "SA record: name has a character outside A-Z a-z 0-9 _ -");
  EXPECT_EQ(with(8, 5), "SA record: dvipa family 5 is neither 4 nor 6");
  // version(1) name(1+6) dvipa(1+4) owner(1+2) target(1) version(8) -> direction at 25
  EXPECT_EQ(with(25, 2), "SA record: direction value 2 is unknown");
  EXPECT_EQ(with(27, 3), "SA record: algorithm value 3 is unknown");
  EXPECT_EQ(with(33, 36), "SA record: key length 36 does not fit the algorithm");
  SaRecord bad = sample();
  bad.control.key = dp::esp::KeyBytes(std::vector<uint8_t>(16, 1));
  EXPECT_EQ(encode(bad).error().message, "SA TOPEER: key length does not fit its algorithm");
  bad = sample();
  bad.name = "has space";
  EXPECT_FALSE(encode(bad).ok());
}

TEST(RecordSealer, SealsForOneKeyOfOneGroup) {
  std::optional<RecordSealer> sealer(sealer_for());
  const std::string key = record_key("SPXD", "TOPEER");
  EXPECT_EQ(key, "/sysplex/SPXD/sas/TOPEER");
  auto sealed = sealer->seal(sample(), key);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("TOPEER"), std::string::npos);  // nothing in clear
  auto opened = sealer->open(*sealed, key);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  expect_same(sample(), *opened);
  EXPECT_NE(*sealer->seal(sample(), key), *sealed);  // a fresh nonce each time
  EXPECT_FALSE(sealer->open(*sealed, record_key("SPXD", "OTHER")).ok());  // moved to another key
  std::optional<RecordSealer> other(sealer_for(1));
  EXPECT_EQ(other->open(*sealed, key).error().message,
            "SA record at /sysplex/SPXD/sas/TOPEER does not open with the group key (another group's key, or altered)");
  for (size_t i = 0; i < sealed->size(); i += 7) {
    std::string altered = *sealed;
    altered[i] = char(altered[i] ^ 0x20);
    EXPECT_FALSE(sealer->open(altered, key).ok()) << "byte " << i;
  }
  EXPECT_FALSE(sealer->open(sealed->substr(0, 30), key).ok());
}

}  // namespace
}  // namespace sysplex::swsa
