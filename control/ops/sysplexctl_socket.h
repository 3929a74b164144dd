#pragma once
#include "control/layer_guard.h"
// Which DPDK telemetry socket sysplexctl talks to: an explicit --socket, the one of a --prefix, or
// the only sysplexd running. A failure lists what is there, so the operator can pick.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/result.h"

namespace sysplex::ops {

inline constexpr std::string_view kDpdkRuntimeDir = "/run/dpdk";
inline constexpr std::string_view kTelemetrySocketName = "dpdk_telemetry.v2";
// sysplexd's default EAL --file-prefix is this followed by the (first) node name.
inline constexpr std::string_view kSysplexPrefix = "sysplex-";

struct SocketChoice {
  std::string prefix;   // --prefix P: <runtime_dir>/P/dpdk_telemetry.v2
  std::string socket;   // --socket PATH, used as given
};

// File prefixes under `runtime_dir` that hold a telemetry socket, sorted.
std::vector<std::string> telemetry_prefixes(const std::filesystem::path& runtime_dir);

// `runtime_dir` is kDpdkRuntimeDir outside tests. Giving both a prefix and a socket is the caller's
// usage error to report; here the socket wins.
Result<std::string> find_telemetry_socket(const SocketChoice& choice, const std::filesystem::path& runtime_dir);

}  // namespace sysplex::ops
