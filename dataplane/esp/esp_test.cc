// ESP on packet bytes: round trips in every mode/family/encapsulation/ESN combination and across
// engines, the outer header policy (TTL, DF, ID, DSCP/ECN, flow label), IPv6 extension headers and
// IPv4 options in transport mode, byte-exact golden packets and the RFC 7634 ESP example.
#include "dataplane/esp/esp.h"

#include <gtest/gtest.h>

#include "dataplane/esp/esp_test_util.h"
#include "dataplane/parse/parse.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Buf;
using testutil::Bytes;
using testutil::SaSpec;

constexpr std::array<EspAlg, 3> kAlgs = {EspAlg::kAes128Gcm, EspAlg::kAes256Gcm,
                                         EspAlg::kChaCha20Poly1305};

std::string spec_name(const SaSpec& s, bool inner_v6) {
  return std::string(alg_name(s.alg)) + (s.mode == EspMode::kTunnel ? " tunnel" : " transport") +
         (s.v6 ? " v6" : " v4") + (inner_v6 ? "/inner v6" : "/inner v4") + (s.udp ? " udp" : "") +
         (s.esn ? " esn" : "");
}

// What the receiving node's parser sees, and the ESP header as RFC 4303/4106 lay it out.
void check_wire(const SaRuntime& out, const Bytes& wire, uint64_t seq) {
  EspInput in;
  ASSERT_EQ(esp_locate(wire.data(), uint32_t(wire.size()), in, out.encap_dport), EspDrop::kNone);
  ASSERT_EQ(in.udp_encap, out.udp_encap);
  const uint8_t* ip = wire.data();
  if (!out.v6) {
    EXPECT_EQ(ipv4_header_checksum(ip, (ip[0] & 15) * 4u), 0);
    EXPECT_EQ(load_be16(ip + 2), wire.size());
  } else {
    EXPECT_EQ(load_be16(ip + 4) + 40u, wire.size());
  }
  if (out.udp_encap) {
    const uint8_t* udp = ip + in.esp_off - 8;
    EXPECT_EQ(load_be16(udp), out.encap_sport);
    EXPECT_EQ(load_be16(udp + 2), out.encap_dport);
    EXPECT_EQ(load_be16(udp + 4), wire.size() - (in.esp_off - 8));
    if (out.v6)
      EXPECT_EQ(l4_checksum_v6(ip + 8, ip + 24, 17, udp, uint32_t(wire.size() - (udp - ip))), 0);
    else
      EXPECT_EQ(load_be16(udp + 6), 0);  // RFC 3948: zero over IPv4
  }
  const uint8_t* esp = ip + in.esp_off;
  EXPECT_EQ(load_be32(esp), out.spi);
  EXPECT_EQ(load_be32(esp + 4), uint32_t(seq));
  EXPECT_EQ((uint64_t(load_be32(esp + 8)) << 32) | load_be32(esp + 12), seq);  // IV = seq
  EXPECT_EQ((wire.size() - in.esp_off) % 4, 0u);
}

void round_trip(const SaSpec& s, bool inner_v6, size_t payload) {
  SCOPED_TRACE(spec_name(s, inner_v6) + " payload " + std::to_string(payload));
  auto out = testutil::make(s, SaDir::kOutbound);
  auto in = testutil::make(s, SaDir::kInbound);
  for (int n = 0; n < 2; ++n) {  // two packets: the second with the next sequence number
    const Bytes inner = s.mode == EspMode::kTunnel ? testutil::inner_udp(inner_v6, payload, 0x28)
                                                   : testutil::host_udp(s.v6, payload, 0x28);
    Buf b(inner);
    ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
    const Bytes wire = b.bytes();
    check_wire(*out, wire, s.seq_first + n);
    EspInput where;
    ASSERT_EQ(esp_locate(wire.data(), uint32_t(wire.size()), where), EspDrop::kNone);
    const EspStatus st = esp_decrypt(*in, 0, b.pkt, where, 0);
    ASSERT_TRUE(st.ok()) << esp_drop_name(st.drop);
    EXPECT_EQ(b.bytes(), inner);
  }
  EXPECT_EQ(sa_counters(*in).packets, 2u);
  EXPECT_EQ(sa_counters(*out).packets, 2u);
  EXPECT_EQ(sa_counters(*in).dropped() + sa_counters(*out).dropped(), 0u);
}

TEST(EspRoundTrip, EveryModeFamilyEncapsulationAndEsn) {
  for (EspAlg alg : kAlgs)
    for (EspMode mode : {EspMode::kTunnel, EspMode::kTransport})
      for (bool v6 : {false, true})
        for (bool udp : {false, true})
          for (bool esn : {false, true}) {
            SaSpec s;
            s.alg = alg, s.mode = mode, s.v6 = v6, s.udp = udp, s.esn = esn;
            if (esn) s.seq_first = 0xfffffffful;  // the pair crosses the 2^32 boundary
            for (bool inner_v6 : {false, true}) {
              if (mode == EspMode::kTransport && inner_v6 != v6) continue;
              for (size_t payload : {0, 1, 2, 3, 61, 1400}) round_trip(s, inner_v6, payload);
            }
          }
}

// Each engine opens what each other engine sealed, through the whole ESP path.
TEST(EspRoundTrip, AcrossEngines) {
  const std::array<std::pair<Engine, config::CryptoEngine>, 3> engines = {
      {{Engine::kOpenSsl, config::CryptoEngine::kOpenSsl},
       {Engine::kSodium, config::CryptoEngine::kSodium},
       {Engine::kIpsecMb, config::CryptoEngine::kIpsecMb}}};
  for (EspAlg alg : kAlgs)
    for (auto [e_out, c_out] : engines)
      for (auto [e_in, c_in] : engines) {
        if (!testutil::engines().available(e_out, alg) || !testutil::engines().available(e_in, alg))
          continue;
        SCOPED_TRACE(std::string(alg_name(alg)) + " " + std::string(engine_name(e_out)) + " -> " +
                     std::string(engine_name(e_in)));
        SaSpec s;
        s.alg = alg, s.udp = true, s.esn = true;
        s.engine = c_out;
        auto out = testutil::make(s, SaDir::kOutbound);
        s.engine = c_in;
        auto in = testutil::make(s, SaDir::kInbound);
        ASSERT_EQ(out->engine, e_out);
        ASSERT_EQ(in->engine, e_in);
        const Bytes inner = testutil::inner_udp(false, 333);
        Buf b(inner);
        ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
        ASSERT_TRUE(esp_decrypt(*in, 0, b.pkt, {28, true}, 0).ok());
        EXPECT_EQ(b.bytes(), inner);
      }
}

Bytes encrypt(SaRuntime& out, const Bytes& inner) {
  Buf b(inner);
  EXPECT_TRUE(esp_encrypt(out, 0, b.pkt, 0).ok());
  return b.bytes();
}

TEST(EspOuterHeader, Ipv4PolicyTtlDfIdAndDscp) {
  SaSpec s;
  auto out = testutil::make(s, SaDir::kOutbound);
  const Bytes df = encrypt(*out, testutil::inner_udp(false, 20, 0xb9, true));
  EXPECT_EQ(df[1], 0xb9);           // DSCP and ECN copied (RFC 6040 normal mode)
  EXPECT_EQ(df[6] & 0x40, 0x40);    // DF copied from the inner header
  EXPECT_EQ(df[8], 64);             // TTL
  EXPECT_EQ(df[9], 50);
  EXPECT_EQ(load_be16(df.data() + 4), 1);  // ID: low 16 bits of the sequence number
  const Bytes no_df = encrypt(*out, testutil::inner_udp(false, 20, 0, false));
  EXPECT_EQ(no_df[6] & 0x40, 0);
  EXPECT_EQ(load_be16(no_df.data() + 4), 2);
  const Bytes v6_inner = encrypt(*out, testutil::inner_udp(true, 20, 0x2e));
  EXPECT_EQ(v6_inner[6] & 0x40, 0x40);  // IPv6 never fragments on the way: DF set
  EXPECT_EQ(v6_inner[1], 0x2e);
  EXPECT_EQ(v6_inner[9], 50);
}

TEST(EspOuterHeader, Ipv6HopLimitTrafficClassAndFlowLabel) {
  SaSpec s;
  s.v6 = true, s.udp = true;
  auto out = testutil::make(s, SaDir::kOutbound);
  const Bytes w = encrypt(*out, testutil::inner_udp(true, 20, 0xb8));
  EXPECT_EQ(load_be32(w.data()), 0x60000000u | 0xb8u << 20 | 0x12345);
  EXPECT_EQ(w[6], 17);
  EXPECT_EQ(w[7], 64);
  const Bytes w4 = encrypt(*out, testutil::inner_udp(false, 20, 0x48));
  EXPECT_EQ(load_be32(w4.data()), 0x60000000u | 0x48u << 20);
}

// Outer CE is kept on an ECN-capable inner packet (checksum patched); not-ECT stays not-ECT.
TEST(EspInbound, CongestionExperiencedIsCopiedToTheInnerPacket) {
  SaSpec s;
  auto out = testutil::make(s, SaDir::kOutbound);
  auto in = testutil::make(s, SaDir::kInbound);
  for (uint8_t inner_ecn : {0, 1, 2, 3}) {
    Buf b(testutil::inner_udp(false, 10, uint8_t(0x20 | inner_ecn)));
    ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
    uint8_t* ip = b.pkt.data();
    ip[1] |= 3;  // a router marked CE on the outer header
    store_be16(ip + 10, 0);
    store_be16(ip + 10, ipv4_header_checksum(ip, 20));
    ASSERT_TRUE(esp_decrypt(*in, 0, b.pkt, {20, false}, 0).ok());
    const uint8_t* inner = b.pkt.data();
    EXPECT_EQ(inner[1] & 3, inner_ecn == 0 ? 0 : 3) << int(inner_ecn);
    EXPECT_EQ(ipv4_header_checksum(inner, 20), 0);
  }
}

// IPv6 transport: ESP goes after hop-by-hop and destination options, before the upper layer;
// destination options after a routing header stay inside ESP (as Linux and scapy place them).
TEST(EspTransport, Ipv6ExtensionHeadersStayInFront) {
  SaSpec s;
  s.mode = EspMode::kTransport, s.v6 = true;
  auto out = testutil::make(s, SaDir::kOutbound);
  auto in = testutil::make(s, SaDir::kInbound);
  const Bytes udp = testutil::host_udp(true, 16);
  struct Case {
    std::vector<uint8_t> chain;  // extension header types in order, each 8 bytes
    size_t kept;                 // how many stay in front of ESP
  };
  for (const Case& c : {Case{{0}, 1}, Case{{0, 60}, 2}, Case{{0, 43, 60}, 2}, Case{{60, 43}, 2}}) {
    Bytes p(udp.begin(), udp.begin() + 40);
    uint8_t* nh_field = &p[6];
    for (uint8_t t : c.chain) {
      *nh_field = t;
      const size_t at = p.size();
      p.insert(p.end(), {0, 0, 1, 4, 0, 0, 0, 0});  // PadN option fills the 8 bytes
      nh_field = &p[at];
    }
    *nh_field = 17;
    p.insert(p.end(), udp.begin() + 40, udp.end());
    store_be16(p.data() + 4, uint16_t(p.size() - 40));
    Buf b(p);
    ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
    const Bytes wire = b.bytes();
    const size_t esp_off = 40 + 8 * c.kept;
    const uint8_t* before = c.kept == 0 ? &wire[6] : &wire[40 + 8 * (c.kept - 1)];
    EXPECT_EQ(*before, 50);
    EXPECT_EQ(load_be32(&wire[esp_off]), s.spi);
    EXPECT_EQ(Bytes(wire.begin() + 8, wire.begin() + 40), Bytes(p.begin() + 8, p.begin() + 40));
    EspInput where;
    ASSERT_EQ(esp_locate(wire.data(), uint32_t(wire.size()), where), EspDrop::kNone);
    EXPECT_EQ(where.esp_off, esp_off);
    ASSERT_TRUE(esp_decrypt(*in, 0, b.pkt, where, 0).ok());
    EXPECT_EQ(b.bytes(), p);
  }
}

TEST(EspTransport, Ipv4OptionsAreKept) {
  SaSpec s;
  s.mode = EspMode::kTransport, s.udp = true;
  auto out = testutil::make(s, SaDir::kOutbound);
  auto in = testutil::make(s, SaDir::kInbound);
  Bytes p = testutil::host_udp(false, 9);
  p.insert(p.begin() + 20, {0x94, 0x04, 0, 0});  // router alert
  p[0] = 0x46;
  store_be16(p.data() + 2, uint16_t(p.size()));
  store_be16(p.data() + 10, 0);
  store_be16(p.data() + 10, ipv4_header_checksum(p.data(), 24));
  Buf b(p);
  ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
  EXPECT_EQ(b.pkt.data()[9], 17);
  EXPECT_EQ(load_be32(b.pkt.data() + 20), 0x94040000u);
  EXPECT_EQ(ipv4_header_checksum(b.pkt.data(), 24), 0);
  ASSERT_TRUE(esp_decrypt(*in, 0, b.pkt, {24 + 8, true}, 0).ok());
  EXPECT_EQ(b.bytes(), p);
}

TEST(EspOutbound, RoomAndPacketChecksLeaveThePacketAlone) {
  SaSpec s;
  s.udp = true;
  auto out = testutil::make(s, SaDir::kOutbound);
  const Bytes inner = testutil::inner_udp(false, 30);  // 58 bytes: no padding needed
  Buf tight(inner, 20 + 8 + 16, 2 + 16);
  EXPECT_TRUE(esp_encrypt(*out, 0, tight.pkt, 0).ok());  // exactly enough
  Buf no_head(inner, 20 + 8 + 15, 64);
  EXPECT_EQ(esp_encrypt(*out, 0, no_head.pkt, 0).drop, EspDrop::kOutNoHeadroom);
  EXPECT_EQ(no_head.bytes(), inner);
  Buf no_tail(inner, 64, 2 + 15);
  EXPECT_EQ(esp_encrypt(*out, 0, no_tail.pkt, 0).drop, EspDrop::kOutNoTailroom);
  EXPECT_EQ(no_tail.bytes(), inner);
  Bytes bad = inner;
  store_be16(bad.data() + 2, uint16_t(inner.size() + 1));  // length field beyond the bytes
  Buf b(bad);
  EXPECT_EQ(esp_encrypt(*out, 0, b.pkt, 0).drop, EspDrop::kOutBadPacket);
  Bytes v5 = inner;
  v5[0] = 0x55;
  Buf b5(v5);
  EXPECT_EQ(esp_encrypt(*out, 0, b5.pkt, 0).drop, EspDrop::kOutBadPacket);
  // No sequence number was spent on refused packets.
  Buf ok(inner);
  ASSERT_TRUE(esp_encrypt(*out, 0, ok.pkt, 0).ok());
  EXPECT_EQ(load_be32(ok.pkt.data() + 28 + 4), 2u);
  EXPECT_EQ(sa_counters(*out).drop(EspDrop::kOutNoHeadroom), 1u);
  EXPECT_EQ(sa_counters(*out).drop(EspDrop::kOutBadPacket), 2u);
}

TEST(EspOutbound, TransportRefusesFragmentsAndTheOtherFamily) {
  SaSpec s;
  s.mode = EspMode::kTransport;
  auto out = testutil::make(s, SaDir::kOutbound);
  Bytes frag = testutil::inner_udp(false, 30);
  frag[6] = 0x20;  // MF
  Buf b(frag);
  EXPECT_EQ(esp_encrypt(*out, 0, b.pkt, 0).drop, EspDrop::kOutFragment);
  Buf v6(testutil::inner_udp(true, 30));
  EXPECT_EQ(esp_encrypt(*out, 0, v6.pkt, 0).drop, EspDrop::kOutBadPacket);
  s.v6 = true;
  auto out6 = testutil::make(s, SaDir::kOutbound);
  Bytes f6 = testutil::inner_udp(true, 30);
  f6[6] = 44;  // a fragment header in front of UDP
  f6.insert(f6.begin() + 40, {17, 0, 0, 1, 0, 0, 0, 1});
  store_be16(f6.data() + 4, uint16_t(f6.size() - 40));
  Buf b6(f6);
  EXPECT_EQ(esp_encrypt(*out6, 0, b6.pkt, 0).drop, EspDrop::kOutFragment);
}

// Byte-exact packets for fixed keys (testutil::test_key: 01 02 03 ...) and sequence numbers, as
// produced once by scapy 2.5.0 (SecurityAssociation.encrypt with iv = the sequence number and the
// same outer header), so a change in any byte of our output is caught here and not only by a
// round trip through ourselves. scapy 2.5.0 writes a UDP length of 8 for IPv4 NAT-T (it freezes
// the header before adding ESP); the length below is the correct one (0x0054), all else is
// scapy's.
struct Golden {
  const char* what;
  SaSpec spec;
  bool inner_v6;
  uint8_t tos;
  bool df;
  const char* wire;
};

SaSpec golden_spec(EspAlg alg, EspMode mode, bool v6, bool udp, bool esn, uint64_t first) {
  SaSpec s;
  s.alg = alg, s.mode = mode, s.v6 = v6, s.udp = udp, s.esn = esn, s.seq_first = first;
  return s;
}

TEST(EspGolden, MatchesScapyByteForByte) {
  const Golden cases[] = {
      {"aes128gcm tunnel v4 nat-t", golden_spec(EspAlg::kAes128Gcm, EspMode::kTunnel, false, true, false, 1),
       false, 0, true, "45000068000140004011ae5cc6120001c61200021194119400540000000010000000000100000000"
       "00000001907b19c5c2e5ed11da8dbacbb827d07c02aa7e0c33e9aa4f4e59939cdac103ceb69b7a5b"
       "d83364e004046041617513e16655d5acaa460b5937908314"},
      {"chacha20poly1305 transport v6 esn",
       golden_spec(EspAlg::kChaCha20Poly1305, EspMode::kTransport, true, false, true, 0x100000002ull),
       true, 0, false, "600123450038324020010db800000000000000000000000120010db8000000000000000000000002"
       "00001000000000020000000100000002e8936c4398d47c43b52e1349fc1746634a25b6a11761cff0"
       "c6fee4bbb9715d121a0659547982b344"},
      {"aes256gcm tunnel v6 over v4 inner", golden_spec(EspAlg::kAes256Gcm, EspMode::kTunnel, true, false, false, 7),
       false, 0xb8, false, "6b800000004c324020010db800000000000000000000000120010db8000000000000000000000002"
       "00001000000000070000000000000007d3b7ec98bfa8210390eddc3886790834e883b23ac285a015"
       "93dc54975b68c84fd55ed1e50aaf0ddf714126f9eee58755410b6e27f0e76f69f16412f8"},
  };
  for (const Golden& g : cases) {
    SCOPED_TRACE(g.what);
    SaSpec s = g.spec;
    s.seq_last = 0;
    auto out = testutil::make(s, SaDir::kOutbound);
    const Bytes inner = s.mode == EspMode::kTunnel ? testutil::inner_udp(g.inner_v6, 12, g.tos, g.df)
                                                   : testutil::host_udp(g.inner_v6, 12, g.tos);
    const Bytes wire = encrypt(*out, inner);
    EXPECT_EQ(testutil::to_hex(wire), testutil::to_hex(testutil::hex(g.wire)));
  }
}

// RFC 7634 appendix A: the ESP payload of its example (SPI 0x01020304, sequence 5, IV
// 1011121314151617) behind an IPv4 header to this SA's local address decrypts to its tunnel-mode
// inner packet, with every engine that does ChaCha20-Poly1305.
TEST(EspInbound, Rfc7634AppendixAExample) {
  const Bytes esp = testutil::hex(
      "01020304 00000005 1011121314151617"
      "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c614ee8099d52844eb61aa95df"
      "ab4c02f72aa71e7c4c4f64c9befe2facc638e8f3cbec163fac469b502773f6fb94e664da9165b82829f641e0"
      "76aaa8266b7fb0f7b11b369907e1ad43");
  const Bytes inner = testutil::hex(
      "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec100007362708090a0b0c0d0e0f"
      "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637");
  for (auto engine : {config::CryptoEngine::kOpenSsl, config::CryptoEngine::kSodium,
                      config::CryptoEngine::kIpsecMb}) {
    SaSpec s;
    s.alg = EspAlg::kChaCha20Poly1305, s.spi = 0x01020304, s.engine = engine;
    SaControl c = testutil::control(s, SaDir::kInbound);
    c.key = KeyBytes(testutil::hex(
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f a0a1a2a3"));
    auto in = make_sa(c, testutil::engines(), {});
    ASSERT_TRUE(in.ok()) << in.error().to_string();
    Bytes pkt = testutil::hex("45000000 00000000 40320000 c6120001 c6120002");
    pkt.insert(pkt.end(), esp.begin(), esp.end());
    store_be16(pkt.data() + 2, uint16_t(pkt.size()));
    store_be16(pkt.data() + 10, ipv4_header_checksum(pkt.data(), 20));
    Buf b(pkt);
    EspInput where;
    ASSERT_EQ(esp_locate(pkt.data(), uint32_t(pkt.size()), where), EspDrop::kNone);
    const EspStatus st = esp_decrypt(**in, 0, b.pkt, where, 0);
    ASSERT_TRUE(st.ok()) << esp_drop_name(st.drop);
    EXPECT_EQ(b.bytes(), inner);
    EXPECT_EQ((*in)->replay.top(), 5u);
  }
}

TEST(EspInbound, DescriptorFromTheParser) {
  SaSpec s;
  s.udp = true;
  auto out = testutil::make(s, SaDir::kOutbound);
  auto in = testutil::make(s, SaDir::kInbound);
  const Bytes inner = testutil::inner_udp(false, 40);
  Buf b(inner, 128 + 14);
  ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok());
  // Prepend an Ethernet header as the receiving port would see it, and parse the frame.
  b.pkt.off -= 14, b.pkt.len += 14;
  uint8_t* f = b.pkt.data();
  std::memset(f, 0x02, 12);
  store_be16(f + 12, kEtherIpv4);
  PacketDesc d;
  ASSERT_EQ(parse_frame(f, b.pkt.len, d), Drop::kNone);
  ASSERT_TRUE(d.flags & kFlagUdpEncapEsp);
  EXPECT_EQ(d.spi, s.spi);
  b.pkt.off += d.l3_off, b.pkt.len -= d.l3_off;
  ASSERT_TRUE(esp_decrypt(*in, 0, b.pkt, esp_input(d), 0).ok());
  EXPECT_EQ(b.bytes(), inner);
}

}  // namespace
}  // namespace sysplex::dp::esp
