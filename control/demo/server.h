#pragma once
#include "control/layer_guard.h"
// A target host's TCP service in miniature, standing in for the TAP and kernel a real host has: it
// sits on the wire its node delivers local traffic to, accepts connections to DVIPA:port, acknowledges
// data, answers FIN, resets segments of connections it never accepted (as a kernel does) and drops
// connections idle for long (as a service's idle timeout does). Its replies go back into the node,
// whose worker sends them out of the port straight to the client.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "config/result.h"
#include "control/channel/messages.h"
#include "control/demo/frames.h"

namespace sysplex::demo {

struct ServerCounters {
  uint64_t segments = 0;  // TCP segments for the service that reached this host
  uint64_t accepted = 0;  // connections accepted (SYN answered)
  uint64_t closed = 0;    // ended by the client's FIN or RST
  uint64_t resets = 0;    // segments of connections this host never accepted, answered with RST
  uint64_t idled = 0;     // connections dropped after idle_ms without a segment
  uint64_t other = 0;     // frames not for the service
};

struct ServerOptions {
  std::string device;     // this host's end of the node's local-delivery wire
  IpAddr dvipa;
  uint16_t port = 80;
  Mac node_mac{};         // replies leave with the MAC the node's port has (as a TAP shares it)
  Mac client_mac{};       // the client's MAC, as the host's neighbour cache would hold it
  uint32_t seed = 1;      // initial sequence numbers
  uint32_t idle_ms = 10000;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> create(const ServerOptions& o, rte_mempool* pool);
  // Serves what arrived; `now_ms` (monotonic) times idle connections out.
  void poll(uint64_t now_ms);
  // The host died: every connection it had is gone.
  void reset() { conns_.clear(); }
  size_t open() const { return conns_.size(); }  // LAST-ACK included
  // The connections it holds, as the client sent them (what a target reports to a new distributor).
  std::vector<channel::ConnTuple> connections() const;
  const ServerCounters& counters() const { return counters_; }

 private:
  struct Conn {
    uint32_t snd_nxt = 0;
    uint32_t rcv_nxt = 0;
    bool closing = false;  // LAST-ACK: our FIN is out, the client's last ACK ends it
    uint64_t last_ms = 0;
  };
  Server(const ServerOptions& o, rte_mempool* pool) : o_(o), pool_(pool), rng_(o.seed) {}
  void on_segment(const Segment& s);
  void expire();
  void on_syn(uint64_t key, const Segment& s);
  void reply(const Segment& to, uint32_t seq, uint32_t ack, uint8_t flags);

  ServerOptions o_;
  rte_mempool* pool_;
  uint16_t port_id_ = 0;
  std::minstd_rand rng_;
  uint64_t now_ = 0, next_expiry_ = 0;
  std::unordered_map<uint64_t, Conn> conns_;  // by client address and port
  ServerCounters counters_;
};

}  // namespace sysplex::demo
