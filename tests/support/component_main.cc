#include "tests/support/component_main.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "dataplane/engine/eal.h"

namespace sysplex::testing {

int run_component_tests(int argc, char** argv, const char* name) {
  ::testing::InitGoogleTest(&argc, argv);
  auto eal = dp::eal_init({"--no-huge", "-m1024", "--no-pci", "-l0", "--no-telemetry", "--log-level=warning",
                           "--file-prefix=sysplex-" + std::string(name) + "-" + std::to_string(getpid())});
  if (!eal) {
    std::fprintf(stderr, "%s\n", eal.error().message.c_str());
    return 1;
  }
  int rc = RUN_ALL_TESTS();
  dp::eal_cleanup(*eal);
  return rc;
}

}  // namespace sysplex::testing
