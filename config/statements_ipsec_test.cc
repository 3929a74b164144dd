// IPSEC ... ENDIPSEC: rules, manual SAs and their key files (created per test in a temp dir).
#include <gtest/gtest.h>

#include "config/profile_test_util.h"
#include "config/test_temp_dir.h"

namespace sysplex::config {
namespace {

IpAddr ip(const char* text) { return *parse_ip(text); }

// kHead, then `body` inside an IPSEC block opened on line 3: body lines start at line 4.
std::string ipsec(const std::string& body) { return kHead + "IPSEC\n" + body + "ENDIPSEC\n"; }

IpsecRule only_rule(const std::string& rule) {
  Profile p = parse_ok(ipsec(rule + "\n"));
  return p.ipsec.rules.empty() ? IpsecRule{} : p.ipsec.rules.front();
}

TEST(IpsecBlock, HeaderOptionsAndDefaults) {
  Profile plain = parse_ok(ipsec(""));
  EXPECT_TRUE(plain.ipsec.present);
  EXPECT_FALSE(plain.ipsec.dvipsec);
  EXPECT_TRUE(plain.ipsec.log_enable);
  EXPECT_FALSE(plain.ipsec.log_implicit);
  Profile p = parse_ok(kHead + "IPSEC DVIPSEC LOGDISABLE LOGIMPLICIT\nENDIPSEC\n");
  EXPECT_TRUE(p.ipsec.dvipsec);
  EXPECT_FALSE(p.ipsec.log_enable);
  EXPECT_TRUE(p.ipsec.log_implicit);
  EXPECT_EQ(p.ipsec.seq_block, 262144u);
  EXPECT_EQ(parse_ok(kHead + "IPSEC DVIPSEC SEQBLOCK 1024\nENDIPSEC\n").ipsec.seq_block, 1024u);
  EXPECT_EQ(parse_error(kHead + "IPSEC DVIPSEC SEQBLOCK 1000\nENDIPSEC\n"), "t.profile:3:24: SEQBLOCK must be 1024-1073741824, found 1000");
  EXPECT_FALSE(parse_ok(kHead).ipsec.present);
}

TEST(IpsecBlock, Errors) {
  EXPECT_EQ(parse_error(kHead + "IPSEC LOGENABLE LOGDISABLE\nENDIPSEC\n"),
            "t.profile:3:17: LOGDISABLE conflicts with LOGENABLE earlier in this IPSEC statement");
  EXPECT_EQ(parse_error(ipsec("") + "IPSEC\nENDIPSEC\n"), "t.profile:5:1: IPSEC given twice; first at line 3");
  EXPECT_EQ(parse_error(kHead + "IPSEC\nIPSECRULE * * PERMIT\n"), "t.profile:4:21: ENDIPSEC missing for IPSEC opened at line 3");
  EXPECT_EQ(parse_error(kHead + "ENDIPSEC\n"), "t.profile:3:1: ENDIPSEC without a matching IPSEC");
}

TEST(IpsecRule, DefaultsPermitEverythingBothWays) {
  IpsecRule r = only_rule("IPSECRULE * *");
  EXPECT_FALSE(r.v6);
  EXPECT_EQ(r.src.kind, AddrSel::Kind::kAny);
  EXPECT_EQ(r.dst.kind, AddrSel::Kind::kAny);
  EXPECT_FALSE(r.protocol);
  EXPECT_EQ(r.src_ports.first, 0);
  EXPECT_EQ(r.src_ports.last, 65535);
  EXPECT_FALSE(r.icmp_type);
  EXPECT_EQ(r.routing, Routing::kEither);
  EXPECT_EQ(r.direction, Direction::kBidirectional);
  EXPECT_FALSE(r.log);
  EXPECT_EQ(r.action, RuleAction::kPermit);
  EXPECT_EQ(r.pos.line, 4u);
}

TEST(IpsecRule, SelectorsPortsAndOptions) {
  IpsecRule r = only_rule(
      "IPSECRULE 198.18.3.10-198.18.3.20 198.18.1.0/24 LOG PROTOCOL tcp SRCPORT 1024 65535 DESTPORT 22\n"
      "  ROUTING LOCAL DIRECTION INBOUND PROTECT ToPeer");
  EXPECT_EQ(r.src.kind, AddrSel::Kind::kRange);
  EXPECT_EQ(r.src.first, ip("198.18.3.10"));
  EXPECT_EQ(r.src.last, ip("198.18.3.20"));
  EXPECT_EQ(r.dst.kind, AddrSel::Kind::kPrefix);
  EXPECT_EQ(to_string(r.dst.prefix), "198.18.1.0/24");
  EXPECT_TRUE(r.log);
  EXPECT_EQ(r.protocol, 6);
  EXPECT_EQ(r.src_ports.first, 1024);
  EXPECT_EQ(r.src_ports.last, 65535);
  EXPECT_EQ(r.dst_ports.first, 22);
  EXPECT_EQ(r.dst_ports.last, 22);
  EXPECT_EQ(r.routing, Routing::kLocal);
  EXPECT_EQ(r.direction, Direction::kInbound);
  EXPECT_EQ(r.action, RuleAction::kProtect);
  EXPECT_EQ(r.sa, "ToPeer");  // names keep their case
}

TEST(IpsecRule, SingleAddressIsAFullLengthPrefix) {
  IpsecRule r = only_rule("IPSECRULE 198.18.1.1 * DENY");
  EXPECT_EQ(r.src.kind, AddrSel::Kind::kPrefix);
  EXPECT_EQ(r.src.prefix.len, 32);
  EXPECT_EQ(r.action, RuleAction::kDeny);
}

TEST(IpsecRule, ProtocolsByNameNumberAndIcmpTypes) {
  EXPECT_EQ(only_rule("IPSECRULE * * PROTOCOL UDP SRCPORT 53").protocol, 17);
  EXPECT_EQ(only_rule("IPSECRULE * * PROTOCOL GRE").protocol, 47);
  EXPECT_EQ(only_rule("IPSECRULE * * PROTOCOL ESP").protocol, 50);
  EXPECT_EQ(only_rule("IPSECRULE * * PROTOCOL OSPF").protocol, 89);
  EXPECT_EQ(only_rule("IPSECRULE * * PROTOCOL 132").protocol, 132);
  EXPECT_FALSE(only_rule("IPSECRULE * * PROTOCOL *").protocol);
  IpsecRule icmp = only_rule("IPSECRULE * * PROTOCOL ICMP TYPE 8 CODE 0");
  EXPECT_EQ(icmp.protocol, 1);
  EXPECT_EQ(icmp.icmp_type, 8);
  EXPECT_EQ(icmp.icmp_code, 0);
  IpsecRule v6 = only_rule("IPSEC6RULE 2001:db8:1::/64 2001:db8:2::1-2001:db8:2::9 PROTOCOL ICMPV6 TYPE 135");
  EXPECT_TRUE(v6.v6);
  EXPECT_EQ(v6.protocol, 58);
  EXPECT_EQ(v6.icmp_type, 135);
  EXPECT_EQ(v6.dst.kind, AddrSel::Kind::kRange);
  EXPECT_EQ(v6.dst.last, ip("2001:db8:2::9"));
}

TEST(IpsecRule, Errors) {
  EXPECT_EQ(parse_error(ipsec("IPSECRULE 2001:db8::1 *\n")), "t.profile:4:11: IPSECRULE takes IPv4 selectors, found 2001:db8::1");
  EXPECT_EQ(parse_error(ipsec("IPSEC6RULE * 198.18.1.0/24\n")),
            "t.profile:4:14: IPSEC6RULE takes IPv6 selectors, found 198.18.1.0/24");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PROTOCOL ICMP SRCPORT 80\n")), "t.profile:4:29: SRCPORT needs PROTOCOL TCP or UDP");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * DESTPORT 80\n")), "t.profile:4:15: DESTPORT needs PROTOCOL TCP or UDP");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * TYPE 8 PROTOCOL TCP\n")), "t.profile:4:15: TYPE needs PROTOCOL ICMP");
  EXPECT_EQ(parse_error(ipsec("IPSEC6RULE * * PROTOCOL ICMPV6 CODE 1 PROTOCOL UDP\n")),
            "t.profile:4:39: PROTOCOL given twice in this IPSEC6RULE statement");
  EXPECT_EQ(parse_error(ipsec("IPSEC6RULE * * PROTOCOL ICMP\n")), "t.profile:4:25: IPSEC6RULE takes PROTOCOL ICMPV6, not ICMP");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PROTOCOL 58\n")), "t.profile:4:24: IPSECRULE takes PROTOCOL ICMP, not ICMPV6");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PROTOCOL 256\n")),
            "t.profile:4:24: expected a protocol (0-255, *, TCP, UDP, ICMP, ICMPV6, GRE, ESP or OSPF) after PROTOCOL, found "
            "'256'");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE 198.18.3.20-198.18.3.10 *\n")),
            "t.profile:4:11: address range 198.18.3.20-198.18.3.10 must not run backwards");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE 198.18.3.1/24 *\n")),
            "t.profile:4:11: a source selector (*, address, prefix or range) 198.18.3.1/24 has host bits set; did you mean "
            "198.18.3.0/24?");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PERMIT DENY\n")),
            "t.profile:4:22: DENY conflicts with PERMIT earlier in this IPSECRULE statement");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PROTOCOL TCP SRCPORT 90 80\n")),
            "t.profile:4:39: SRCPORT range 90 80 must not run backwards (first <= last)");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * ROUTING SOMEWHERE\n")),
            "t.profile:4:23: expected LOCAL, ROUTED or EITHER after ROUTING, found 'SOMEWHERE'");
  EXPECT_EQ(parse_error(ipsec("IPSECRULE * * PROTECT\n")), "t.profile:5:1: expected an SA name after PROTECT, found 'ENDIPSEC'");
}

// ---- IPSECSA ----

class IpsecSaTest : public ::testing::Test {
 protected:
  // An SA statement on line 4 with the given key, algorithm and extra options. The extra options
  // start at column 13 and KEYFILE is at column 74 (with no extras), whatever the temp dir's path.
  std::string sa(const std::string& key_path, const std::string& extra = "", const std::string& alg = "AES128GCM") const {
    return ipsec("IPSECSA SA1 " + (extra.empty() ? "" : extra + " ") + "SPI 0x1001 DIRECTION INBOUND MODE TUNNEL ALGORITHM " +
                 alg + " KEYFILE \"" + key_path + "\" LOCAL 198.18.1.1 REMOTE 198.18.1.2\n");
  }

  TempDir dir_;
  std::string key20_ = dir_.write("aes128.key", test_key_hex(20));
  std::string key36_ = dir_.write("aes256.key", test_key_hex(36));
};

TEST_F(IpsecSaTest, OnlyAnOutboundSaHasATarget) {
  std::string err = parse_error(sa(key20_, "TARGET SYS2"));
  EXPECT_NE(err.find("TARGET names the target that sends with an SA: only an OUTBOUND IPSECSA takes it"), std::string::npos) << err;
}

TEST_F(IpsecSaTest, EveryField) {
  Profile p = parse_ok(ipsec("IPSECSA out1 SPI 4097 DIRECTION OUTBOUND MODE TRANSPORT ALGORITHM CHACHA20POLY1305\n"
                             "  KEYFILE \"" + key36_ + "\" LOCAL 2001:db8:1::1 REMOTE 2001:db8:1::2 ENCAP UDP SPORT 4501 DPORT 4502\n"
                             "  ESN REPLAYWINDOW 65536 SOFTBYTES 1000 HARDBYTES 2000 SOFTPACKETS 10 HARDPACKETS 20\n"
                             "  SOFTSECS 30 HARDSECS 60 ENGINE SODIUM TARGET sys2\n"));
  ASSERT_EQ(p.ipsec.sas.size(), 1u);
  const IpsecSa& s = p.ipsec.sas[0];
  EXPECT_EQ(s.name, "out1");
  EXPECT_EQ(s.spi, 4097u);
  EXPECT_EQ(s.direction, Direction::kOutbound);
  EXPECT_EQ(s.mode, EspMode::kTransport);
  EXPECT_EQ(s.alg, EspAlg::kChaCha20Poly1305);
  EXPECT_EQ(s.key_file, key36_);
  EXPECT_EQ(s.local, ip("2001:db8:1::1"));
  EXPECT_EQ(s.remote, ip("2001:db8:1::2"));
  EXPECT_TRUE(s.udp_encap);
  EXPECT_EQ(s.encap_sport, 4501);
  EXPECT_EQ(s.encap_dport, 4502);
  EXPECT_TRUE(s.esn);
  EXPECT_EQ(s.replay_window, 65536u);
  EXPECT_EQ(s.soft_bytes, 1000u);
  EXPECT_EQ(s.hard_bytes, 2000u);
  EXPECT_EQ(s.soft_packets, 10u);
  EXPECT_EQ(s.hard_packets, 20u);
  EXPECT_EQ(s.soft_secs, 30u);
  EXPECT_EQ(s.target, "SYS2");
  EXPECT_EQ(s.hard_secs, 60u);
  EXPECT_EQ(s.engine, CryptoEngine::kSodium);
}

TEST_F(IpsecSaTest, Defaults) {
  Profile p = parse_ok(sa(key20_, "ENCAP UDP"));
  const IpsecSa& s = p.ipsec.sas.at(0);
  EXPECT_EQ(s.spi, 0x1001u);
  EXPECT_EQ(s.encap_sport, 4500);
  EXPECT_EQ(s.encap_dport, 4500);
  EXPECT_FALSE(s.esn);
  EXPECT_EQ(s.replay_window, 1024u);
  EXPECT_EQ(s.hard_bytes, 0u);
  EXPECT_EQ(s.engine, CryptoEngine::kAuto);
  EXPECT_EQ(parse_ok(sa(key20_, "REPLAYWINDOW 0")).ipsec.sas.at(0).replay_window, 0u);
}

TEST_F(IpsecSaTest, KeyFileSizeFollowsTheAlgorithm) {
  EXPECT_EQ(parse_ok(sa(key36_, "", "AES256GCM")).ipsec.sas.at(0).alg, EspAlg::kAes256Gcm);
  EXPECT_EQ(parse_error(sa(key36_)), "t.profile:4:74: key file " + key36_ +
                                         " holds 36 bytes; AES128GCM needs 20 (key and 4-byte salt, 40 hex digits)");
  EXPECT_EQ(parse_error(sa(key20_, "", "AES256GCM")),
            "t.profile:4:74: key file " + key20_ + " holds 20 bytes; AES256GCM needs 36 (key and 4-byte salt, 72 hex digits)");
}

TEST_F(IpsecSaTest, KeyFileProblemsNeverShowTheKey) {
  const std::string secret = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee";  // 19 bytes
  std::string wrong_size = dir_.write("short.key", secret + "\n");
  std::string not_hex = dir_.write("text.key", secret + "zz\n");
  std::string odd = dir_.write("odd.key", secret + "0\n");
  std::string missing = (dir_.path() / "absent.key").string();
  EXPECT_EQ(parse_error(sa(wrong_size)), "t.profile:4:74: key file " + wrong_size +
                                             " holds 19 bytes; AES128GCM needs 20 (key and 4-byte salt, 40 hex digits)");
  EXPECT_EQ(parse_error(sa(not_hex)), "t.profile:4:74: key file " + not_hex + " is not hex text (0-9, a-f, blanks)");
  EXPECT_EQ(parse_error(sa(odd)), "t.profile:4:74: key file " + odd + " holds an odd number of hex digits");
  EXPECT_EQ(parse_error(sa(missing)), "t.profile:4:74: cannot read key file " + missing + ": No such file or directory");
  for (const std::string& path : {wrong_size, not_hex, odd})
    for (const std::string& e : parse_errors(sa(path))) EXPECT_EQ(e.find("c0ffee"), std::string::npos) << e;
}

TEST_F(IpsecSaTest, RelativeKeyFilesResolveAgainstTheProfileDirectory) {
  dir_.write("keys.key", test_key_hex(20));
  std::string profile = dir_.write("p.profile", ipsec("IPSECSA SA1 SPI 300 DIRECTION INBOUND MODE TUNNEL ALGORITHM AES128GCM "
                                                      "KEYFILE keys.key LOCAL 198.18.1.1 REMOTE 198.18.1.2\n"));
  ParseOutcome r = parse_profile_file(profile);
  ASSERT_TRUE(r) << r.error_text();
  EXPECT_EQ(r.profile().ipsec.sas.at(0).key_file, (dir_.path() / "keys.key").string());
}

TEST_F(IpsecSaTest, Errors) {
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 SPI 300 DIRECTION INBOUND LOCAL 198.18.1.1\n")),
            "t.profile:4:1: IPSECSA SA1 is missing MODE, ALGORITHM, KEYFILE, REMOTE");
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 SPI 255\n")), "t.profile:4:17: SPI must be 256-4294967295 (0-255 are reserved), found 255");
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 SPI 0x100000000\n")),
            "t.profile:4:17: SPI must be 256-4294967295 (0-255 are reserved), found 0x100000000");
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 SPI 0xfoo\n")), "t.profile:4:17: expected an SPI (decimal or 0x-hex), found '0xfoo'");
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 DIRECTION BIDIRECTIONAL\n")),
            "t.profile:4:23: expected INBOUND or OUTBOUND after DIRECTION, found 'BIDIRECTIONAL'");
  EXPECT_EQ(parse_error(sa(key20_, "REPLAYWINDOW 100")),
            "t.profile:4:26: REPLAYWINDOW must be 0 (off) or 64-65536 in multiples of 64, found 100");
  EXPECT_EQ(parse_error(sa(key20_, "REPLAYWINDOW 65600")), "t.profile:4:26: REPLAYWINDOW must be 0-65536, found 65600");
  EXPECT_EQ(parse_error(sa(key20_, "SOFTSECS 60 HARDSECS 60")), "t.profile:4:13: SOFTSECS 60 must be below HARDSECS 60");
  EXPECT_EQ(parse_error(sa(key20_, "HARDBYTES 10 SOFTBYTES 20")), "t.profile:4:26: SOFTBYTES 20 must be below HARDBYTES 10");
  EXPECT_EQ(parse_error(sa(key20_, "ENGINE SODIUM")),
            "t.profile:4:13: ENGINE SODIUM has no AES128GCM; use AES256GCM, CHACHA20POLY1305 or another ENGINE");
  EXPECT_EQ(parse_error(sa(key20_, "ENCAP TCP")), "t.profile:4:19: expected UDP after ENCAP, found 'TCP'");
  EXPECT_EQ(parse_error(ipsec("IPSECSA SA1 LOCAL 198.18.1.1 REMOTE 2001:db8::2 SPI 300 DIRECTION INBOUND MODE TUNNEL "
                              "ALGORITHM AES128GCM KEYFILE " + key20_ + "\n")),
            "t.profile:4:30: LOCAL 198.18.1.1 and REMOTE 2001:db8::2 must be of one family");
}

TEST_F(IpsecSaTest, NamesAndInboundSpisAreUnique) {
  const std::string line = "IPSECSA SA1 SPI 0x1001 DIRECTION INBOUND MODE TUNNEL ALGORITHM AES128GCM KEYFILE " + key20_;
  EXPECT_EQ(parse_error(ipsec(line + " LOCAL 198.18.1.1 REMOTE 198.18.1.2\n" + line + " LOCAL 198.18.1.9 REMOTE 198.18.1.2\n")),
            "t.profile:5:1: IPSECSA SA1 already defined at line 4");
  std::string second = "IPSECSA SA2" + line.substr(11);
  EXPECT_EQ(parse_error(ipsec(line + " LOCAL 198.18.1.1 REMOTE 198.18.1.2\n" + second + " LOCAL 198.18.1.1 REMOTE 198.18.1.3\n")),
            "t.profile:5:1: inbound SPI 4097 for 198.18.1.1 already used by IPSECSA SA1 at line 4");
  EXPECT_EQ(parse_ok(ipsec(line + " LOCAL 198.18.1.1 REMOTE 198.18.1.2\n" + second + " LOCAL 198.18.1.9 REMOTE 198.18.1.2\n"))
                .ipsec.sas.size(),
            2u);
}

TEST_F(IpsecSaTest, ProtectNamesAManualSaOrOneLeftToIke) {
  Profile p = parse_ok(ipsec("IPSECRULE * 198.18.20.0/24 PROTECT SA1\nIPSECRULE * 198.18.21.0/24 PROTECT ike-negotiated\n"
                             "IPSECSA SA1 SPI 300 DIRECTION OUTBOUND MODE TUNNEL ALGORITHM AES128GCM KEYFILE " + key20_ +
                             " LOCAL 198.18.1.1 REMOTE 198.18.1.2\n"));
  ASSERT_EQ(p.ipsec.rules.size(), 2u);
  EXPECT_EQ(p.ipsec.rules[0].sa, "SA1");
  EXPECT_EQ(p.ipsec.rules[1].sa, "ike-negotiated");
}

}  // namespace
}  // namespace sysplex::config
