// Boost.Program_options does the tokenising; the words after the options (watch, the command, raw's
// argument) and every value are checked here, so each message names the bad word and the choices.
#include "control/ops/sysplexctl_options.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <boost/program_options.hpp>

#include "control/ops/sysplexctl_format.h"

namespace sysplex::ops {
namespace {

namespace po = boost::program_options;

constexpr double kMinWatchSeconds = 0.1;
constexpr double kMaxWatchSeconds = 3600;
// "/sysplexd/" + name must stay under DPDK's command length.
constexpr size_t kMaxDisplayName = kTelemetryMaxCommandLen - 1 - std::string_view("/sysplexd/").size();
constexpr size_t kMaxNodeName = 8;

std::string command_words() {
  std::string words;
  for (const Display& d : displays()) words += (words.empty() ? "" : " ") + std::string(d.name);
  return words;
}

po::options_description describe() {
  po::options_description d("Options");
  d.add_options()
      ("prefix", po::value<std::string>()->value_name("P"),
       "DPDK file prefix of the sysplexd to ask (default: the only sysplex-* one running)")
      ("socket", po::value<std::string>()->value_name("PATH"), "telemetry socket to ask, instead of a prefix")
      ("node,n", po::value<std::string>()->value_name("NODE"), "node to show (default: the process's only node)")
      ("json", "print each reply's data as one line of JSON")
      ("interval,i", po::value<std::string>()->value_name("SECS"), "watch: seconds between samples (default 1)")
      ("help,h", "show this help");
  return d;
}

std::string help_text(const po::options_description& d) {
  std::ostringstream out;
  out << "Usage: sysplexctl [--prefix P | --socket PATH] [-n NODE] [--json] COMMAND\n"
      << "       sysplexctl [options] watch [-i SECS] COMMAND\n"
      << "       sysplexctl [options] raw /telemetry/command[,PARAMS]\n"
      << "Commands: " << command_words() << "\n"
      << "  any other word W shows sysplexd's /sysplexd/W,NODE as JSON\n"
      << "watch re-prints every SECS until Ctrl-C, with per-second rates for counters.\n"
      << d;
  return out.str();
}

bool is_display_name(const std::string& word) {
  return !word.empty() && word.size() <= kMaxDisplayName && std::islower(static_cast<unsigned char>(word[0])) &&
         std::all_of(word.begin(), word.end(),
                     [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; });
}

// z/OS system names, as the profile's NODENAME: 1-8 of A-Z 0-9 @ # $, folded to upper case.
Result<std::string> node_name(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  bool valid = !text.empty() && text.size() <= kMaxNodeName &&
               std::all_of(text.begin(), text.end(),
                           [](unsigned char c) { return std::isupper(c) || std::isdigit(c) || c == '@' || c == '#' || c == '$'; });
  if (!valid)
    return make_error(Errc::kInvalidArgument, "-n '" + text + "' is not a node name (1-8 of A-Z 0-9 @ # $)");
  return text;
}

Result<double> watch_seconds(const std::string& text) {
  char* end = nullptr;
  double s = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(s >= kMinWatchSeconds && s <= kMaxWatchSeconds))
    return make_error(Errc::kInvalidArgument, "-i '" + text + "' is not a number of seconds from 0.1 to 3600");
  return s;
}

Status set_raw(const std::vector<std::string>& words, CtlOptions& o) {
  if (words.size() != 2)
    return make_error(Errc::kInvalidArgument, "raw takes one telemetry command, for example: raw /ethdev/list");
  if (words[1].empty() || words[1][0] != '/')
    return make_error(Errc::kInvalidArgument, "raw's command starts with '/' (for example /ethdev/list), not '" + words[1] + "'");
  o.raw_command = words[1];
  return ok_status();
}

Status set_command(std::vector<std::string> words, CtlOptions& o) {
  if (!words.empty() && words.front() == "watch") {
    o.watch = true;
    words.erase(words.begin());
  }
  if (words.empty())
    return make_error(Errc::kInvalidArgument, std::string(o.watch ? "watch needs a command to repeat" : "no command given") +
                                                  "; one of: " + command_words() + ", or raw /telemetry/command");
  o.command = words.front();
  if (o.command == "raw") return set_raw(words, o);
  if (!is_display_name(o.command) && !find_display(o.command))
    return make_error(Errc::kInvalidArgument, "'" + o.command + "' is not a command; one of: " + command_words() +
                                                  ", or raw /telemetry/command");
  const Display* d = find_display(o.command);
  if (words.size() > 1 && d != nullptr && d->args.empty())
    return make_error(Errc::kInvalidArgument, "unexpected '" + words[1] + "' after " + o.command);
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].empty() || words[i].find(',') != std::string::npos)
      return make_error(Errc::kInvalidArgument, "'" + words[i] + "' after " + o.command + " is not an argument" +
                                                    (d ? " (" + o.command + " takes " + std::string(d->args) + ")" : ""));
    o.args.push_back(words[i]);
  }
  return ok_status();
}

Status set_where(const po::variables_map& vm, CtlOptions& o) {
  if (vm.count("prefix") && vm.count("socket"))
    return make_error(Errc::kInvalidArgument, "give --prefix or --socket, not both");
  if (vm.count("prefix")) o.where.prefix = vm["prefix"].as<std::string>();
  if (vm.count("socket")) o.where.socket = vm["socket"].as<std::string>();
  if ((vm.count("prefix") && o.where.prefix.empty()) || (vm.count("socket") && o.where.socket.empty()))
    return make_error(Errc::kInvalidArgument, "--prefix and --socket need a non-empty value");
  return ok_status();
}

Status set_node(const po::variables_map& vm, CtlOptions& o) {
  if (!vm.count("node")) return ok_status();
  if (o.command == "raw")
    return make_error(Errc::kInvalidArgument, "-n does not apply to raw: append ,NODE to its command");
  const Display* d = find_display(o.command);
  if (d != nullptr && !d->per_node) return make_error(Errc::kInvalidArgument, o.command + " takes no -n");
  Result<std::string> node = node_name(vm["node"].as<std::string>());
  if (!node) return node.error();
  o.node = std::move(*node);
  return ok_status();
}

Status set_interval(const po::variables_map& vm, CtlOptions& o) {
  if (!vm.count("interval")) return ok_status();
  if (!o.watch) return make_error(Errc::kInvalidArgument, "-i sets the interval of watch: sysplexctl watch -i SECS COMMAND");
  Result<double> s = watch_seconds(vm["interval"].as<std::string>());
  if (!s) return s.error();
  o.interval_s = *s;
  return ok_status();
}

Result<CtlOptions> from_variables(const po::variables_map& vm) {
  CtlOptions o;
  std::vector<std::string> words;
  if (vm.count("words")) words = vm["words"].as<std::vector<std::string>>();
  if (Status s = set_command(std::move(words), o); !s) return s.error();
  if (Status s = set_where(vm, o); !s) return s.error();
  if (Status s = set_node(vm, o); !s) return s.error();
  if (Status s = set_interval(vm, o); !s) return s.error();
  o.json = vm.count("json") > 0;
  return o;
}

// Guessing abbreviations is off: `--pre` would silently mean --prefix today and break tomorrow.
constexpr int kStyle = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

}  // namespace

Result<CtlOptions> parse_ctl_options(int argc, const char* const* argv) {
  try {
    po::options_description visible = describe();
    po::options_description all;
    all.add(visible).add_options()("words", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("words", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).style(kStyle).run(), vm);
    if (vm.count("help")) {
      CtlOptions o;
      o.help = true;
      o.help_text = help_text(visible);
      return o;
    }
    return from_variables(vm);
  } catch (const po::error& e) {
    return make_error(Errc::kInvalidArgument, std::string(e.what()) + "; see sysplexctl --help");
  } catch (const std::exception& e) {
    return make_error(Errc::kInternal, std::string("reading the command line: ") + e.what());
  }
}

}  // namespace sysplex::ops
