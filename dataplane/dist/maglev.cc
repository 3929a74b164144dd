#include "dataplane/dist/maglev.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace sysplex::dist {
namespace {

// Two fixed seeds make a target's offset and skip independent functions of its one key.
constexpr uint64_t kOffsetSeed = 0x9e3779b97f4a7c15;
constexpr uint64_t kSkipSeed = 0xc2b2ae3d27d4eb4f;

// splitmix64's finalizer: a bijection with full avalanche, so nearby keys get unrelated walks.
constexpr uint64_t mix64(uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// One endpoint's walk through the table: its permutation is offset, offset + skip, ... (mod size).
struct Walker {
  uint32_t id;
  uint32_t weight;
  uint32_t pos;  // next slot of the permutation to try
  uint32_t skip;
  uint64_t credit;  // weight accumulated towards the next slot it claims
};

Status validate(std::span<const Endpoint> endpoints, uint32_t table_size) {
  if (table_size > kMaglevMaxSize || !is_prime(table_size)) {
    return make_error(Errc::kInvalidArgument,
                      "maglev table size " + std::to_string(table_size) +
                          " is not a prime <= " + std::to_string(kMaglevMaxSize) + " (e.g. 65537)");
  }
  for (const Endpoint& e : endpoints) {
    if (e.id == kNoTarget) {
      return make_error(Errc::kInvalidArgument, "maglev endpoint id is kNoTarget");
    }
  }
  return ok_status();
}

// Walkers in key order (id breaks ties), so the table is independent of the caller's order.
std::vector<Walker> make_walkers(std::span<const Endpoint> endpoints, uint32_t size) {
  std::vector<Endpoint> sorted;
  std::copy_if(endpoints.begin(), endpoints.end(), std::back_inserter(sorted),
               [](const Endpoint& e) { return e.weight > 0; });
  std::sort(sorted.begin(), sorted.end(), [](const Endpoint& a, const Endpoint& b) {
    return a.hash_seed_key != b.hash_seed_key ? a.hash_seed_key < b.hash_seed_key : a.id < b.id;
  });
  std::vector<Walker> walkers;
  walkers.reserve(sorted.size());
  for (const Endpoint& e : sorted) {
    const auto offset = static_cast<uint32_t>(mix64(e.hash_seed_key ^ kOffsetSeed) % size);
    const auto skip = static_cast<uint32_t>(mix64(e.hash_seed_key ^ kSkipSeed) % (size - 1) + 1);
    walkers.push_back(Walker{e.id, e.weight, offset, skip, 0});
  }
  return walkers;
}

// Claims the walker's next free slot. The table has one, and a prime size makes the walk visit
// every slot, so the loop ends.
void claim_next_free(Walker& w, std::vector<uint32_t>& table) {
  const auto size = static_cast<uint32_t>(table.size());  // <= kMaglevMaxSize: pos + skip fits
  auto advance = [&] {
    w.pos += w.skip;
    if (w.pos >= size) w.pos -= size;
  };
  while (table[w.pos] != kNoTarget) advance();
  table[w.pos] = w.id;
  advance();
}

// Rounds as in the paper, where each endpoint claims one slot per round, but weighted: an endpoint
// gains its weight in credit each round and claims a slot per max_weight of credit, so the heaviest
// claims every round and the others in proportion, interleaved (which keeps disruption minimal).
void fill(std::vector<Walker>& walkers, std::vector<uint32_t>& table) {
  uint32_t max_weight = 0;
  for (const Walker& w : walkers) max_weight = std::max(max_weight, w.weight);
  size_t filled = 0;
  while (true) {
    for (Walker& w : walkers) {
      w.credit += w.weight;
      if (w.credit < max_weight) continue;
      w.credit -= max_weight;
      claim_next_free(w, table);
      if (++filled == table.size()) return;
    }
  }
}

}  // namespace

uint64_t endpoint_key(const IpAddr& target_addr) noexcept {
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | target_addr.bytes[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | target_addr.bytes[i];
  return mix64(lo ^ mix64(hi ^ (target_addr.v6 ? 6 : 4)));
}

Result<std::vector<uint32_t>> build_maglev(std::span<const Endpoint> endpoints,
                                           uint32_t table_size) {
  if (Status s = validate(endpoints, table_size); !s) return s.error();
  std::vector<uint32_t> table(table_size, kNoTarget);
  std::vector<Walker> walkers = make_walkers(endpoints, table_size);
  if (!walkers.empty()) fill(walkers, table);
  return table;
}

std::vector<SlotDelta> diff_tables(std::span<const uint32_t> old_table,
                                   std::span<const uint32_t> new_table) {
  const bool same_size = old_table.size() == new_table.size();
  std::vector<SlotDelta> deltas;
  for (size_t slot = 0; slot < new_table.size(); ++slot) {
    if (!same_size || old_table[slot] != new_table[slot]) {
      deltas.push_back(SlotDelta{static_cast<uint32_t>(slot), new_table[slot]});
    }
  }
  return deltas;
}

}  // namespace sysplex::dist
