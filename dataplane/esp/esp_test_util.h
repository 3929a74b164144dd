// Fixtures shared by the ESP tests and the benchmark: hex, buffers with head- and tailroom, SA
// pairs with fixed keys, and a crafter of ESP packets with any (valid-ICV) plaintext.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/esp/esp.h"

namespace sysplex::dp::esp::testutil {

using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view text);  // whitespace ignored
std::string to_hex(std::span<const uint8_t> b);

// A packet inside a zero-filled buffer with room on both sides.
struct Buf {
  Bytes mem;
  PktBuf pkt;
  explicit Buf(std::span<const uint8_t> bytes, uint32_t headroom = 128, uint32_t tailroom = 64);
  Buf(const Buf& o);
  Bytes bytes() const { return {pkt.data(), pkt.data() + pkt.len}; }
};

// One registry for the whole test binary, without calibration, so engine choice is the fixed
// preference order and results do not depend on timing.
const AeadEngines& engines();

struct SaSpec {
  EspAlg alg = EspAlg::kAes128Gcm;
  EspMode mode = EspMode::kTunnel;
  bool v6 = false;          // outer family (transport: the packets' family)
  bool udp = false;
  bool esn = false;
  uint32_t spi = 0x1000;
  uint32_t replay_window = 1024;
  config::CryptoEngine engine = config::CryptoEngine::kAuto;
  Lifetime lifetime;
  uint64_t seq_first = 1, seq_last = 0, seq_low_water = 0;
  unsigned workers = 1;
  uint64_t now_ns = 0;
};

// Fixed key material for an algorithm: 0x01, 0x02, ... (key || salt).
Bytes test_key(EspAlg a);
// The control form of the outbound (198.18.0.1 -> 198.18.0.2, or 2001:db8::1 -> ::2) or inbound
// (the same addresses seen from the receiver) SA.
SaControl control(const SaSpec& s, SaDir dir);
std::unique_ptr<SaRuntime> make(const SaSpec& s, SaDir dir);  // asserts success

// Inner packets: UDP over IPv4 (198.19.1.1 -> 198.19.2.1) or IPv6 (2001:db8:1::1 -> ::2).
Bytes inner_udp(bool v6, size_t payload, uint8_t tos = 0, bool df = false);
// A datagram between the SA's own addresses (control()'s sender -> receiver): transport mode.
Bytes host_udp(bool v6, size_t payload, uint8_t tos = 0);
// inner_udp for tunnel mode, host_udp for transport mode.
Bytes packet_for(const SaSpec& s, size_t payload, bool inner_v6);

// A whole outer IP packet carrying ESP for `out` (its key, SPI, addresses, encapsulation) with the
// given plaintext (payload, padding, pad length, next header as the test wants them) and sequence
// number, sealed with a correct ICV. For transport mode `hdr` is the IP header kept in front
// (its next header and lengths are fixed up here); for tunnel mode leave it empty.
Bytes craft(const SaRuntime& out, uint64_t seq, std::span<const uint8_t> plaintext,
            std::span<const uint8_t> hdr = {});
// plaintext = payload || 1, 2, .. pad || pad length || next header, padded to 4 bytes.
Bytes with_trailer(std::span<const uint8_t> payload, uint8_t next_header);

}  // namespace sysplex::dp::esp::testutil
