#pragma once
#include "control/layer_guard.h"
// The single-node demo (--demo single): a node on in-process wires with two emulated hosts, a client
// that pings the node and sends a UDP stream routed through it, and a server behind it that answers
// ARP and counts. (The embedded default, the three-node sysplex, is sysplex.h.)

#include <array>
#include <cstdint>
#include <string>

#include "config/net.h"

struct rte_mempool;
struct rte_mbuf;

namespace sysplex::demo {

// The single-node demo's profile: SYS1 with lan0/lan1 on wires demo0/demo1.
extern const char* const kSingleProfile;

// An emulated host on one end of a wire: answers ARP for its address, counts what it receives and
// (for the client) sends a paced UDP stream and pings.
class Host {
 public:
  Host(std::string wire_device, IpAddr addr, rte_mempool* pool) : device_(std::move(wire_device)), addr_(addr), pool_(pool) {}
  bool start();  // creates its wire end; false if it cannot
  // Sends `n` UDP packets to `dst` via the router MAC `gw_mac`, then services its RX queue.
  void send_udp(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac, unsigned n);
  void send_ping(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac);
  void poll();
  uint64_t udp_received() const { return udp_rx_; }
  uint64_t echo_replies() const { return echo_rx_; }
  uint64_t sent() const { return tx_; }

 private:
  rte_mbuf* udp_frame(const IpAddr& dst, const std::array<uint8_t, 6>& gw_mac, uint16_t sport);
  std::string device_;
  IpAddr addr_;
  rte_mempool* pool_;
  uint16_t port_ = 0;
  std::array<uint8_t, 6> mac_{};
  uint64_t udp_rx_ = 0, echo_rx_ = 0, tx_ = 0;
  uint16_t ping_seq_ = 0;
  uint16_t next_sport_ = 1024;
};

}  // namespace sysplex::demo
