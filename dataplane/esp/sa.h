// ESP security associations in two forms, as in VPP's ipsec_sa.h: the plain control form (keys,
// addresses, ports, flags, lifetimes) and the compact, cache-aligned runtime form the workers use,
// with its header template, sequence block, replay window, per-worker contexts and counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "config/net.h"
#include "config/profile.h"
#include "config/result.h"
#include "dataplane/esp/aead.h"
#include "dataplane/esp/esp_drop.h"
#include "dataplane/esp/replay.h"

namespace sysplex::dp::esp {

using config::EspMode;

inline constexpr unsigned kMaxSaWorkers = 16;
inline constexpr uint16_t kDefaultEncapPort = 4500;

enum class SaDir : uint8_t { kInbound, kOutbound };

struct Lifetime {  // 0: no limit. Soft limits below hard ones.
  uint64_t soft_bytes = 0, hard_bytes = 0;
  uint64_t soft_packets = 0, hard_packets = 0;
  uint64_t soft_secs = 0, hard_secs = 0;
};

// The control form: what IKE or a manual IPSECSA hands the SA manager.
struct SaControl {
  uint32_t spi = 0;
  SaDir dir = SaDir::kInbound;
  EspMode mode = EspMode::kTunnel;
  EspAlg alg = EspAlg::kAes128Gcm;
  config::CryptoEngine engine = config::CryptoEngine::kAuto;
  KeyBytes key;               // key || 4-byte salt
  IpAddr local, remote;       // tunnel endpoints; in transport mode the hosts
  bool udp_encap = false;     // RFC 3948
  uint16_t encap_sport = kDefaultEncapPort;  // as on the wire, in this SA's direction
  uint16_t encap_dport = kDefaultEncapPort;
  bool esn = false;
  uint32_t replay_window = 1024;  // inbound; 0: off
  uint64_t replay_top = 0;        // inbound: highest number already received (a recovered SA)
  Lifetime lifetime;
  // Outbound: the block of sequence numbers this node may use (inclusive). 0 for seq_last means
  // the whole space (2^32 - 1, or 2^64 - 1 with ESN); 0 for the low-water mark means 7/8 of the
  // block used.
  uint64_t seq_first = 1, seq_last = 0, seq_low_water = 0;
};

// From a profile IPSECSA and the bytes of its key file.
[[nodiscard]] Result<SaControl> sa_control_from_profile(const config::IpsecSa& sa,
                                                        std::span<const uint8_t> key_and_salt);

struct SaInstall {
  uint32_t id = 0;            // the dense id control gave it (the SAD returns it)
  unsigned workers = 1;       // per-worker contexts for slots 0 .. workers-1
  uint64_t now_ns = 0;        // install time on the clock the caller passes per burst
};

// Events a worker raises once; control collects them with sa_take_events().
enum SaEvent : uint16_t {
  kEventSoftBytes = 1 << 0,
  kEventSoftPackets = 1 << 1,
  kEventSoftTime = 1 << 2,
  kEventHardBytes = 1 << 3,
  kEventHardPackets = 1 << 4,
  kEventHardTime = 1 << 5,
  kEventSeqLowWater = 1 << 6,   // the sequence block reached its low-water mark: lease the next
  kEventSeqExhausted = 1 << 7,  // the block is used up: packets are refused until extended
};
inline constexpr uint16_t kEventSoftAny = kEventSoftBytes | kEventSoftPackets | kEventSoftTime;
inline constexpr uint16_t kEventHardAny = kEventHardBytes | kEventHardPackets | kEventHardTime;

// Written by one worker only, summed by control; torn reads are harmless on 64-bit x86.
struct alignas(64) SaWorkerCounters {
  uint64_t packets = 0;  // protected (outbound) or accepted (inbound)
  uint64_t bytes = 0;    // inner packet (tunnel) or transport payload bytes, before padding
  std::array<uint64_t, size_t(EspDrop::kCount)> drops{};
};

// A worker's reserved run of outbound sequence numbers: taken from the SA's shared counter
// kSeqChunk at a time, so the shared line sees one atomic add per chunk, not one per packet (a
// locked add per packet also waited for the packet's stores to drain: ~60 cycles of a 1400-byte
// encryption). Numbers stay unique; between workers they interleave by less than a few chunks
// (see take_seq), well within any replay window worth having (strongSwan's default is 32).
inline constexpr uint64_t kSeqChunk = 16;
struct alignas(64) SeqChunk {
  uint64_t next = 1, last = 0;  // next number to use, last reserved; empty while next > last
  uint32_t gen = 0;             // the SA's seq_gen when reserved: a new block (a jump) voids it
};

struct SaCounterTotals {
  uint64_t packets = 0, bytes = 0;
  std::array<uint64_t, size_t(EspDrop::kCount)> drops{};
  uint64_t drop(EspDrop d) const { return drops[size_t(d)]; }
  uint64_t dropped() const;
};

// The runtime form. Control creates it with make_sa() and never changes its configuration; the
// atomics below are the only state shared between workers. The replay window belongs to the one
// worker that processes this inbound SA (steer an SA's packets to one worker).
struct alignas(64) SaRuntime {
  // ---- read-only after install (the first lines every packet touches)
  uint32_t id = 0;
  uint32_t spi = 0;
  SaDir dir = SaDir::kInbound;
  EspMode mode = EspMode::kTunnel;
  EspAlg alg = EspAlg::kAes128Gcm;
  Engine engine = Engine::kOpenSsl;
  bool v6 = false;            // outer (tunnel) or packet (transport) family
  bool udp_encap = false;
  bool esn = false;
  bool volume_limits = false; // some byte or packet limit is set
  uint16_t encap_sport = 0, encap_dport = 0;
  uint8_t outer_len = 0;      // 20 or 40
  uint8_t local[16] = {}, remote[16] = {};
  uint8_t outer[40] = {};     // tunnel outer header with addresses, TTL 64 and protocol filled
  uint64_t soft_bytes = 0, hard_bytes = 0, soft_packets = 0, hard_packets = 0;  // UINT64_MAX: none
  uint64_t soft_deadline_ns = 0, hard_deadline_ns = 0;                          // UINT64_MAX: none
  std::array<AeadContext*, kMaxSaWorkers> aead{};  // by worker slot, owned by ctx_owner

  // ---- outbound sequence block, shared by every worker that sends on this SA
  alignas(64) std::atomic<uint64_t> seq_next{0};   // last number reserved (handed to a worker's chunk)
  std::atomic<uint64_t> seq_limit{0};              // last number this node may use
  std::atomic<uint64_t> seq_low_water{0};
  std::atomic<uint32_t> seq_gen{0};                // bumped by sa_set_seq_block: chunks from before are void
  std::array<SeqChunk, kMaxSaWorkers> seq_chunk{};  // by worker slot

  // ---- lifetime use and events
  alignas(64) std::atomic<uint64_t> life_bytes{0};
  std::atomic<uint64_t> life_packets{0};
  alignas(64) std::atomic<uint16_t> events_raised{0};   // sticky: each event fires once
  std::atomic<uint16_t> events_pending{0};              // raised, not yet taken by control

  // ---- inbound, one worker
  alignas(64) ReplayWindow replay;

  std::array<SaWorkerCounters, kMaxSaWorkers> counters{};
  std::array<std::unique_ptr<AeadContext>, kMaxSaWorkers> ctx_owner{};

  // Raises events (once each); returns those newly raised. Fast-path safe.
  uint16_t raise(uint16_t ev) noexcept;
};

// Installs: validates the control form, resolves the engine (ENGINE AUTO: the calibrated best),
// builds the header template and one AEAD context per worker slot.
[[nodiscard]] Result<std::unique_ptr<SaRuntime>> make_sa(const SaControl& c,
                                                         const AeadEngines& engines,
                                                         const SaInstall& inst);

// ---- control side
// Events raised since the last call (each event is raised once per SA, or once per block for the
// sequence events).
uint16_t sa_take_events(SaRuntime& sa) noexcept;
// The next block of sequence numbers, right after the current one: raises the limit.
void sa_extend_seq_limit(SaRuntime& sa, uint64_t new_last, uint64_t new_low_water) noexcept;
// A block elsewhere in the space (other nodes hold the numbers between): [first, last].
void sa_set_seq_block(SaRuntime& sa, uint64_t first, uint64_t last, uint64_t low_water) noexcept;
SaCounterTotals sa_counters(const SaRuntime& sa) noexcept;
// Raises the time events of an SA that carries no traffic (workers check time per packet only);
// returns the events newly raised. Control calls it on its timer.
uint16_t sa_check_time(SaRuntime& sa, uint64_t now_ns) noexcept;

}  // namespace sysplex::dp::esp
