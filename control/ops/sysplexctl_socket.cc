#include "control/ops/sysplexctl_socket.h"

#include <algorithm>
#include <system_error>

#include "control/ops/sysplexctl_table.h"

namespace sysplex::ops {
namespace {

namespace fs = std::filesystem;

bool has_socket(const fs::path& dir) {
  std::error_code ec;
  return fs::is_socket(dir / kTelemetrySocketName, ec);
}

std::vector<std::string> sysplex_only(std::vector<std::string> prefixes) {
  std::erase_if(prefixes, [](const std::string& p) { return !p.starts_with(kSysplexPrefix); });
  return prefixes;
}

std::string what_is_running(const std::vector<std::string>& prefixes, const fs::path& runtime_dir) {
  if (prefixes.empty()) return "no DPDK process has a telemetry socket under " + runtime_dir.string();
  return "file prefixes with a telemetry socket: " + comma_list(prefixes);
}

Result<std::string> socket_of_prefix(const std::string& prefix, const fs::path& runtime_dir) {
  if (prefix.empty() || prefix.find('/') != std::string::npos)
    return make_error(Errc::kInvalidArgument, "--prefix '" + prefix + "' is not a directory name under " +
                                                  runtime_dir.string() + "; give a path with --socket PATH");
  if (!has_socket(runtime_dir / prefix))
    return make_error(Errc::kNotFound, "no telemetry socket for file prefix " + prefix + " (" +
                                           (runtime_dir / prefix / kTelemetrySocketName).string() + "); " +
                                           what_is_running(telemetry_prefixes(runtime_dir), runtime_dir));
  return (runtime_dir / prefix / kTelemetrySocketName).string();
}

Result<std::string> only_sysplexd(const fs::path& runtime_dir) {
  std::vector<std::string> running = sysplex_only(telemetry_prefixes(runtime_dir));
  if (running.empty())
    return make_error(Errc::kNotFound, "no sysplexd telemetry socket under " + runtime_dir.string() +
                                           " (is sysplexd running? it needs telemetry enabled)");
  if (running.size() > 1)
    return make_error(Errc::kInvalidArgument, std::to_string(running.size()) +
                                                  " sysplexd processes are running; choose one with --prefix: " +
                                                  comma_list(running));
  return (runtime_dir / running.front() / kTelemetrySocketName).string();
}

}  // namespace

std::vector<std::string> telemetry_prefixes(const fs::path& runtime_dir) {
  std::vector<std::string> prefixes;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(runtime_dir, ec))
    if (has_socket(e.path())) prefixes.push_back(e.path().filename().string());
  std::sort(prefixes.begin(), prefixes.end());
  return prefixes;
}

Result<std::string> find_telemetry_socket(const SocketChoice& choice, const fs::path& runtime_dir) {
  if (!choice.socket.empty()) return choice.socket;
  if (!choice.prefix.empty()) return socket_of_prefix(choice.prefix, runtime_dir);
  return only_sysplexd(runtime_dir);
}

}  // namespace sysplex::ops
