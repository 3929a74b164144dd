#pragma once
#include "control/layer_guard.h"
// The demo's Ethernet segment: a learning switch whose ports are wire ends, so three nodes and a
// client share one broadcast domain (ARP, gratuitous ARP, the group channel's broadcasts). A port
// can go down, as a dead host's link does: nothing is delivered to it and what it learned is forgotten.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/result.h"
#include "control/demo/frames.h"

struct rte_mempool;

namespace sysplex::demo {

struct SwitchCounters {
  uint64_t forwarded = 0;  // unicast to the learned port
  uint64_t flooded = 0;    // broadcast, multicast or unknown destination (counted once per frame)
  uint64_t dropped = 0;    // to a port that is down, or whose wire was full
};

class LanSwitch {
 public:
  // One switch port per device ("wire:NAME:b"); copies for flooding come from `pool`.
  static Result<std::unique_ptr<LanSwitch>> create(const std::vector<std::string>& devices, rte_mempool* pool);
  // Moves every frame the ports received.
  void poll();
  void set_up(size_t port, bool up);
  bool up(size_t port) const { return ports_[port].up; }
  const SwitchCounters& counters() const { return counters_; }

 private:
  struct Port {
    uint16_t id = 0;
    bool up = true;
  };
  explicit LanSwitch(rte_mempool* pool) : pool_(pool) {}
  void forward(size_t in, rte_mbuf* m);
  void flood(size_t in, rte_mbuf* m);
  void send(size_t out, rte_mbuf* m);

  rte_mempool* pool_;
  std::vector<Port> ports_;
  std::unordered_map<uint64_t, size_t> fdb_;  // MAC (as a number) -> port
  SwitchCounters counters_;
};

}  // namespace sysplex::demo
