#include "dataplane/engine/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>
#include <filesystem>

namespace sysplex::dp {

namespace {

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) { return a.rfind(flag, 0) == 0; });
}

}  // namespace

std::vector<std::string> eal_args_with_defaults(std::vector<std::string> args, const std::string& node,
                                                bool telemetry, const std::string& log_level) {
  if (!has_flag(args, "--log-level")) {
    // RTE_LOG_ERR=4 .. RTE_LOG_DEBUG=8. DPDK's INFO is start-up chatter, so our info is its NOTICE;
    // keylog is debug for DPDK (key logging is ours, not EAL's).
    int level = log_level == "error" ? 4 : log_level == "warning" ? 5 : log_level == "info" ? 6 : 8;
    args.push_back("--log-level=" + std::to_string(level));
  }
  if (!has_flag(args, "--file-prefix")) args.push_back("--file-prefix=sysplex-" + node);
  bool bare_metal = has_flag(args, "--huge") || has_flag(args, "-a") || has_flag(args, "--allow") ||
                    has_flag(args, "--socket-mem");
  if (!bare_metal && !has_flag(args, "--no-huge")) {
    args.push_back("--no-huge");
    if (!has_flag(args, "-m")) args.push_back("-m512");
  }
  if (!bare_metal && !has_flag(args, "--no-pci")) args.push_back("--no-pci");
  if (!has_flag(args, "-l") && !has_flag(args, "--lcores") && !has_flag(args, "-c")) args.push_back("-l0-1");
  if (!telemetry && !has_flag(args, "--no-telemetry")) args.push_back("--no-telemetry");
  return args;
}

Result<EalInfo> eal_init(const std::vector<std::string>& args) {
  std::vector<std::string> owned{"sysplexd"};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(int(owned.size()), argv.data()) < 0)
    return make_error(Errc::kUnavailable, std::string("EAL initialisation failed: ") + rte_strerror(rte_errno) +
                                              " (check --eal arguments; see the log above)");
  EalInfo info;
  for (const auto& a : owned)
    if (a.rfind("--file-prefix=", 0) == 0) info.file_prefix = a.substr(14);
  info.main_lcore = rte_get_main_lcore();
  unsigned l;
  RTE_LCORE_FOREACH_WORKER(l) info.worker_lcores.push_back(l);
  return info;
}

void eal_cleanup(const EalInfo& info) {
  rte_eal_cleanup();
  if (!info.file_prefix.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path("/run/dpdk") / info.file_prefix, ec);
  }
}

}  // namespace sysplex::dp
