// In-process virtual wires: two ethdev ports joined back to back by a pair of rte_rings, so several
// nodes (and test or demo hosts) in one process can exchange frames with no NIC and no kernel.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "config/result.h"

namespace sysplex::dp {

// Device strings of the form "wire:NAME:a" or "wire:NAME:b" name the two ends of wire NAME.
bool is_wire_device(const std::string& device);

// Creates (or attaches to) one end of a wire with `queues` RX and TX queues (all sharing the wire's
// multi-producer/multi-consumer rings) and returns its port id.
// The ring PMD has no MAC of its own (it reports 00:00:00:00:00:00 and cannot be set), so a wire
// end's MAC is this stable, locally administered address derived from its device string.
std::array<uint8_t, 6> wire_mac(const std::string& device);

Result<uint16_t> create_wire_port(const std::string& device, uint16_t queues, int socket);

}  // namespace sysplex::dp
