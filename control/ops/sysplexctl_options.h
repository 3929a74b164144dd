#pragma once
#include "control/layer_guard.h"
// sysplexctl's command line. Parsing never throws and never guesses: a bad command line is an Error
// naming what was wrong and what is accepted (sysplexctl exits 2 on it).

#include <string>
#include <vector>

#include "config/result.h"
#include "control/ops/sysplexctl_socket.h"

namespace sysplex::ops {

inline constexpr double kDefaultWatchSeconds = 1.0;

struct CtlOptions {
  SocketChoice where;           // --prefix P | --socket PATH; neither: the only sysplexd running
  std::string node;             // -n NODE, in upper case as sysplexd names nodes; "" = the only one
  bool json = false;            // --json: the reply's data as one line of JSON
  bool watch = false;           // `watch COMMAND`: re-query every interval_s until interrupted
  double interval_s = kDefaultWatchSeconds;
  std::string command;          // a display name (nodes, ports, ...) or "raw"
  std::string raw_command;      // with raw: the telemetry command, "/ethdev/list" or "/x,PARAM"
  std::vector<std::string> args;  // words after a command that takes them (filters, a DVIPA)
  bool help = false;            // -h/--help: help_text holds the usage
  std::string help_text;
};

// argv[0] is the program name.
Result<CtlOptions> parse_ctl_options(int argc, const char* const* argv);

}  // namespace sysplex::ops
