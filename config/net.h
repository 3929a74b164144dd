// Plain network value types shared by config, dataplane and control: IP addresses (v4 and v6 in
// one type), prefixes and MAC addresses, with text parsing and formatting for profiles and displays.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sysplex {

// An IPv4 or IPv6 address. Bytes are in network order; an IPv4 address uses bytes[0..3].
struct IpAddr {
  std::array<uint8_t, 16> bytes{};
  bool v6 = false;

  static IpAddr v4_from_host(uint32_t host_order);
  static IpAddr v4_from_be(uint32_t be);          // as stored in a packet header
  static IpAddr v6_from_bytes(const uint8_t* b);  // 16 bytes, network order
  uint32_t v4_host() const;                       // only for !v6
  uint32_t v4_be() const;                         // only for !v6
  int family_bits() const { return v6 ? 128 : 32; }
  bool is_unspecified() const;

  friend bool operator==(const IpAddr& a, const IpAddr& b) { return a.v6 == b.v6 && a.bytes == b.bytes; }
  friend bool operator<(const IpAddr& a, const IpAddr& b) {
    return a.v6 != b.v6 ? a.v6 < b.v6 : a.bytes < b.bytes;
  }
};

std::optional<IpAddr> parse_ip(std::string_view text);
std::string to_string(const IpAddr& a);

// addr/len with the host bits cleared (parse refuses set host bits only where the caller asks).
struct Prefix {
  IpAddr addr;
  uint8_t len = 0;
  bool contains(const IpAddr& a) const;
  friend bool operator==(const Prefix& a, const Prefix& b) { return a.addr == b.addr && a.len == b.len; }
};

// Accepts "a.b.c.d/n", "x::y/n", or a bare address (full-length prefix).
std::optional<Prefix> parse_prefix(std::string_view text);
std::string to_string(const Prefix& p);
// Dotted IPv4 netmask (255.255.255.0) to a prefix length; nullopt if not contiguous.
std::optional<uint8_t> mask_to_len(const IpAddr& mask);

struct MacAddr {
  std::array<uint8_t, 6> bytes{};
  friend bool operator==(const MacAddr& a, const MacAddr& b) { return a.bytes == b.bytes; }
  bool is_zero() const;
};

std::optional<MacAddr> parse_mac(std::string_view text);
std::string to_string(const MacAddr& m);

}  // namespace sysplex
