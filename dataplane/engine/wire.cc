#include "dataplane/engine/wire.h"

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include <vector>

namespace sysplex::dp {

namespace {

constexpr unsigned kWireRingSize = 4096;

rte_ring* wire_ring(const std::string& wire, char from, int socket) {
  std::string name = "w_" + wire + "_" + from;
  if (rte_ring* r = rte_ring_lookup(name.c_str())) return r;
  return rte_ring_create(name.c_str(), kWireRingSize, socket, 0);
}

}  // namespace

std::array<uint8_t, 6> wire_mac(const std::string& device) {
  uint32_t h = 2166136261u;
  for (char c : device) h = (h ^ uint8_t(c)) * 16777619u;
  return {0x02, 0x53, uint8_t(h >> 24), uint8_t(h >> 16), uint8_t(h >> 8), uint8_t(h)};
}

bool is_wire_device(const std::string& device) { return device.rfind("wire:", 0) == 0; }

Result<uint16_t> create_wire_port(const std::string& device, uint16_t queues, int socket) {
  auto colon = device.rfind(':');
  std::string wire = device.substr(5, colon - 5);
  std::string side = device.substr(colon + 1);
  if (colon <= 5 || wire.empty() || wire.size() > 20 || (side != "a" && side != "b"))
    return make_error(Errc::kInvalidArgument,
                      "wire device '" + device + "' must be wire:NAME:a or wire:NAME:b (NAME 1-20 chars)");
  rte_ring* tx = wire_ring(wire, side[0], socket);
  rte_ring* rx = wire_ring(wire, side == "a" ? 'b' : 'a', socket);
  if (!tx || !rx) return make_error(Errc::kResourceExhausted, "cannot create rings for " + device);
  std::vector<rte_ring*> rxs(queues, rx), txs(queues, tx);
  std::string port_name = "wire_" + wire + "_" + side;
  int port = rte_eth_from_rings(port_name.c_str(), rxs.data(), queues, txs.data(), queues, socket);
  if (port < 0) return make_error(Errc::kUnavailable, "cannot create wire port " + port_name);
  return uint16_t(port);
}

}  // namespace sysplex::dp
