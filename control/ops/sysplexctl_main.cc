// sysplexctl: the operator's view of a running sysplexd, read over DPDK telemetry.
#include <unistd.h>

#include <iostream>

#include "control/ops/sysplexctl_cli.h"

int main(int argc, char** argv) {
  sysplex::ops::CtlEnv env{std::cout, std::cerr};
  env.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  return sysplex::ops::run_sysplexctl(argc, argv, env);
}
