// ESP test fixtures: see esp_test_util.h.
#include "dataplane/esp/esp_test_util.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dataplane/parse/parse.h"

namespace sysplex::dp::esp::testutil {
namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "esp test fixture: %s\n", what.c_str());
  std::abort();
}

IpAddr addr(const char* text) {
  auto a = parse_ip(text);
  if (!a) fail(std::string("bad address ") + text);
  return *a;
}

void put16(Bytes& b, size_t off, uint16_t v) { store_be16(b.data() + off, v); }

}  // namespace

Bytes hex(std::string_view text) {
  Bytes out;
  int hi = -1;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(uint8_t(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

std::string to_hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

Buf::Buf(std::span<const uint8_t> bytes, uint32_t headroom, uint32_t tailroom)
    : mem(headroom + bytes.size() + tailroom, 0) {
  if (!bytes.empty()) std::memcpy(mem.data() + headroom, bytes.data(), bytes.size());
  pkt = {mem.data(), uint32_t(mem.size()), headroom, uint32_t(bytes.size())};
}

Buf::Buf(const Buf& o) : mem(o.mem), pkt(o.pkt) { pkt.buf = mem.data(); }

const AeadEngines& engines() {
  static const std::unique_ptr<AeadEngines> e = [] {
    EngineOptions o;
    o.calibrate = false;
    auto r = AeadEngines::create(o);
    if (!r) fail(r.error().to_string());
    return std::move(*r);
  }();
  return *e;
}

Bytes test_key(EspAlg a) {
  Bytes k(alg_key_len(a) + kSaltLen);
  for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(i + 1);
  return k;
}

SaControl control(const SaSpec& s, SaDir dir) {
  SaControl c;
  c.spi = s.spi;
  c.dir = dir;
  c.mode = s.mode;
  c.alg = s.alg;
  c.engine = s.engine;
  c.key = KeyBytes(test_key(s.alg));
  const IpAddr a = addr(s.v6 ? "2001:db8::1" : "198.18.0.1");
  const IpAddr b = addr(s.v6 ? "2001:db8::2" : "198.18.0.2");
  c.local = dir == SaDir::kOutbound ? a : b;
  c.remote = dir == SaDir::kOutbound ? b : a;
  c.udp_encap = s.udp;
  c.esn = s.esn;
  c.replay_window = s.replay_window;
  c.lifetime = s.lifetime;
  c.seq_first = s.seq_first;
  c.seq_last = s.seq_last;
  c.seq_low_water = s.seq_low_water;
  if (dir == SaDir::kInbound) c.replay_top = s.seq_first - 1;  // the receiver is in step
  return c;
}

std::unique_ptr<SaRuntime> make(const SaSpec& s, SaDir dir) {
  auto r = make_sa(control(s, dir), engines(), {0, s.workers, s.now_ns});
  if (!r) fail(r.error().to_string());
  return std::move(*r);
}

namespace {

Bytes udp_packet(bool v6, size_t payload, uint8_t tos, bool df, const IpAddr& src,
                 const IpAddr& dst) {
  const size_t hl = v6 ? kIpv6HdrLen : kIpv4HdrLen, total = hl + kUdpHdrLen + payload;
  Bytes p(total);
  for (size_t i = 0; i < payload; ++i) p[hl + kUdpHdrLen + i] = uint8_t(0x30 + i * 7);
  uint8_t* ip = p.data();
  if (!v6) {
    ip[0] = 0x45, ip[1] = tos, ip[6] = df ? 0x40 : 0, ip[8] = 64, ip[9] = kProtoUdp;
    put16(p, 2, uint16_t(total));
    put16(p, 4, 0x1234);
    std::memcpy(ip + 12, src.bytes.data(), 4);
    std::memcpy(ip + 16, dst.bytes.data(), 4);
    put16(p, 10, ipv4_header_checksum(ip, 20));
  } else {
    store_be32(ip, 0x60000000u | uint32_t(tos) << 20 | 0x12345);
    put16(p, 4, uint16_t(total - hl));
    ip[6] = kProtoUdp, ip[7] = 64;
    std::memcpy(ip + 8, src.bytes.data(), 16);
    std::memcpy(ip + 24, dst.bytes.data(), 16);
  }
  uint8_t* u = ip + hl;
  put16(p, hl, 1234);
  put16(p, hl + 2, 5678);
  put16(p, hl + 4, uint16_t(kUdpHdrLen + payload));
  const uint16_t c = v6 ? l4_checksum_v6(ip + 8, ip + 24, kProtoUdp, u, uint32_t(8 + payload))
                        : l4_checksum_v4(ip + 12, ip + 16, kProtoUdp, u, uint32_t(8 + payload));
  put16(p, hl + 6, c ? c : 0xffff);
  return p;
}

}  // namespace

Bytes inner_udp(bool v6, size_t payload, uint8_t tos, bool df) {
  return v6 ? udp_packet(true, payload, tos, df, addr("2001:db8:1::1"), addr("2001:db8:1::2"))
            : udp_packet(false, payload, tos, df, addr("198.19.1.1"), addr("198.19.2.1"));
}

Bytes host_udp(bool v6, size_t payload, uint8_t tos) {
  return v6 ? udp_packet(true, payload, tos, false, addr("2001:db8::1"), addr("2001:db8::2"))
            : udp_packet(false, payload, tos, false, addr("198.18.0.1"), addr("198.18.0.2"));
}

Bytes packet_for(const SaSpec& s, size_t payload, bool inner_v6) {
  return s.mode == EspMode::kTunnel ? inner_udp(inner_v6, payload) : host_udp(s.v6, payload);
}

Bytes with_trailer(std::span<const uint8_t> payload, uint8_t next_header) {
  Bytes pt(payload.begin(), payload.end());
  const uint8_t pad = uint8_t((4 - (payload.size() + 2) % 4) % 4);
  for (uint8_t i = 1; i <= pad; ++i) pt.push_back(i);
  pt.push_back(pad);
  pt.push_back(next_header);
  return pt;
}

Bytes craft(const SaRuntime& out, uint64_t seq, std::span<const uint8_t> plaintext,
            std::span<const uint8_t> hdr) {
  const bool tunnel = hdr.empty();
  Bytes p = tunnel ? Bytes(out.outer, out.outer + out.outer_len) : Bytes(hdr.begin(), hdr.end());
  const size_t hlen = p.size(), udp = hlen, esp = hlen + (out.udp_encap ? 8 : 0);
  const uint8_t proto = out.udp_encap ? kProtoUdp : kProtoEsp;
  if (!tunnel && !out.v6) p[9] = proto;
  if (!tunnel && out.v6 && hlen == kIpv6HdrLen) p[6] = proto;
  p.resize(esp + 16 + plaintext.size() + kIcvLen);
  uint8_t* e = p.data() + esp;
  store_be32(e, out.spi);
  store_be32(e + 4, uint32_t(seq));
  store_be32(e + 8, uint32_t(seq >> 32));
  store_be32(e + 12, uint32_t(seq));
  uint8_t aad[12];
  store_be32(aad, out.spi);
  uint32_t aad_len = 8;
  store_be32(aad + 4, uint32_t(seq));
  if (out.esn) {
    store_be32(aad + 4, uint32_t(seq >> 32));
    store_be32(aad + 8, uint32_t(seq));
    aad_len = 12;
  }
  std::memcpy(e + 16, plaintext.data(), plaintext.size());
  if (!out.aead[0]->seal(e + 8, aad, aad_len, e + 16, uint32_t(plaintext.size()),
                         e + 16 + plaintext.size()))
    fail("seal failed");
  const size_t total = p.size();
  if (out.v6) {
    put16(p, 4, uint16_t(total - 40));
  } else {
    const uint32_t ihl = (p[0] & 15) * 4u;
    put16(p, 2, uint16_t(total));
    put16(p, 10, 0);
    put16(p, 10, ipv4_header_checksum(p.data(), ihl));
  }
  if (out.udp_encap) {
    put16(p, udp, out.encap_sport);
    put16(p, udp + 2, out.encap_dport);
    put16(p, udp + 4, uint16_t(total - udp));
    put16(p, udp + 6, 0);
    if (out.v6) {
      const uint16_t c = l4_checksum_v6(p.data() + 8, p.data() + 24, kProtoUdp, p.data() + udp,
                                        uint32_t(total - udp));
      put16(p, udp + 6, c ? c : 0xffff);
    }
  }
  return p;
}

}  // namespace sysplex::dp::esp::testutil
