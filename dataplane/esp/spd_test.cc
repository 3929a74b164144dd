#include "dataplane/esp/spd.h"

#include <gtest/gtest.h>

#include "config/profile_parser.h"

namespace sysplex::dp::esp {
namespace {

// Rules from a real IPSEC block, so the test also covers what the parser hands over.
Spd compile(const std::string& rules, bool enabled = true) {
  std::string text = "NODENAME SYS1\nNODEADDR 198.18.0.1\nIPSEC\n" + rules + "ENDIPSEC\n";
  auto parsed = config::parse_profile_text(text, "spd.profile");
  EXPECT_TRUE(parsed.ok()) << parsed.error_text();
  auto spd = Spd::build(parsed.profile().ipsec.rules, enabled, [](const std::string& name) {
    return name == "TOPEER" ? 7u : name == "FROMPEER" ? 8u : kSpdNoSa;
  });
  EXPECT_TRUE(spd.ok()) << (spd.ok() ? "" : spd.error().message);
  return spd.ok() ? std::move(*spd) : Spd{};
}

struct Pkt {
  IpAddr src, dst;
  SpdPacket p;
  Pkt(const char* s, const char* d, uint8_t proto, bool inbound, uint16_t sport = 0, uint16_t dport = 0)
      : src(*parse_ip(s)), dst(*parse_ip(d)) {
    p.v6 = src.v6;
    p.src = src.bytes.data();
    p.dst = dst.bytes.data();
    p.proto = proto;
    p.inbound = inbound;
    p.has_ports = proto == 6 || proto == 17;
    p.sport = sport;
    p.dport = dport;
  }
};

int32_t look(const Spd& spd, Pkt pkt) { return spd.lookup(pkt.p); }

const char* kRules = R"(
  IPSECRULE 198.18.1.1 198.18.20.0/24 PROTECT TOPEER
  IPSECRULE 198.18.20.0/24 198.18.1.1 PROTECT FROMPEER
  IPSECRULE 198.18.3.10-198.18.3.20 * PROTOCOL TCP DESTPORT 22 ROUTING LOCAL DIRECTION INBOUND PERMIT
  IPSECRULE * * PROTOCOL ICMP TYPE 8 PERMIT
  IPSEC6RULE 2001:db8:1::/64 * PROTOCOL ICMPV6 PERMIT
  IPSECRULE * * PROTOCOL UDP SRCPORT 5301 DESTPORT 5301 PERMIT
  IPSECRULE * 198.18.1.1 LOG DENY
)";

TEST(Spd, FirstMatchingRuleDecides) {
  Spd spd = compile(kRules);
  ASSERT_EQ(spd.rules().size(), 7u);
  EXPECT_EQ(look(spd, Pkt("198.18.1.1", "198.18.20.5", 6, false, 80, 40000)), 0);
  EXPECT_EQ(spd.rules()[0].action, SpdAction::kProtect);
  EXPECT_EQ(spd.rules()[0].sa, 7u);
  EXPECT_EQ(look(spd, Pkt("198.18.20.5", "198.18.1.1", 6, true, 40000, 80)), 1);
  EXPECT_EQ(spd.rules()[1].sa, 8u);
  EXPECT_EQ(look(spd, Pkt("198.18.3.15", "198.18.1.1", 6, true, 5000, 22)), 2);
  EXPECT_EQ(look(spd, Pkt("198.18.3.15", "198.18.1.1", 6, true, 5000, 23)), 6);  // not port 22: the deny
  EXPECT_EQ(look(spd, Pkt("198.18.9.9", "198.18.9.10", 6, true, 1, 2)), kSpdImplicit);
}

TEST(Spd, RangesAndPrefixesAreInclusive) {
  Spd spd = compile(kRules);
  EXPECT_EQ(look(spd, Pkt("198.18.3.10", "198.18.1.1", 6, true, 1, 22)), 2);
  EXPECT_EQ(look(spd, Pkt("198.18.3.20", "198.18.1.1", 6, true, 1, 22)), 2);
  EXPECT_EQ(look(spd, Pkt("198.18.3.21", "198.18.1.1", 6, true, 1, 22)), 6);
  EXPECT_EQ(look(spd, Pkt("198.18.1.1", "198.18.20.255", 17, false, 1, 2)), 0);
  EXPECT_EQ(look(spd, Pkt("198.18.1.1", "198.18.21.0", 17, false, 1, 2)), kSpdImplicit);
}

TEST(Spd, DirectionAndRouting) {
  Spd spd = compile(kRules);
  // The SSH rule is inbound and local only.
  EXPECT_EQ(look(spd, Pkt("198.18.3.15", "198.18.9.9", 6, false, 1, 22)), kSpdImplicit);
  Pkt routed("198.18.3.15", "198.18.9.9", 6, true, 1, 22);
  routed.p.routed = true;
  EXPECT_EQ(spd.lookup(routed.p), kSpdImplicit);
}

TEST(Spd, IcmpTypeAndFamilies) {
  Spd spd = compile(kRules);
  Pkt echo("198.18.9.9", "198.18.1.1", 1, true);
  echo.p.has_icmp = true;
  echo.p.icmp_type = 8;
  EXPECT_EQ(spd.lookup(echo.p), 3);
  echo.p.icmp_type = 0;  // an echo reply is not the echo rule's: the deny takes it
  EXPECT_EQ(spd.lookup(echo.p), 6);
  EXPECT_EQ(look(spd, Pkt("2001:db8:1::5", "2001:db8:9::1", 58, true)), 4);
  EXPECT_EQ(look(spd, Pkt("2001:db8:2::5", "2001:db8:9::1", 58, true)), kSpdImplicit);
}

TEST(Spd, PortRulesNeedPorts) {
  Spd spd = compile(kRules);
  Pkt frag("198.18.9.9", "198.18.9.8", 17, true, 5301, 5301);
  EXPECT_EQ(spd.lookup(frag.p), 5);
  frag.p.has_ports = false;  // a non-first fragment carries no ports
  EXPECT_EQ(spd.lookup(frag.p), kSpdImplicit);
}

TEST(Spd, AProtectRuleMustNameAnInstalledSa) {
  auto parsed = config::parse_profile_text("NODENAME SYS1\nNODEADDR 198.18.0.1\nIPSEC\n  IPSECRULE * * PROTECT NOSUCH\nENDIPSEC\n", "x.profile");
  ASSERT_TRUE(parsed.ok());
  auto spd = Spd::build(parsed.profile().ipsec.rules, true, [](const std::string&) { return kSpdNoSa; });
  ASSERT_FALSE(spd.ok());
  EXPECT_EQ(spd.error().message, "x.profile:4: PROTECT names SA 'NOSUCH', which is not installed (no IPSECSA of that name, and IKE has none)");
}

// TOPEER (7) protects outbound, FROMPEER (8) inbound: a BIDIRECTIONAL rule naming one applies
// only that way, and a DIRECTION against its SA's is refused.
Result<Spd> compile_with_directions(const std::string& rules) {
  auto parsed = config::parse_profile_text("NODENAME SYS1\nNODEADDR 198.18.0.1\nIPSEC\n" + rules + "ENDIPSEC\n", "d.profile");
  EXPECT_TRUE(parsed.ok()) << parsed.error_text();
  return Spd::build(
      parsed.profile().ipsec.rules, true,
      [](const std::string& name) { return name == "TOPEER" ? 7u : name == "FROMPEER" ? 8u : name == "IKE" ? 9u : kSpdNoSa; },
      [](uint32_t id) -> std::optional<bool> {
        if (id == 9) return std::nullopt;  // named, not installed yet (IKE will)
        return id == 8;
      });
}

TEST(Spd, AProtectRuleAppliesInItsSasDirection) {
  auto spd = compile_with_directions("  IPSECRULE 198.18.20.0/24 * PROTECT FROMPEER\n  IPSECRULE * * PROTECT IKE\n  IPSECRULE * * PERMIT\n");
  ASSERT_TRUE(spd.ok()) << spd.error().message;
  EXPECT_EQ(spd->rules()[0].direction, config::Direction::kInbound);
  EXPECT_EQ(spd->rules()[1].direction, config::Direction::kBidirectional);
  EXPECT_EQ(look(*spd, Pkt("198.18.20.5", "198.18.1.1", 17, true, 1, 2)), 0);
  EXPECT_EQ(look(*spd, Pkt("198.18.20.5", "198.18.2.2", 17, false, 1, 2)), 1);  // routed out: not FROMPEER's
  auto bad = compile_with_directions("  IPSECRULE * * DIRECTION OUTBOUND PROTECT FROMPEER\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "d.profile:4: the rule is DIRECTION OUTBOUND but its SA 'FROMPEER' is INBOUND");
}

TEST(Spd, WithoutAnIpsecBlockItIsDisabled) {
  EXPECT_FALSE(Spd{}.enabled());
  EXPECT_TRUE(compile(kRules).enabled());
}

}  // namespace
}  // namespace sysplex::dp::esp
