// A strict weak order over (origin, rank, name), so every node computes the same chain.
#include "control/ownership/ranking.h"

#include <algorithm>
#include <utility>

namespace sysplex::ownership {
namespace {

// Smaller comes first: VIPADEFINE (0, 0), then VIPABACKUP (1, 255 - rank).
std::pair<int, int> chain_key(const Candidate& c) {
  if (c.origin == Origin::kDefine) return {0, 0};
  return {1, 255 - int(c.rank)};
}

}  // namespace

bool ranks_before(const Candidate& a, const Candidate& b) {
  auto ka = chain_key(a), kb = chain_key(b);
  if (ka != kb) return ka < kb;
  return a.node < b.node;
}

std::vector<Candidate> chain_order(std::vector<Candidate> candidates) {
  std::sort(candidates.begin(), candidates.end(), ranks_before);
  return candidates;
}

}  // namespace sysplex::ownership
