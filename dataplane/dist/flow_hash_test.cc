#include "dataplane/dist/flow_hash.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "dataplane/dist/maglev.h"

namespace sysplex::dist {
namespace {

IpAddr ip(const char* text) { return parse_ip(text).value(); }

FlowKey tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  return FlowKey{ip(src), ip(dst), sport, dport, 6};
}

FlowKey reversed(const FlowKey& f) { return FlowKey{f.dst, f.src, f.dport, f.sport, f.proto}; }

// Deterministic input stream (Knuth's MMIX LCG): tests see the same words on every run.
struct Lcg {
  uint64_t state;
  uint64_t next() { return state = state * 6364136223846793005ull + 1442695040888963407ull; }
};

TEST(Crc32c, KnownAnswer) {
  // "12345678" as the instruction reads it (first byte least significant), from ~0; the bytewise
  // reference gives 0x9f787f65 (and 0xe3069283 for the standard check string "123456789").
  constexpr uint64_t kWord = 0x3837363534333231;
  EXPECT_EQ(crc32c_u64_portable(~0u, kWord), 0x9f787f65u);
  EXPECT_EQ(crc32c_u64(~0u, kWord), 0x9f787f65u);
}

TEST(Crc32c, AcceleratedMatchesPortable) {
  Lcg lcg{1};
  for (int i = 0; i < 100000; ++i) {
    const auto crc = static_cast<uint32_t>(lcg.next() >> 32);
    const uint64_t word = lcg.next();
    ASSERT_EQ(crc32c_u64(crc, word), crc32c_u64_portable(crc, word))
        << "crc " << crc << " word " << word;
  }
}

// The hash is a contract between nodes and releases: a distributor taking a DVIPA over must map
// flows as the old one did. Expected values come from an independent bitwise CRC32C over the same
// byte layout (addresses in network order, then sport, dport, proto, family as little-endian u64).
TEST(FlowHash, GoldenValues) {
  EXPECT_EQ(flow_hash(tcp("198.18.0.1", 40000, "198.19.255.1", 443)), 0x16c6efccu);
  EXPECT_EQ(flow_hash(tcp("2001:db8::1", 40000, "2001:db8:ffff::1", 443)), 0xeb1298b6u);
}

TEST(FlowHash, DirectionsDiffer) {
  for (uint16_t port = 1024; port < 1024 + 4096; ++port) {
    const FlowKey v4 = tcp("198.18.7.9", port, "198.19.0.1", 443);
    const FlowKey v6 = tcp("2001:db8:7::9", port, "2001:db8::1", 443);
    ASSERT_NE(flow_hash(v4), flow_hash(reversed(v4))) << port;
    ASSERT_NE(flow_hash(v6), flow_hash(reversed(v6))) << port;
  }
}

TEST(FlowHash, EveryFieldCounts) {
  const FlowKey base = tcp("198.18.0.1", 40000, "198.19.0.1", 443);
  std::set<uint32_t> seen{flow_hash(base)};
  FlowKey f = base;
  f.src = ip("198.18.0.2");
  seen.insert(flow_hash(f));
  f = base;
  f.dst = ip("198.19.0.2");
  seen.insert(flow_hash(f));
  f = base;
  f.sport = 40001;
  seen.insert(flow_hash(f));
  f = base;
  f.dport = 444;
  seen.insert(flow_hash(f));
  f = base;
  f.proto = 17;
  seen.insert(flow_hash(f));
  EXPECT_EQ(seen.size(), 6u);
}

TEST(FlowHash, FamiliesDiffer) {
  // The same leading address bytes in both families (c612:0001:: is 198.18.0.1 widened).
  EXPECT_NE(flow_hash(tcp("198.18.0.1", 1, "198.19.0.1", 2)),
            flow_hash(tcp("c612:1::", 1, "c613:1::", 2)));
  EXPECT_NE(address_hash(ip("198.18.0.1")), address_hash(ip("c612:1::")));
}

// Flows through the distributor's path, flow_hash then a 16-target Maglev table: 65536 connections
// from one client on consecutive source ports (the classic weak-hash case), and from 65536 clients
// on one port. Each target expects 4096; a uniform random hash stays within 3 standard deviations
// (186, 4.5%) nearly always. Assert 5%. (Measured: at most 3.2% off.)
void expect_spread(FlowKey flow, bool vary_client) {
  std::vector<Endpoint> eps;
  for (uint32_t i = 0; i < 16; ++i) {
    eps.push_back(Endpoint{i, 1, endpoint_key(IpAddr::v4_from_host(0xc6130000 + i))});
  }
  const auto table = build_maglev(eps).value();
  std::array<uint32_t, 16> count{};
  for (uint32_t i = 0; i < 65536; ++i) {
    if (vary_client) {
      flow.src.bytes[flow.src.v6 ? 14 : 2] = static_cast<uint8_t>(i >> 8);
      flow.src.bytes[flow.src.v6 ? 15 : 3] = static_cast<uint8_t>(i);
    } else {
      flow.sport = static_cast<uint16_t>(i);
    }
    ++count[maglev_lookup(table, flow_hash(flow))];
  }
  for (uint32_t t = 0; t < 16; ++t) EXPECT_NEAR(count[t], 4096, 4096 * 5 / 100) << "target " << t;
}

TEST(FlowHash, SpreadsOverMaglevV4) {
  expect_spread(tcp("198.18.3.4", 0, "198.19.0.1", 443), false);
  expect_spread(tcp("198.18.0.0", 40000, "198.19.0.1", 443), true);
}

TEST(FlowHash, SpreadsOverMaglevV6) {
  expect_spread(tcp("2001:db8::3:4", 0, "2001:db8::1", 443), false);
  expect_spread(tcp("2001:db8::", 40000, "2001:db8::1", 443), true);
}

}  // namespace
}  // namespace sysplex::dist
