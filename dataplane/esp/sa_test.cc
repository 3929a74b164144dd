// Runtime SAs: install validation, profile conversion, sequence blocks with low-water and limit
// events, lifetimes in bytes, packets and (injected) time, counters over workers, workers sharing
// an outbound SA, and the inbound SAD.
#include "dataplane/esp/sa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_test_util.h"
#include "dataplane/esp/sad.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Buf;
using testutil::Bytes;
using testutil::SaSpec;

constexpr uint64_t kSec = 1'000'000'000;

std::string install_error(const SaControl& c, unsigned workers = 1) {
  auto r = make_sa(c, testutil::engines(), {0, workers, 0});
  return r.ok() ? "" : r.error().message;
}

TEST(SaInstall, RefusesWhatCannotWork) {
  SaControl c = testutil::control({}, SaDir::kOutbound);
  EXPECT_EQ(install_error(c), "");
  SaControl bad = c;
  bad.spi = 255;
  EXPECT_EQ(install_error(bad), "SPI 255 is reserved (0-255; RFC 4303)");
  bad = c;
  bad.key = KeyBytes(testutil::test_key(EspAlg::kAes256Gcm));
  EXPECT_EQ(install_error(bad),
            "aes128gcm needs 20 bytes of key material (key and 4-byte salt), got 36");
  bad = c;
  bad.remote = *parse_ip("2001:db8::2");
  EXPECT_EQ(install_error(bad), "SA local and remote addresses differ in family");
  EXPECT_EQ(install_error(c, 0), "SA worker count 0 outside 1-16");
  EXPECT_EQ(install_error(c, 17), "SA worker count 17 outside 1-16");
  bad = c;
  bad.lifetime.soft_bytes = 100, bad.lifetime.hard_bytes = 100;
  EXPECT_EQ(install_error(bad), "soft byte limit 100 must be below the hard limit 100");
  bad = c;
  bad.dir = SaDir::kInbound;
  bad.replay_window = 100;
  EXPECT_NE(install_error(bad).find("replay window 100 bits"), std::string::npos);
  bad = c;
  bad.seq_first = 10, bad.seq_last = 5;
  EXPECT_EQ(install_error(bad), "sequence block 10-5 is empty or outside 1-4294967295 (no ESN)");
  bad = c;
  bad.seq_last = uint64_t(1) << 33;
  EXPECT_NE(install_error(bad).find("outside 1-4294967295"), std::string::npos);
  bad = c;
  bad.engine = config::CryptoEngine::kSodium;
  EXPECT_NE(install_error(bad).find("ENGINE sodium cannot do aes128gcm"), std::string::npos);
  bad = c;
  bad.udp_encap = true, bad.encap_dport = 0;
  EXPECT_EQ(install_error(bad), "UDP encapsulation needs non-zero ports");
}

TEST(SaInstall, FromProfile) {
  config::IpsecSa p;
  p.name = "TOPEER";
  p.spi = 0x1234;
  p.direction = config::Direction::kOutbound;
  p.mode = EspMode::kTransport;
  p.alg = EspAlg::kChaCha20Poly1305;
  p.key_file = "keys/topeer.key";
  p.local = *parse_ip("198.18.0.1");
  p.remote = *parse_ip("198.18.0.2");
  p.udp_encap = true;
  p.encap_sport = 4501;
  p.esn = true;
  p.soft_packets = 10, p.hard_packets = 20;
  p.engine = config::CryptoEngine::kSodium;
  const Bytes key = testutil::test_key(EspAlg::kChaCha20Poly1305);
  auto c = sa_control_from_profile(p, key);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->spi, 0x1234u);
  EXPECT_EQ(c->dir, SaDir::kOutbound);
  EXPECT_EQ(c->encap_sport, 4501);
  EXPECT_EQ(c->encap_dport, 4500);
  EXPECT_EQ(c->lifetime.hard_packets, 20u);
  auto sa = make_sa(*c, testutil::engines(), {7, 2, 0});
  ASSERT_TRUE(sa.ok()) << sa.error().to_string();
  EXPECT_EQ((*sa)->engine, Engine::kSodium);
  EXPECT_EQ((*sa)->id, 7u);
  EXPECT_NE((*sa)->aead[1], nullptr);
  EXPECT_EQ((*sa)->aead[2], nullptr);

  auto short_key = sa_control_from_profile(p, std::span(key).first(20));
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().message,
            "IPSECSA TOPEER: key file keys/topeer.key holds 20 bytes, chacha20poly1305 needs 36");
  p.direction = config::Direction::kBidirectional;
  EXPECT_FALSE(sa_control_from_profile(p, key).ok());
}

// Encrypts one 40-byte datagram; returns the status and the sequence number on the wire.
EspStatus send(SaRuntime& sa, uint64_t now = 0, unsigned worker = 0, uint32_t* wire_seq = nullptr,
               size_t payload = 12) {
  Buf b(testutil::inner_udp(sa.v6, payload));
  const EspStatus st = esp_encrypt(sa, worker, b.pkt, now);
  if (st.ok() && wire_seq) *wire_seq = load_be32(b.pkt.data() + sa.outer_len + 4);
  return st;
}

TEST(SaSequence, LowWaterThenLimitThenExtension) {
  SaSpec s;
  s.seq_first = 1, s.seq_last = 10, s.seq_low_water = 8;
  auto sa = testutil::make(s, SaDir::kOutbound);
  for (int i = 1; i <= 7; ++i) EXPECT_EQ(send(*sa).events, 0) << i;
  EXPECT_EQ(sa_take_events(*sa), 0);
  EXPECT_EQ(send(*sa).events, kEventSeqLowWater);  // seq 8
  EXPECT_EQ(sa_take_events(*sa), kEventSeqLowWater);
  EXPECT_EQ(sa_take_events(*sa), 0);  // collected once
  EXPECT_TRUE(send(*sa).ok());        // 9, no second low-water event
  uint32_t wire = 0;
  EXPECT_TRUE(send(*sa, 0, 0, &wire).ok());
  EXPECT_EQ(wire, 10u);
  EspStatus st = send(*sa);  // 11: past the block
  EXPECT_EQ(st.drop, EspDrop::kSeqLimit);
  EXPECT_EQ(st.events, kEventSeqExhausted);
  EXPECT_EQ(send(*sa).drop, EspDrop::kSeqLimit);
  EXPECT_EQ(sa_take_events(*sa), kEventSeqExhausted);
  EXPECT_EQ(sa_counters(*sa).drop(EspDrop::kSeqLimit), 2u);

  // The lease of the following block: refused attempts used up 11 and 12, which stay unused.
  sa_extend_seq_limit(*sa, 20, 18);
  EXPECT_TRUE(send(*sa, 0, 0, &wire).ok());
  EXPECT_EQ(wire, 13u);
  for (int i = 14; i < 18; ++i) EXPECT_EQ(send(*sa).events, 0);
  EXPECT_EQ(send(*sa).events, kEventSeqLowWater);  // fires again for the new block

  // A block elsewhere in the space (another node holds 21-999).
  sa_set_seq_block(*sa, 1000, 1999, 1900);
  EXPECT_TRUE(send(*sa, 0, 0, &wire).ok());
  EXPECT_EQ(wire, 1000u);
  EXPECT_EQ(sa_counters(*sa).packets, 17u);
}

TEST(SaSequence, NoCycleWithout32BitEsn) {
  SaSpec s;
  s.seq_first = 0xfffffffe;
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_TRUE(send(*sa).ok());
  EXPECT_TRUE(send(*sa).ok());  // 2^32 - 1: the last
  EXPECT_EQ(send(*sa).drop, EspDrop::kSeqOverflow);
  EXPECT_EQ(sa_take_events(*sa) & kEventSeqExhausted, kEventSeqExhausted);
}

TEST(SaSequence, DefaultLowWaterIsSevenEighthsOfTheBlock) {
  SaSpec s;
  s.seq_first = 1, s.seq_last = 81;
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_EQ(sa->seq_low_water.load(), 71u);
}

// Two workers share one outbound SA: every number is used exactly once.
// Two workers at once: every number unique, each worker's own numbers rising (each reserves chunks
// of kSeqChunk), and no number beyond what the SA reserved.
TEST(SaSequence, WorkersSharingAnOutboundSaNeverReuseANumber) {
  SaSpec s;
  s.workers = 2;
  auto sa = testutil::make(s, SaDir::kOutbound);
  constexpr int kPerWorker = 5000;
  std::vector<uint32_t> seen[2];
  auto run = [&](unsigned w) {
    for (int i = 0; i < kPerWorker; ++i) {
      uint32_t seq = 0;
      if (send(*sa, 0, w, &seq, 4).ok()) seen[w].push_back(seq);
    }
  };
  std::thread t0(run, 0), t1(run, 1);
  t0.join();
  t1.join();
  for (auto& v : seen) EXPECT_TRUE(std::is_sorted(v.begin(), v.end()) && std::adjacent_find(v.begin(), v.end()) == v.end());
  std::set<uint32_t> all(seen[0].begin(), seen[0].end());
  all.insert(seen[1].begin(), seen[1].end());
  EXPECT_EQ(all.size(), size_t(2 * kPerWorker));
  EXPECT_LE(*all.rbegin(), sa->seq_next.load());
  const SaCounterTotals t = sa_counters(*sa);
  EXPECT_EQ(t.packets, uint64_t(2 * kPerWorker));
  EXPECT_EQ(sa->counters[0].packets, uint64_t(kPerWorker));
  EXPECT_EQ(t.dropped(), 0u);
}

// One worker sends 1, 2, 3, ... with no gap (chunks follow one another), and the SA's counter shows
// at most one chunk reserved beyond what went out.
TEST(SaSequence, OneWorkerSendsEveryNumberInOrder) {
  auto sa = testutil::make(SaSpec{}, SaDir::kOutbound);
  for (uint32_t want = 1; want <= 5 * kSeqChunk + 3; ++want) {
    uint32_t wire = 0;
    ASSERT_TRUE(send(*sa, 0, 0, &wire).ok());
    ASSERT_EQ(wire, want);
  }
  EXPECT_LT(sa->seq_next.load() - (5 * kSeqChunk + 3), kSeqChunk);
}

// A worker that sent little while another sent much does not send from its old chunk, whose
// numbers the peer's window has left behind: it skips to a fresh chunk.
TEST(SaSequence, AWorkersStaleChunkIsSkipped) {
  SaSpec s;
  s.workers = 2;
  auto sa = testutil::make(s, SaDir::kOutbound);
  uint32_t first = 0, busy = 0, after = 0;
  ASSERT_TRUE(send(*sa, 0, 0, &first).ok());  // worker 0 reserves 1..kSeqChunk and uses 1
  EXPECT_EQ(first, 1u);
  ASSERT_TRUE(send(*sa, 0, 0, &after).ok());
  EXPECT_EQ(after, 2u);  // from its chunk while nobody else moved
  for (uint64_t i = 0; i < 3 * kSeqChunk; ++i) ASSERT_TRUE(send(*sa, 0, 1, &busy).ok());
  ASSERT_TRUE(send(*sa, 0, 0, &after).ok());
  EXPECT_GT(after, busy);  // not 3: a new chunk after everything worker 1 reserved
  EXPECT_EQ(sa_counters(*sa).dropped(), 0u);
}

TEST(SaLifetime, PacketsSoftThenHard) {
  SaSpec s;
  s.lifetime.soft_packets = 3, s.lifetime.hard_packets = 5;
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_EQ(send(*sa).events, 0);
  EXPECT_EQ(send(*sa).events, 0);
  EXPECT_EQ(send(*sa).events, kEventSoftPackets);
  EXPECT_EQ(send(*sa).events, 0);
  EspStatus st = send(*sa);  // the fifth is the last one
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.events, kEventHardPackets);
  EXPECT_EQ(send(*sa).drop, EspDrop::kSaHardExpired);
  EXPECT_EQ(send(*sa).drop, EspDrop::kSaHardExpired);
  EXPECT_EQ(sa_take_events(*sa), kEventSoftPackets | kEventHardPackets);
  EXPECT_EQ(sa_counters(*sa).drop(EspDrop::kSaHardExpired), 2u);
  EXPECT_EQ(sa_counters(*sa).packets, 5u);
}

TEST(SaLifetime, BytesCountTheProtectedPacket) {
  SaSpec s;
  s.lifetime.soft_bytes = 100, s.lifetime.hard_bytes = 150;  // datagrams of 20 + 8 + 12 = 40
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_EQ(send(*sa).events, 0);              // 40
  EXPECT_EQ(send(*sa).events, 0);              // 80
  EXPECT_EQ(send(*sa).events, kEventSoftBytes);  // 120
  EXPECT_EQ(send(*sa).events, kEventHardBytes);  // 160: crosses, accepted, last
  EXPECT_EQ(send(*sa).drop, EspDrop::kSaHardExpired);
  EXPECT_EQ(sa_counters(*sa).bytes, 160u);
}

TEST(SaLifetime, TimeFromTheInjectedClock) {
  SaSpec s;
  s.now_ns = 1000 * kSec;  // installed at t = 1000 s
  s.lifetime.soft_secs = 10, s.lifetime.hard_secs = 20;
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_EQ(send(*sa, 1009 * kSec).events, 0);
  EXPECT_EQ(send(*sa, 1010 * kSec).events, kEventSoftTime);
  EXPECT_TRUE(send(*sa, 1019 * kSec + kSec / 2).ok());
  EspStatus st = send(*sa, 1020 * kSec);
  EXPECT_EQ(st.drop, EspDrop::kSaHardExpired);
  EXPECT_EQ(st.events, kEventHardTime);
  EXPECT_EQ(sa_take_events(*sa), kEventSoftTime | kEventHardTime);
}

TEST(SaLifetime, IdleSaExpiresOnControlsTimer) {
  SaSpec s;
  s.lifetime.soft_secs = 1, s.lifetime.hard_secs = 2;
  auto sa = testutil::make(s, SaDir::kInbound);
  EXPECT_EQ(sa_check_time(*sa, kSec / 2), 0);
  EXPECT_EQ(sa_check_time(*sa, kSec), kEventSoftTime);
  EXPECT_EQ(sa_check_time(*sa, kSec + 1), 0);
  EXPECT_EQ(sa_check_time(*sa, 3 * kSec), kEventHardTime);
  EXPECT_EQ(sa_take_events(*sa), kEventSoftTime | kEventHardTime);
}

TEST(SaLifetime, InboundCountsOnlyAuthenticPackets) {
  SaSpec s;
  auto out = testutil::make(s, SaDir::kOutbound);
  s.lifetime.hard_packets = 2;
  auto in = testutil::make(s, SaDir::kInbound);
  std::vector<Buf> pkts;
  for (int i = 0; i < 3; ++i) {
    Buf b(testutil::inner_udp(false, 10));
    ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
    pkts.push_back(b);
  }
  Buf forged = pkts[0];
  forged.pkt.data()[forged.pkt.len - 1] ^= 1;
  EXPECT_EQ(esp_decrypt(*in, 0, forged.pkt, {20, false}, 0).drop, EspDrop::kAuthFailed);
  EXPECT_TRUE(esp_decrypt(*in, 0, pkts[0].pkt, {20, false}, 0).ok());
  const EspStatus st = esp_decrypt(*in, 0, pkts[1].pkt, {20, false}, 0);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.events, kEventHardPackets);
  EXPECT_EQ(esp_decrypt(*in, 0, pkts[2].pkt, {20, false}, 0).drop, EspDrop::kSaHardExpired);
}

TEST(SaCounters, SummedOverWorkers) {
  SaSpec s;
  s.workers = 3;
  auto sa = testutil::make(s, SaDir::kOutbound);
  EXPECT_TRUE(send(*sa, 0, 0).ok());
  EXPECT_TRUE(send(*sa, 0, 2).ok());
  EXPECT_TRUE(send(*sa, 0, 2).ok());
  EXPECT_EQ(send(*sa, 0, 3).drop, EspDrop::kNoWorkerContext);
  const SaCounterTotals t = sa_counters(*sa);
  EXPECT_EQ(t.packets, 3u);
  EXPECT_EQ(t.bytes, 120u);
  EXPECT_EQ(t.drop(EspDrop::kNoWorkerContext), 1u);
  EXPECT_EQ(sa->counters[2].packets, 2u);
  EXPECT_EQ(alignof(SaWorkerCounters), 64u);
  EXPECT_EQ(alignof(SaRuntime), 64u);
}

TEST(Sad, FindsBySpiAndDestination) {
  const IpAddr a = *parse_ip("198.18.0.1"), b = *parse_ip("198.18.0.9"),
               c = *parse_ip("2001:db8::1");
  std::vector<SadEntry> e = {{0x1000, a, 0}, {0x1000, b, 1}, {0x2000, a, 2}, {0x1000, c, 3}};
  auto sad = Sad::build(e);
  ASSERT_TRUE(sad.ok()) << sad.error().to_string();
  EXPECT_EQ(sad->size(), 4u);
  EXPECT_EQ(sad->find(0x1000, a.bytes.data(), false), 0u);
  EXPECT_EQ(sad->find(0x1000, b.bytes.data(), false), 1u);
  EXPECT_EQ(sad->find(0x2000, a.bytes.data(), false), 2u);
  EXPECT_EQ(sad->find(0x1000, c.bytes.data(), true), 3u);
  EXPECT_EQ(sad->find(0x2000, b.bytes.data(), false), kNoSaId);
  EXPECT_EQ(sad->find(0x1000, c.bytes.data(), false), kNoSaId);  // the same bytes, other family
  EXPECT_EQ(sad->find(0, a.bytes.data(), false), kNoSaId);
  EXPECT_EQ(Sad{}.find(0x1000, a.bytes.data(), false), kNoSaId);
}

TEST(Sad, RefusesDuplicatesAndSpiZero) {
  const IpAddr a = *parse_ip("198.18.0.1");
  std::vector<SadEntry> dup = {{0x1000, a, 0}, {0x1000, a, 1}};
  auto r = Sad::build(dup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "two inbound SAs with SPI 4096 for destination 198.18.0.1");
  std::vector<SadEntry> zero = {{0, a, 0}};
  EXPECT_FALSE(Sad::build(zero).ok());
}

TEST(Sad, ManyEntries) {
  std::vector<SadEntry> e;
  const IpAddr a = *parse_ip("198.18.0.1");
  for (uint32_t i = 0; i < 5000; ++i) e.push_back({0x100 + i * 7919, a, i});
  auto sad = Sad::build(e);
  ASSERT_TRUE(sad.ok());
  for (uint32_t i = 0; i < 5000; ++i) ASSERT_EQ(sad->find(0x100 + i * 7919, a.bytes.data(), false), i);
  EXPECT_EQ(sad->find(0x101, a.bytes.data(), false), kNoSaId);
}

}  // namespace
}  // namespace sysplex::dp::esp
