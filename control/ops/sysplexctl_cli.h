#pragma once
#include "control/layer_guard.h"
// sysplexctl end to end: read the command line, find and ask sysplexd, print a display or a watch.
// main() only supplies the streams; tests run it whole against a fake telemetry server.

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "config/result.h"
#include "control/ops/sysplexctl_format.h"
#include "control/ops/sysplexctl_socket.h"
#include "control/ops/telemetry_client.h"

namespace sysplex::ops {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // sysplexd missing, unreachable or refusing
inline constexpr int kExitUsage = 2;     // a bad command line

struct CtlEnv {
  std::ostream& out;
  std::ostream& err;
  std::filesystem::path runtime_dir = std::filesystem::path(kDpdkRuntimeDir);
  bool out_is_tty = false;   // watch clears the screen between frames only on a terminal
  std::chrono::milliseconds timeout = kTelemetryTimeout;   // for each telemetry reply
};

int run_sysplexctl(int argc, const char* const* argv, const CtlEnv& env);

// The node to show, from the reply of /sysplexd/nodes: `wanted` if the process runs it, else the
// process's only node; an error lists the nodes it does run.
Result<std::string> choose_node(const Json& nodes_reply, const std::string& wanted);

// One reply of a watch, with when it arrived.
struct Sample {
  Json data;
  std::chrono::steady_clock::time_point at;
};

// What watch adds under a display: per-second rates of the display's rate keys since `previous`
// (nothing for displays without rate keys).
std::string watch_rates(const Display* display, const std::optional<Sample>& previous, const Sample& current);

}  // namespace sysplex::ops
