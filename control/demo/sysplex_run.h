#pragma once
#include "control/layer_guard.h"
// `sysplexd --demo sysplex` (and `--demo tour`, the same with a scripted kill, revive, drain and
// join): EAL, the three-node sysplex, its telemetry and operator verbs, and the live view, until
// `stop` is set or --seconds have passed.

#include <atomic>
#include <string>

#include "config/options.h"

namespace sysplex::demo {

// `ctl` is how the on-screen hints spell sysplexctl. Returns the process's exit code.
int run_sysplex(const config::Options& opts, const std::string& ctl, std::atomic<bool>& stop);

}  // namespace sysplex::demo
