// Who takes a vacant DVIPA over first: the order of the candidates in its backup chain, as z/OS
// orders it (the VIPADEFINE owner first, then VIPABACKUP ranks from 254 down), ties by node name.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <string>
#include <vector>

#include "control/ownership/records.h"

namespace sysplex::ownership {

struct Candidate {
  std::string node;
  Origin origin = Origin::kBackup;
  uint8_t rank = 0;                  // VIPABACKUP rank; ignored for VIPADEFINE
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

// Whether `a` comes before `b` in the chain: VIPADEFINE before VIPABACKUP, higher rank before
// lower, then the alphabetically first name (names are unique, so the order is total).
bool ranks_before(const Candidate& a, const Candidate& b);

// The candidates in chain order.
std::vector<Candidate> chain_order(std::vector<Candidate> candidates);

}  // namespace sysplex::ownership
