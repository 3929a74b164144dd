// PacketBuilder: records the layers as they are described and serialises them in build(), inner
// first, so each outer length and checksum is computed over the finished bytes it covers.
#include "tests/support/packet_builder.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "dataplane/parse/parse.h"

namespace sysplex::testing {
namespace {

constexpr uint16_t kIpv4DontFragment = 0x4000, kIpv4MoreFragments = 0x2000;
constexpr uint16_t kGreChecksum = 0x8000, kGreKey = 0x2000, kGreSeq = 0x1000;
constexpr uint8_t kNdOptSourceLladdr = 1, kNdOptTargetLladdr = 2;
constexpr size_t kMaxIpv4Options = 40;
constexpr uint8_t kIpv6NoNextHeader = 59;

void push16(Frame& f, uint16_t v) {
  f.push_back(uint8_t(v >> 8));
  f.push_back(uint8_t(v));
}

void push32(Frame& f, uint32_t v) {
  push16(f, uint16_t(v >> 16));
  push16(f, uint16_t(v));
}

void append(Frame& f, std::span<const uint8_t> bytes) {
  f.insert(f.end(), bytes.begin(), bytes.end());
}

IpAddr ip_or_throw(std::string_view text) {
  auto a = parse_ip(text);
  if (!a) throw std::invalid_argument("PacketBuilder: bad IP address '" + std::string(text) + "'");
  return *a;
}

uint16_t len16(size_t n) {
  if (n > UINT16_MAX) throw std::length_error("PacketBuilder: length does not fit 16 bits");
  return uint16_t(n);
}

}  // namespace

PacketBuilder& PacketBuilder::eth(const MacAddr& src, const MacAddr& dst) {
  src_mac_ = src;
  dst_mac_ = dst;
  return *this;
}

PacketBuilder& PacketBuilder::eth(std::string_view src, std::string_view dst) {
  auto s = parse_mac(src), d = parse_mac(dst);
  if (!s || !d) throw std::invalid_argument("PacketBuilder: bad MAC address");
  return eth(*s, *d);
}

PacketBuilder& PacketBuilder::vlan(uint16_t id, uint8_t pcp, uint16_t tpid) {
  tags_.push_back(uint32_t(tpid) << 16 | uint32_t(pcp & 7) << 13 | (id & 0x0fff));
  return *this;
}

PacketBuilder& PacketBuilder::ethertype(uint16_t type) {
  ethertype_ = type;
  return *this;
}

PacketBuilder& PacketBuilder::pad_to(size_t min_frame_len) {
  pad_to_ = min_frame_len;
  return *this;
}

PacketBuilder& PacketBuilder::arp(uint16_t op, const MacAddr& sender_mac,
                                  std::string_view sender_ip, const MacAddr& target_mac,
                                  std::string_view target_ip) {
  const IpAddr sip = ip_or_throw(sender_ip), tip = ip_or_throw(target_ip);
  if (sip.v6 || tip.v6) throw std::invalid_argument("PacketBuilder: ARP needs IPv4 addresses");
  arp_.clear();
  push16(arp_, 1);  // Ethernet
  push16(arp_, dp::kEtherIpv4);
  arp_.push_back(6);
  arp_.push_back(4);
  push16(arp_, op);
  append(arp_, sender_mac.bytes);
  append(arp_, std::span(sip.bytes).first(4));
  append(arp_, target_mac.bytes);
  append(arp_, std::span(tip.bytes).first(4));
  l3_ = L3Kind::kArp;
  return *this;
}

PacketBuilder& PacketBuilder::ip(const IpAddr& src, const IpAddr& dst) {
  if (src.v6 != dst.v6) throw std::invalid_argument("PacketBuilder: mixed address families");
  src_ = src;
  dst_ = dst;
  l3_ = src.v6 ? L3Kind::kIpv6 : L3Kind::kIpv4;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst) {
  ip(ip_or_throw(src), ip_or_throw(dst));
  need_ip(L3Kind::kIpv4);
  return *this;
}

PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst) {
  ip(ip_or_throw(src), ip_or_throw(dst));
  need_ip(L3Kind::kIpv6);
  return *this;
}

PacketBuilder& PacketBuilder::ttl(uint8_t ttl) {
  ttl_ = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::tos(uint8_t tos) {
  tos_ = tos;
  return *this;
}

PacketBuilder& PacketBuilder::ip_id(uint16_t id) {
  ip_id_ = id;
  return *this;
}

PacketBuilder& PacketBuilder::dont_fragment() {
  need_ip(L3Kind::kIpv4);
  ipv4_frag_ |= kIpv4DontFragment;
  return *this;
}

PacketBuilder& PacketBuilder::fragment(uint16_t offset_bytes, bool more) {
  need_ip();
  if (offset_bytes % 8)
    throw std::invalid_argument("PacketBuilder: fragment offset not a multiple of 8");
  if (l3_ == L3Kind::kIpv4) {
    ipv4_frag_ = uint16_t((ipv4_frag_ & kIpv4DontFragment) | (more ? kIpv4MoreFragments : 0) |
                          offset_bytes / 8);
  } else {
    const uint16_t field = uint16_t(offset_bytes | (more ? 1 : 0));
    exts_.push_back({dp::kProtoFragment, {uint8_t(field >> 8), uint8_t(field), 0, 0, 0, 0}});
  }
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_options(std::vector<uint8_t> raw) {
  need_ip(L3Kind::kIpv4);
  raw.resize((raw.size() + 3) / 4 * 4, 0);  // EOL
  if (raw.size() > kMaxIpv4Options)
    throw std::invalid_argument("PacketBuilder: options over 40 bytes");
  ipv4_opts_ = std::move(raw);
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_ext(uint8_t type, std::vector<uint8_t> body) {
  need_ip(L3Kind::kIpv6);
  exts_.push_back({type, std::move(body)});
  return *this;
}

PacketBuilder& PacketBuilder::ip_proto(uint8_t proto) {
  set_l4(L4Kind::kRaw, proto, {});
  return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Frame h;
  push16(h, sport);
  push16(h, dport);
  push32(h, 0);  // seq
  push32(h, 0);  // ack
  h.push_back(5 << 4);
  h.push_back(flags);
  push16(h, 65535);  // window
  push32(h, 0);      // checksum, urgent pointer
  set_l4(L4Kind::kTcp, dp::kProtoTcp, std::move(h));
  return *this;
}

PacketBuilder& PacketBuilder::seq(uint32_t seq) {
  need_l4(L4Kind::kTcp);
  dp::store_be32(&l4_hdr_[4], seq);
  return *this;
}

PacketBuilder& PacketBuilder::ack(uint32_t ack) {
  need_l4(L4Kind::kTcp);
  dp::store_be32(&l4_hdr_[8], ack);
  return *this;
}

PacketBuilder& PacketBuilder::window(uint16_t window) {
  need_l4(L4Kind::kTcp);
  dp::store_be16(&l4_hdr_[14], window);
  return *this;
}

PacketBuilder& PacketBuilder::mss(uint16_t mss) {
  need_l4(L4Kind::kTcp);
  l4_hdr_.push_back(2);  // kind MSS
  l4_hdr_.push_back(4);
  push16(l4_hdr_, mss);
  l4_hdr_[12] = uint8_t(l4_hdr_.size() / 4 << 4);
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport) {
  Frame h;
  push16(h, sport);
  push16(h, dport);
  push32(h, 0);  // length, checksum
  set_l4(L4Kind::kUdp, dp::kProtoUdp, std::move(h));
  return *this;
}

PacketBuilder& PacketBuilder::esp(uint32_t spi, uint32_t seq) {
  Frame h;
  push32(h, spi);
  push32(h, seq);
  if (l4_ == L4Kind::kUdp) {
    append(payload_, h);
  } else {
    set_l4(L4Kind::kEsp, dp::kProtoEsp, std::move(h));
  }
  return *this;
}

PacketBuilder& PacketBuilder::nat_keepalive() {
  need_l4(L4Kind::kUdp);
  payload_.push_back(0xff);
  return *this;
}

PacketBuilder& PacketBuilder::non_esp_marker() {
  need_l4(L4Kind::kUdp);
  push32(payload_, 0);
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest) {
  need_ip();
  Frame h = {type, code, 0, 0};
  push32(h, rest);
  set_l4(L4Kind::kIcmp, l3_ == L3Kind::kIpv6 ? dp::kProtoIcmpv6 : dp::kProtoIcmp, std::move(h));
  return *this;
}

PacketBuilder& PacketBuilder::icmp_echo(bool request, uint16_t id, uint16_t seq) {
  need_ip();
  const bool v6 = l3_ == L3Kind::kIpv6;
  const uint8_t type = v6 ? (request ? kIcmpv6EchoRequest : kIcmpv6EchoReply)
                          : (request ? kIcmpEchoRequest : kIcmpEchoReply);
  return icmp(type, 0, uint32_t(id) << 16 | seq);
}

PacketBuilder& PacketBuilder::neighbor_solicit(std::string_view target,
                                               std::optional<MacAddr> source_lladdr) {
  need_ip(L3Kind::kIpv6);
  icmp(kIcmpv6NeighborSolicit, 0, 0);
  ttl_ = 255;
  append(payload_, ip_or_throw(target).bytes);
  if (source_lladdr) {
    payload_.push_back(kNdOptSourceLladdr);
    payload_.push_back(1);  // length in units of 8 bytes
    append(payload_, source_lladdr->bytes);
  }
  return *this;
}

PacketBuilder& PacketBuilder::neighbor_advert(std::string_view target, const MacAddr& target_lladdr,
                                              uint8_t flags) {
  need_ip(L3Kind::kIpv6);
  icmp(kIcmpv6NeighborAdvert, 0, uint32_t(flags) << 24);
  ttl_ = 255;
  append(payload_, ip_or_throw(target).bytes);
  payload_.push_back(kNdOptTargetLladdr);
  payload_.push_back(1);
  append(payload_, target_lladdr.bytes);
  return *this;
}

PacketBuilder& PacketBuilder::gre(const PacketBuilder& inner, const GreOptions& opts) {
  Frame h;
  push16(h, uint16_t((opts.checksum ? kGreChecksum : 0) | (opts.key ? kGreKey : 0) |
                     (opts.seq ? kGreSeq : 0)));
  push16(h, inner.ethertype_.value_or(inner.implied_ethertype()));
  if (opts.checksum) push32(h, 0);  // checksum and reserved1, filled by build()
  if (opts.key) push32(h, *opts.key);
  if (opts.seq) push32(h, *opts.seq);
  set_l4(L4Kind::kGre, dp::kProtoGre, std::move(h));
  gre_checksum_ = opts.checksum;
  append(payload_, inner.build_l3());
  return *this;
}

PacketBuilder& PacketBuilder::ip_in_ip(const PacketBuilder& inner) {
  inner.need_ip();
  set_l4(L4Kind::kRaw, inner.l3_ == L3Kind::kIpv6 ? dp::kProtoIpv6 : dp::kProtoIpip, {});
  append(payload_, inner.build_l3());
  return *this;
}

PacketBuilder& PacketBuilder::payload(size_t n) {
  for (size_t i = 0; i < n; ++i) payload_.push_back(uint8_t(i % 255 + 1));
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::span<const uint8_t> bytes) {
  append(payload_, bytes);
  return *this;
}

Frame PacketBuilder::build() const {
  Frame f;
  append(f, dst_mac_.bytes);
  append(f, src_mac_.bytes);
  for (uint32_t tag : tags_) push32(f, tag);
  push16(f, ethertype_.value_or(implied_ethertype()));
  append(f, build_l3());
  if (f.size() < pad_to_) f.resize(pad_to_, 0);
  f.shrink_to_fit();  // exact allocation: ASan then flags any read past the frame
  return f;
}

Frame PacketBuilder::build_l3() const {
  switch (l3_) {
    case L3Kind::kArp: return arp_;
    case L3Kind::kIpv4: return build_ipv4();
    case L3Kind::kIpv6: return build_ipv6();
    case L3Kind::kNone: return payload_;  // raw bytes behind an ethertype() of the test's choice
  }
  return {};
}

void PacketBuilder::need_ip(L3Kind only) const {
  const bool is_ip = l3_ == L3Kind::kIpv4 || l3_ == L3Kind::kIpv6;
  if (!is_ip || (only != L3Kind::kNone && l3_ != only))
    throw std::logic_error(
        "PacketBuilder: call needs an earlier ipv4()/ipv6() of the right family");
}

void PacketBuilder::need_l4(L4Kind kind) const {
  if (l4_ != kind) throw std::logic_error("PacketBuilder: modifier without its L4 header");
}

void PacketBuilder::set_l4(L4Kind kind, uint8_t proto, Frame header) {
  need_ip();
  if (l4_ != L4Kind::kNone) throw std::logic_error("PacketBuilder: one L4 header per packet");
  l4_ = kind;
  proto_ = proto;
  l4_hdr_ = std::move(header);
}

uint16_t PacketBuilder::implied_ethertype() const {
  switch (l3_) {
    case L3Kind::kArp: return dp::kEtherArp;
    case L3Kind::kIpv4: return dp::kEtherIpv4;
    case L3Kind::kIpv6: return dp::kEtherIpv6;
    case L3Kind::kNone: break;
  }
  return 0;
}

// The L4 header and everything after it, with the UDP length and the L4 checksum filled.
Frame PacketBuilder::segment() const {
  Frame s = l4_hdr_;
  append(s, payload_);
  if (l4_ == L4Kind::kUdp) dp::store_be16(&s[4], len16(s.size()));
  fill_l4_checksum(s);
  return s;
}

void PacketBuilder::fill_l4_checksum(Frame& s) const {
  const bool v6 = l3_ == L3Kind::kIpv6;
  const uint8_t* src = src_.bytes.data();
  const uint8_t* dst = dst_.bytes.data();
  const auto pseudo = [&] {
    return v6 ? dp::l4_checksum_v6(src, dst, proto_, s.data(), uint32_t(s.size()))
              : dp::l4_checksum_v4(src, dst, proto_, s.data(), uint32_t(s.size()));
  };
  switch (l4_) {
    case L4Kind::kTcp: dp::store_be16(&s[16], pseudo()); break;
    case L4Kind::kUdp: {
      const uint16_t c = pseudo();
      dp::store_be16(&s[6], c == 0 ? 0xffff : c);  // 0 would mean "no checksum"
      break;
    }
    case L4Kind::kIcmp:  // ICMPv6 has a pseudo-header, ICMPv4 does not
      dp::store_be16(&s[2], v6 ? pseudo() : dp::inet_checksum(s.data(), uint32_t(s.size())));
      break;
    case L4Kind::kGre:
      if (gre_checksum_) dp::store_be16(&s[4], dp::inet_checksum(s.data(), uint32_t(s.size())));
      break;
    case L4Kind::kNone:
    case L4Kind::kEsp:
    case L4Kind::kRaw: break;
  }
}

Frame PacketBuilder::build_ipv4() const {
  const Frame s = segment();
  const size_t ihl = dp::kIpv4HdrLen + ipv4_opts_.size();
  Frame p;
  p.push_back(uint8_t(0x40 | ihl / 4));
  p.push_back(tos_);
  push16(p, len16(ihl + s.size()));
  push16(p, ip_id_);
  push16(p, ipv4_frag_);
  p.push_back(ttl_);
  p.push_back(proto_);
  push16(p, 0);  // checksum
  append(p, std::span(src_.bytes).first(4));
  append(p, std::span(dst_.bytes).first(4));
  append(p, ipv4_opts_);
  dp::store_be16(&p[10], dp::ipv4_header_checksum(p.data(), uint32_t(ihl)));
  append(p, s);
  return p;
}

// Extension headers chain through their first byte; the last one names the upper layer.
Frame PacketBuilder::build_ipv6() const {
  const Frame s = segment();
  // Without an upper layer say so (59): the default 0 would read as yet another hop-by-hop header.
  const uint8_t upper = l4_ == L4Kind::kNone ? kIpv6NoNextHeader : proto_;
  Frame ext;
  for (size_t i = 0; i < exts_.size(); ++i) {
    Frame body = exts_[i].body;
    if (exts_[i].type == dp::kProtoFragment) dp::store_be32(&body[2], ip_id_);
    const size_t total = (2 + body.size() + 7) / 8 * 8;
    ext.push_back(i + 1 < exts_.size() ? exts_[i + 1].type : upper);
    ext.push_back(uint8_t(total / 8 - 1));  // 0 for the fragment header, whose byte is reserved
    append(ext, body);
    ext.resize(ext.size() + total - 2 - body.size(), 0);
  }
  Frame p = {uint8_t(0x60 | tos_ >> 4), uint8_t(tos_ << 4), 0, 0};
  push16(p, len16(ext.size() + s.size()));
  p.push_back(exts_.empty() ? upper : exts_.front().type);
  p.push_back(ttl_);
  append(p, src_.bytes);
  append(p, dst_.bytes);
  append(p, ext);
  append(p, s);
  return p;
}

Frame truncated(Frame f, size_t n) {
  // A fresh exact-size copy: the spare capacity of a shrunk vector would hide overreads from ASan.
  return Frame(f.begin(), f.begin() + std::min(n, f.size()));
}

Frame flipped(Frame f, size_t off, uint8_t xor_mask) {
  f.at(off) ^= xor_mask;
  return f;
}

void fix_ipv4_checksum(Frame& f, size_t l3_off) {
  const uint32_t ihl = (f.at(l3_off) & 0x0f) * 4u;
  if (l3_off + ihl > f.size()) throw std::out_of_range("fix_ipv4_checksum: header past the frame");
  dp::store_be16(&f.at(l3_off + 10), 0);
  dp::store_be16(&f.at(l3_off + 10), dp::ipv4_header_checksum(&f.at(l3_off), ihl));
}

}  // namespace sysplex::testing
