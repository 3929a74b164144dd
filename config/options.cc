// Boost.Program_options does the tokenising; every value is taken as a string and checked here, so
// each message can name the option, the bad value and what is accepted (and "-5" never wraps).
#include "config/options.h"

#include <array>
#include <sstream>

#include <boost/program_options.hpp>

#include "config/profile_values.h"

namespace sysplex::config {
namespace {

namespace po = boost::program_options;

constexpr std::array<std::string_view, 5> kLogLevels = {"error", "warning", "info", "debug", "keylog"};

po::options_description describe() {
  po::options_description d("Usage: sysplexd -p FILE [options]\n       sysplexd --check FILE\n       sysplexd --demo [NAME]\nOptions");
  d.add_options()
      ("profile,p", po::value<std::string>()->value_name("FILE"), "run the node described by this profile")
      ("check", po::value<std::string>()->value_name("FILE"), "parse the profile, print its canonical form and exit")
      ("eal", po::value<std::vector<std::string>>()->value_name("\"ARGS\""),
       "DPDK EAL arguments, split on blanks; repeatable, appended in order")
      ("log-level", po::value<std::string>()->value_name("LEVEL"), "error, warning, info (default), debug or keylog")
      ("no-telemetry", "do not serve DPDK telemetry")
      ("demo", po::value<std::string>()->value_name("NAME")->implicit_value("sysplex"),
       "run a self-contained demo: sysplex (default: three nodes, live view), tour (the same with timed drills), single")
      ("seconds", po::value<std::string>()->value_name("N"), "stop after N seconds (default 0: run until signalled)")
      ("no-status", "do not print the status line")
      ("help,h", "show this help");
  return d;
}

std::string help_text(const po::options_description& d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

std::vector<std::string> split_blanks(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

Status check_log_level(const std::string& level) {
  for (std::string_view known : kLogLevels)
    if (level == known) return ok_status();
  return make_error(Errc::kInvalidArgument, "--log-level '" + level + "' is not one of " + join_alternatives(kLogLevels));
}

Result<uint32_t> parse_seconds(const std::string& text) {
  auto n = parse_decimal(text);
  if (!n || *n > UINT32_MAX)
    return make_error(Errc::kInvalidArgument, "--seconds '" + text + "' is not a whole number of seconds (0-4294967295)");
  return uint32_t(*n);
}

Status set_profile(const po::variables_map& vm, Options& o) {
  std::string run = vm.count("profile") ? vm["profile"].as<std::string>() : "";
  std::string check = vm.count("check") ? vm["check"].as<std::string>() : "";
  if (!run.empty() && !check.empty() && run != check)
    return make_error(Errc::kInvalidArgument, "--profile " + run + " and --check " + check + " name different files; give one");
  o.check = vm.count("check") > 0;
  o.profile = o.check ? check : run;
  if ((vm.count("profile") || o.check) && o.profile.empty())
    return make_error(Errc::kInvalidArgument, "the profile file name is empty");
  return ok_status();
}

Status set_demo(const po::variables_map& vm, Options& o) {
  if (!vm.count("demo")) return ok_status();
  o.demo = vm["demo"].as<std::string>();
  if (o.demo.empty()) return make_error(Errc::kInvalidArgument, "--demo needs a name, or none for the sysplex demo");
  if (o.check) return make_error(Errc::kInvalidArgument, "--check checks a profile and cannot be combined with --demo");
  return ok_status();
}

Status set_values(const po::variables_map& vm, Options& o) {
  if (vm.count("eal"))
    for (const std::string& args : vm["eal"].as<std::vector<std::string>>())
      for (std::string& word : split_blanks(args)) o.eal_args.push_back(std::move(word));
  if (vm.count("log-level")) o.log_level = vm["log-level"].as<std::string>();
  if (Status s = check_log_level(o.log_level); !s) return s;
  if (vm.count("seconds")) {
    auto seconds = parse_seconds(vm["seconds"].as<std::string>());
    if (!seconds) return seconds.error();
    o.run_seconds = *seconds;
  }
  o.telemetry = vm.count("no-telemetry") == 0;
  o.status_line = vm.count("no-status") == 0;
  return ok_status();
}

Result<Options> from_variables(const po::variables_map& vm) {
  Options o;
  if (Status s = set_profile(vm, o); !s) return s.error();
  if (Status s = set_demo(vm, o); !s) return s.error();
  if (Status s = set_values(vm, o); !s) return s.error();
  if (o.profile.empty() && o.demo.empty())
    return make_error(Errc::kInvalidArgument, "no profile given: use -p FILE, --check FILE or --demo [NAME]");
  return o;
}

// Guessing abbreviations is off: `--dem` would silently mean --demo today and break tomorrow.
constexpr int kStyle = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

}  // namespace

Result<Options> parse_options(int argc, const char* const* argv) {
  try {
    po::options_description d = describe();
    po::parsed_options parsed = po::command_line_parser(argc, argv).options(d).style(kStyle).run();
    auto stray = po::collect_unrecognized(parsed.options, po::include_positional);
    if (!stray.empty())
      return make_error(Errc::kInvalidArgument, "unexpected argument '" + stray.front() + "'; the profile goes after -p");
    po::variables_map vm;
    po::store(parsed, vm);
    if (vm.count("help")) {
      Options o;
      o.help = true;
      o.help_text = help_text(d);
      return o;
    }
    return from_variables(vm);
  } catch (const po::error& e) {
    return make_error(Errc::kInvalidArgument, std::string(e.what()) + "; see sysplexd --help");
  } catch (const std::exception& e) {
    return make_error(Errc::kInternal, std::string("reading the command line: ") + e.what());
  }
}

}  // namespace sysplex::config
