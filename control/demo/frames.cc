#include "control/demo/frames.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/engine/wire.h"
#include "dataplane/parse/parse.h"

namespace sysplex::demo {

namespace {

constexpr uint16_t kEthLen = 14, kIpLen = 20, kTcpLen = 20;

void write_ipv4(uint8_t* ip, const Segment& s, uint16_t total) {
  ip[0] = 0x45;
  dp::store_be16(ip + 2, total);
  dp::store_be16(ip + 6, 0x4000);  // DF, as a kernel's TCP sends
  ip[8] = 64;
  ip[9] = dp::kProtoTcp;
  std::memcpy(ip + 12, s.src.bytes.data(), 4);
  std::memcpy(ip + 16, s.dst.bytes.data(), 4);
  dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, kIpLen));
}

void write_tcp(uint8_t* ip, const Segment& s) {
  uint8_t* tcp = ip + kIpLen;
  dp::store_be16(tcp, s.sport);
  dp::store_be16(tcp + 2, s.dport);
  dp::store_be32(tcp + 4, s.seq);
  dp::store_be32(tcp + 8, s.ack);
  tcp[12] = (kTcpLen / 4) << 4;
  tcp[13] = s.flags;
  dp::store_be16(tcp + 14, 65535);
  for (uint16_t i = 0; i < s.payload; ++i) tcp[kTcpLen + i] = uint8_t('a' + i % 26);
  uint32_t len = kTcpLen + s.payload;
  dp::store_be16(tcp + 16, dp::l4_checksum_v4(ip + 12, ip + 16, dp::kProtoTcp, tcp, len));
}

}  // namespace

rte_mbuf* build_segment(rte_mempool* pool, const Segment& s) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return nullptr;
  uint16_t total = uint16_t(kIpLen + kTcpLen + s.payload);
  auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(kEthLen + total)));
  if (!f) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(f, 0, kEthLen + kIpLen + kTcpLen);
  std::memcpy(f, s.dst_mac.data(), 6);
  std::memcpy(f + 6, s.src_mac.data(), 6);
  dp::store_be16(f + 12, dp::kEtherIpv4);
  write_ipv4(f + kEthLen, s, total);
  write_tcp(f + kEthLen, s);
  return m;
}

std::optional<Segment> read_segment(const uint8_t* f, uint32_t len) {
  dp::PacketDesc d;
  if (dp::parse_frame(f, len, d) != dp::Drop::kNone || d.l3 != dp::L3::kIpv4 || d.l4_proto != dp::kProtoTcp ||
      !(d.flags & dp::kFlagL4Valid) || (d.flags & dp::kFlagFragment))
    return std::nullopt;
  Segment s;
  std::memcpy(s.dst_mac.data(), f, 6);
  std::memcpy(s.src_mac.data(), f + 6, 6);
  uint32_t be;
  std::memcpy(&be, d.src, 4);
  s.src = IpAddr::v4_from_be(be);
  std::memcpy(&be, d.dst, 4);
  s.dst = IpAddr::v4_from_be(be);
  s.sport = d.sport;
  s.dport = d.dport;
  s.seq = dp::load_be32(f + d.l4_off + 4);
  s.ack = dp::load_be32(f + d.l4_off + 8);
  s.flags = d.tcp_flags;
  s.payload = uint16_t(d.l3_off + d.l3_len - d.payload_off);
  return s;
}

Result<uint16_t> open_wire(const std::string& device, uint16_t queues, rte_mempool* pool) {
  auto port = dp::create_wire_port(device, queues, int(rte_socket_id()));
  if (!port) return port.error();
  rte_eth_conf conf{};
  bool ok = rte_eth_dev_configure(*port, queues, queues, &conf) == 0;
  for (uint16_t q = 0; ok && q < queues; ++q)
    ok = rte_eth_rx_queue_setup(*port, q, 1024, 0, nullptr, pool) == 0 && rte_eth_tx_queue_setup(*port, q, 1024, 0, nullptr) == 0;
  if (!ok || rte_eth_dev_start(*port) != 0)
    return make_error(Errc::kUnavailable, "cannot configure and start the demo's wire end " + device);
  return *port;
}

bool send_one(uint16_t port, rte_mbuf* m) {
  if (!m) return false;
  if (rte_eth_tx_burst(port, 0, &m, 1) == 1) return true;
  rte_pktmbuf_free(m);
  return false;
}

}  // namespace sysplex::demo
