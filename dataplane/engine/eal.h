// EAL start and stop for one process. Without a NIC it runs on --no-huge memory with a private
// --file-prefix (the telemetry socket lives under /run/dpdk/<prefix>/); on bare metal the
// operator's EAL arguments (hugepages, PCI allow-list) are passed through unchanged.
#pragma once

#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::dp {

struct EalInfo {
  std::string file_prefix;   // the runtime directory name under /run/dpdk
  unsigned main_lcore = 0;
  std::vector<unsigned> worker_lcores;
};

// Adds defaults the caller did not give: --file-prefix sysplex-<node>, and, when neither hugepages
// nor PCI devices are asked for, --no-huge -m 512 --no-pci. `telemetry` false adds --no-telemetry.
// `log_level` (error|warning|info|debug|keylog) becomes EAL's --log-level unless one is given.
std::vector<std::string> eal_args_with_defaults(std::vector<std::string> args, const std::string& node,
                                                bool telemetry, const std::string& log_level = "info");
Result<EalInfo> eal_init(const std::vector<std::string>& args);
// Stops EAL and removes the runtime directory this process created.
void eal_cleanup(const EalInfo& info);

}  // namespace sysplex::dp
