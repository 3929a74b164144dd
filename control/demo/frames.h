#pragma once
#include "control/layer_guard.h"
// What the demo's emulated hosts are made of: their end of an in-process wire, IPv4 TCP segments
// built into mbufs with valid checksums, and the fields a host reads back from a received segment.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "config/net.h"
#include "config/result.h"

struct rte_mbuf;
struct rte_mempool;

namespace sysplex::demo {

using Mac = std::array<uint8_t, 6>;

struct Segment {
  Mac src_mac{}, dst_mac{};
  IpAddr src, dst;       // IPv4
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;     // dp::kTcpSyn, ...
  uint16_t payload = 0;  // bytes of filler data after the header
};

// nullptr when the pool is empty.
rte_mbuf* build_segment(rte_mempool* pool, const Segment& s);
// The segment in a received frame: unfragmented IPv4 TCP that the layered parser accepts.
std::optional<Segment> read_segment(const uint8_t* frame, uint32_t len);

// Creates, configures and starts one end of a wire ("wire:NAME:a|b") with `queues` RX and TX queues.
Result<uint16_t> open_wire(const std::string& device, uint16_t queues, rte_mempool* pool);

// Sends `m` on queue 0 of `port`, freeing it if the port refuses it; true when it was sent.
bool send_one(uint16_t port, rte_mbuf* m);

}  // namespace sysplex::demo
