// Component tests of ESP in the data plane: a distributor whose DVIPA is the tunnel endpoint of
// manual SAs with a peer (UDP-encapsulated, AES-128-GCM). The test plays the peer with its own
// SAs built by the ESP library from the same key files: what it encrypts the node must decrypt,
// steer and forward; what the node protects the test must decrypt; policy and malformed cases end
// as counted drops.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <iterator>

#include "config/profile_parser.h"
#include "config/test_temp_dir.h"
#include "control/node/node.h"
#include "dataplane/engine/eal.h"
#include "dataplane/esp/esp.h"
#include "dataplane/parse/parse.h"
#include "tests/support/component_main.h"
#include "tests/support/far_end.h"
#include "tests/support/packet_builder.h"

namespace sysplex {
namespace {

using dp::Drop;
using testing::FarEnd;
using testing::Frame;
using testing::PacketBuilder;
namespace esp = dp::esp;

constexpr const char* kKeyIn = "000102030405060708090a0b0c0d0e0f a0a1a2a3";    // peer -> DVIPA
constexpr const char* kKeyOut = "101112131415161718191a1b1c1d1e1f b0b1b2b3";   // DVIPA -> peer

// The distributor (VIPADEFINE), or with `target` the DESTIP itself, backing the DVIPA up.
std::string profile(const std::string& id, const std::string& dir, bool trusted, bool target) {
  std::string me = target ? "198.18.2.2" : "198.18.2.1";
  return "NODENAME IPS" + id + "\nNODEADDR " + me + "\n"
         "PORT lan0 DEVICE \"wire:ip" + id + "0:a\"\n"
         "PORT lan1 DEVICE \"wire:ip" + id + "1:a\"" + (trusted ? " TRUSTED" : "") + "\n"
         "PORTADDR lan0 198.18.1.1/24\nPORTADDR lan1 " + me + "/24\n"
         "NEIGHBOR 198.18.1.2 02:00:00:00:01:02\nNEIGHBOR 198.18.2.2 02:00:00:00:02:02\n"
         "ROUTE 198.19.1.0/24 VIA 198.18.1.2\n"
         "WORKERS 1\nMEMPOOL MBUFS 2047 CACHE 32\nCONNTABLE ENTRIES 4096\n"
         "VIPADYNAMIC\n" + (target ? "  VIPABACKUP 100 198.19.10.1\n" : "  VIPADEFINE 255.255.255.255 198.19.10.1\n") +
         "  VIPADISTRIBUTE DISTMETHOD ROUNDROBIN 198.19.10.1 PORT 80 DESTIP 198.18.2.2\nENDVIPADYNAMIC\n"
         "IPSEC\n"
         "  IPSECRULE 198.19.1.0/24 198.19.10.1 PROTOCOL TCP PROTECT FROMPEER\n"
         "  IPSECRULE 198.19.1.0/24 198.18.2.0/24 PROTOCOL UDP PROTECT FROMPEER\n"
         "  IPSECRULE 198.19.10.1 198.19.1.0/24 PROTECT TOPEER\n"
         "  IPSECRULE 198.18.9.0/24 198.19.10.1 DENY\n"
         "  IPSECRULE * * PERMIT\n"
         "  IPSECSA FROMPEER SPI 0x1000 DIRECTION INBOUND MODE TUNNEL ALGORITHM AES128GCM KEYFILE \"" + dir +
         "/in.key\" LOCAL 198.19.10.1 REMOTE 198.18.1.2 ENCAP UDP\n"
         "  IPSECSA TOPEER SPI 0x2000 DIRECTION OUTBOUND MODE TUNNEL ALGORITHM AES128GCM KEYFILE \"" + dir +
         "/out.key\" LOCAL 198.19.10.1 REMOTE 198.18.1.2 ENCAP UDP\n"
         "ENDIPSEC\n";
}

uint64_t g_now = 1000;
uint64_t now_ms() { return g_now; }

esp::KeyBytes key(const char* text) {
  std::vector<uint8_t> b;
  for (const char* p = text; *p; ++p)
    if (std::isxdigit(static_cast<unsigned char>(*p)) && std::isxdigit(static_cast<unsigned char>(p[1]))) {
      b.push_back(uint8_t(std::stoi(std::string(p, 2), nullptr, 16)));
      ++p;
    }
  return esp::KeyBytes(b);
}

// The peer's side of the two SAs.
esp::SaControl peer_sa(uint32_t spi, esp::SaDir dir, const char* k) {
  esp::SaControl c;
  c.spi = spi;
  c.dir = dir;
  c.key = key(k);
  c.local = *parse_ip("198.18.1.2");
  c.remote = *parse_ip("198.19.10.1");
  c.udp_encap = true;
  return c;
}

class IpsecTest : public ::testing::Test {
 protected:
  virtual bool trusted() const { return true; }
  virtual bool target() const { return false; }
  void SetUp() override {
    static int instance = 0;
    std::string id = std::to_string(++instance);
    std::ofstream(dir_.path() / "in.key") << kKeyIn;
    std::ofstream(dir_.path() / "out.key") << kKeyOut;
    auto parsed = config::parse_profile_text(profile(id, dir_.path().string(), trusted(), target()), "ipsec.profile");
    ASSERT_TRUE(parsed.ok()) << parsed.error_text();
    auto n = node::Node::create(parsed.profile(), 1, now_ms);
    ASSERT_TRUE(n.ok()) << n.error().message;
    node_ = std::move(*n);
    node_->set_listener_scan([](const auto&) { return Result<std::vector<distributor::ListenerReport>>(std::vector<distributor::ListenerReport>{}); });
    node_->on_listener_report(*parse_ip("198.18.2.2"), "T2", {{*parse_ip("198.19.10.1"), 80, true}});
    lan0_.open("wire:ip" + id + "0:b", node_->engine().pool());
    lan1_.open("wire:ip" + id + "1:b", node_->engine().pool());
    port0_ = MacAddr{node_->engine().ports()[0].mac};
    port1_ = MacAddr{node_->engine().ports()[1].mac};
    auto engines = esp::AeadEngines::create();
    ASSERT_TRUE(engines.ok());
    engines_ = std::move(*engines);
    auto out = esp::make_sa(peer_sa(0x1000, esp::SaDir::kOutbound, kKeyIn), *engines_, {1, 1, 0});
    auto in = esp::make_sa(peer_sa(0x2000, esp::SaDir::kInbound, kKeyOut), *engines_, {2, 1, 0});
    ASSERT_TRUE(out.ok() && in.ok());
    peer_out_ = std::move(*out);
    peer_in_ = std::move(*in);
    cycle();
    lan0_.receive();
    lan1_.receive();
  }
  void cycle() {
    node_->engine().poll_once_quiescent(0);
    node_->poll();
    node_->engine().poll_once_quiescent(0);
  }
  // The peer protects an inner packet and frames the result for the node's lan0.
  Frame from_peer(const Frame& inner_l3) {
    std::vector<uint8_t> buf(512 + inner_l3.size());
    std::copy(inner_l3.begin(), inner_l3.end(), buf.begin() + 256);
    esp::PktBuf pb{buf.data(), uint32_t(buf.size()), 256, uint32_t(inner_l3.size())};
    EXPECT_TRUE(esp::esp_encrypt(*peer_out_, 0, pb, 0).ok());
    Frame f = PacketBuilder().eth(*parse_mac("02:00:00:00:01:02"), port0_).ethertype(dp::kEtherIpv4).build();
    f.resize(14);
    f.insert(f.end(), pb.data(), pb.data() + pb.len);
    return f;
  }
  uint64_t drops(Drop d) { return node_->engine().totals().drops[size_t(d)]; }
  esp::SaCounterTotals sa(const std::string& name) {
    for (const auto& r : node_->sa_manager().rows())
      if (r.name == name) return r.counters;
    ADD_FAILURE() << "no SA " << name;
    return {};
  }

  config::TempDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<esp::AeadEngines> engines_;
  std::unique_ptr<esp::SaRuntime> peer_out_, peer_in_;
  FarEnd lan0_, lan1_;
  MacAddr port0_, port1_;
};

TEST_F(IpsecTest, DecryptsAtTheDistributorAndSteersTheInnerConnection) {
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn).mss(1400);
  lan0_.send(from_peer(inner.build_l3()));
  cycle();
  auto out = lan1_.receive();
  ASSERT_EQ(out.size(), 1u);
  // Clear on the trusted segment, to the target's MAC, one hop less: the inner connection's SYN.
  Frame want = PacketBuilder().eth(port1_, *parse_mac("02:00:00:00:02:02")).ipv4("198.19.1.5", "198.19.10.1").ttl(63)
                   .tcp(40000, 80, dp::kTcpSyn).mss(1400).build();
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(sa("FROMPEER").packets, 1u);
  EXPECT_EQ(node_->engine().conn_table(0).size(), 1u);
}

TEST_F(IpsecTest, ProtectsWhatThePolicySaysAndThePeerDecryptsIt) {
  // The target's reply reaches the distributor as a router; the policy protects it with TOPEER.
  Frame reply = PacketBuilder().eth(*parse_mac("02:00:00:00:02:02"), port1_).ipv4("198.19.10.1", "198.19.1.5")
                    .tcp(80, 40000, dp::kTcpSyn | dp::kTcpAck).payload(20).build();
  lan1_.send(reply);
  cycle();
  auto out = lan0_.receive();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Frame(out[0].begin(), out[0].begin() + 6), Frame({0x02, 0, 0, 0, 0x01, 0x02}));
  dp::PacketDesc d;
  ASSERT_EQ(dp::parse_frame(out[0].data(), uint32_t(out[0].size()), d), Drop::kNone);
  EXPECT_TRUE(d.flags & dp::kFlagUdpEncapEsp);
  EXPECT_EQ(d.spi, 0x2000u);
  std::vector<uint8_t> buf(out[0].begin(), out[0].end());
  esp::PktBuf pb{buf.data(), uint32_t(buf.size()), d.l3_off, d.l3_len};
  ASSERT_TRUE(esp::esp_decrypt(*peer_in_, 0, pb, esp::esp_input(d), 0).ok());
  Frame inner(pb.data(), pb.data() + pb.len);
  Frame want = PacketBuilder().ipv4("198.19.10.1", "198.19.1.5").ttl(63).tcp(80, 40000, dp::kTcpSyn | dp::kTcpAck)
                   .payload(20).build_l3();
  EXPECT_EQ(inner, want);
  EXPECT_EQ(sa("TOPEER").packets, 1u);
}

// An operator command answered by the control thread, which this test drives.
Result<std::string> command(const std::function<void()>& poll, node::Node& n, const std::string& verb,
                            std::vector<std::string> args) {
  auto f = std::async(std::launch::async, [&] { return n.operator_command(verb, args); });
  while (f.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) poll();
  return f.get();
}

// pcapng blocks after the section header and interface description: (type, captured bytes).
std::vector<std::pair<uint32_t, Frame>> pcapng_packets(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<uint32_t, Frame>> out;
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
  };
  if (b.size() < 48 || u32(0) != 0x0A0D0D0A || u32(8) != 0x1A2B3C4D || u32(28) != 1) return out;
  for (size_t at = 48; at + 12 <= b.size();) {
    uint32_t type = u32(at), len = u32(at + 4);
    if (len < 12 || at + len > b.size() || u32(at + len - 4) != len) break;
    uint32_t cap = type == 6 ? u32(at + 20) : 0;
    out.emplace_back(type, Frame(b.begin() + long(at) + 28, b.begin() + long(at) + 28 + cap));
    at += len;
  }
  return out;
}

TEST_F(IpsecTest, CapturesOneSpisPacketsAsOnTheWire) {
  config::TempDir dir;
  std::string file = (dir.path() / "esp.pcapng").string();
  auto r = command([this] { cycle(); }, *node_, "capture", {"0x1000", "2", file});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "capturing SPI 0x00001000: up to 2 packets into " + file);
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn);
  Frame sent = from_peer(inner.build_l3());
  lan0_.send(sent);
  cycle();
  cycle();
  auto pkts = pcapng_packets(file);
  ASSERT_EQ(pkts.size(), 1u);
  EXPECT_EQ(pkts[0].first, 6u);
  EXPECT_EQ(pkts[0].second, sent);  // the ESP frame as it arrived, before decryption
  EXPECT_EQ(lan1_.receive().size(), 1u);  // and it was decrypted and distributed as usual
  EXPECT_FALSE(command([this] { cycle(); }, *node_, "capture", {"0", "1"}).ok());
  EXPECT_FALSE(command([this] { cycle(); }, *node_, "capture", {"0x1000", "many"}).ok());
  EXPECT_TRUE(command([this] { cycle(); }, *node_, "capture", {"stop"})->find("1 packets in " + file) != std::string::npos);
}

TEST_F(IpsecTest, PolicyAndMalformedInputAreCountedDrops) {
  // Clear traffic a PROTECT rule covers, a denied source, an unknown SPI, a tampered packet, a replay.
  lan0_.send(PacketBuilder().eth(*parse_mac("02:00:00:00:01:02"), port0_).ipv4("198.19.1.5", "198.19.10.1")
                 .tcp(40000, 80, dp::kTcpSyn).build());
  lan0_.send(PacketBuilder().eth(*parse_mac("02:00:00:00:01:02"), port0_).ipv4("198.18.9.9", "198.19.10.1")
                 .udp(1, 2).build());
  lan0_.send(PacketBuilder().eth(*parse_mac("02:00:00:00:01:02"), port0_).ipv4("198.18.1.2", "198.19.10.1")
                 .udp(4500, 4500).esp(0x9999, 1).payload(40).build());
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.19.10.1").tcp(40001, 80, dp::kTcpSyn);
  Frame good = from_peer(inner.build_l3());
  Frame tampered = good;
  tampered[tampered.size() - 1] ^= 1;
  lan0_.send(tampered);
  lan0_.send(good);
  lan0_.send(good);  // the same sequence number again
  lan0_.send(PacketBuilder().eth(*parse_mac("02:00:00:00:01:02"), port0_).ipv4("198.18.1.2", "198.19.10.1")
                 .udp(4500, 4500).nat_keepalive().build());
  cycle();
  EXPECT_EQ(drops(Drop::kIpsecNeedsProtection), 1u);
  EXPECT_EQ(drops(Drop::kIpsecDeny), 1u);
  EXPECT_EQ(drops(Drop::kEspNoSa), 1u);
  EXPECT_EQ(drops(Drop::kEspFailed), 2u);
  EXPECT_EQ(drops(Drop::kNatKeepalive), 1u);
  esp::SaCounterTotals c = sa("FROMPEER");
  EXPECT_EQ(c.packets, 1u);
  EXPECT_EQ(c.drop(esp::EspDrop::kAuthFailed), 1u);
  EXPECT_EQ(c.drop(esp::EspDrop::kReplayed), 1u);
  EXPECT_EQ(lan1_.receive().size(), 1u);  // only the good one reached the target
  auto t = node_->engine().totals();
  EXPECT_EQ(t.rx_pkts + t.from_local, t.forwarded + t.delivered + t.punted + t.to_control + t.dropped());
}

TEST_F(IpsecTest, DecryptedTrafficMustBeWhatItsSaProtects) {
  // Decrypted by FROMPEER, but its inner source is outside FROMPEER's rule: the catch-all PERMIT
  // that matches it is not a PROTECT rule for that SA.
  PacketBuilder inner;
  inner.ipv4("198.19.2.5", "198.19.10.1").tcp(40002, 80, dp::kTcpSyn);
  lan0_.send(from_peer(inner.build_l3()));
  cycle();
  EXPECT_EQ(drops(Drop::kIpsecWrongSa), 1u);
  EXPECT_TRUE(lan1_.receive().empty());
}

TEST_F(IpsecTest, DecryptedTrafficIsRoutedInClearOntoATrustedSegment) {
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.18.2.2").udp(5000, 53);
  lan0_.send(from_peer(inner.build_l3()));
  cycle();
  auto out = lan1_.receive();
  for (size_t i = 0; i < size_t(Drop::kCount); ++i)
    if (node_->engine().totals().drops[i]) ADD_FAILURE() << "dropped: " << dp::kDropNames[i];
  for (size_t i = 0; i < size_t(esp::EspDrop::kCount); ++i)
    if (sa("FROMPEER").drops[i]) ADD_FAILURE() << "esp drop " << i;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], PacketBuilder().eth(port1_, *parse_mac("02:00:00:00:02:02")).ipv4("198.19.1.5", "198.18.2.2").ttl(63)
                        .udp(5000, 53).build());
}

class UntrustedTargetSegment : public IpsecTest {
  bool trusted() const override { return false; }
};

TEST_F(UntrustedTargetSegment, DecryptedTrafficDoesNotCrossItInClear) {
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn);
  lan0_.send(from_peer(inner.build_l3()));
  cycle();
  EXPECT_EQ(drops(Drop::kUntrustedSegment), 1u);
  EXPECT_TRUE(lan1_.receive().empty());
}

TEST_F(UntrustedTargetSegment, DecryptedTrafficIsNotRoutedOntoItInClear) {
  PacketBuilder inner;
  inner.ipv4("198.19.1.5", "198.18.2.2").udp(5000, 53);
  lan0_.send(from_peer(inner.build_l3()));
  cycle();
  EXPECT_EQ(drops(Drop::kUntrustedSegment), 1u);
  EXPECT_TRUE(lan1_.receive().empty());
}

// A target behind the distributor: what the distributor decrypted and checked reaches it in clear
// on the trusted segment, and the target's own inbound policy does not ask for ESP again.
class TargetOfTheDvipa : public IpsecTest {
  bool target() const override { return true; }
};

TEST_F(TargetOfTheDvipa, TakesTheDistributorsClearTrafficFromTheTrustedSegment) {
  PacketBuilder b;
  b.eth(*parse_mac("02:00:00:00:02:01"), port1_).ipv4("198.19.1.5", "198.19.10.1").ttl(63).tcp(40000, 80, dp::kTcpSyn);
  lan1_.send(b.build());
  cycle();
  // This node has no TAP: the SYN got past the policy as far as local delivery, and no further.
  EXPECT_EQ(drops(Drop::kIpsecNeedsProtection), 0u);
  EXPECT_EQ(drops(Drop::kNoLocalPort), 1u);
  EXPECT_EQ(node_->engine().totals().dropped(), 1u);
}

TEST_F(TargetOfTheDvipa, StillWantsProtectionOnAnUntrustedSegment) {
  PacketBuilder b;
  b.eth(*parse_mac("02:00:00:00:01:02"), port0_).ipv4("198.19.1.5", "198.19.10.1").tcp(40000, 80, dp::kTcpSyn);
  lan0_.send(b.build());
  cycle();
  EXPECT_EQ(drops(Drop::kIpsecNeedsProtection), 1u);
}

}  // namespace
}  // namespace sysplex

int main(int argc, char** argv) { return sysplex::testing::run_component_tests(argc, argv, "ipsec"); }
