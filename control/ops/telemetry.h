#pragma once
#include "control/layer_guard.h"
// DPDK telemetry commands (/sysplexd/...) for every display. DPDK's callbacks carry no user data,
// so the process registers its nodes here once; the nodes themselves stay owned by their runner.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::node {
class Node;
}

namespace sysplex::ops {

// Registers the commands (once per process) and the nodes they can show. Call before workers start;
// `nodes` must outlive telemetry (until EAL cleanup).
void register_telemetry(const std::vector<node::Node*>& nodes);

// Operator verbs the process rather than a node carries out (the demo's kill, revive): asked first
// for every /sysplexd/op,NODE,VERB[,ARG...]; nullopt hands the command on to the node. Set it
// before telemetry starts answering; it runs on the telemetry thread.
using ProcessCommand = std::function<std::optional<Result<std::string>>(
    const std::string& node, const std::string& verb, const std::vector<std::string>& args)>;
void set_process_command(ProcessCommand handler);

}  // namespace sysplex::ops
