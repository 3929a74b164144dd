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
// it) and `queues` queue pairs (one per worker, one for control), brings it up and assigns `addrs`
// ("198.18.1.1/24") and `routes` ("198.19.0.0/16 via 198.18.2.2") through iproute2. The kernel
// never announces a DVIPA it carries: ARP uses the segment's address (arp_announce 2) and answers
// only for addresses on the TAP's own network (arp_ignore 1). Returns its port id.
Result<uint16_t> create_tap(const std::string& node, const std::string& ifname, const std::array<uint8_t, 6>& mac,
                            rte_mempool* pool, const std::vector<std::string>& addrs,
                            const std::vector<std::string>& routes, uint16_t queues);

// Adds or removes one address ("198.19.10.1/32", "2001:db8::10/128") on the TAP; IPv6 addresses go
// without duplicate address detection (a DVIPA is on several nodes' kernels at once by design).
Status tap_address(const std::string& ifname, const std::string& addr, bool add);

// Runs a program with arguments (no shell) and waits; a non-zero exit is an error naming the command.
Status run_command(const std::vector<std::string>& argv);

}  // namespace sysplex::node
