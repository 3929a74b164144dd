#include "dataplane/dist/affinity.h"

#include <algorithm>

#include "dataplane/dist/flow_hash.h"

namespace sysplex::dist {

AffinityTable::AffinityTable(uint32_t capacity) : capacity_(std::min(capacity, kMaxCapacity)) {
  uint32_t slots = 2;
  while (slots < 2 * capacity_) slots <<= 1;
  slots_.resize(slots);
  mask_ = slots - 1;
}

AffinityTable::Probe AffinityTable::probe(const IpAddr& client, uint64_t now_ms) const noexcept {
  const uint32_t home = address_hash(client) & mask_;
  uint32_t first_dead = kNone;
  for (uint32_t i = home;; i = next(i)) {
    const Slot& s = slots_[i];
    if (!s.used || s.a.client == client) return Probe{home, i, first_dead};
    if (first_dead == kNone && !s.a.holds(now_ms)) first_dead = i;
  }
}

Affinity* AffinityTable::find(const IpAddr& client, uint64_t now_ms) noexcept {
  Slot& s = slots_[probe(client, now_ms).at];
  return s.used && s.a.holds(now_ms) ? &s.a : nullptr;
}

Affinity* AffinityTable::occupy(uint32_t at, uint32_t home, const IpAddr& client,
                                uint32_t target) noexcept {
  slots_[at] = Slot{Affinity{client, target, 1, 0}, home, true};
  return &slots_[at].a;
}

// Overwriting a dead binding on the probe path keeps every chain intact: the slot stays occupied,
// and the client's own probe reaches it before any empty slot.
Affinity* AffinityTable::bind(const IpAddr& client, uint32_t target, uint64_t now_ms) noexcept {
  const Probe p = probe(client, now_ms);
  if (slots_[p.at].used) return occupy(p.at, p.home, client, target);
  if (p.first_dead != kNone) return occupy(p.first_dead, p.home, client, target);
  if (size_ == capacity_) return nullptr;
  ++size_;
  return occupy(p.at, p.home, client, target);
}

void AffinityTable::release(const IpAddr& client, uint32_t target, uint64_t now_ms,
                            uint64_t hold_ms) noexcept {
  Slot& s = slots_[probe(client, now_ms).at];
  if (!s.used || s.a.target != target || s.a.conns == 0) return;
  if (--s.a.conns == 0) s.a.expires_ms = now_ms + hold_ms;
}

// Backward shift: each later entry of the cluster moves into the hole unless its home lies
// cyclically in (hole, i], where the move would put it before its home, out of its probe's reach.
void AffinityTable::erase(uint32_t hole) noexcept {
  for (uint32_t i = next(hole); slots_[i].used; i = next(i)) {
    const uint32_t home_dist = (slots_[i].home - hole) & mask_;
    if (home_dist == 0 || home_dist > ((i - hole) & mask_)) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole].used = false;
  --size_;
}

// Erasing at i may shift a later (or, past the wrap, an already checked) entry into i, so i is
// checked again; an unchecked entry never moves behind i because an empty slot ends every cluster.
uint32_t AffinityTable::expire(uint64_t now_ms) noexcept {
  uint32_t removed = 0;
  for (uint32_t i = 0; i <= mask_; ++i) {
    while (slots_[i].used && !slots_[i].a.holds(now_ms)) {
      erase(i);
      ++removed;
    }
  }
  return removed;
}

}  // namespace sysplex::dist
