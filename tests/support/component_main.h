// The main() of every component test: GoogleTest over an EAL with no hugepages, no PCI and one
// lcore, under its own file prefix (sysplex-NAME-PID), cleaned up after the tests.
#pragma once

namespace sysplex::testing {

// Returns the tests' exit code, or 1 when the EAL does not start (its message on stderr).
int run_component_tests(int argc, char** argv, const char* name);

}  // namespace sysplex::testing
