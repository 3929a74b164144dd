#include "config/profile_print.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/profile_test_util.h"
#include "config/test_temp_dir.h"

namespace sysplex::config {
namespace {

// normalise(p) must re-parse, and print the same again.
void expect_round_trip(const Profile& profile) {
  std::string canonical = normalise(profile);
  ParseOutcome again = parse_profile_text(canonical, "canonical.profile");
  ASSERT_TRUE(again) << again.error_text() << "---\n" << canonical;
  EXPECT_EQ(normalise(again.profile()), canonical);
}

TEST(ProfilePrint, MinimalProfileMakesEveryDefaultExplicit) {
  EXPECT_EQ(normalise(parse_ok(kHead)),
            "NODENAME SYS1\n"
            "NODEADDR 198.18.0.1\n"
            "STORE EMBEDDED\n"
            "GROUP EZBTCPCS HEARTBEATMS 100 MISSCOUNT 3\n"
            "MEMPOOL MBUFS 16383 CACHE 256 DATAROOM 2176\n"
            "WORKERS 1\n"
            "ADJUSTDVIPAMSS AUTO\n"
            "TARGETCACHE STEADY 60 FAST 5 5 15 35 60\n"
            "CONNTABLE ENTRIES 1048576 SYNTIMEOUT 60 IDLETIMEOUT 3600 FINTIMEOUT 120 RSTTIMEOUT 10\n"
            "ROUTESOURCE BOTH HEARTBEATMS 5000\n"
            "GLOBALCONFIG SYSPLEXMONITOR NOAUTOREJOIN NODELAYJOIN NOMONINTERFACE NORECOVERY TIMERSECS 60 "
            "BUFCONSTRAINED 80 BUFCRITICAL 95 BUFRELIEF 70\n");
}

TEST(ProfilePrint, CanonicalFormOfEachStatement) {
  std::string text = normalise(parse_ok(
      "nodename sys1 nodeaddr 198.18.0.1\n"
      "port lan0 device net_ring0 mac 02:00:5E:12:00:01 trusted\nportaddr lan0 198.18.1.1/24 vlan 7\n"
      "route default via 198.18.1.254\nroute default6 port lan0\nroute 198.18.64.0/18 via 198.18.1.253 metric 3\n"
      "neighbor 198.18.1.254 02-00-5e-12-00-fe\ntap sp0\nstore etcd http://198.18.0.10:2379\n"
      "globalconfig sysplexmonitor moninterface\n"
      "vipadynamic\n vipadefine /24 198.18.10.1\n vipadefine /64 2001:db8:10::1\n vipabackup 9 198.18.12.1\n"
      " vipadistribute distmethod hotstandby 198.18.10.1 port 80 8000-8001 destip 198.18.0.2 preferred 198.18.0.3 backup 4\n"
      " viparoute 198.18.0.2 198.18.1.2\nendvipadynamic\n"
      "ipsec\n ipsecrule 198.18.1.0/24 198.18.2.1-198.18.2.9 protocol tcp destport 22\n ipsec6rule * 2001:db8::1 deny\n"
      "endipsec\n"));
  for (const char* line : {
           "PORT lan0 DEVICE \"net_ring0\" MAC 02:00:5e:12:00:01 RXQUEUES 0 TXQUEUES 0 RXDESC 1024 TXDESC 1024 MTU 1500 TRUSTED\n",
           "PORTADDR lan0 198.18.1.1/24 VLAN 7\n",
           "ROUTE DEFAULT VIA 198.18.1.254 METRIC 0\n",
           "ROUTE DEFAULT6 PORT lan0 METRIC 0\n",
           "ROUTE 198.18.64.0/18 VIA 198.18.1.253 METRIC 3\n",
           "NEIGHBOR 198.18.1.254 02:00:5e:12:00:fe\n",
           "TAP sp0\n",
           "STORE ETCD \"http://198.18.0.10:2379\" LEASEMS 3000\n",
           " MONINTERFACE DYNROUTE ",
           "VIPADYNAMIC\n  VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.0 198.18.10.1\n",
           "  VIPADEFINE MOVEABLE IMMEDIATE /64 2001:db8:10::1\n",
           "  VIPABACKUP 9 MOVEABLE IMMEDIATE 198.18.12.1\n",
           "  VIPADISTRIBUTE DEFINE DISTMETHOD HOTSTANDBY AUTOSWITCHBACK HEALTHSWITCH TIMEDAFFINITY 0 198.18.10.1 PORT 80 "
           "8000-8001 DESTIP 198.18.0.2 PREFERRED 198.18.0.3 BACKUP 4\n",
           "  VIPAROUTE DEFINE 198.18.0.2 198.18.1.2\nENDVIPADYNAMIC\n",
           "IPSEC LOGENABLE NOLOGIMPLICIT\n",
           "  IPSECRULE 198.18.1.0/24 198.18.2.1-198.18.2.9 NOLOG PROTOCOL TCP SRCPORT 0 65535 DESTPORT 22 ROUTING EITHER "
           "DIRECTION BIDIRECTIONAL PERMIT\n",
           "  IPSEC6RULE * 2001:db8::1 NOLOG PROTOCOL * ROUTING EITHER DIRECTION BIDIRECTIONAL DENY\nENDIPSEC\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << text;
}

// Every statement and option, with key files on disk since IPSECSA and GROUP check them at parse.
TEST(ProfilePrint, FullProfileRoundTrips) {
  TempDir dir;
  std::string k20 = dir.write("sa20.key", test_key_hex(20)), k36 = dir.write("sa36.key", test_key_hex(36));
  std::string group_key = dir.write("group.key", test_key_hex(32));
  Profile p = parse_ok(
      "NODENAME SYS1\nNODEADDR 198.18.0.1\nNODEADDR 2001:db8::1\n"
      "PORT lan0 DEVICE \"net_af_packet0,iface=v0\" MAC 02:00:5e:12:00:01 RXQUEUES 2 TXQUEUES 3 RXDESC 512 TXDESC 256 "
      "MTU 9000 TRUSTED\nPORT lan1 DEVICE 0000:3b:00.0\n"
      "PORTADDR lan0 198.18.1.1/24 VLAN 10\nPORTADDR lan1 2001:db8:1::1/64\n"
      "ROUTE DEFAULT VIA 198.18.1.254 METRIC 1\nROUTE DEFAULT6 VIA 2001:db8:1::fe\nROUTE 198.18.99.0/24 PORT lan1\n"
      "NEIGHBOR 198.18.1.254 02:00:5e:12:00:fe\nNEIGHBOR 2001:db8:9::1 02:00:5e:12:00:fd PORT lan1\n"
      "TAP sp0 PORT lan1\nSTORE ETCD http://198.18.0.10:2379 https://198.18.0.11:2379 LEASEMS 1500\n"
      "GROUP PLEX1 KEYFILE " + group_key + " HEARTBEATMS 250 MISSCOUNT 4\n"
      "MEMPOOL MBUFS 4095 CACHE 64 DATAROOM 9216\nWORKERS 8\nADJUSTDVIPAMSS 1400\nTARGETCACHE STEADY 120 FAST 1 2 3\n"
      "GLOBALCONFIG SYSPLEXMONITOR AUTOREJOIN NOJOIN MONINTERFACE NODYNROUTE RECOVERY TIMERSECS 20 BUFCONSTRAINED 60 "
      "BUFCRITICAL 90 BUFRELIEF 40\n"
      "VIPADYNAMIC\n"
      "  VIPADEFINE MOVEABLE WHENIDLE 255.255.255.192 198.18.10.1\n  VIPADEFINE /64 2001:db8:10::1\n"
      "  VIPABACKUP 7 MOVEABLE WHENIDLE 198.18.12.1 198.18.12.2\n"
      "  VIPADISTRIBUTE DISTMETHOD WEIGHTEDACTIVE TIMEDAFFINITY 30 198.18.10.1 PORT 80 443 8000-8099 DESTIP 198.18.0.2 "
      "WEIGHT 3 198.18.0.3\n"
      "  VIPADISTRIBUTE DISTMETHOD HOTSTANDBY NOAUTOSWITCHBACK NOHEALTHSWITCH 198.18.12.1 PORT 25 DESTIP 198.18.0.2 "
      "BACKUP 9 198.18.0.3 PREFERRED\n"
      "  VIPADISTRIBUTE DISTMETHOD SERVERWLM 2001:db8:10::1 PORT 8080 DESTIP ALL\n"
      "  VIPAROUTE 198.18.0.2 198.18.1.2\n  VIPAROUTE 2001:db8::2 2001:db8:1::2\n"
      "ENDVIPADYNAMIC\n"
      "IPSEC DVIPSEC SEQBLOCK 4096 LOGDISABLE LOGIMPLICIT\n"
      "  IPSECRULE 198.18.1.0/24 198.18.2.7 LOG PROTOCOL UDP SRCPORT 500 DESTPORT 4500 4501 ROUTING ROUTED "
      "DIRECTION OUTBOUND PROTECT OUT1\n"
      "  IPSECRULE 198.18.3.1-198.18.3.9 * PROTOCOL ICMP TYPE 3 CODE 4 DIRECTION INBOUND DENY\n"
      "  IPSECRULE * * PROTOCOL 132\n"
      "  IPSEC6RULE 2001:db8:1::/64 * PROTOCOL ICMPV6 CODE 0 ROUTING LOCAL\n"
      "  IPSECSA OUT1 SPI 0xdeadbeef DIRECTION OUTBOUND MODE TRANSPORT ALGORITHM AES128GCM KEYFILE " + k20 +
      " LOCAL 198.18.1.1 REMOTE 198.18.2.7 ENCAP UDP DPORT 4501 ESN REPLAYWINDOW 0 SOFTBYTES 1 HARDBYTES 2 "
      "SOFTPACKETS 3 HARDPACKETS 4 SOFTSECS 5 HARDSECS 6 ENGINE IPSECMB TARGET SYS2\n"
      "  IPSECSA IN1 SPI 300 DIRECTION INBOUND MODE TUNNEL ALGORITHM CHACHA20POLY1305 KEYFILE " + k36 +
      " LOCAL 2001:db8:1::1 REMOTE 2001:db8:2::1 ENGINE SODIUM\n"
      "ENDIPSEC\n");
  expect_round_trip(p);
  std::string text = normalise(p);
  EXPECT_NE(text.find("SPI 0xdeadbeef"), std::string::npos);
  EXPECT_NE(text.find("KEYFILE \"" + k20 + "\""), std::string::npos);
  EXPECT_NE(text.find("IPSECRULE * * NOLOG PROTOCOL 132 "), std::string::npos);
  EXPECT_NE(text.find("ENCAP UDP SPORT 4500 DPORT 4501 ESN"), std::string::npos);
}

TEST(ProfilePrint, EveryExampleRoundTrips) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator("examples")) {
    if (entry.path().extension() != ".profile") continue;
    ParseOutcome r = parse_profile_file(entry.path().string());
    ASSERT_TRUE(r) << r.error_text();
    expect_round_trip(r.profile());
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(ProfilePrint, NamesAndStringsThatWouldBeMisreadAreQuoted) {
  Profile p = parse_ok("NODENAME \"#SYS1\"\nNODEADDR 198.18.0.1\nPORT \"ROUTE\" DEVICE \"net_pcap0,rx_pcap=\\\"a b\\\"\\\\x\"\n");
  std::string text = normalise(p);
  EXPECT_NE(text.find("NODENAME \"#SYS1\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("PORT \"ROUTE\" DEVICE \"net_pcap0,rx_pcap=\\\"a b\\\"\\\\x\" "), std::string::npos) << text;
  expect_round_trip(p);
}

TEST(ProfilePrint, ShowsTheResultOfDeletes) {
  Profile p = parse_ok(kHead + "VIPADYNAMIC\nVIPADEFINE /24 198.18.10.1\nVIPADEFINE /24 198.18.11.1\n"
                               "VIPADISTRIBUTE 198.18.11.1 PORT 80-82 DESTIP ALL\nVIPADISTRIBUTE DELETE 198.18.11.1 PORT 81\n"
                               "VIPAROUTE 198.18.0.2 198.18.1.2\nVIPAROUTE DELETE 198.18.0.2 198.18.1.2\n"
                               "VIPADELETE 198.18.10.1\nENDVIPADYNAMIC\n");
  std::string text = normalise(p);
  EXPECT_EQ(text.find("198.18.10.1"), std::string::npos) << text;
  EXPECT_EQ(text.find("VIPAROUTE"), std::string::npos) << text;
  EXPECT_NE(text.find("198.18.11.1 PORT 80 82 DESTIP ALL\n"), std::string::npos) << text;
}

TEST(ProfilePrint, NeverPrintsKeyMaterial) {
  TempDir dir;
  std::string key = dir.write("sa.key", "0badc0de0badc0de0badc0de0badc0de0badc0de\n");
  Profile p = parse_ok(kHead + "IPSEC\nIPSECSA S SPI 300 DIRECTION INBOUND MODE TUNNEL ALGORITHM AES128GCM KEYFILE " + key +
                       " LOCAL 198.18.1.1 REMOTE 198.18.1.2\nENDIPSEC\n");
  EXPECT_EQ(normalise(p).find("0badc0de"), std::string::npos);
}

}  // namespace
}  // namespace sysplex::config
