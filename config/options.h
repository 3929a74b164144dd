// sysplexd's command line: which profile to run or check, EAL arguments, logging and demo modes.
// Parsing never throws; a bad command line is an Error saying what was wrong and what is accepted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::config {

struct Options {
  std::string profile;                  // -p/--profile FILE, or the FILE of --check
  bool check = false;                   // --check FILE: parse, print the canonical form, exit
  std::vector<std::string> eal_args;    // every --eal "ARGS", split on blanks, in order
  std::string log_level = "info";       // error|warning|info|debug|keylog
  bool telemetry = true;                // --no-telemetry turns it off
  std::string demo;                     // "" or a demo name (--demo alone: "single")
  uint32_t run_seconds = 0;             // --seconds N; 0: until signalled
  bool status_line = true;              // --no-status turns it off
  bool help = false;                    // -h/--help: help_text holds the usage
  std::string help_text;
};

// argv[0] is the program name. With --help, nothing else is required.
Result<Options> parse_options(int argc, const char* const* argv);

}  // namespace sysplex::config
