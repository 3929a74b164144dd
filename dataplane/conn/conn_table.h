// The distributor's connection table (the VCRT): 5-tuple -> target and TCP state, one per worker.
// Its worker is the only writer; control reads entries concurrently through a per-entry seqlock.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>

#include "config/result.h"
#include "dataplane/dist/flow_hash.h"

namespace sysplex::conn {

// A connection as the client sent it, zero-padded to five 64-bit words so compare and hash are
// word loads. IPv4 addresses use the first four bytes of src/dst.
struct ConnKey {
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;  // host order
  uint16_t dport;
  uint8_t proto;
  uint8_t v6;
  uint8_t pad[2];

  friend bool operator==(const ConnKey& a, const ConnKey& b) noexcept {
    return std::memcmp(&a, &b, sizeof(ConnKey)) == 0;
  }
};
static_assert(sizeof(ConnKey) == 40);

enum class ConnState : uint8_t {
  kFree = 0,
  kSyn,          // the client's SYN went to the target; no ACK from the client yet
  kEstablished,  // the client ACKed: the handshake completed (or the entry came from a report/hash)
  kFin,          // a FIN was seen from the client
  kClosed,       // an RST was seen; kept briefly in case it was lost
};
inline constexpr const char* kConnStateNames[] = {"free", "syn", "established", "fin", "closed"};

enum ConnFlag : uint8_t {
  kConnFromHash = 1 << 0,    // created for a non-SYN packet by the consistent-hash fallback
  kConnFromReport = 1 << 1,  // created from a target's connection report (takeover)
};

// 64 bytes, one cache line: the key and everything the fast path reads or writes for a hit.
struct alignas(64) ConnEntry {
  ConnKey key;
  std::atomic<uint32_t> seq{0};  // odd while its worker writes (seqlock for control's readers)
  uint32_t target = 0;           // dense target id
  uint32_t last_ms = 0;          // the table's clock (wraps after 49 days; ages compare modulo 2^32)
  uint32_t created_ms = 0;
  uint16_t service = 0;          // the DVIPA:port row it was distributed by
  ConnState state = ConnState::kFree;
  uint8_t flags = 0;
  // The worker's own hint: the target's index in the service's row when the entry was made, so a
  // packet need not search the row (a data-dependent loop exit that mispredicts on most packets).
  // Checked against the row before use; control neither reads nor copies it.
  uint16_t row_hint = 0;
  uint16_t pad = 0;
};
static_assert(sizeof(ConnEntry) == 64);

// A plain copy of an entry, as control reads it.
struct ConnView {
  ConnKey key;
  uint32_t target;
  uint32_t last_ms;
  uint32_t created_ms;
  uint16_t service;
  ConnState state;
  uint8_t flags;
};

struct ConnTimeouts {  // idle time after which an entry in each state is removed, in ms
  uint32_t syn_ms = 60'000;
  uint32_t established_ms = 3'600'000;
  uint32_t fin_ms = 120'000;
  uint32_t closed_ms = 10'000;
  uint32_t for_state(ConnState s) const noexcept {
    switch (s) {
      case ConnState::kSyn: return syn_ms;
      case ConnState::kEstablished: return established_ms;
      case ConnState::kFin: return fin_ms;
      default: return closed_ms;
    }
  }
};

// CRC32C of the key, and the two buckets and signature it selects.
struct ConnHash {
  uint32_t b1, b2, sig;
};

inline constexpr uint32_t kNoSlot = UINT32_MAX;
inline constexpr uint32_t kSlotsPerBucket = 16;

// Two-choice hashing over 16-slot buckets of 32-bit signatures (one cache line each): a key lives
// in one of its two buckets, so a lookup touches at most two signature lines and the matching
// entries. An insert takes its first bucket while that has room, then the second, then moves one
// entry of a full bucket to that entry's other bucket; failing that it fails (counted by the
// caller; the packet still goes where the consistent hash says). Filling first buckets first keeps
// most keys one signature line away, which staged lookups exploit (prefetch, prefetch_entries).
class ConnTable {
 public:
  // Room for `capacity` connections at up to ~90% slot load. Memory comes from mmap, populated at
  // once (so the fast path never takes a page fault) and zeroed by the kernel.
  [[nodiscard]] static Result<std::unique_ptr<ConnTable>> create(uint32_t capacity, ConnTimeouts timeouts);
  ~ConnTable();
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  // Inline: it is on the per-packet path, in the loop that parses the burst.
  ConnHash hash(const ConnKey& k) const noexcept;
  void prefetch(const ConnHash& h) const noexcept;
  // Second stage of a staged lookup: with the signature lines in cache, prefetches the entries
  // whose signature matches, so the final find() finds them in cache too.
  // Returns false when the first bucket has no candidate: then the second bucket's signature line
  // is on its way, and prefetch_second_entries() (a stage later) does the same for it.
  bool prefetch_entries(const ConnHash& h) const noexcept;
  void prefetch_second_entries(const ConnHash& h) const noexcept;
  // The slot holding `k`, or kNoSlot.
  uint32_t find(const ConnKey& k, const ConnHash& h) const noexcept;
  // Finds or stages a burst: hashes every key, prefetches every bucket, then looks each one up.
  void find_burst(const ConnKey* const* keys, uint32_t n, ConnHash* hashes, uint32_t* slots) const noexcept;

  // ---- writer (the owning worker) ----
  // Inserts `k` (which must not be present); kNoSlot when both buckets are full.
  uint32_t insert(const ConnKey& k, const ConnHash& h, uint32_t target, uint16_t service, ConnState state,
                  uint8_t flags, uint32_t now_ms) noexcept;
  ConnEntry& entry(uint32_t slot) noexcept { return entries_[slot]; }
  const ConnEntry& entry(uint32_t slot) const noexcept { return entries_[slot]; }
  // Seqlock brackets around a writer's change of an entry that readers may be copying.
  static void begin_write(ConnEntry& e) noexcept;
  static void end_write(ConnEntry& e) noexcept;
  void erase(uint32_t slot) noexcept;

  // Ages `buckets` buckets from the sweep cursor on: entries idle longer than their state's
  // timeout are passed to `expired(slot)` and then erased. Returns how many went.
  template <typename F>
  uint32_t sweep(uint32_t buckets, uint32_t now_ms, F&& expired) noexcept {
    uint32_t gone = 0;
    for (uint32_t b = 0; b < buckets; ++b) {
      uint32_t bucket = cursor_;
      cursor_ = cursor_ + 1 == nbuckets_ ? 0 : cursor_ + 1;
      for (uint32_t i = 0; i < kSlotsPerBucket; ++i) {
        uint32_t slot = bucket * kSlotsPerBucket + i;
        if (sigs_[slot].load(std::memory_order_relaxed) == 0) continue;
        const ConnEntry& e = entries_[slot];
        if (now_ms - e.last_ms <= timeouts_.for_state(e.state)) continue;
        expired(slot);
        erase(slot);
        ++gone;
      }
    }
    return gone;
  }

  // ---- any thread ----
  // A consistent copy of the entry in `slot`; false if the slot is empty.
  bool read(uint32_t slot, ConnView& out) const noexcept;
  uint32_t slots() const noexcept { return nbuckets_ * kSlotsPerBucket; }
  uint32_t buckets() const noexcept { return nbuckets_; }
  uint32_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const noexcept { return capacity_; }
  const ConnTimeouts& timeouts() const noexcept { return timeouts_; }

 private:
  ConnTable() = default;
  uint32_t match(uint32_t bucket, uint32_t sig, const ConnKey& k) const noexcept;
  uint32_t free_slot(uint32_t bucket, uint32_t* used) const noexcept;
  uint32_t relocate(uint32_t bucket) noexcept;

  std::atomic<uint32_t>* sigs_ = nullptr;  // 0: empty slot
  ConnEntry* entries_ = nullptr;
  void* mem_ = nullptr;
  size_t mem_len_ = 0;
  uint32_t nbuckets_ = 0;
  uint32_t capacity_ = 0;
  uint32_t cursor_ = 0;
  std::atomic<uint32_t> size_{0};
  ConnTimeouts timeouts_;
};

// Builds a key from the packet's addresses (4 or 16 bytes each, network order) and ports. Written
// as five whole 64-bit words: hash() and the compares read the key back word by word at once, and
// a word load that spans several narrower stores still in flight cannot be forwarded from them
// (it waits for them to retire: ~20 cycles a key, measured, when this was a memset and memcpys).
inline ConnKey make_key(const uint8_t* src, const uint8_t* dst, bool v6, uint16_t sport, uint16_t dport,
                        uint8_t proto) noexcept {
  static_assert(std::endian::native == std::endian::little, "the last word's layout assumes little endian");
  uint64_t w[5];
  if (v6) {
    std::memcpy(&w[0], src, 16);
    std::memcpy(&w[2], dst, 16);
  } else {
    uint32_t s4, d4;
    std::memcpy(&s4, src, 4);
    std::memcpy(&d4, dst, 4);
    w[0] = s4;
    w[1] = 0;
    w[2] = d4;
    w[3] = 0;
  }
  w[4] = uint64_t{sport} | uint64_t{dport} << 16 | uint64_t{proto} << 32 | uint64_t{v6} << 40;
  ConnKey k;
  std::memcpy(&k, w, sizeof k);
  return k;
}

// CRC32C of the key's words: an IPv4 key (whose other address bytes make_key zeroes) in two
// dependent steps, an IPv6 one in five. The table is private to its worker, so the mapping only has
// to be the same within one process. The second bucket and the signature come from one multiply.
inline ConnHash ConnTable::hash(const ConnKey& k) const noexcept {
  uint64_t w[5];
  std::memcpy(w, &k, sizeof w);
  uint32_t crc;
  if (!k.v6) [[likely]] {
    crc = dist::crc32c_u64(dist::crc32c_u64(~0u, w[0] ^ (w[2] << 32)), w[4]);
  } else {
    crc = ~0u;
    for (int i = 0; i < 5; ++i) crc = dist::crc32c_u64(crc, w[i]);
  }
  uint64_t mix = uint64_t{crc} * 0x9e3779b97f4a7c15ull;
  auto reduce = [](uint32_t h, uint32_t n) { return uint32_t((uint64_t{h} * n) >> 32); };  // Lemire: [0, n)
  ConnHash h;
  h.b1 = reduce(crc, nbuckets_);
  h.b2 = reduce(uint32_t(mix >> 32), nbuckets_);
  if (h.b2 == h.b1) h.b2 = h.b1 + 1 == nbuckets_ ? 0 : h.b1 + 1;
  h.sig = uint32_t(mix) | 1;
  return h;
}

}  // namespace sysplex::conn
