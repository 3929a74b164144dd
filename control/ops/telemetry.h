#pragma once
#include "control/layer_guard.h"
// DPDK telemetry commands (/sysplexd/...) for every display. DPDK's callbacks carry no user data,
// so the process registers its nodes here once; the nodes themselves stay owned by their runner.

#include <vector>

namespace sysplex::node {
class Node;
}

namespace sysplex::ops {

// Registers the commands (once per process) and the nodes they can show. Call before workers start;
// `nodes` must outlive telemetry (until EAL cleanup).
void register_telemetry(const std::vector<node::Node*>& nodes);

}  // namespace sysplex::ops
