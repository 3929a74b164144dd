#include "dataplane/engine/snapshot.h"

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include <cstring>

namespace sysplex::dp {

FibTables::~FibTables() {
  if (v4) rte_lpm_free(v4);
  if (v6) rte_lpm6_free(v6);
}

Snapshot::~Snapshot() = default;

bool Snapshot::is_local_v6(const uint8_t* a) const {
  for (const auto& l : local_v6)
    if (std::memcmp(l.data(), a, 16) == 0) return true;
  return false;
}

}  // namespace sysplex::dp
