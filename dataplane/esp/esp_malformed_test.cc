// Every way an inbound packet can be wrong, each counted under its own reason: truncation at every
// length (raw, and with consistent headers), bad ICV, bad padding, bad next header, dummy packets,
// bad inner packets, wrong SPI/address/encapsulation/direction/worker, replays, bad headers.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_test_util.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Buf;
using testutil::Bytes;
using testutil::SaSpec;

struct Pair {
  std::unique_ptr<SaRuntime> out, in;
};

Pair pair(const SaSpec& s) { return {testutil::make(s, SaDir::kOutbound), testutil::make(s, SaDir::kInbound)}; }

uint16_t esp_off(const SaSpec& s) { return uint16_t((s.v6 ? 40 : 20) + (s.udp ? 8 : 0)); }

Bytes sealed(SaRuntime& out, const Bytes& inner) {
  Buf b(inner);
  EXPECT_TRUE(esp_encrypt(out, 0, b.pkt, 0).ok());
  return b.bytes();
}

EspDrop decrypt(SaRuntime& in, const Bytes& wire, EspInput where, Bytes* result = nullptr) {
  Buf b(wire);
  const PktBuf before = b.pkt;
  const EspStatus st = esp_decrypt(in, 0, b.pkt, where, 0);
  if (!st.ok()) {  // never half-applied: the caller's view of the packet is unchanged
    EXPECT_EQ(b.pkt.off, before.off);
    EXPECT_EQ(b.pkt.len, before.len);
  }
  if (result) *result = b.bytes();
  return st.drop;
}

// The outer headers rewritten to claim exactly n bytes (IP total/payload length, UDP length).
Bytes consistent_prefix(const SaSpec& s, const Bytes& wire, size_t n) {
  Bytes p(wire.begin(), wire.begin() + n);
  if (s.v6) {
    store_be16(p.data() + 4, uint16_t(n - 40));
  } else {
    store_be16(p.data() + 2, uint16_t(n));
    store_be16(p.data() + 10, 0);
    store_be16(p.data() + 10, ipv4_header_checksum(p.data(), 20));
  }
  if (s.udp) store_be16(p.data() + (s.v6 ? 40 : 20) + 4, uint16_t(n - (s.v6 ? 40 : 20)));
  return p;
}

std::vector<SaSpec> shapes() {
  std::vector<SaSpec> v;
  for (bool v6 : {false, true})
    for (bool udp : {false, true})
      for (EspMode m : {EspMode::kTunnel, EspMode::kTransport}) {
        SaSpec s;
        s.v6 = v6, s.udp = udp, s.mode = m;
        v.push_back(s);
      }
  return v;
}

// Cut short at every length, with the headers still claiming the full packet: always truncated,
// and nothing was recorded (the whole packet is still accepted afterwards).
TEST(EspMalformed, TruncatedAtEveryLength) {
  for (const SaSpec& s : shapes()) {
    auto p = pair(s);
    const Bytes wire = sealed(*p.out, testutil::packet_for(s, 21, s.v6));
    for (size_t n = 0; n < wire.size(); ++n)
      ASSERT_EQ(decrypt(*p.in, Bytes(wire.begin(), wire.begin() + n), {esp_off(s), s.udp}),
                EspDrop::kTruncated)
          << "v6 " << s.v6 << " udp " << s.udp << " len " << n;
    EXPECT_EQ(sa_counters(*p.in).drop(EspDrop::kTruncated), wire.size());
    EXPECT_EQ(decrypt(*p.in, wire, {esp_off(s), s.udp}), EspDrop::kNone);
  }
}

// Cut short with headers that agree: too short for ESP, misaligned, or failing the ICV.
TEST(EspMalformed, ShortEspWithConsistentHeaders) {
  for (const SaSpec& s : shapes()) {
    auto p = pair(s);
    const Bytes wire = sealed(*p.out, testutil::packet_for(s, 21, s.v6));
    const size_t off = esp_off(s);
    std::map<EspDrop, int> seen;
    for (size_t n = off; n < wire.size(); ++n) {
      const size_t esp_len = n - off;
      const EspDrop expect = esp_len < 36    ? EspDrop::kTruncated
                             : esp_len % 4   ? EspDrop::kBadAlignment
                                             : EspDrop::kAuthFailed;
      ASSERT_EQ(decrypt(*p.in, consistent_prefix(s, wire, n), {uint16_t(off), s.udp}), expect)
          << "len " << n;
      ++seen[expect];
    }
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_EQ(decrypt(*p.in, wire, {uint16_t(off), s.udp}), EspDrop::kNone);
  }
}

// One bit flipped anywhere after the SPI: the ICV does not verify. The replay window is not
// touched by forgeries, so the genuine packet still goes through afterwards.
TEST(EspMalformed, EveryBitFlipAfterTheSpiFailsTheIcv) {
  SaSpec s;
  s.udp = true, s.esn = true;
  auto p = pair(s);
  Bytes wire;
  for (int i = 0; i < 5; ++i) wire = sealed(*p.out, testutil::inner_udp(false, 7));  // seq 5
  for (size_t i = esp_off(s) + 4; i < wire.size(); ++i)
    for (uint8_t bit : {0x01, 0x80}) {
      Bytes bad = wire;
      bad[i] ^= bit;
      ASSERT_EQ(decrypt(*p.in, bad, {esp_off(s), true}), EspDrop::kAuthFailed) << i;
    }
  EXPECT_EQ(p.in->replay.top(), 0u);
  EXPECT_EQ(decrypt(*p.in, wire, {esp_off(s), true}), EspDrop::kNone);
}

struct Crafted {
  const char* what;
  Bytes plaintext;
  EspDrop expect;
};

// Authentic packets (correct ICV) whose decrypted contents are wrong.
TEST(EspMalformed, AuthenticButMalformedContents) {
  SaSpec s;
  auto p = pair(s);
  const Bytes inner = testutil::inner_udp(false, 14);  // 42 bytes: 0 pad
  Bytes bad_pad = testutil::inner_udp(false, 15);  // 43 bytes: 3 bytes of padding
  bad_pad.insert(bad_pad.end(), {1, 2, 4, 3, 4});   // pad 1, 2, 4 (not 3), pad length 3, IPv4
  Bytes long_pad = inner;
  long_pad.insert(long_pad.end(), {200, 4});        // pad length 200 in a 44-byte payload
  Bytes short_inner = inner;
  store_be16(short_inner.data() + 2, uint16_t(inner.size() + 4));  // longer than the payload
  Bytes v6_in_v4 = inner;
  v6_in_v4[0] = 0x65;
  Bytes tfc = inner;  // TFC padding after the inner packet is allowed and removed
  tfc.insert(tfc.end(), 10, 0);
  const Crafted cases[] = {
      {"pad bytes not 1, 2, 3", bad_pad, EspDrop::kBadPadding},
      {"pad length beyond the payload", long_pad, EspDrop::kBadPadding},
      {"next header UDP in tunnel mode", testutil::with_trailer(inner, 17), EspDrop::kBadNextHeader},
      {"TFC dummy packet", testutil::with_trailer(inner, 59), EspDrop::kDummyPacket},
      {"inner length beyond the payload", testutil::with_trailer(short_inner, 4),
       EspDrop::kBadInnerPacket},
      {"IPv4 next header, other version", testutil::with_trailer(v6_in_v4, 4),
       EspDrop::kBadInnerPacket},
      {"IPv6 next header, IPv4 packet", testutil::with_trailer(inner, 41), EspDrop::kBadInnerPacket},
      {"empty payload", testutil::with_trailer({}, 4), EspDrop::kBadInnerPacket},
      {"TFC padding", testutil::with_trailer(tfc, 4), EspDrop::kNone},
  };
  uint64_t seq = 1;
  for (const Crafted& c : cases) {
    const Bytes wire = testutil::craft(*p.out, seq, c.plaintext);
    Bytes result;
    EXPECT_EQ(decrypt(*p.in, wire, {20, false}, &result), c.expect) << c.what;
    if (c.expect == EspDrop::kNone) {
      EXPECT_EQ(result, inner) << c.what;
    }
    // Authentic, so its number is used up: sending it again is a replay.
    EXPECT_EQ(decrypt(*p.in, wire, {20, false}), EspDrop::kReplayed) << c.what;
    ++seq;
  }
  const SaCounterTotals t = sa_counters(*p.in);
  EXPECT_EQ(t.drop(EspDrop::kBadPadding), 2u);
  EXPECT_EQ(t.drop(EspDrop::kBadNextHeader), 1u);
  EXPECT_EQ(t.drop(EspDrop::kDummyPacket), 1u);
  EXPECT_EQ(t.drop(EspDrop::kBadInnerPacket), 4u);
  EXPECT_EQ(t.drop(EspDrop::kReplayed), std::size(cases));
  EXPECT_EQ(t.packets, 1u);
}

TEST(EspMalformed, TransportModeContents) {
  SaSpec s;
  s.mode = EspMode::kTransport;
  auto p = pair(s);
  const Bytes ip = testutil::host_udp(false, 10);
  const Bytes hdr(ip.begin(), ip.begin() + 20), l4(ip.begin() + 20, ip.end());
  EXPECT_EQ(decrypt(*p.in, testutil::craft(*p.out, 1, testutil::with_trailer(l4, 4), hdr), {20, false}),
            EspDrop::kBadNextHeader);  // IP-in-IP: the peer runs tunnel mode
  EXPECT_EQ(decrypt(*p.in, testutil::craft(*p.out, 2, testutil::with_trailer(l4, 41), hdr), {20, false}),
            EspDrop::kBadNextHeader);
  Bytes result;
  EXPECT_EQ(decrypt(*p.in, testutil::craft(*p.out, 3, testutil::with_trailer(l4, 17), hdr), {20, false},
                    &result),
            EspDrop::kNone);
  EXPECT_EQ(result, ip);

  // IPv6 whose header chain before ESP holds something that is not a walkable extension header.
  SaSpec s6 = s;
  s6.v6 = true;
  auto p6 = pair(s6);
  const Bytes ip6 = testutil::host_udp(true, 10);
  Bytes hdr6(ip6.begin(), ip6.begin() + 40);
  hdr6[6] = 253;  // experimental protocol, then 8 bytes claiming to lead to ESP
  hdr6.insert(hdr6.end(), {50, 0, 0, 0, 0, 0, 0, 0});
  const Bytes l4v6(ip6.begin() + 40, ip6.end());
  EXPECT_EQ(decrypt(*p6.in, testutil::craft(*p6.out, 1, testutil::with_trailer(l4v6, 17), hdr6),
                    {48, false}),
            EspDrop::kBadTransportHeader);
}

TEST(EspMalformed, WrongContext) {
  SaSpec s;
  auto p = pair(s);
  const Bytes wire = sealed(*p.out, testutil::inner_udp(false, 10));
  SaSpec other = s;
  other.spi = 0x2000;
  auto wrong_spi = testutil::make(other, SaDir::kInbound);
  EXPECT_EQ(decrypt(*wrong_spi, wire, {20, false}), EspDrop::kSpiMismatch);
  Bytes to_other = wire;
  to_other[19] = 9;  // destination 198.18.0.9
  EXPECT_EQ(decrypt(*p.in, to_other, {20, false}), EspDrop::kAddressMismatch);
  SaSpec v6 = s;
  v6.v6 = true;
  auto in6 = testutil::make(v6, SaDir::kInbound);
  EXPECT_EQ(decrypt(*in6, wire, {40, false}), EspDrop::kAddressMismatch);
  SaSpec udp = s;
  udp.udp = true;
  auto in_udp = testutil::make(udp, SaDir::kInbound);
  EXPECT_EQ(decrypt(*in_udp, wire, {20, false}), EspDrop::kEncapMismatch);
  EXPECT_EQ(decrypt(*p.in, wire, {28, true}), EspDrop::kEncapMismatch);
  EXPECT_EQ(decrypt(*p.out, wire, {20, false}), EspDrop::kWrongDirection);
  Buf b(testutil::inner_udp(false, 10));
  EXPECT_EQ(esp_encrypt(*p.in, 0, b.pkt, 0).drop, EspDrop::kWrongDirection);
  Buf w(wire);
  EXPECT_EQ(esp_decrypt(*p.in, 1, w.pkt, {20, false}, 0).drop, EspDrop::kNoWorkerContext);
  EXPECT_EQ(esp_decrypt(*p.in, 99, w.pkt, {20, false}, 0).drop, EspDrop::kNoWorkerContext);
  EXPECT_EQ(decrypt(*p.in, wire, {20, false}), EspDrop::kNone);  // and the right SA takes it
  EXPECT_EQ(sa_counters(*p.in).drop(EspDrop::kNoWorkerContext), 1u);  // slot 99 has no counters
}

TEST(EspMalformed, BadOuterHeaders) {
  SaSpec s;
  s.udp = true;
  auto p = pair(s);
  const Bytes wire = sealed(*p.out, testutil::inner_udp(false, 10));
  Bytes v5 = wire;
  v5[0] = 0x55;
  EXPECT_EQ(decrypt(*p.in, v5, {28, true}), EspDrop::kBadOuterHeader);
  Bytes ihl = wire;
  ihl[0] = 0x44;
  EXPECT_EQ(decrypt(*p.in, ihl, {28, true}), EspDrop::kBadOuterHeader);
  EXPECT_EQ(decrypt(*p.in, wire, {20, true}), EspDrop::kBadOuterHeader);  // ESP inside the IP header
  Bytes udp_len = wire;
  store_be16(udp_len.data() + 24, 4);
  EXPECT_EQ(decrypt(*p.in, udp_len, {28, true}), EspDrop::kBadOuterHeader);
  // Trailing link-layer padding after the IP packet is ignored.
  Bytes padded = wire;
  padded.insert(padded.end(), 6, 0);
  EXPECT_EQ(decrypt(*p.in, padded, {28, true}), EspDrop::kNone);
}

TEST(EspMalformed, ReplaysAndSequenceZero) {
  SaSpec s;
  s.replay_window = 64;
  auto p = pair(s);
  std::vector<Bytes> wires;
  for (int i = 0; i < 100; ++i) wires.push_back(sealed(*p.out, testutil::inner_udp(false, 3)));
  EXPECT_EQ(decrypt(*p.in, wires[99], {20, false}), EspDrop::kNone);  // seq 100
  EXPECT_EQ(decrypt(*p.in, wires[99], {20, false}), EspDrop::kReplayed);
  EXPECT_EQ(decrypt(*p.in, wires[35], {20, false}), EspDrop::kReplayTooOld);  // seq 36
  EXPECT_EQ(decrypt(*p.in, wires[36], {20, false}), EspDrop::kNone);        // seq 37: inside
  EXPECT_EQ(decrypt(*p.in, testutil::craft(*p.out, 0, testutil::with_trailer(testutil::inner_udp(false, 3), 4)),
                    {20, false}),
            EspDrop::kReplaySeqZero);
  const SaCounterTotals t = sa_counters(*p.in);
  EXPECT_EQ(t.drop(EspDrop::kReplayed), 1u);
  EXPECT_EQ(t.drop(EspDrop::kReplayTooOld), 1u);
  EXPECT_EQ(t.drop(EspDrop::kReplaySeqZero), 1u);
  EXPECT_EQ(p.in->replay.counters().ok, 2u);
}

TEST(EspDropNames, OneNamePerReason) {
  std::set<std::string_view> names(kEspDropNames.begin(), kEspDropNames.end());
  EXPECT_EQ(names.size(), size_t(EspDrop::kCount));
  EXPECT_EQ(esp_drop_name(EspDrop::kAuthFailed), "esp-auth-failed");
}

}  // namespace
}  // namespace sysplex::dp::esp
