#include "dataplane/engine/snapshot.h"

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include <cstring>

#include "dataplane/dist/flow_hash.h"

namespace sysplex::dp {

FibTables::~FibTables() {
  if (v4) rte_lpm_free(v4);
  if (v6) rte_lpm6_free(v6);
}

Snapshot::~Snapshot() = default;

namespace {

uint32_t dvipa_hash(const uint8_t* a, bool v6) {
  uint64_t w0 = 0, w1 = 0;
  std::memcpy(&w0, a, v6 ? 8 : 4);
  if (v6) std::memcpy(&w1, a + 8, 8);
  return dist::crc32c_u64(dist::crc32c_u64(v6 ? 6 : 4, w0), w1);
}

}  // namespace

const DvipaView* Snapshot::find_indexed_dvipa(const uint8_t* a, bool v6) const {
  const uint32_t mask = uint32_t(dvipa_index.size() - 1);
  for (uint32_t i = dvipa_hash(a, v6) & mask;; i = (i + 1) & mask) {
    const uint32_t at = dvipa_index[i];
    if (at == 0) return nullptr;
    if (same_dvipa(dvipas[at - 1], a, v6)) return &dvipas[at - 1];
  }
}

void Snapshot::index_dvipas() {
  dvipa_index.clear();
  if (dvipas.size() <= kDvipaWalk) return;
  size_t size = 16;
  while (size < 2 * dvipas.size()) size <<= 1;
  dvipa_index.assign(size, 0);
  const uint32_t mask = uint32_t(size - 1);
  for (size_t k = 0; k < dvipas.size(); ++k) {
    const DvipaView& d = dvipas[k];
    uint32_t i = dvipa_hash(d.addr.data(), d.v6) & mask;
    while (dvipa_index[i] != 0) i = (i + 1) & mask;
    dvipa_index[i] = uint32_t(k + 1);
  }
}

bool Snapshot::is_local_v6(const uint8_t* a) const {
  for (const auto& l : local_v6)
    if (std::memcmp(l.data(), a, 16) == 0) return true;
  return false;
}

}  // namespace sysplex::dp
