#pragma once
#include "control/layer_guard.h"
// A target host's TCP service in miniature, standing in for the TAP and kernel a real host has: it
// sits on the wire its node delivers local traffic to, accepts connections to DVIPA:port, acknowledges
// data, answers FIN, and resets segments of connections it never accepted (as a kernel does). Its
// replies go back into the node, whose worker sends them out of the port straight to the client.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "config/result.h"
#include "control/demo/frames.h"

namespace sysplex::demo {

struct ServerCounters {
  uint64_t segments = 0;  // TCP segments for the service that reached this host
  uint64_t accepted = 0;  // connections accepted (SYN answered)
  uint64_t closed = 0;    // ended by the client's FIN or RST
  uint64_t resets = 0;    // segments of connections this host never accepted, answered with RST
  uint64_t other = 0;     // frames not for the service
};

struct ServerOptions {
  std::string device;     // this host's end of the node's local-delivery wire
  IpAddr dvipa;
  uint16_t port = 80;
  Mac node_mac{};         // replies leave with the MAC the node's port has (as a TAP shares it)
  Mac client_mac{};       // the client's MAC, as the host's neighbour cache would hold it
  uint32_t seed = 1;      // initial sequence numbers
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> create(const ServerOptions& o, rte_mempool* pool);
  void poll();
  // The host died: every connection it had is gone.
  void reset() { conns_.clear(); }
  size_t open() const { return conns_.size(); }
  const ServerCounters& counters() const { return counters_; }

 private:
  struct Conn {
    uint32_t snd_nxt = 0;
    uint32_t rcv_nxt = 0;
  };
  Server(const ServerOptions& o, rte_mempool* pool) : o_(o), pool_(pool), rng_(o.seed) {}
  void on_segment(const Segment& s);
  void on_syn(uint64_t key, const Segment& s);
  void reply(const Segment& to, uint32_t seq, uint32_t ack, uint8_t flags);

  ServerOptions o_;
  rte_mempool* pool_;
  uint16_t port_id_ = 0;
  std::minstd_rand rng_;
  std::unordered_map<uint64_t, Conn> conns_;  // by client address and port
  ServerCounters counters_;
};

}  // namespace sysplex::demo
