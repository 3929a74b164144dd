// TIMEDAFFINITY's memory: the target each client was sent to, its live connections, and how long
// the binding outlasts the last one. Fixed capacity, no allocation after construction, one writer.
#pragma once

#include <cstdint>
#include <vector>

#include "config/net.h"

namespace sysplex::dist {

struct Affinity {
  IpAddr client;
  uint32_t target = 0;
  uint32_t conns = 0;       // live connections from client to target
  uint64_t expires_ms = 0;  // with conns == 0: the binding holds while now_ms < expires_ms

  bool holds(uint64_t now_ms) const noexcept { return conns > 0 || now_ms < expires_ms; }
};

// Open addressing with linear probing and backward-shift deletion (no tombstones, so probes stay
// short). A binding that no longer holds keeps its slot until it is rebound or expire() sweeps it.
class AffinityTable {
 public:
  static constexpr uint32_t kMaxCapacity = 1u << 22;  // 8 Mi slots of 48 bytes: 384 MiB at most

  // Holds up to `capacity` clients (clamped to kMaxCapacity) in twice as many slots, so probes stay
  // short and an empty slot always ends them.
  explicit AffinityTable(uint32_t capacity);

  // The client's binding if it still holds at now_ms, else nullptr.
  Affinity* find(const IpAddr& client, uint64_t now_ms) noexcept;
  // Binds client to target with one connection, replacing its own binding or a lapsed one on its
  // probe path. nullptr when the table is full and no lapsed binding is on that path (expire()
  // frees the others).
  Affinity* bind(const IpAddr& client, uint32_t target, uint64_t now_ms) noexcept;
  // One of client's connections to target ended; the last one starts the hold of hold_ms. Ends for
  // a target the client is no longer bound to are ignored.
  void release(const IpAddr& client, uint32_t target, uint64_t now_ms, uint64_t hold_ms) noexcept;
  // Frees every binding that no longer holds; returns how many. Control calls it on a timer.
  uint32_t expire(uint64_t now_ms) noexcept;

  uint32_t size() const noexcept { return size_; }

 private:
  struct Slot {
    Affinity a;
    uint32_t home = 0;  // the slot the client hashes to
    bool used = false;
  };

  static constexpr uint32_t kNone = UINT32_MAX;

  // The client's slot, or the empty slot ending its probe, with the first slot on the way whose
  // binding no longer holds (kNone if none).
  struct Probe {
    uint32_t home;
    uint32_t at;
    uint32_t first_dead;
  };

  Probe probe(const IpAddr& client, uint64_t now_ms) const noexcept;
  Affinity* occupy(uint32_t at, uint32_t home, const IpAddr& client, uint32_t target) noexcept;
  void erase(uint32_t at) noexcept;
  uint32_t next(uint32_t i) const noexcept { return (i + 1) & mask_; }

  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
  uint32_t capacity_ = 0;
  uint32_t size_ = 0;
};

}  // namespace sysplex::dist
