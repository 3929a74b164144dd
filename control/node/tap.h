#pragma once
#include "control/layer_guard.h"
// The TAP exception path: a net_tap port the control thread polls, carrying the node's addresses
// into the kernel so ping and ordinary sockets work on a node.

#include <array>
#include <string>
#include <vector>

#include "config/result.h"

struct rte_mempool;

namespace sysplex::node {

// Creates the TAP `ifname` with `mac` (the shared DPDK port's MAC, so the kernel's frames leave with
// it), brings it up and assigns `addrs` ("198.18.1.1/24") through iproute2. Returns its port id.
Result<uint16_t> create_tap(const std::string& node, const std::string& ifname, const std::array<uint8_t, 6>& mac,
                            rte_mempool* pool, const std::vector<std::string>& addrs);

// Runs a program with arguments (no shell) and waits; a non-zero exit is an error naming the command.
Status run_command(const std::vector<std::string>& argv);

}  // namespace sysplex::node
