// SA install (control form -> runtime form), the sequence-block hand-over and event collection.
#include "dataplane/esp/sa.h"

#include <cstring>
#include <limits>
#include <string>

namespace sysplex::dp::esp {
namespace {

constexpr uint64_t kNone64 = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kNsPerSec = 1'000'000'000;
constexpr uint8_t kTtl = 64;
constexpr uint8_t kProtoUdp = 17, kProtoEsp = 50;

uint64_t limit_or_none(uint64_t v) { return v ? v : kNone64; }

uint64_t deadline(uint64_t now_ns, uint64_t secs) {
  if (!secs) return kNone64;
  if (secs > (kNone64 - now_ns) / kNsPerSec) return kNone64;
  return now_ns + secs * kNsPerSec;
}

Status check_pair(const char* what, uint64_t soft, uint64_t hard) {
  if (soft && hard && soft >= hard)
    return make_error(Errc::kInvalidArgument, std::string("soft ") + what + " limit " +
                                                  std::to_string(soft) + " must be below the hard " +
                                                  "limit " + std::to_string(hard));
  return ok_status();
}

Status check_addresses(const SaControl& c) {
  if (c.local.v6 != c.remote.v6)
    return make_error(Errc::kInvalidArgument, "SA local and remote addresses differ in family");
  if (c.local.is_unspecified() || c.remote.is_unspecified())
    return make_error(Errc::kInvalidArgument, "SA local and remote addresses must be given");
  return ok_status();
}

Status check_control(const SaControl& c, const SaInstall& inst) {
  if (c.spi < 256)
    return make_error(Errc::kInvalidArgument,
                      "SPI " + std::to_string(c.spi) + " is reserved (0-255; RFC 4303)");
  const size_t want = alg_key_len(c.alg) + kSaltLen;
  if (c.key.size() != want)
    return make_error(Errc::kInvalidArgument,
                      std::string(alg_name(c.alg)) + " needs " + std::to_string(want) +
                          " bytes of key material (key and 4-byte salt), got " +
                          std::to_string(c.key.size()));
  if (inst.workers == 0 || inst.workers > kMaxSaWorkers)
    return make_error(Errc::kInvalidArgument, "SA worker count " + std::to_string(inst.workers) +
                                                  " outside 1-" + std::to_string(kMaxSaWorkers));
  if (c.udp_encap && (c.encap_sport == 0 || c.encap_dport == 0))
    return make_error(Errc::kInvalidArgument, "UDP encapsulation needs non-zero ports");
  if (auto s = check_addresses(c); !s) return s;
  if (auto s = check_pair("byte", c.lifetime.soft_bytes, c.lifetime.hard_bytes); !s) return s;
  if (auto s = check_pair("packet", c.lifetime.soft_packets, c.lifetime.hard_packets); !s) return s;
  return check_pair("time", c.lifetime.soft_secs, c.lifetime.hard_secs);
}

uint64_t seq_space_end(bool esn) { return esn ? kNone64 : std::numeric_limits<uint32_t>::max(); }

Status check_seq(const SaControl& c, uint64_t last) {
  if (c.seq_first == 0 || c.seq_first > last || last > seq_space_end(c.esn))
    return make_error(Errc::kInvalidArgument,
                      "sequence block " + std::to_string(c.seq_first) + "-" +
                          std::to_string(last) + " is empty or outside 1-" +
                          std::to_string(seq_space_end(c.esn)) + (c.esn ? "" : " (no ESN)"));
  return ok_status();
}

void build_outer(SaRuntime& s) {
  uint8_t* h = s.outer;
  const uint8_t proto = s.udp_encap ? kProtoUdp : kProtoEsp;
  if (!s.v6) {
    s.outer_len = 20;
    h[0] = 0x45;
    h[8] = kTtl;
    h[9] = proto;
    std::memcpy(h + 12, s.local, 4);
    std::memcpy(h + 16, s.remote, 4);
  } else {
    s.outer_len = 40;
    h[0] = 0x60;
    h[6] = proto;
    h[7] = kTtl;
    std::memcpy(h + 8, s.local, 16);
    std::memcpy(h + 24, s.remote, 16);
  }
}

void fill_static(SaRuntime& s, const SaControl& c, const SaInstall& inst) {
  s.id = inst.id;
  s.spi = c.spi;
  s.dir = c.dir;
  s.mode = c.mode;
  s.alg = c.alg;
  s.v6 = c.local.v6;
  s.udp_encap = c.udp_encap;
  s.esn = c.esn;
  s.encap_sport = c.encap_sport;
  s.encap_dport = c.encap_dport;
  std::memcpy(s.local, c.local.bytes.data(), 16);
  std::memcpy(s.remote, c.remote.bytes.data(), 16);
  const Lifetime& l = c.lifetime;
  s.soft_bytes = limit_or_none(l.soft_bytes);
  s.hard_bytes = limit_or_none(l.hard_bytes);
  s.soft_packets = limit_or_none(l.soft_packets);
  s.hard_packets = limit_or_none(l.hard_packets);
  s.volume_limits = l.soft_bytes || l.hard_bytes || l.soft_packets || l.hard_packets;
  s.soft_deadline_ns = deadline(inst.now_ns, l.soft_secs);
  s.hard_deadline_ns = deadline(inst.now_ns, l.hard_secs);
  build_outer(s);
}

uint64_t default_low_water(uint64_t first, uint64_t last) {
  return last - (last - first) / 8;
}

Status make_contexts(SaRuntime& s, const SaControl& c, const AeadEngines& engines,
                     unsigned workers) {
  for (unsigned w = 0; w < workers; ++w) {
    auto ctx = engines.make_context(s.engine, c.alg, c.key.bytes());
    if (!ctx) return ctx.error();
    s.ctx_owner[w] = std::move(*ctx);
    s.aead[w] = s.ctx_owner[w].get();
  }
  return ok_status();
}

}  // namespace

uint64_t SaCounterTotals::dropped() const {
  uint64_t n = 0;
  for (size_t i = 1; i < drops.size(); ++i) n += drops[i];
  return n;
}

uint16_t SaRuntime::raise(uint16_t ev) noexcept {
  if ((events_raised.load(std::memory_order_relaxed) & ev) == ev) return 0;
  const uint16_t fresh = ev & ~events_raised.fetch_or(ev, std::memory_order_acq_rel);
  if (fresh) events_pending.fetch_or(fresh, std::memory_order_release);
  return fresh;
}

Result<SaControl> sa_control_from_profile(const config::IpsecSa& p,
                                          std::span<const uint8_t> key_and_salt) {
  if (p.direction == config::Direction::kBidirectional)
    return make_error(Errc::kInvalidArgument,
                      "IPSECSA " + p.name + ": an SA is either INBOUND or OUTBOUND");
  SaControl c;
  c.spi = p.spi;
  c.dir = p.direction == config::Direction::kInbound ? SaDir::kInbound : SaDir::kOutbound;
  c.mode = p.mode;
  c.alg = p.alg;
  c.engine = p.engine;
  c.key = KeyBytes(key_and_salt);
  if (key_and_salt.size() != alg_key_len(p.alg) + kSaltLen)
    return make_error(Errc::kInvalidArgument, "IPSECSA " + p.name + ": key file " + p.key_file +
                                                  " holds " + std::to_string(key_and_salt.size()) +
                                                  " bytes, " + std::string(alg_name(p.alg)) +
                                                  " needs " +
                                                  std::to_string(alg_key_len(p.alg) + kSaltLen));
  c.local = p.local;
  c.remote = p.remote;
  c.udp_encap = p.udp_encap;
  c.encap_sport = p.encap_sport;
  c.encap_dport = p.encap_dport;
  c.esn = p.esn;
  c.replay_window = p.replay_window;
  c.lifetime = {p.soft_bytes, p.hard_bytes, p.soft_packets, p.hard_packets, p.soft_secs,
                p.hard_secs};
  return c;
}

Result<std::unique_ptr<SaRuntime>> make_sa(const SaControl& c, const AeadEngines& engines,
                                           const SaInstall& inst) {
  if (auto s = check_control(c, inst); !s) return s.error();
  const uint64_t last = c.seq_last ? c.seq_last : seq_space_end(c.esn);
  if (auto s = check_seq(c, last); !s) return s.error();
  auto engine = engines.resolve(c.alg, c.engine);
  if (!engine) return engine.error();
  const bool in = c.dir == SaDir::kInbound;
  auto replay = ReplayWindow::create(in ? c.replay_window : 0, c.esn, in ? c.replay_top : 0);
  if (!replay) return replay.error();

  auto s = std::make_unique<SaRuntime>();
  fill_static(*s, c, inst);
  s->engine = *engine;
  s->replay = std::move(*replay);
  s->seq_next.store(c.seq_first - 1);
  s->seq_limit.store(last);
  s->seq_low_water.store(c.seq_low_water ? c.seq_low_water : default_low_water(c.seq_first, last));
  if (auto st = make_contexts(*s, c, engines, inst.workers); !st) return st.error();
  return s;
}

uint16_t sa_take_events(SaRuntime& sa) noexcept {
  return sa.events_pending.exchange(0, std::memory_order_acq_rel);
}

void sa_extend_seq_limit(SaRuntime& sa, uint64_t new_last, uint64_t new_low_water) noexcept {
  sa.seq_low_water.store(new_low_water, std::memory_order_release);
  sa.seq_limit.store(new_last, std::memory_order_release);
  sa.events_raised.fetch_and(uint16_t(~(kEventSeqLowWater | kEventSeqExhausted)),
                             std::memory_order_acq_rel);
}

// Workers read the limit (acquire) before taking a number, so closing the block first and opening
// it last means a worker either sees the old limit (and any number it now takes is refused, since
// blocks only move forward) or the new one together with the reset counter and the new
// generation, which voids the chunks reserved from the old block.
void sa_set_seq_block(SaRuntime& sa, uint64_t first, uint64_t last, uint64_t low_water) noexcept {
  sa.seq_limit.store(0, std::memory_order_seq_cst);
  sa.seq_next.store(first - 1, std::memory_order_seq_cst);
  sa.seq_gen.fetch_add(1, std::memory_order_seq_cst);
  sa.seq_low_water.store(low_water, std::memory_order_release);
  sa.seq_limit.store(last, std::memory_order_release);
  sa.events_raised.fetch_and(uint16_t(~(kEventSeqLowWater | kEventSeqExhausted)),
                             std::memory_order_acq_rel);
}

uint16_t sa_check_time(SaRuntime& sa, uint64_t now_ns) noexcept {
  uint16_t ev = 0;
  if (now_ns >= sa.soft_deadline_ns) ev |= kEventSoftTime;
  if (now_ns >= sa.hard_deadline_ns) ev |= kEventHardTime;
  return ev ? sa.raise(ev) : 0;
}

SaCounterTotals sa_counters(const SaRuntime& sa) noexcept {
  SaCounterTotals t;
  for (const auto& w : sa.counters) {
    t.packets += w.packets;
    t.bytes += w.bytes;
    for (size_t i = 0; i < t.drops.size(); ++i) t.drops[i] += w.drops[i];
  }
  return t;
}

}  // namespace sysplex::dp::esp
