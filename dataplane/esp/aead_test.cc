// AEAD engines against published vectors (each engine that supports the algorithm), against each
// other on random data, engine availability and fallback, calibration, and key wiping.
#include "dataplane/esp/aead.h"

#include <gtest/gtest.h>
#include <intel-ipsec-mb.h>

#include <new>
#include <random>

#include "dataplane/esp/esp_test_util.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Bytes;
using testutil::hex;

constexpr std::array<EspAlg, 3> kAlgs = {EspAlg::kAes128Gcm, EspAlg::kAes256Gcm,
                                         EspAlg::kChaCha20Poly1305};
constexpr std::array<Engine, 3> kEngines = {Engine::kOpenSsl, Engine::kSodium, Engine::kIpsecMb};

struct Vector {
  const char* source;
  EspAlg alg;
  const char* key;     // without the salt
  const char* nonce;   // salt (4) || IV (8)
  const char* aad;
  const char* plaintext;
  const char* ciphertext_tag;
};

// GCM spec: McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 4 and 16 (96-bit
// IV, 20-byte AAD). draft-mcgrew-gcm-test-01 ("GCM Test Vectors for IPsec ESP"): its packets, with
// the 8-byte (SPI || seq) and 12-byte ESN (SPI || seq hi || seq lo) AADs of RFC 4106 section 5.
// RFC 7634 appendix A: the ChaCha20-Poly1305 ESP example. RFC 8439 section 2.8.2: the AEAD vector.
const Vector kVectors[] = {
    {"GCM spec test case 4", EspAlg::kAes128Gcm, "feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
     "49a6b525b16aedf5aa0de657ba637b39",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
     "ac84aa051ba30b396a0aac973d58e091"
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"GCM spec test case 16", EspAlg::kAes256Gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
     "49a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
     "56828838c5f61e6393ba7a0abcc9f662"
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"draft-mcgrew-gcm-test-01 case 1 (ESN AAD)", EspAlg::kAes128Gcm,
     "4c80cdefbb5d10da906ac73c3613a634", "2e443b684956ed7e3b244cfe", "000043218765432100000000",
     "45000048699a000080114db7c0a80102c0a801010a9bf15638d301000001000000000000045f736970045f75"
     "647003736970096379626572636974790264 6b0000210001 01020201",
     "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34cfa2436f14a3f3cf65925bf1"
     "f4a13c5d15b21e1884f5ff6247aeabb786b93bce61bc17d768fd9732459018148f6cbe722fd04796562dfdb4"},
    {"draft-mcgrew-gcm-test-01 case 2", EspAlg::kAes128Gcm, "feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "0000a5f80000000a",
     "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d0010000010000000000000373697009"
     "63796265726369747902646b00000100010001",
     "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c3de81827c10e9a4f51330d0e"
     "ec416642cfbb85a5b47e48a4ec3b9ba95d918bd183b70d3aa8bc6ee4c309e9d85a41ad4a"},
    {"draft-mcgrew-gcm-test-01 case 3", EspAlg::kAes256Gcm,
     "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "112233440102030405060708",
     "4a2cbfe300000002",
     "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000020405b4"
     "0101040201020201",
     "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a637985771d347f054565"
     "9f14e99def842d8eb335f4eecfdbf831824b4c4915956c96"},
    {"draft-mcgrew-gcm-test-01 AES-256 ESN case", EspAlg::kAes256Gcm,
     "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74616e640169766563",
     "17405e67156f3126dd0db99b",
     "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb71260250101f646d540001",
     "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57ff4d3a31ce673119e451626c2"
     "415771e3b7eebca614c89b35"},
    {"draft-mcgrew-gcm-test-01 seq 0xffffffff case", EspAlg::kAes128Gcm,
     "7d773d00c144c525ac619d18c84a3f47", "d966426743457e9182443bc6", "335467aeffffffff", "01020201",
     "437f866bcb3f699fe9b0822bac961c4504bef270"},
    {"RFC 7634 appendix A", EspAlg::kChaCha20Poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "a0a1a2a31011121314151617",
     "0102030400000005",
     "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec100007362708090a0b0c0d0e0f"
     "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363701020204",
     "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c614ee8099d52844eb61aa95df"
     "ab4c02f72aa71e7c4c4f64c9befe2facc638e8f3cbec163fac469b502773f6fb94e664da9165b82829f641e0"
     "76aaa8266b7fb0f7b11b369907e1ad43"},
    {"RFC 8439 section 2.8.2", EspAlg::kChaCha20Poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     "50515253c0c1c2c3c4c5c6c7",
     "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966"
     "204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572"
     "652c2073756e73637265656e20776f756c642062652069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
     "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
     "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
     "1ae10b594f09e26a7e902ecbd0600691"},
};

std::unique_ptr<AeadContext> context(Engine e, EspAlg a, const Bytes& key, const Bytes& salt) {
  Bytes ks = key;
  ks.insert(ks.end(), salt.begin(), salt.end());
  auto c = testutil::engines().make_context(e, a, ks);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(AeadVectors, EveryEngineThatSupportsTheAlgorithm) {
  for (const Vector& v : kVectors) {
    const Bytes key = hex(v.key), nonce = hex(v.nonce), aad = hex(v.aad), pt = hex(v.plaintext);
    const Bytes expect = hex(v.ciphertext_tag);
    ASSERT_EQ(expect.size(), pt.size() + kIcvLen) << v.source;
    const Bytes salt(nonce.begin(), nonce.begin() + 4), iv(nonce.begin() + 4, nonce.end());
    int engines_run = 0;
    for (Engine e : kEngines) {
      if (!testutil::engines().available(e, v.alg)) continue;
      ++engines_run;
      SCOPED_TRACE(std::string(v.source) + " / " + std::string(engine_name(e)));
      auto ctx = context(e, v.alg, key, salt);
      ASSERT_TRUE(ctx);
      Bytes buf = pt;
      uint8_t tag[kIcvLen];
      ASSERT_TRUE(ctx->seal(iv.data(), aad.data(), uint32_t(aad.size()), buf.data(),
                            uint32_t(buf.size()), tag));
      buf.insert(buf.end(), tag, tag + kIcvLen);
      EXPECT_EQ(testutil::to_hex(buf), testutil::to_hex(expect));
      Bytes ct(expect.begin(), expect.end() - kIcvLen);
      ASSERT_TRUE(ctx->open(iv.data(), aad.data(), uint32_t(aad.size()), ct.data(),
                            uint32_t(ct.size()), expect.data() + pt.size()));
      EXPECT_EQ(ct, pt);
    }
    EXPECT_GE(engines_run, 1) << v.source;  // OpenSSL does all three everywhere
  }
}

TEST(AeadVectors, TamperedTagCiphertextOrAadFails) {
  const Vector& v = kVectors[2];
  const Bytes key = hex(v.key), nonce = hex(v.nonce), aad = hex(v.aad), ctag = hex(v.ciphertext_tag);
  const Bytes salt(nonce.begin(), nonce.begin() + 4), iv(nonce.begin() + 4, nonce.end());
  for (Engine e : kEngines) {
    if (!testutil::engines().available(e, v.alg)) continue;
    auto ctx = context(e, v.alg, key, salt);
    const size_t n = ctag.size() - kIcvLen;
    for (size_t flip : {size_t(0), n - 1, n, ctag.size() - 1}) {  // first/last ct byte, tag bytes
      Bytes b = ctag;
      b[flip] ^= 0x01;
      EXPECT_FALSE(ctx->open(iv.data(), aad.data(), uint32_t(aad.size()), b.data(), uint32_t(n),
                             b.data() + n))
          << engine_name(e) << " flip " << flip;
    }
    Bytes b = ctag, bad_aad = aad;
    bad_aad[11] ^= 0x80;  // the ESN low word
    EXPECT_FALSE(ctx->open(iv.data(), bad_aad.data(), 12, b.data(), uint32_t(n), b.data() + n));
    // The context still works after failures (nothing sticky in the cipher state).
    b = ctag;
    EXPECT_TRUE(ctx->open(iv.data(), aad.data(), 12, b.data(), uint32_t(n), b.data() + n));
  }
}

// Every pair of engines agrees on random keys, nonces, AADs and lengths (0 .. 1500, including
// lengths that are not a multiple of the AES or ChaCha block).
TEST(AeadCrossCheck, EnginesAgreeOnRandomData) {
  std::mt19937 rng(4106);
  auto rnd = [&](size_t n) {
    Bytes b(n);
    for (auto& x : b) x = uint8_t(rng());
    return b;
  };
  for (EspAlg a : kAlgs) {
    std::vector<Engine> have;
    for (Engine e : kEngines)
      if (testutil::engines().available(e, a)) have.push_back(e);
    ASSERT_GE(have.size(), 2u) << alg_name(a) << ": nothing to cross-check against";
    for (int round = 0; round < 40; ++round) {
      const Bytes key = rnd(alg_key_len(a)), salt = rnd(4), iv = rnd(8), pt = rnd(rng() % 1501);
      const Bytes aad = rnd(round % 2 ? 12 : 8);
      Bytes ref;
      for (Engine e : have) {
        auto ctx = context(e, a, key, salt);
        Bytes buf = pt;
        uint8_t tag[kIcvLen];
        ASSERT_TRUE(ctx->seal(iv.data(), aad.data(), uint32_t(aad.size()), buf.data(),
                              uint32_t(buf.size()), tag));
        buf.insert(buf.end(), tag, tag + kIcvLen);
        if (ref.empty()) ref = buf;
        EXPECT_EQ(buf, ref) << alg_name(a) << " " << engine_name(e) << " len " << pt.size();
        for (Engine o : have) {  // and each opens what the first sealed
          auto octx = context(o, a, key, salt);
          Bytes ct(ref.begin(), ref.end() - kIcvLen);
          EXPECT_TRUE(octx->open(iv.data(), aad.data(), uint32_t(aad.size()), ct.data(),
                                 uint32_t(ct.size()), ref.data() + ct.size()));
          EXPECT_EQ(ct, pt);
        }
      }
    }
  }
}

TEST(AeadEngines, AvailabilityFollowsTheLibrariesAndTheCpu) {
  const AeadEngines& e = testutil::engines();
  for (EspAlg a : kAlgs) EXPECT_TRUE(e.available(Engine::kOpenSsl, a)) << alg_name(a);
  EXPECT_FALSE(e.available(Engine::kSodium, EspAlg::kAes128Gcm));  // libsodium has none
  EXPECT_TRUE(e.available(Engine::kSodium, EspAlg::kChaCha20Poly1305));
  const bool aesni = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
  EXPECT_EQ(e.available(Engine::kSodium, EspAlg::kAes256Gcm), aesni);
  EXPECT_EQ(e.available(Engine::kIpsecMb, EspAlg::kAes128Gcm), aesni) << e.ipsecmb_status();
  EXPECT_EQ(e.available(Engine::kIpsecMb, EspAlg::kAes256Gcm), aesni);
  EXPECT_TRUE(e.available(Engine::kIpsecMb, EspAlg::kChaCha20Poly1305)) << e.ipsecmb_status();
  EXPECT_NE(e.ipsecmb_status().find("intel-ipsec-mb 1.3"), std::string::npos) << e.ipsecmb_status();
  // Without calibration the preference order decides.
  EXPECT_EQ(e.best_engine(EspAlg::kAes128Gcm), aesni ? Engine::kIpsecMb : Engine::kOpenSsl);
}

// As on a CPU without AES-NI: Debian's library has no AES-NI emulation, so it offers no manager
// (and an emulating one would not count either); AES-GCM falls back to OpenSSL and an explicit
// ENGINE IPSECMB is refused with the alternatives named.
TEST(AeadEngines, FallsBackWhenTheMultiBufferLibraryLacksAesNi) {
  EngineOptions o;
  o.calibrate = false;
  o.ipsecmb_flags = IMB_FLAG_AESNI_OFF;
  auto r = AeadEngines::create(o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const AeadEngines& e = **r;
  EXPECT_FALSE(e.available(Engine::kIpsecMb, EspAlg::kAes128Gcm)) << e.ipsecmb_status();
  EXPECT_EQ(e.ipsecmb_status().rfind("intel-ipsec-mb: no ", 0), 0u) << e.ipsecmb_status();
  EXPECT_FALSE(e.available(Engine::kIpsecMb, EspAlg::kAes256Gcm));
  EXPECT_EQ(e.best_engine(EspAlg::kAes128Gcm), Engine::kOpenSsl);
  auto pick = e.resolve(EspAlg::kAes128Gcm, config::CryptoEngine::kIpsecMb);
  ASSERT_FALSE(pick.ok());
  EXPECT_NE(pick.error().message.find("ENGINE ipsecmb cannot do aes128gcm"), std::string::npos)
      << pick.error().message;
  EXPECT_NE(pick.error().message.find("available: openssl"), std::string::npos);
  EXPECT_FALSE(e.make_context(Engine::kIpsecMb, EspAlg::kAes128Gcm,
                              testutil::test_key(EspAlg::kAes128Gcm)).ok());

  o.use_ipsecmb = false;
  auto r2 = AeadEngines::create(o);
  ASSERT_TRUE(r2.ok());
  for (EspAlg a : kAlgs) EXPECT_FALSE((*r2)->available(Engine::kIpsecMb, a));
  EXPECT_EQ((*r2)->resolve(EspAlg::kAes256Gcm, config::CryptoEngine::kAuto).value(),
            Engine::kOpenSsl);
}

TEST(AeadEngines, ResolveHonoursTheProfileOverride) {
  const AeadEngines& e = testutil::engines();
  EXPECT_EQ(e.resolve(EspAlg::kChaCha20Poly1305, config::CryptoEngine::kSodium).value(),
            Engine::kSodium);
  EXPECT_EQ(e.resolve(EspAlg::kAes128Gcm, config::CryptoEngine::kOpenSsl).value(),
            Engine::kOpenSsl);
  auto bad = e.resolve(EspAlg::kAes128Gcm, config::CryptoEngine::kSodium);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(bad.error().message.find("sodium cannot do aes128gcm"), std::string::npos);
}

TEST(AeadEngines, MakeContextRefusesAWrongKeyLength) {
  auto r = testutil::engines().make_context(Engine::kOpenSsl, EspAlg::kAes256Gcm,
                                            testutil::test_key(EspAlg::kAes128Gcm));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "aes256gcm needs 36 bytes of key and salt, got 20");
}

// A short calibration measures every available engine and picks the fastest one.
TEST(AeadEngines, CalibrationMeasuresAndPicksTheFastest) {
  EngineOptions o;
  o.calibrate_us = 300;
  auto r = AeadEngines::create(o);
  ASSERT_TRUE(r.ok());
  for (EspAlg a : kAlgs) {
    const EngineChoice& c = (*r)->choice(a);
    double best = 0;
    for (Engine e : kEngines) {
      EXPECT_EQ(c.gbps[size_t(e)] > 0, c.available[size_t(e)]) << alg_name(a) << engine_name(e);
      best = std::max(best, c.gbps[size_t(e)]);
      EXPECT_NE(c.reason.find(std::string(engine_name(e)) + "="), std::string::npos) << c.reason;
    }
    EXPECT_EQ(c.gbps[size_t(c.best)], best) << c.reason;
    EXPECT_EQ((*r)->best_engine(a), c.best);
  }
  EXPECT_NE((*r)->describe().find("chacha20poly1305: "), std::string::npos);
}

// Key material is overwritten when a KeyBytes goes away.
TEST(KeyBytes, WipedOnDestruction) {
  alignas(KeyBytes) unsigned char storage[sizeof(KeyBytes)] = {};
  const Bytes key = testutil::test_key(EspAlg::kChaCha20Poly1305);
  auto* k = new (storage) KeyBytes(key);
  ASSERT_EQ(Bytes(k->bytes().begin(), k->bytes().end()), key);
  k->~KeyBytes();
  for (unsigned char b : storage) {
    if (b == 0) continue;
    // Only the stored length (36) may remain; no key byte pattern survives.
    EXPECT_EQ(b, 36) << "key byte left in freed KeyBytes";
  }
}

}  // namespace
}  // namespace sysplex::dp::esp
