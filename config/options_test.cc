#include "config/options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "config/profile_parser.h"
#include "config/profile_print.h"

namespace sysplex::config {
namespace {

Result<Options> parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"sysplexd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(int(argv.size()), argv.data());
}

std::string error_of(std::initializer_list<const char*> args) {
  Result<Options> r = parse(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(Options, DefaultsWithAProfile) {
  Result<Options> r = parse({"-p", "node.profile"});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->profile, "node.profile");
  EXPECT_FALSE(r->check);
  EXPECT_TRUE(r->eal_args.empty());
  EXPECT_EQ(r->log_level, "info");
  EXPECT_TRUE(r->telemetry);
  EXPECT_EQ(r->demo, "");
  EXPECT_EQ(r->run_seconds, 0u);
  EXPECT_TRUE(r->status_line);
  EXPECT_FALSE(r->help);
  EXPECT_EQ(parse({"--profile=node.profile"})->profile, "node.profile");
  EXPECT_EQ(parse({"--profile", "node.profile"})->profile, "node.profile");
}

TEST(Options, CheckSetsCheckAndProfile) {
  Result<Options> r = parse({"--check", "node.profile"});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->check);
  EXPECT_EQ(r->profile, "node.profile");
  EXPECT_TRUE(parse({"--check", "a.profile", "-p", "a.profile"})->check);
  EXPECT_EQ(error_of({"--check", "a.profile", "-p", "b.profile"}),
            "--profile b.profile and --check a.profile name different files; give one");
}

TEST(Options, EalArgumentsAreSplitOnBlanksAndAppended) {
  Result<Options> r = parse({"-p", "x", "--eal", "-l 0-1  --no-pci", "--eal=--vdev=net_ring0", "--eal", "\t-n 4 "});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->eal_args, (std::vector<std::string>{"-l", "0-1", "--no-pci", "--vdev=net_ring0", "-n", "4"}));
}

TEST(Options, LogLevels) {
  for (const char* level : {"error", "warning", "info", "debug", "keylog"})
    EXPECT_EQ(parse({"-p", "x", "--log-level", level})->log_level, level);
  EXPECT_EQ(error_of({"-p", "x", "--log-level", "verbose"}),
            "--log-level 'verbose' is not one of error, warning, info, debug or keylog");
}

TEST(Options, SwitchesTurnThingsOff) {
  Result<Options> r = parse({"-p", "x", "--no-telemetry", "--no-status"});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->telemetry);
  EXPECT_FALSE(r->status_line);
}

TEST(Options, DemoWithAndWithoutName) {
  EXPECT_EQ(parse({"--demo"})->demo, "sysplex");
  EXPECT_EQ(parse({"--demo", "ipsec"})->demo, "ipsec");
  EXPECT_EQ(parse({"--demo=distributor", "--seconds", "5"})->demo, "distributor");
  EXPECT_EQ(parse({"--demo", "--seconds", "5"})->run_seconds, 5u);
  EXPECT_EQ(error_of({"--demo", ""}), "--demo needs a name, or none for the sysplex demo");
  EXPECT_EQ(error_of({"--check", "x", "--demo"}), "--check checks a profile and cannot be combined with --demo");
}

TEST(Options, Seconds) {
  EXPECT_EQ(parse({"-p", "x", "--seconds", "4294967295"})->run_seconds, 4294967295u);
  EXPECT_EQ(error_of({"-p", "x", "--seconds", "-5"}), "--seconds '-5' is not a whole number of seconds (0-4294967295)");
  EXPECT_EQ(error_of({"-p", "x", "--seconds", "4294967296"}),
            "--seconds '4294967296' is not a whole number of seconds (0-4294967295)");
  EXPECT_EQ(error_of({"-p", "x", "--seconds", "1m"}), "--seconds '1m' is not a whole number of seconds (0-4294967295)");
}

TEST(Options, HelpNeedsNothingElse) {
  for (const char* flag : {"-h", "--help"}) {
    Result<Options> r = parse({flag});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->help);
    for (const char* option : {"--profile", "--check", "--eal", "--log-level", "--no-telemetry", "--demo", "--seconds",
                               "--no-status", "--help"})
      EXPECT_NE(r->help_text.find(option), std::string::npos) << option;
  }
}

TEST(Options, BadCommandLinesSayWhatIsWrong) {
  EXPECT_EQ(error_of({}), "no profile given: use -p FILE, --check FILE or --demo [NAME]");
  EXPECT_EQ(error_of({"-p", "x", "--bogus"}), "unrecognised option '--bogus'; see sysplexd --help");
  EXPECT_EQ(error_of({"-p"}), "the required argument for option '--profile' is missing; see sysplexd --help");
  EXPECT_EQ(error_of({"-p", "x", "--prof", "y"}), "unrecognised option '--prof'; see sysplexd --help");
  EXPECT_EQ(error_of({"-p", "x", "stray"}), "unexpected argument 'stray'; the profile goes after -p");
  EXPECT_EQ(error_of({"-p", "x", "-p", "y"}), "option '--profile' cannot be specified more than once; see sysplexd --help");
  EXPECT_EQ(error_of({"-p", ""}), "the profile file name is empty");
}

// What `sysplexd --check FILE` does: the file named by the option parses, and its canonical form
// parses back to the same canonical form.
TEST(Options, CheckRoundTripOnAnExample) {
  Result<Options> opts = parse({"--check", "examples/distributor.profile"});
  ASSERT_TRUE(opts) << opts.error().to_string();
  ParseOutcome first = parse_profile_file(opts->profile);
  ASSERT_TRUE(first) << first.error_text();
  std::string canonical = normalise(first.profile());
  ParseOutcome second = parse_profile_text(canonical, opts->profile);
  ASSERT_TRUE(second) << second.error_text();
  EXPECT_EQ(normalise(second.profile()), canonical);
}

}  // namespace
}  // namespace sysplex::config
