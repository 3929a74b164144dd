// Test-only fixtures for the group channel: a fixed test key, a settable clock, a seeded random
// source, one sample of every message type (IPv4 or IPv6), and a raw sealer for crafted frames.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "control/channel/frame.h"
#include "control/channel/key.h"
#include "control/channel/messages.h"
#include "control/channel/opener.h"
#include "control/channel/sealer.h"
#include "control/channel/wire.h"

namespace sysplex::channel::testing {

inline constexpr uint64_t kT0 = 1'700'000'000'000;  // a fixed "now", ms since the Unix epoch

// 00 01 02 ... 1f (+ offset): an obviously-test group key.
inline std::vector<uint8_t> test_key_bytes(uint8_t offset = 0) {
  std::vector<uint8_t> k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(i + offset);
  return k;
}

inline std::shared_ptr<const ChannelKey> test_key(uint8_t offset = 0) {
  auto k = ChannelKey::from_group_key_bytes(test_key_bytes(offset));
  if (!k) return nullptr;
  return std::make_shared<const ChannelKey>(std::move(*k));
}

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<uint64_t> now = std::make_shared<uint64_t>(kT0);
  Clock fn() const {
    return [n = now] { return *n; };
  }
  void advance(uint64_t ms) const { *now += ms; }
  void set(uint64_t ms) const { *now = ms; }
};

// A deterministic random source (not for keys: for nonces in tests only).
inline RandomFill seeded_random(uint32_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng](std::span<uint8_t> out) {
    for (uint8_t& b : out) b = uint8_t((*rng)());
  };
}

inline IpAddr ip(std::string_view text) { return *parse_ip(text); }

inline ConnTuple tuple(bool v6, uint32_t i) {
  ConnTuple c;
  c.src = v6 ? ip("2001:db8:1::" + std::to_string(i % 65535 + 1)) : IpAddr::v4_from_host(0xC6120000u + i % 65000 + 1);
  c.dst = v6 ? ip("2001:db8:ffff::10") : ip("198.19.0.10");
  c.sport = uint16_t(1024 + i % 60000);
  c.dport = 443;
  c.proto = i % 5 == 0 ? kProtoUdp : kProtoTcp;
  return c;
}

// One message of each type, addresses of one family.
inline std::vector<Message> sample_messages(bool v6) {
  IpAddr dvipa = v6 ? ip("2001:db8:ffff::10") : ip("198.19.0.10");
  IpAddr xcf = v6 ? ip("2001:db8::1") : ip("198.18.0.1");
  SecretBytes record(200);
  for (size_t i = 0; i < record.size(); ++i) record[i] = uint8_t(0xA0 ^ i);
  return {
      Heartbeat{"SYS1", {xcf, v6 ? ip("198.18.0.2") : ip("2001:db8::2")}, MemberState::kActive, 3,
                {{dvipa, DvipaRole::kOwner, 7}, {v6 ? ip("2001:db8:ffff::11") : ip("198.19.0.11"), DvipaRole::kBackup, 2}},
                40},
      ListenerReport{"SYS1", 9, {{dvipa, 443, true}, {dvipa, 8080, false}}},
      ConnectionEnded{dvipa, {tuple(v6, 1), tuple(v6, 2), tuple(v6, 5)}},
      BulkConnectionRequest{77, dvipa, "SYS2", 8},
      BulkConnectionReport{77, dvipa, 3, true, {tuple(v6, 10), tuple(v6, 11)}},
      TakeoverNotice{dvipa, "SYS2", 8, TakeoverReason::kOwnerFailed},
      ShadowSa{0x1000abcd, dvipa, 5, record},
      Leave{"SYS1", LeaveReason::kAutonomics, "buffer pool critical"},
  };
}

inline std::vector<Message> all_samples() {
  auto a = sample_messages(false), b = sample_messages(true);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Endpoints {
  FakeClock clock;
  Sealer sealer;
  Opener opener;
};

inline SealerOptions sealer_options(const FakeClock& clock, std::string node = "SYS1", uint64_t epoch = 1000,
                                    uint32_t seed = 1) {
  SealerOptions o;
  o.group = "EZBTCPCS";
  o.node = std::move(node);
  o.boot_epoch = epoch;
  o.clock = clock.fn();
  o.random = seeded_random(seed);
  return o;
}

inline OpenerOptions opener_options(const FakeClock& clock, std::string node = "SYS9") {
  OpenerOptions o;
  o.group = "EZBTCPCS";
  o.node = std::move(node);
  o.clock = clock.fn();
  return o;
}

// Seals `body` as it is (no encoding, no validation), for frames a Sealer would refuse to build.
inline std::vector<uint8_t> seal_raw(const ChannelKey& key, const FrameHeader& h, std::span<const uint8_t> body,
                                     uint8_t nonce_byte = 7) {
  std::vector<uint8_t> out(sealed_size(body.size()));
  FrameHeader hh = h;
  hh.body_len = uint16_t(body.size());
  write_header(hh, std::span(out).first<kHeaderSize>());
  std::fill(out.begin() + kHeaderSize, out.begin() + kAadSize, nonce_byte);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kAadSize, &clen, body.data(), body.size(), out.data(),
                                             kAadSize, nullptr, out.data() + kHeaderSize, key.data());
  return out;
}

inline FrameHeader raw_header(MessageType type, std::string sender = "SYS1", uint64_t seq = 1,
                              uint64_t epoch = 1000, uint64_t ts = kT0) {
  FrameHeader h;
  h.type = uint8_t(type);
  h.group_hash = group_hash("EZBTCPCS");
  h.sender = std::move(sender);
  h.boot_epoch = epoch;
  h.sequence = seq;
  h.timestamp_ms = ts;
  return h;
}

inline SecretBytes body_of(const Message& m) {
  SecretBytes b;
  if (!encode_body(m, b)) b.clear();
  return b;
}

}  // namespace sysplex::channel::testing
