// VIPADYNAMIC ... ENDVIPADYNAMIC: definitions, distribution, VIPAROUTE and the DELETE forms.
#include <gtest/gtest.h>

#include "config/profile_test_util.h"

namespace sysplex::config {
namespace {

IpAddr ip(const char* text) { return *parse_ip(text); }

// kHead, then `body` inside a VIPADYNAMIC block opened on line 3: body lines start at line 4.
std::string vipa(const std::string& body) { return kHead + "VIPADYNAMIC\n" + body + "ENDVIPADYNAMIC\n"; }

const std::string kDefine = "VIPADEFINE 255.255.255.0 198.18.10.1\n";  // line 4

TEST(VipaDefine, MaskFormsAndMoveable) {
  Profile p = parse_ok(vipa("VIPADEFINE 255.255.255.0 198.18.10.1\n"
                            "vipadefine moveable whenidle /28 198.18.11.1\n"
                            "VIPADEFINE MOVEABLE IMMEDIATE /64 2001:db8:10::1\n"));
  const auto& d = p.vipadynamic.defines;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].dvipa.addr, ip("198.18.10.1"));
  EXPECT_EQ(d[0].dvipa.len, 24);
  EXPECT_EQ(d[0].moveable, Moveable::kImmediate);
  EXPECT_EQ(d[1].dvipa.len, 28);
  EXPECT_EQ(d[1].moveable, Moveable::kWhenIdle);
  EXPECT_EQ(d[2].dvipa.addr, ip("2001:db8:10::1"));
  EXPECT_EQ(d[2].dvipa.len, 64);
  EXPECT_EQ(d[2].pos.line, 6u);
  EXPECT_EQ(d[2].pos.column, 1u);
}

TEST(VipaDefine, Errors) {
  EXPECT_EQ(parse_error(vipa("VIPADEFINE 255.255.255.0 2001:db8:10::1\n")),
            "t.profile:4:12: a dotted mask is IPv4 only; give /len for IPv6 DVIPA 2001:db8:10::1");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE 255.0.255.0 198.18.10.1\n")),
            "t.profile:4:12: 255.0.255.0 is not a subnet mask (its one bits must be contiguous)");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE /33 198.18.10.1\n")), "t.profile:4:12: the DVIPA mask length must be 1-32, found 33");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE 0.0.0.0 198.18.10.1\n")), "t.profile:4:12: the DVIPA mask length must be 1-32, found 0");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE 198.18.10.1\n")),
            "t.profile:4:12: 198.18.10.1 is not a subnet mask (its one bits must be contiguous)");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE MOVEABLE SOMETIMES /24 198.18.10.1\n")),
            "t.profile:4:21: expected IMMEDIATE or WHENIDLE after MOVEABLE, found 'SOMETIMES'");
  EXPECT_EQ(parse_error(vipa("VIPADEFINE /24 198.18.10.1 198.18.10.2\n")),
            "t.profile:4:28: unexpected '198.18.10.2' after the VIPADEFINE statement");
}

TEST(VipaBackup, RankMoveableAndAddressList) {
  Profile p = parse_ok(vipa("VIPABACKUP 200 MOVEABLE WHENIDLE 198.18.12.1 198.18.12.2\n  2001:db8:12::1\n"));
  const auto& b = p.vipadynamic.backups;
  ASSERT_EQ(b.size(), 3u);
  for (const VipaBackup& x : b) {
    EXPECT_EQ(x.rank, 200);
    EXPECT_EQ(x.moveable, Moveable::kWhenIdle);
  }
  EXPECT_EQ(b[1].dvipa, ip("198.18.12.2"));
  EXPECT_EQ(b[2].dvipa, ip("2001:db8:12::1"));
}

TEST(VipaBackup, RankMustBe1To254) {
  EXPECT_EQ(parse_error(vipa("VIPABACKUP 300 198.18.12.1\n")), "t.profile:4:12: VIPABACKUP rank must be 1-254, found 300");
  EXPECT_EQ(parse_error(vipa("VIPABACKUP 0 198.18.12.1\n")), "t.profile:4:12: VIPABACKUP rank must be 1-254, found 0");
  EXPECT_EQ(parse_error(vipa("VIPABACKUP 198.18.12.1\n")),
            "t.profile:4:12: expected VIPABACKUP rank (1-254), found '198.18.12.1'");
}

TEST(VipaDynamic, ADvipaIsDefinedOnce) {
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPADEFINE /26 198.18.10.1\n")),
            "t.profile:5:16: DVIPA 198.18.10.1 already defined by the VIPADEFINE at line 4");
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPABACKUP 10 198.18.10.9 198.18.10.1\n")),
            "t.profile:5:27: DVIPA 198.18.10.1 already defined by the VIPADEFINE at line 4");
  EXPECT_EQ(parse_error(vipa("VIPABACKUP 10 198.18.10.1\nVIPADEFINE /24 198.18.10.1\n")),
            "t.profile:5:16: DVIPA 198.18.10.1 already defined by the VIPABACKUP at line 4");
}

TEST(VipaDynamic, ADvipaMustNotBeANodeAddress) {
  EXPECT_EQ(parse_error(vipa("VIPADEFINE /24 198.18.0.1\n")), "t.profile:4:1: DVIPA 198.18.0.1 is also a NODEADDR");
}

TEST(VipaDelete, RemovesTheDvipaAndItsDistributionSoItCanBeDefinedAgain) {
  Profile p = parse_ok(vipa(kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 80 DESTIP ALL\nVIPABACKUP 5 198.18.12.1\n"
                                      "VIPADELETE 198.18.10.1\nVIPADELETE 198.18.12.1\nVIPADEFINE /25 198.18.10.1\n"));
  ASSERT_EQ(p.vipadynamic.defines.size(), 1u);
  EXPECT_EQ(p.vipadynamic.defines[0].dvipa.len, 25);
  EXPECT_TRUE(p.vipadynamic.backups.empty());
  EXPECT_TRUE(p.vipadynamic.distributes.empty());
}

TEST(VipaDelete, OfAnUndefinedDvipaIsAnError) {
  EXPECT_EQ(parse_error(vipa("VIPADELETE 198.18.10.1\n")),
            "t.profile:4:1: VIPADELETE 198.18.10.1: no earlier VIPADEFINE or VIPABACKUP defines it");
}

TEST(VipaDistribute, DefaultsArePlainDefineBaseWlmAndDestipAll) {
  Profile p = parse_ok(vipa(kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 80 DESTIP ALL\n"));
  const VipaDistribute& d = p.vipadynamic.distributes.at(0);
  EXPECT_EQ(d.dvipa, ip("198.18.10.1"));
  EXPECT_EQ(d.method, DistMethod::kBaseWlm);
  EXPECT_TRUE(d.auto_switchback);
  EXPECT_TRUE(d.health_switch);
  EXPECT_EQ(d.timed_affinity_secs, 0u);
  EXPECT_TRUE(d.dest_all);
  EXPECT_TRUE(d.dests.empty());
  ASSERT_EQ(d.ports.size(), 1u);
  EXPECT_EQ(d.ports[0].first, 80);
  EXPECT_EQ(d.ports[0].last, 80);
  EXPECT_EQ(d.pos.line, 5u);
}

TEST(VipaDistribute, WeightedActiveWithPortRangesOverSeveralLines) {
  Profile p = parse_ok(vipa(kDefine +
                            "VIPADISTRIBUTE DEFINE TIMEDAFFINITY 300 DISTMETHOD WEIGHTEDACTIVE 198.18.10.1\n"
                            "  PORT 80 443 8000-8010\n"
                            "  DESTIP 198.18.0.2 WEIGHT 70 198.18.0.3\n"
                            "         198.18.0.4 WEIGHT 100\n"));
  const VipaDistribute& d = p.vipadynamic.distributes.at(0);
  EXPECT_EQ(d.method, DistMethod::kWeightedActive);
  EXPECT_EQ(d.timed_affinity_secs, 300u);
  ASSERT_EQ(d.ports.size(), 3u);
  EXPECT_EQ(d.ports[2].first, 8000);
  EXPECT_EQ(d.ports[2].last, 8010);
  ASSERT_EQ(d.dests.size(), 3u);
  EXPECT_EQ(d.dests[0].weight, 70);
  EXPECT_EQ(d.dests[1].weight, 1);
  EXPECT_EQ(d.dests[2].addr, ip("198.18.0.4"));
  EXPECT_EQ(d.dests[2].weight, 100);
  EXPECT_FALSE(d.dest_all);
}

TEST(VipaDistribute, HotStandbyWithPreferredAndBackups) {
  Profile p = parse_ok(vipa(kDefine +
                            "VIPADISTRIBUTE DISTMETHOD HOTSTANDBY NOHEALTHSWITCH NOAUTOSWITCHBACK 198.18.10.1 PORT 5000\n"
                            "  DESTIP 198.18.0.2 PREFERRED 198.18.0.3 BACKUP 50 198.18.0.4 BACKUP 20\n"));
  const VipaDistribute& d = p.vipadynamic.distributes.at(0);
  EXPECT_EQ(d.method, DistMethod::kHotStandby);
  EXPECT_FALSE(d.auto_switchback);
  EXPECT_FALSE(d.health_switch);
  ASSERT_EQ(d.dests.size(), 3u);
  EXPECT_EQ(d.dests[0].role, DestRole::kPreferred);
  EXPECT_EQ(d.dests[1].role, DestRole::kBackup);
  EXPECT_EQ(d.dests[1].backup_rank, 50);
  EXPECT_EQ(d.dests[2].backup_rank, 20);
}

TEST(VipaDistribute, OtherMethodsAndIpv6) {
  Profile p = parse_ok(vipa(kDefine + "VIPADEFINE /64 2001:db8:10::1\n"
                                      "VIPADISTRIBUTE DISTMETHOD ROUNDROBIN 198.18.10.1 PORT 80 DESTIP 198.18.0.2\n"
                                      "VIPADISTRIBUTE DISTMETHOD SERVERWLM 198.18.10.1 PORT 81 DESTIP ALL\n"
                                      "VIPADISTRIBUTE 2001:db8:10::1 PORT 80 DESTIP 2001:db8::2 2001:db8::3\n"));
  const auto& d = p.vipadynamic.distributes;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].method, DistMethod::kRoundRobin);
  EXPECT_EQ(d[1].method, DistMethod::kServerWlm);
  EXPECT_EQ(d[2].dests.at(1).addr, ip("2001:db8::3"));
}

TEST(VipaDistribute, MisspeltDestipIsReportedAfterThePortList) {
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 80 8080 DESTIPP 198.18.0.2\n")),
            "t.profile:5:41: expected DESTIP after PORT list, found 'DESTIPP'");
}

TEST(VipaDistribute, Errors) {
  const std::string d = kDefine + "VIPADISTRIBUTE ";  // line 5, operands from column 16
  EXPECT_EQ(parse_error(vipa("VIPADISTRIBUTE 198.18.10.1 PORT 80 DESTIP ALL\n")),
            "t.profile:4:1: VIPADISTRIBUTE for 198.18.10.1, which no earlier VIPADEFINE or VIPABACKUP defines");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 80 DESTIP 198.18.0.2 WEIGHT 5\n")),
            "t.profile:5:54: WEIGHT belongs to DISTMETHOD WEIGHTEDACTIVE, not BASEWLM");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD ROUNDROBIN 198.18.10.1 PORT 80 DESTIP 198.18.0.2 PREFERRED\n")),
            "t.profile:5:76: PREFERRED belongs to DISTMETHOD HOTSTANDBY, not ROUNDROBIN");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD HOTSTANDBY 198.18.10.1 PORT 80 DESTIP 198.18.0.2 PREFERRED 198.18.0.3 PREFERRED\n")),
            "t.profile:5:1: HOTSTANDBY needs exactly one PREFERRED DESTIP, found 2");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD HOTSTANDBY 198.18.10.1 PORT 80 DESTIP 198.18.0.2 BACKUP 1\n")),
            "t.profile:5:1: HOTSTANDBY needs exactly one PREFERRED DESTIP, found 0");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD HOTSTANDBY 198.18.10.1 PORT 80 DESTIP 198.18.0.2 PREFERRED 198.18.0.3\n")),
            "t.profile:6:1: DESTIP 198.18.0.3 needs PREFERRED or BACKUP rank under HOTSTANDBY, found 'ENDVIPADYNAMIC'");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD HOTSTANDBY 198.18.10.1 PORT 80 DESTIP ALL\n")),
            "t.profile:5:1: HOTSTANDBY needs DESTIP addresses (one PREFERRED, the rest BACKUP rank), not DESTIP ALL");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD WEIGHTEDACTIVE 198.18.10.1 PORT 80 DESTIP 198.18.0.2 WEIGHT 101\n")),
            "t.profile:5:87: WEIGHT must be 1-100, found 101");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 8010-8000 DESTIP ALL\n")),
            "t.profile:5:33: port range 8010-8000 must not run backwards (first <= last)");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 0 DESTIP ALL\n")),
            "t.profile:5:33: expected a port (a port 1-65535 or a range p-q), found '0'");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 80-90 85 DESTIP ALL\n")), "t.profile:5:39: port 85 is listed twice");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 85 80-90 DESTIP ALL\n")), "t.profile:5:36: port 85 is listed twice");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 80 DESTIP 2001:db8::2\n")),
            "t.profile:5:43: DESTIP 2001:db8::2 is not the family of DVIPA 198.18.10.1");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 PORT 80 DESTIP 198.18.0.2 198.18.0.2\n")),
            "t.profile:5:54: DESTIP 198.18.0.2 is listed twice");
  EXPECT_EQ(parse_error(vipa(d + "198.18.10.1 DESTIP ALL\n")), "t.profile:5:28: expected PORT after the DVIPA address, found 'DESTIP'");
  EXPECT_EQ(parse_error(vipa(d + "DISTMETHOD LEASTCONN 198.18.10.1 PORT 80 DESTIP ALL\n")),
            "t.profile:5:27: expected ROUNDROBIN, WEIGHTEDACTIVE, BASEWLM, SERVERWLM or HOTSTANDBY after DISTMETHOD, found "
            "'LEASTCONN'");
}

TEST(VipaDistribute, PortsOfOneDvipaAreDistributedOnce) {
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 8000-8010 DESTIP ALL\n"
                                       "VIPADISTRIBUTE 198.18.10.1 PORT 80 8005 DESTIP ALL\n")),
            "t.profile:6:1: port 8005 of DVIPA 198.18.10.1 is already distributed by the VIPADISTRIBUTE at line 5");
}

TEST(VipaDistribute, DeleteAllOrSomePortsSplittingRanges) {
  const std::string two = kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 80 8000-8010 DESTIP ALL\n"
                                    "VIPADISTRIBUTE 198.18.10.1 PORT 443 DESTIP 198.18.0.2\n";
  EXPECT_TRUE(parse_ok(vipa(two + "VIPADISTRIBUTE DELETE 198.18.10.1\n")).vipadynamic.distributes.empty());
  Profile p = parse_ok(vipa(two + "VIPADISTRIBUTE DELETE 198.18.10.1 PORT 80 8003-8004 443\n"));
  ASSERT_EQ(p.vipadynamic.distributes.size(), 1u);
  const auto& ports = p.vipadynamic.distributes[0].ports;
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].first, 8000);
  EXPECT_EQ(ports[0].last, 8002);
  EXPECT_EQ(ports[1].first, 8005);
  EXPECT_EQ(ports[1].last, 8010);
}

TEST(VipaDistribute, DeleteErrors) {
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPADISTRIBUTE DELETE 198.18.10.1\n")),
            "t.profile:5:1: VIPADISTRIBUTE DELETE 198.18.10.1: no earlier VIPADISTRIBUTE for it");
  EXPECT_EQ(parse_error(vipa(kDefine + "VIPADISTRIBUTE 198.18.10.1 PORT 80-85 DESTIP ALL\n"
                                       "VIPADISTRIBUTE DELETE 198.18.10.1 PORT 84-86\n")),
            "t.profile:6:1: VIPADISTRIBUTE DELETE 198.18.10.1 PORT 84-86: not every port there is distributed");
}

TEST(VipaRoute, DefineAndDelete) {
  Profile p = parse_ok(vipa("VIPAROUTE DEFINE 198.18.0.2 198.18.1.2\nVIPAROUTE 2001:db8::2 2001:db8:1::2\n"
                            "VIPAROUTE DEFINE 198.18.0.3 198.18.1.3\nVIPAROUTE DELETE 198.18.0.2 198.18.1.2\n"));
  const auto& r = p.vipadynamic.routes;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].xcf_addr, ip("2001:db8::2"));
  EXPECT_EQ(r[0].target_addr, ip("2001:db8:1::2"));
  EXPECT_EQ(r[1].xcf_addr, ip("198.18.0.3"));
  EXPECT_EQ(r[1].pos.line, 6u);
}

TEST(VipaRoute, Errors) {
  EXPECT_EQ(parse_error(vipa("VIPAROUTE DEFINE 198.18.0.2 2001:db8:1::2\n")),
            "t.profile:4:1: VIPAROUTE addresses must be of one family, found 198.18.0.2 and 2001:db8:1::2");
  EXPECT_EQ(parse_error(vipa("VIPAROUTE DELETE 198.18.0.2 198.18.1.2\n")),
            "t.profile:4:1: VIPAROUTE DELETE 198.18.0.2 198.18.1.2: no earlier VIPAROUTE DEFINE for it");
  EXPECT_EQ(parse_error(vipa("VIPAROUTE 198.18.0.2 198.18.1.2\nVIPAROUTE 198.18.0.2 198.18.1.9\n")),
            "t.profile:5:1: VIPAROUTE for 198.18.0.2 already defined at line 4");
  EXPECT_EQ(parse_error(vipa("VIPAROUTE 198.18.0.2\n")),
            "t.profile:5:1: expected the address to route to for that target, found 'ENDVIPADYNAMIC'");
}

TEST(VipaDynamic, SeveralBlocksAccumulate) {
  Profile p = parse_ok(kHead + "VIPADYNAMIC\n" + kDefine + "ENDVIPADYNAMIC\nWORKERS 2\nVIPADYNAMIC\n"
                               "VIPADISTRIBUTE 198.18.10.1 PORT 80 DESTIP ALL\nENDVIPADYNAMIC\n");
  EXPECT_EQ(p.vipadynamic.defines.size(), 1u);
  EXPECT_EQ(p.vipadynamic.distributes.size(), 1u);
  EXPECT_EQ(p.workers, 2);
}

TEST(VipaDynamic, BlockStructureErrors) {
  EXPECT_EQ(parse_error(kHead + "VIPADYNAMIC\n" + kDefine),
            "t.profile:4:37: ENDVIPADYNAMIC missing for VIPADYNAMIC opened at line 3");
  EXPECT_EQ(parse_error(kHead + "VIPADYNAMIC\n" + kDefine + "WORKERS 2\n"),
            "t.profile:5:1: ENDVIPADYNAMIC missing for VIPADYNAMIC opened at line 3");
  EXPECT_EQ(parse_error(kHead + kDefine), "t.profile:3:1: VIPADEFINE belongs between VIPADYNAMIC and ENDVIPADYNAMIC");
  EXPECT_EQ(parse_error(kHead + "ENDVIPADYNAMIC\n"), "t.profile:3:1: ENDVIPADYNAMIC without a matching VIPADYNAMIC");
  EXPECT_EQ(parse_error(vipa("VIPADEFNE 255.255.255.0 198.18.10.1\n")), "t.profile:4:1: unknown statement 'VIPADEFNE'");
  EXPECT_EQ(parse_error(vipa("IPSECRULE * * PERMIT\n")), "t.profile:4:1: IPSECRULE belongs between IPSEC and ENDIPSEC");
  EXPECT_EQ(parse_error(kHead + "VIPADYNAMIC " + kDefine + "ENDVIPADYNAMIC\n"),
            "t.profile:3:13: unexpected 'VIPADEFINE' after the VIPADYNAMIC statement");
}

}  // namespace
}  // namespace sysplex::config
