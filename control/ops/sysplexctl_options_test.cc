#include "control/ops/sysplexctl_options.h"

#include "control/ops/sysplexctl_format.h"

#include <vector>

#include <gtest/gtest.h>

namespace sysplex::ops {
namespace {

Result<CtlOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "sysplexctl");
  return parse_ctl_options(int(args.size()), args.data());
}

std::string error_of(std::vector<const char*> args) {
  Result<CtlOptions> r = parse(std::move(args));
  return r.ok() ? "parsed" : r.error().message;
}

TEST(SysplexctlOptions, ADisplayWithDefaults) {
  Result<CtlOptions> r = parse({"ports"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, "ports");
  EXPECT_EQ(r->node, "");
  EXPECT_EQ(r->where.prefix, "");
  EXPECT_EQ(r->where.socket, "");
  EXPECT_FALSE(r->json);
  EXPECT_FALSE(r->watch);
}

TEST(SysplexctlOptions, EveryOptionAnywhereOnTheLine) {
  Result<CtlOptions> r = parse({"watch", "--prefix", "sysplex-SYS1", "counters", "-n", "sys#1", "-i", "0.5", "--json"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->watch);
  EXPECT_EQ(r->command, "counters");
  EXPECT_EQ(r->where.prefix, "sysplex-SYS1");
  EXPECT_EQ(r->node, "SYS#1");
  EXPECT_EQ(r->interval_s, 0.5);
  EXPECT_TRUE(r->json);
}

TEST(SysplexctlOptions, RawTakesOneTelemetryCommand) {
  Result<CtlOptions> r = parse({"--socket", "/tmp/t.sock", "raw", "/ethdev/stats,0"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, "raw");
  EXPECT_EQ(r->raw_command, "/ethdev/stats,0");
  EXPECT_EQ(r->where.socket, "/tmp/t.sock");
  EXPECT_EQ(error_of({"raw"}), "raw takes one telemetry command, for example: raw /ethdev/list");
  EXPECT_EQ(error_of({"raw", "ethdev/list"}),
            "raw's command starts with '/' (for example /ethdev/list), not 'ethdev/list'");
  EXPECT_EQ(error_of({"raw", "/a", "/b"}), "raw takes one telemetry command, for example: raw /ethdev/list");
  EXPECT_EQ(error_of({"-n", "SYS1", "raw", "/a"}), "-n does not apply to raw: append ,NODE to its command");
}

TEST(SysplexctlOptions, AnotherLowerCaseWordIsADisplayToShowAsJson) {
  Result<CtlOptions> r = parse({"samonitor", "x=1"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, "samonitor");
  EXPECT_EQ(r->args, std::vector<std::string>{"x=1"});
}

// The list of commands is the display registry's, in its order (checked in sysplexctl_format_test).
std::string all_commands() {
  std::string words;
  for (const Display& d : displays()) words += (words.empty() ? "" : " ") + std::string(d.name);
  return words;
}

TEST(SysplexctlOptions, BadCommands) {
  EXPECT_EQ(all_commands().substr(0, 53), "nodes ports counters drops lcores neighbors pool rout");
  EXPECT_EQ(error_of({}), "no command given; one of: " + all_commands() + ", or raw /telemetry/command");
  EXPECT_EQ(error_of({"watch"}), "watch needs a command to repeat; one of: " + all_commands() + ", or raw /telemetry/command");
  EXPECT_EQ(error_of({"Ports"}), "'Ports' is not a command; one of: " + all_commands() + ", or raw /telemetry/command");
  EXPECT_EQ(error_of({"ports", "lan0"}), "unexpected 'lan0' after ports");
  EXPECT_EQ(error_of({std::string(46, 'a').c_str()}).substr(0, 4), "'aaa");
}

TEST(SysplexctlOptions, WhereToConnect) {
  EXPECT_EQ(error_of({"--prefix", "p", "--socket", "/s", "ports"}), "give --prefix or --socket, not both");
  EXPECT_EQ(error_of({"--prefix", "", "ports"}), "--prefix and --socket need a non-empty value");
}

TEST(SysplexctlOptions, NodeNames) {
  EXPECT_EQ(error_of({"-n", "toolongname", "ports"}), "-n 'TOOLONGNAME' is not a node name (1-8 of A-Z 0-9 @ # $)");
  EXPECT_EQ(error_of({"-n", "SYS1,SYS2", "ports"}), "-n 'SYS1,SYS2' is not a node name (1-8 of A-Z 0-9 @ # $)");
  EXPECT_EQ(error_of({"-n", "SYS1", "nodes"}), "nodes takes no -n");
  EXPECT_EQ(parse({"-n", "sys1", "vdpt"})->node, "SYS1");
}

TEST(SysplexctlOptions, WatchInterval) {
  EXPECT_EQ(parse({"watch", "ports"})->interval_s, 1.0);
  EXPECT_EQ(error_of({"-i", "2", "ports"}), "-i sets the interval of watch: sysplexctl watch -i SECS COMMAND");
  EXPECT_EQ(error_of({"watch", "-i", "0.01", "ports"}), "-i '0.01' is not a number of seconds from 0.1 to 3600");
  EXPECT_EQ(error_of({"watch", "-i", "2s", "ports"}), "-i '2s' is not a number of seconds from 0.1 to 3600");
  EXPECT_EQ(error_of({"watch", "-i", "nan", "ports"}), "-i 'nan' is not a number of seconds from 0.1 to 3600");
}

TEST(SysplexctlOptions, UnknownAndAbbreviatedOptionsAreRefused) {
  EXPECT_EQ(error_of({"--pre", "x", "ports"}), "unrecognised option '--pre'; see sysplexctl --help");
  EXPECT_EQ(error_of({"--node"}), "the required argument for option '--node' is missing; see sysplexctl --help");
}

TEST(SysplexctlOptions, HelpNeedsNothingElse) {
  Result<CtlOptions> r = parse({"--help"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->help);
  EXPECT_NE(r->help_text.find("Usage: sysplexctl [--prefix P | --socket PATH] [-n NODE] [--json] COMMAND\n"),
            std::string::npos);
  EXPECT_NE(r->help_text.find("Commands: " + all_commands() + "\n"), std::string::npos);
}

}  // namespace
}  // namespace sysplex::ops
