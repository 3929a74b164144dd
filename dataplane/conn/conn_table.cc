// Lookups are staged for bursts: hash every key, prefetch both signature lines of each, then match,
// so the cache misses of a burst overlap instead of following one another.
#include "dataplane/conn/conn_table.h"

#include <sys/mman.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/dist/flow_hash.h"

namespace sysplex::conn {
namespace {

constexpr uint32_t kMaxCapacity = 1u << 28;  // 256 Mi connections: 16 GiB of entries
constexpr double kMaxLoad = 0.9;

// Bit i set where slot i of the 16-slot signature line holds `sig`. Four 16-byte compares: a scalar
// loop over the atomics (which the compiler may not vectorize) cost ~30 cycles a line, twice per
// packet. The line is read with plain vector loads while control never writes it (its only writer
// is this worker, and a torn read of a concurrent erase could only miss a match or find a stale
// one, which the key compare then rejects).
inline uint32_t sig_mask(const std::atomic<uint32_t>* line, uint32_t sig) noexcept {
  static_assert(kSlotsPerBucket == 16 && sizeof(std::atomic<uint32_t>) == 4);
#if defined(__SSE2__)
  const __m128i* p = reinterpret_cast<const __m128i*>(line);
  __m128i want = _mm_set1_epi32(int(sig));
  uint32_t m = 0;
  for (int q = 0; q < 4; ++q)
    m |= uint32_t(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(p + q), want)))) << (4 * q);
  return m;
#else
  uint32_t m = 0;
  for (uint32_t i = 0; i < kSlotsPerBucket; ++i) m |= uint32_t(line[i].load(std::memory_order_relaxed) == sig) << i;
  return m;
#endif
}

// Prefetches the entries of `base`'s bucket whose bit is set in `hits`.
inline void prefetch_slots(const ConnEntry* base, uint32_t hits) noexcept {
  for (; hits; hits &= hits - 1) __builtin_prefetch(base + __builtin_ctz(hits));
}

}  // namespace

Result<std::unique_ptr<ConnTable>> ConnTable::create(uint32_t capacity, ConnTimeouts timeouts) {
  if (capacity < kSlotsPerBucket || capacity > kMaxCapacity)
    return make_error(Errc::kInvalidArgument, "connection table capacity " + std::to_string(capacity) +
                                                  " is outside 16-" + std::to_string(kMaxCapacity));
  std::unique_ptr<ConnTable> t(new ConnTable());
  t->capacity_ = capacity;
  t->timeouts_ = timeouts;
  t->nbuckets_ = uint32_t(double(capacity) / kMaxLoad / kSlotsPerBucket) + 1;
  size_t nslots = size_t(t->nbuckets_) * kSlotsPerBucket;
  t->mem_len_ = nslots * (sizeof(ConnEntry) + sizeof(uint32_t));
  void* mem = ::mmap(nullptr, t->mem_len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return make_error(Errc::kResourceExhausted, "cannot reserve " + std::to_string(t->mem_len_ >> 20) +
                                                    " MiB for a connection table of " + std::to_string(capacity) +
                                                    " entries: " + std::strerror(errno) + " (lower CONNTABLE ENTRIES)");
  ::madvise(mem, t->mem_len_, MADV_HUGEPAGE);  // best effort: fewer TLB misses on big tables
  // Touched now, after the advice so the faults can take huge pages: a first touch of fresh memory
  // faults, under a hypervisor a fault can cost tens of microseconds, and inserts on the fast path
  // must never pay that.
  for (size_t off = 0; off < t->mem_len_; off += 4096) static_cast<volatile uint8_t*>(mem)[off] = 0;
  t->mem_ = mem;
  t->entries_ = static_cast<ConnEntry*>(mem);
  t->sigs_ = reinterpret_cast<std::atomic<uint32_t>*>(t->entries_ + nslots);
  return t;
}

ConnTable::~ConnTable() {
  if (mem_) ::munmap(mem_, mem_len_);
}

// Only the first bucket: inserts fill it first, so nearly every key is there (see insert()).
void ConnTable::prefetch(const ConnHash& h) const noexcept { __builtin_prefetch(&sigs_[size_t(h.b1) * kSlotsPerBucket]); }

// A signature match in the first bucket prefetches that entry; none means the key is in the
// second bucket or nowhere, so its signatures are fetched instead.
bool ConnTable::prefetch_entries(const ConnHash& h) const noexcept {
  const std::atomic<uint32_t>* s = &sigs_[size_t(h.b1) * kSlotsPerBucket];
  const ConnEntry* base = &entries_[size_t(h.b1) * kSlotsPerBucket];
  if (uint32_t hits = sig_mask(s, h.sig)) {
    prefetch_slots(base, hits);
    return true;
  }
  // Not in the first bucket: a new key, usually, which insert() will write to that bucket's first
  // free slot; or a key in the second bucket. Both lines are needed next.
  __builtin_prefetch(&sigs_[size_t(h.b2) * kSlotsPerBucket]);
  if (uint32_t free = sig_mask(s, 0)) __builtin_prefetch(base + __builtin_ctz(free), 1);
  return false;
}

// A key in its second bucket (~1.5% of them with a million connections in the default table):
// without this, find() would wait for that entry's line from memory.
void ConnTable::prefetch_second_entries(const ConnHash& h) const noexcept {
  prefetch_slots(&entries_[size_t(h.b2) * kSlotsPerBucket], sig_mask(&sigs_[size_t(h.b2) * kSlotsPerBucket], h.sig));
}

uint32_t ConnTable::match(uint32_t bucket, uint32_t sig, const ConnKey& k) const noexcept {
  uint32_t hits = sig_mask(&sigs_[size_t(bucket) * kSlotsPerBucket], sig);
  while (hits) {
    uint32_t slot = bucket * kSlotsPerBucket + uint32_t(__builtin_ctz(hits));
    hits &= hits - 1;
    if (entries_[slot].key == k) return slot;
  }
  return kNoSlot;
}

uint32_t ConnTable::find(const ConnKey& k, const ConnHash& h) const noexcept {
  uint32_t slot = match(h.b1, h.sig, k);
  return slot != kNoSlot ? slot : match(h.b2, h.sig, k);
}

void ConnTable::find_burst(const ConnKey* const* keys, uint32_t n, ConnHash* hashes, uint32_t* slots) const noexcept {
  for (uint32_t i = 0; i < n; ++i) {
    hashes[i] = hash(*keys[i]);
    prefetch(hashes[i]);
  }
  for (uint32_t i = 0; i < n; ++i) slots[i] = find(*keys[i], hashes[i]);
}

uint32_t ConnTable::free_slot(uint32_t bucket, uint32_t* used) const noexcept {
  uint32_t free = sig_mask(&sigs_[size_t(bucket) * kSlotsPerBucket], 0);
  *used = kSlotsPerBucket - uint32_t(__builtin_popcount(free));
  return free ? bucket * kSlotsPerBucket + uint32_t(__builtin_ctz(free)) : kNoSlot;
}

void ConnTable::begin_write(ConnEntry& e) noexcept {
  e.seq.store(e.seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
}

void ConnTable::end_write(ConnEntry& e) noexcept {
  e.seq.store(e.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

// Both buckets full: move one of their entries to its other bucket, if that has room (one level
// of cuckoo displacement, which carries the table from ~88% to ~97% slot load). Readers may miss
// the moved entry for an instant; the only fast-path reader is this writer.
uint32_t ConnTable::relocate(uint32_t bucket) noexcept {
  for (uint32_t i = 0; i < kSlotsPerBucket; ++i) {
    uint32_t from = bucket * kSlotsPerBucket + i;
    const ConnEntry& e = entries_[from];
    ConnHash eh = hash(e.key);
    uint32_t used, to = free_slot(eh.b1 == bucket ? eh.b2 : eh.b1, &used);
    if (to == kNoSlot) continue;
    ConnEntry& d = entries_[to];
    begin_write(d);
    d.key = e.key;
    d.target = e.target;
    d.last_ms = e.last_ms;
    d.created_ms = e.created_ms;
    d.service = e.service;
    d.state = e.state;
    d.flags = e.flags;
    d.row_hint = e.row_hint;
    end_write(d);
    sigs_[to].store(eh.sig, std::memory_order_release);
    size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    erase(from);
    return from;
  }
  return kNoSlot;
}

uint32_t ConnTable::insert(const ConnKey& k, const ConnHash& h, uint32_t target, uint16_t service, ConnState state,
                           uint8_t flags, uint32_t now_ms) noexcept {
  // The first bucket while it has room, so lookups mostly need one signature line; the second
  // choice (and a displacement) carry the load once first buckets fill up.
  uint32_t used1, used2;
  uint32_t s1 = free_slot(h.b1, &used1);
  uint32_t slot = s1 != kNoSlot ? s1 : free_slot(h.b2, &used2);
  if (slot == kNoSlot) slot = relocate(h.b1);
  if (slot == kNoSlot) slot = relocate(h.b2);
  if (slot == kNoSlot) return kNoSlot;
  ConnEntry& e = entries_[slot];
  begin_write(e);
  e.key = k;
  e.target = target;
  e.last_ms = e.created_ms = now_ms;
  e.service = service;
  e.state = state;
  e.flags = flags;
  end_write(e);
  sigs_[slot].store(h.sig, std::memory_order_release);
  size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return slot;
}

void ConnTable::erase(uint32_t slot) noexcept {
  sigs_[slot].store(0, std::memory_order_release);
  ConnEntry& e = entries_[slot];
  begin_write(e);
  e.state = ConnState::kFree;
  end_write(e);
  size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

// The per-packet updates of last_ms and state are single aligned stores, which readers may see
// before or after; only insert and erase, which change the key, go through the seqlock.
bool ConnTable::read(uint32_t slot, ConnView& out) const noexcept {
  if (slot >= slots()) return false;
  const ConnEntry& e = entries_[slot];
  for (;;) {
    if (sigs_[slot].load(std::memory_order_acquire) == 0) return false;
    uint32_t s1 = e.seq.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    std::memcpy(&out.key, &e.key, sizeof(ConnKey));
    out.target = e.target;
    out.last_ms = e.last_ms;
    out.created_ms = e.created_ms;
    out.service = e.service;
    out.state = e.state;
    out.flags = e.flags;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (e.seq.load(std::memory_order_relaxed) == s1) return out.state != ConnState::kFree;
  }
}

}  // namespace sysplex::conn
