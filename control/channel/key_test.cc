// Unit tests of key handling: the key file rule (the profile's, checked against config's own
// check), sizes and errors that never show key bytes, subkey derivation, wiping.
#include "control/channel/key.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "config/key_file.h"
#include "config/test_temp_dir.h"
#include "control/channel/channel_test_util.h"

namespace sysplex::channel {
namespace {

using config::TempDir;
using testing::test_key_bytes;

bool same_key(const SecretKey& a, const SecretKey& b) { return std::memcmp(a.data(), b.data(), SecretKey::kSize) == 0; }

bool same_key(const ChannelKey& a, const ChannelKey& b) {
  return std::memcmp(a.data(), b.data(), SecretKey::kSize) == 0;
}

std::string raw_key_text() {
  auto k = test_key_bytes(0x40);  // bytes 0x40..0x5f: '@', 'A'.. — not all hex digits, so raw
  return std::string(k.begin(), k.end());
}

TEST(SecretKey, FromBytesNeedsExactly32) {
  auto k = SecretKey::from_bytes(test_key_bytes());
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(std::memcmp(k->data(), test_key_bytes().data(), 32), 0);
  for (size_t n : {0, 1, 16, 31, 33, 64}) {
    std::vector<uint8_t> b(n, 0x11);
    auto bad = SecretKey::from_bytes(b);
    ASSERT_FALSE(bad.ok()) << n;
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_NE(bad.error().message.find(std::to_string(n)), std::string::npos);
  }
}

TEST(SecretKey, MovesOwnership) {
  auto k = SecretKey::from_bytes(test_key_bytes());
  ASSERT_TRUE(k.ok());
  SecretKey a = std::move(*k);
  EXPECT_EQ(k->data(), nullptr);
  SecretKey b = std::move(a);
  EXPECT_EQ(b.data()[31], 31);
}

TEST(KeyFile, HexWithBlanksAndRawGiveTheSameKey) {
  TempDir dir;
  std::string hex;
  for (uint8_t b : test_key_bytes(0x40)) {
    static const char* d = "0123456789ABCDEF";
    hex += d[b >> 4];
    hex += d[b & 15];
    hex += hex.size() % 17 == 0 ? "\n" : " ";
  }
  auto from_hex = load_group_key(dir.write("hex.key", hex));
  auto from_raw = load_group_key(dir.write("raw.key", raw_key_text()));
  ASSERT_TRUE(from_hex.ok()) << from_hex.error().to_string();
  ASSERT_TRUE(from_raw.ok()) << from_raw.error().to_string();
  EXPECT_TRUE(same_key(*from_hex, *from_raw));
  EXPECT_EQ(from_raw->data()[0], 0x40);
}

TEST(KeyFile, AgreesWithTheProfileCheck) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"hex64", config::test_key_hex(32)}, {"hex62", config::test_key_hex(31)}, {"hex66", config::test_key_hex(33)},
      {"odd", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"},
      {"raw32", raw_key_text()},           {"raw31", raw_key_text().substr(1)}, {"raw33", raw_key_text() + "x"},
      {"empty", ""},                       {"blank", " \n\n"},
  };
  for (const auto& [name, content] : files) {
    std::string path = dir.write(name, content);
    auto profile = config::key_file_size(path, config::KeyText::kHexOrRaw);
    auto ours = load_group_key(path);
    bool profile_accepts = profile.ok() && *profile == 32;
    EXPECT_EQ(ours.ok(), profile_accepts) << name;
    if (!ours.ok()) {
      EXPECT_EQ(ours.error().code, Errc::kInvalidArgument) << name;
      EXPECT_NE(ours.error().message.find(path), std::string::npos) << ours.error().message;
    }
  }
}

TEST(KeyFile, ErrorsNeverShowKeyBytes) {
  TempDir dir;
  std::string secret = "SECRETSECRETSECRETSECRETSECRET!";  // 31 raw bytes
  auto r = load_group_key(dir.write("short.key", secret));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("31 raw bytes"), std::string::npos) << r.error().message;
}

TEST(KeyFile, MissingAndOversizedFiles) {
  TempDir dir;
  auto missing = load_group_key((dir.path() / "nope.key").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  auto big = load_group_key(dir.write("big.key", std::string(5000, 'z')));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("larger than 4096"), std::string::npos);
  auto dir_as_file = load_group_key(dir.path().string());
  EXPECT_FALSE(dir_as_file.ok());
}

TEST(Subkeys, DifferPerPurposeAndFromTheGroupKey) {
  auto group = SecretKey::from_bytes(test_key_bytes());
  ASSERT_TRUE(group.ok());
  auto chan = derive_subkey(*group, KeyPurpose::kGroupChannel);
  auto store = derive_subkey(*group, KeyPurpose::kStoreRecords);
  auto chan2 = derive_subkey(*group, KeyPurpose::kGroupChannel);
  ASSERT_TRUE(chan.ok() && store.ok() && chan2.ok());
  EXPECT_FALSE(same_key(*chan, *store));
  EXPECT_FALSE(same_key(*chan, *group));
  EXPECT_TRUE(same_key(*chan, *chan2));
  auto ck = ChannelKey::from_group_key(*group);
  ASSERT_TRUE(ck.ok());
  EXPECT_EQ(std::memcmp(ck->data(), chan->data(), 32), 0);
}

// Pins the derivation (crypto_kdf = BLAKE2b keyed with the group key, subkey id 1, context
// "sysplexd"); cross-checked once with PyNaCl's blake2b(b"", key=k, salt=id, person=ctx).
TEST(Subkeys, KnownAnswer) {
  auto ck = ChannelKey::from_group_key_bytes(test_key_bytes());
  ASSERT_TRUE(ck.ok());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, ck->data(), 32);
  EXPECT_STREQ(hex, "5575c9537e76a736341b4722115df85290cf5d0e1cac00c18c697ded7f26eb5b");
}

TEST(ChannelKey, LoadFromFileMatchesFromBytes) {
  TempDir dir;
  auto a = ChannelKey::load(dir.write("g.key", config::test_key_hex(32)));
  auto b = ChannelKey::from_group_key_bytes(test_key_bytes());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(same_key(*a, *b));
  EXPECT_FALSE(ChannelKey::load((dir.path() / "missing").string()).ok());
}

TEST(Wiping, WipeBytesClearsAndTheAllocatorRoundTrips) {
  uint8_t buf[16];
  std::memset(buf, 0xAB, sizeof buf);
  wipe_bytes(buf, sizeof buf);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
  wipe_bytes(nullptr, 0);
  SecretBytes s(3000, 0x5A);
  s.resize(10);
  s.shrink_to_fit();  // frees (and wipes) the large block
  EXPECT_EQ(s.size(), 10u);
  EXPECT_EQ(s[9], 0x5A);
}

}  // namespace
}  // namespace sysplex::channel
