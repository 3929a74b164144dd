#include "dataplane/encap/encap.h"

#include <cstring>

#include "dataplane/parse/parse.h"

namespace sysplex::encap {

using dp::load_be16;
using dp::store_be16;
using dp::store_be32;

OuterTemplate gre4_template(const uint8_t* src, const uint8_t* dst, uint32_t key) noexcept {
  OuterTemplate t;
  t.len = kGre4Overhead;
  uint8_t* ip = t.bytes.data();
  ip[0] = 0x45;
  store_be16(ip + 6, 0x4000);  // DF: the distributor sends ICMP too-big rather than fragment
  ip[8] = 64;
  ip[9] = dp::kProtoGre;
  std::memcpy(ip + 12, src, 4);
  std::memcpy(ip + 16, dst, 4);
  t.partial_csum = dp::csum_fold(dp::csum_add(0, ip, 20));
  uint8_t* gre = ip + 20;
  store_be16(gre, 0x2000);  // K bit, version 0
  store_be16(gre + 2, dp::kEtherIpv4);
  store_be32(gre + 4, key);
  return t;
}

OuterTemplate ip6ip6_template(const uint8_t* src, const uint8_t* dst) noexcept {
  OuterTemplate t;
  t.len = kIp6Ip6Overhead;
  t.v6 = true;
  uint8_t* ip = t.bytes.data();
  ip[0] = 0x60;
  ip[6] = dp::kProtoIpv6;
  ip[7] = 64;
  std::memcpy(ip + 8, src, 16);
  std::memcpy(ip + 24, dst, 16);
  return t;
}

void write_outer(uint8_t* out, const OuterTemplate& t, uint16_t inner_len) noexcept {
  std::memcpy(out, t.bytes.data(), t.len);
  if (t.v6) {
    store_be16(out + 4, inner_len);
    return;
  }
  uint16_t total = uint16_t(t.len + inner_len);
  store_be16(out + 2, total);
  store_be16(out + 10, uint16_t(~dp::csum_fold(uint32_t(t.partial_csum) + total)));
}

bool clamp_mss(uint8_t* tcp, uint32_t tcp_len, uint16_t max_mss) noexcept {
  if (tcp_len < 20) return false;
  uint32_t hdr = uint32_t(tcp[12] >> 4) * 4;
  if (hdr < 20 || hdr > tcp_len) return false;
  for (uint32_t off = 20; off < hdr;) {
    uint8_t kind = tcp[off];
    if (kind == 0) return false;  // end of options
    if (kind == 1) {              // no-op
      ++off;
      continue;
    }
    if (off + 1 >= hdr || tcp[off + 1] < 2 || off + tcp[off + 1] > hdr) return false;
    if (kind == 2 && tcp[off + 1] == 4) {
      uint16_t mss = load_be16(tcp + off + 2);
      if (mss <= max_mss) return false;
      // At an odd offset the value straddles two checksummed words; its contribution to the
      // ones-complement sum is then its byte-swapped value (RFC 1071's byte-order independence).
      bool odd = off % 2 != 0;
      uint16_t c = odd ? dp::csum_update16(load_be16(tcp + 16), __builtin_bswap16(mss), __builtin_bswap16(max_mss))
                       : dp::csum_update16(load_be16(tcp + 16), mss, max_mss);
      store_be16(tcp + off + 2, max_mss);
      store_be16(tcp + 16, c);
      return true;
    }
    off += tcp[off + 1];
  }
  return false;
}

}  // namespace sysplex::encap
