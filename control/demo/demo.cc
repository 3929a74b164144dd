#include "control/demo/demo.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>

#include "control/node/replies.h"
#include "dataplane/engine/wire.h"
#include "dataplane/parse/parse.h"

namespace sysplex::demo {

const char* const kSingleProfile = R"(; The single-node demo: one node, two in-process wires, emulated hosts on their far ends.
NODENAME SYS1
NODEADDR 198.18.0.1
PORT lan0 DEVICE "wire:demo0:a"
PORT lan1 DEVICE "wire:demo1:a"
PORTADDR lan0 198.18.1.1/24
PORTADDR lan0 2001:db8:1::1/64
PORTADDR lan1 198.18.2.1/24
ROUTE 198.19.0.0/16 VIA 198.18.2.2
MEMPOOL MBUFS 8191 CACHE 256
WORKERS 1
)";

namespace {

constexpr uint16_t kPayload = 64;

}  // namespace

bool Host::start() {
  auto p = dp::create_wire_port(device_, 1, 0);
  if (!p) return false;
  port_ = *p;
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port_, 1, 1, &conf) != 0 || rte_eth_rx_queue_setup(port_, 0, 512, 0, nullptr, pool_) != 0 ||
      rte_eth_tx_queue_setup(port_, 0, 512, 0, nullptr) != 0 || rte_eth_dev_start(port_) != 0)
    return false;
  mac_ = dp::wire_mac(device_);
  return true;
}

rte_mbuf* Host::udp_frame(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac, uint16_t sport) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) return nullptr;
  constexpr uint16_t kLen = 14 + 20 + 8 + kPayload;
  auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kLen));
  if (!f) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(f, 0, kLen);
  std::memcpy(f, gw_mac.data(), 6);
  std::memcpy(f + 6, mac_.data(), 6);
  dp::store_be16(f + 12, dp::kEtherIpv4);
  uint8_t* ip = f + 14;
  ip[0] = 0x45;
  dp::store_be16(ip + 2, 20 + 8 + kPayload);
  ip[8] = 64;
  ip[9] = dp::kProtoUdp;
  dp::store_be32(ip + 12, addr_.v4_host());
  dp::store_be32(ip + 16, dst.v4_host());
  dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, 20));
  uint8_t* udp = ip + 20;
  dp::store_be16(udp, sport);
  dp::store_be16(udp + 2, 9);  // discard
  dp::store_be16(udp + 4, 8 + kPayload);
  return m;
}

void Host::send_udp(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac, unsigned n) {
  rte_mbuf* burst[32];
  while (n) {
    unsigned k = 0;
    for (; k < std::min(n, 32u); ++k) {
      burst[k] = udp_frame(dst, gw_mac, next_sport_++);
      if (!burst[k]) break;
    }
    uint16_t sent = rte_eth_tx_burst(port_, 0, burst, uint16_t(k));
    if (sent < k) rte_pktmbuf_free_bulk(burst + sent, k - sent);
    tx_ += sent;
    if (k == 0 || sent < k) return;
    n -= k;
  }
}

void Host::send_ping(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac) {
  rte_mbuf* m = udp_frame(dst, gw_mac, 0);
  if (!m) return;
  uint8_t* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, 14);
  ip[9] = dp::kProtoIcmp;
  ip[10] = ip[11] = 0;
  dp::store_be16(ip + 10, dp::ipv4_header_checksum(ip, 20));
  uint8_t* icmp = ip + 20;
  std::memset(icmp, 0, 8);
  icmp[0] = 8;
  dp::store_be16(icmp + 6, ++ping_seq_);
  dp::store_be16(icmp + 2, dp::inet_checksum(icmp, 8 + kPayload));
  if (rte_eth_tx_burst(port_, 0, &m, 1) == 1)
    ++tx_;
  else
    rte_pktmbuf_free(m);
}

void Host::poll() {
  rte_mbuf* pkts[32];
  uint16_t n = rte_eth_rx_burst(port_, 0, pkts, 32);
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    dp::PacketDesc d;
    const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
    bool ok = dp::parse_frame(f, rte_pktmbuf_data_len(m), d) == dp::Drop::kNone;
    if (ok && d.l3 == dp::L3::kArp && d.arp_op == 1 && std::memcmp(d.dst, addr_.bytes.data(), 4) == 0) {
      node::arp_request_to_reply(m, d, mac_);
      if (rte_eth_tx_burst(port_, 0, &m, 1) == 1) continue;
    } else if (ok && d.l4_proto == dp::kProtoUdp) {
      ++udp_rx_;
    } else if (ok && d.l4_proto == dp::kProtoIcmp && d.icmp_type == 0) {
      ++echo_rx_;
    }
    rte_pktmbuf_free(m);
  }
}

}  // namespace sysplex::demo
