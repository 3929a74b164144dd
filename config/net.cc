// Text forms of addresses, through inet_pton/inet_ntop so every accepted spelling is the system's.
#include "config/net.h"

#include <arpa/inet.h>

#include <cstdio>

namespace sysplex {

IpAddr IpAddr::v4_from_host(uint32_t h) {
  IpAddr a;
  a.bytes[0] = uint8_t(h >> 24);
  a.bytes[1] = uint8_t(h >> 16);
  a.bytes[2] = uint8_t(h >> 8);
  a.bytes[3] = uint8_t(h);
  return a;
}

IpAddr IpAddr::v4_from_be(uint32_t be) { return v4_from_host(ntohl(be)); }

IpAddr IpAddr::v6_from_bytes(const uint8_t* b) {
  IpAddr a;
  a.v6 = true;
  std::memcpy(a.bytes.data(), b, 16);
  return a;
}

uint32_t IpAddr::v4_host() const {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

uint32_t IpAddr::v4_be() const { return htonl(v4_host()); }

bool IpAddr::is_unspecified() const {
  for (int i = 0; i < (v6 ? 16 : 4); ++i)
    if (bytes[i] != 0) return false;
  return true;
}

std::optional<IpAddr> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  IpAddr a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

std::string to_string(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
  return buf;
}

static void clear_host_bits(IpAddr& a, uint8_t len) {
  for (int bit = len; bit < a.family_bits(); ++bit) a.bytes[bit / 8] &= uint8_t(~(0x80u >> (bit % 8)));
}

bool Prefix::contains(const IpAddr& a) const {
  if (a.v6 != addr.v6) return false;
  IpAddr masked = a;
  clear_host_bits(masked, len);
  return masked == addr;
}

std::optional<Prefix> parse_prefix(std::string_view text) {
  auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  Prefix p{*ip, uint8_t(ip->family_bits())};
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    unsigned n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + unsigned(c - '0');
    }
    if (n > unsigned(ip->family_bits())) return std::nullopt;
    p.len = uint8_t(n);
  }
  clear_host_bits(p.addr, p.len);
  return p;
}

std::string to_string(const Prefix& p) { return to_string(p.addr) + "/" + std::to_string(p.len); }

std::optional<uint8_t> mask_to_len(const IpAddr& mask) {
  if (mask.v6) return std::nullopt;
  uint32_t m = mask.v4_host();
  uint8_t len = 0;
  while (len < 32 && (m & (0x80000000u >> len))) ++len;
  if (len < 32 && (m << len) != 0) return std::nullopt;
  return len;
}

bool MacAddr::is_zero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<MacAddr> parse_mac(std::string_view t) {
  if (t.size() != 17) return std::nullopt;
  MacAddr m;
  for (int i = 0; i < 6; ++i) {
    int hi = hexval(t[i * 3]), lo = hexval(t[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && t[i * 3 + 2] != ':' && t[i * 3 + 2] != '-') return std::nullopt;
    m.bytes[i] = uint8_t(hi << 4 | lo);
  }
  return m;
}

std::string to_string(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.bytes[0], m.bytes[1], m.bytes[2],
                m.bytes[3], m.bytes[4], m.bytes[5]);
  return buf;
}

}  // namespace sysplex
