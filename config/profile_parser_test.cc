// The parser as a whole: lexical rules in context, defaults, error recovery and reporting, files.
#include "config/profile_parser.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/profile_test_util.h"
#include "config/test_temp_dir.h"

namespace sysplex::config {
namespace {

TEST(ProfileParser, MinimalProfileGetsTheZosDefaults) {
  Profile p = parse_ok(kHead);
  EXPECT_EQ(p.source, "t.profile");
  EXPECT_EQ(p.node_name, "SYS1");
  EXPECT_TRUE(p.ports.empty());
  EXPECT_TRUE(p.routes.empty());
  EXPECT_EQ(p.store.kind, StoreKind::kEmbedded);
  EXPECT_EQ(p.group.name, "EZBTCPCS");
  EXPECT_EQ(p.group.key_file, "");
  EXPECT_EQ(p.pool.mbufs, 16383u);
  EXPECT_EQ(p.workers, 1);
  const SysplexMonitor& m = p.global.monitor;
  EXPECT_FALSE(m.auto_rejoin);
  EXPECT_EQ(m.join, JoinMode::kNoDelayJoin);
  EXPECT_FALSE(m.mon_interface);
  EXPECT_FALSE(m.recovery);
  EXPECT_EQ(m.timer_secs, 60u);
  EXPECT_EQ(m.constrained_pct, 80);
  EXPECT_EQ(m.critical_pct, 95);
  EXPECT_EQ(m.relief_pct, 70);
  EXPECT_EQ(p.global.adjust_mss, MssMode::kAuto);
  EXPECT_EQ(p.global.target_cache.steady_secs, 60u);
  EXPECT_TRUE(p.vipadynamic.defines.empty());
  EXPECT_FALSE(p.ipsec.present);
}

TEST(ProfileParser, NodeNameAndNodeAddrAreRequired) {
  EXPECT_EQ(parse_errors(""), (std::vector<std::string>{"t.profile:1:1: NODENAME is required",
                                                         "t.profile:1:1: at least one NODEADDR is required"}));
  EXPECT_EQ(parse_error("NODEADDR 198.18.0.1\n"), "t.profile:1:1: NODENAME is required");
}

TEST(ProfileParser, KeywordsAreCaseInsensitiveNamesAreNot) {
  Profile p = parse_ok("NodeName sys1\nnodeaddr 198.18.0.1\nport Lan0 device Net_Ring0 mtu 9000 trusted\n"
                       "PortAddr Lan0 198.18.1.1/24\nRoute Default Via 198.18.1.254 Port Lan0\n");
  EXPECT_EQ(p.ports.at(0).name, "Lan0");
  EXPECT_EQ(p.ports.at(0).device, "Net_Ring0");
  EXPECT_EQ(p.ports.at(0).mtu, 9000);
  EXPECT_EQ(p.routes.at(0).port, "Lan0");
  EXPECT_EQ(parse_error(kHead + "PORT Lan0 DEVICE net_ring0\nTAP sp0 PORT lan0\n"),
            "t.profile:4:1: TAP names port 'lan0', which no PORT statement defines");
}

TEST(ProfileParser, StatementsAreFreeFormAcrossAndWithinLines) {
  Profile p = parse_ok("NODENAME SYS1 NODEADDR 198.18.0.1 WORKERS\n\n   4\nPORT lan0\n DEVICE\n \"net_ring0\"\n MTU\n 9000\n");
  EXPECT_EQ(p.workers, 4);
  EXPECT_EQ(p.ports.at(0).mtu, 9000);
  EXPECT_EQ(p.ports.at(0).pos.line, 4u);
}

TEST(ProfileParser, CommentsAndContinuations) {
  Profile p = parse_ok("; a z/OS style comment\n# and a shell style one\nNODENAME SYS#1 # SYS#1 is a name\n"
                       "NODEADDR 198.18.0.1 ; the XCF address\nPORT lan0 DEVICE \"net_ring0\" \\\n  MTU 9000 \\ ; more\n"
                       "  TRUSTED\n");
  EXPECT_EQ(p.node_name, "SYS#1");
  EXPECT_EQ(p.ports.at(0).mtu, 9000);
  EXPECT_TRUE(p.ports.at(0).trusted);
}

// On the statement's own (logical) line a stray word is a bad option; on a new line, a bad statement.
TEST(ProfileParser, UnknownOptionVersusUnknownStatement) {
  EXPECT_EQ(parse_error(kHead + "WORKERS 2 THREADS\n"), "t.profile:3:11: unexpected 'THREADS' after the WORKERS statement");
  EXPECT_EQ(parse_error(kHead + "WORKERS 2\nTHREADS\n"), "t.profile:4:1: unknown statement 'THREADS'");
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE x \\\n  MTUU 9000\n"),
            "t.profile:4:3: unknown PORT option 'MTUU'; expected MAC, RXQUEUES, TXQUEUES, RXDESC, TXDESC, MTU or TRUSTED");
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE x\n  MTUU 9000\n"), "t.profile:4:3: unknown statement 'MTUU'");
}

TEST(ProfileParser, QuotedDeviceStringsKeepCommasBlanksAndSemicolons) {
  Profile p = parse_ok(kHead + "PORT lan0 DEVICE \"net_pcap0,rx_pcap=/tmp/in put.pcap,tx_pcap=/tmp/out;1.pcap\"\n");
  EXPECT_EQ(p.ports.at(0).device, "net_pcap0,rx_pcap=/tmp/in put.pcap,tx_pcap=/tmp/out;1.pcap");
}

TEST(ProfileParser, AQuotedKeywordIsAName) {
  Profile p = parse_ok(kHead + "PORT \"ROUTE\" DEVICE net_ring0\nPORTADDR \"ROUTE\" 198.18.1.1/24\nTAP sp0 PORT \"ROUTE\"\n");
  EXPECT_EQ(p.ports.at(0).name, "ROUTE");
  EXPECT_EQ(p.tap->port, "ROUTE");
  EXPECT_EQ(parse_error(kHead + "TAP\nROUTE DEFAULT VIA 198.18.1.1\n"), "t.profile:4:1: expected a TAP interface name, found 'ROUTE'");
}

TEST(ProfileParser, ReportsSeveralErrorsInOneRunInFileOrder) {
  std::vector<std::string> errors = parse_errors(
      "NODENAME SYS1\n"                                         // 1
      "NODEADDR 198.18.0.1\n"                                   // 2
      "VIPADYNAMIC\n"                                           // 3
      "  VIPADEFNE 255.255.255.0 198.18.10.1\n"                 // 4
      "  VIPADEFINE 255.255.255.0 198.18.10.1\n"                // 5
      "  VIPABACKUP 300 198.18.10.2\n"                          // 6
      "  VIPADISTRIBUTE 198.18.10.1 PORT 80 DESTIPP 198.18.0.2\n"  // 7
      "PORT lan0 DEVICE \"net_ring0\" MTU 99999\n"              // 8
      "WORKERS 0\n"                                             // 9
      "IPSEC\n"                                                 // 10
      "  IPSECRULE 2001:db8::1 * PERMIT\n"                      // 11
      "ENDIPSEC\n"                                              // 12
      "NODENAME \"SYS2\n");                                     // 13
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "t.profile:4:3: unknown statement 'VIPADEFNE'",
                        "t.profile:6:14: VIPABACKUP rank must be 1-254, found 300",
                        "t.profile:7:38: expected DESTIP after PORT list, found 'DESTIPP'",
                        "t.profile:8:1: ENDVIPADYNAMIC missing for VIPADYNAMIC opened at line 3",
                        "t.profile:8:34: MTU must be 68-9600, found 99999",
                        "t.profile:9:9: WORKERS must be 1-64, found 0",
                        "t.profile:11:13: IPSECRULE takes IPv4 selectors, found 2001:db8::1",
                        "t.profile:13:1: NODENAME given twice; first at line 1",
                        "t.profile:13:10: unterminated quoted string; a quoted token must end on its own line",
                    }));
}

TEST(ProfileParser, StopsAfterFiftyErrors) {
  std::string text = kHead;
  for (int i = 0; i < 60; ++i) text += "NODEADDR 198.18.0.256\n";
  std::vector<std::string> errors = parse_errors(text);
  ASSERT_EQ(errors.size(), kMaxDiagnostics + 1);
  EXPECT_EQ(errors[kMaxDiagnostics - 1], "t.profile:52:10: expected a node address, found '198.18.0.256'");
  EXPECT_EQ(errors.back(), "t.profile:52:10: too many errors; stopped after 50");
}

TEST(ProfileParser, AnyErrorMeansNoProfile) {
  ParseOutcome bad = parse_profile_text(kHead + "TAP sp0\n", kTestFile);  // valid syntax, one cross-reference error
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error_text(), "t.profile:3:1: TAP needs a port to share, but no PORT is defined\n");
  ParseOutcome good = parse_profile_text(kHead, kTestFile);
  EXPECT_TRUE(good.ok());
  EXPECT_TRUE(good.errors().empty());
  EXPECT_EQ(good.error_text(), "");
}

// Checks across statements would mostly echo a syntax error (a PORT that failed to parse is then
// "undefined"), so they run only on a profile that parsed cleanly.
TEST(ProfileParser, CrossStatementChecksWaitForACleanParse) {
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE net_ring0 MTU 1\nTAP sp0 PORT lan0\n"),
            "t.profile:3:32: MTU must be 68-9600, found 1");
}

TEST(ProfileParser, MissingOrUnreadableFileIsOneDiagnosticAtLineZero) {
  TempDir dir;
  std::string missing = (dir.path() / "absent.profile").string();
  ParseOutcome r = parse_profile_file(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error_text(), missing + ":0:0: cannot read profile: No such file or directory\n");
  EXPECT_EQ(parse_profile_file(dir.path().string()).error_text(),
            dir.path().string() + ":0:0: cannot read profile: Is a directory\n");
}

TEST(ProfileParser, ParsesAFile) {
  TempDir dir;
  std::string path = dir.write("node.profile", kHead + "WORKERS 3\n");
  ParseOutcome r = parse_profile_file(path);
  ASSERT_TRUE(r) << r.error_text();
  EXPECT_EQ(r.profile().source, path);
  EXPECT_EQ(r.profile().workers, 3);
  EXPECT_EQ(parse_profile_file(dir.write("bad.profile", "WORKERS 0\n")).errors().at(0).pos.file, dir.path() / "bad.profile");
}

// Tests run in config/ (see CMakeLists.txt), so the shipped examples are at examples/.
TEST(ProfileParser, EveryExampleParses) {
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator("examples")) {
    if (entry.path().extension() != ".profile") continue;
    ParseOutcome r = parse_profile_file(entry.path().string());
    EXPECT_TRUE(r.ok()) << r.error_text();
    ++parsed;
  }
  EXPECT_GE(parsed, 3);
}

}  // namespace
}  // namespace sysplex::config
