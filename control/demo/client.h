#pragma once
#include "control/layer_guard.h"
// The demo's client host: it finds the DVIPA by ARP (and follows it when a gratuitous ARP says it
// moved), opens short TCP-like connections at a steady rate (SYN, data, FIN) and keeps some long-lived
// ones sending, retransmitting what goes unanswered, and counts how each connection ended.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "config/result.h"
#include "control/demo/frames.h"

namespace sysplex::demo {

struct ClientOptions {
  std::string device;            // the client's end of its wire to the switch
  IpAddr addr, dvipa;
  uint16_t service_port = 80;
  unsigned new_per_second = 40;  // short connections: SYN, three data segments, FIN
  unsigned long_lived = 12;      // kept open, each sending a segment every long_every_ms
  uint32_t long_every_ms = 200;
  uint32_t rto_ms = 1000;        // retransmission timeout
  unsigned tries = 3;            // transmissions before a connection counts as failed
  uint32_t seed = 1;
};

struct ClientCounters {
  uint64_t opened = 0;         // new connections (first SYN)
  uint64_t established = 0;    // SYN-ACK received
  uint64_t completed = 0;      // short connections closed by the server's FIN
  uint64_t reset = 0;          // ended by a server's RST
  uint64_t failed = 0;         // no answer after every try (SYN, data or FIN)
  uint64_t retransmits = 0;
  uint64_t replies = 0;        // segments received from the DVIPA
  uint64_t mac_changes = 0;    // the DVIPA's MAC changed in the client's ARP cache
  uint64_t announcements = 0;  // gratuitous ARPs for the DVIPA heard
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> create(const ClientOptions& o, rte_mempool* pool);
  // Receives what arrived, then sends what is due at `now_ms`.
  void step(uint64_t now_ms);
  const ClientCounters& counters() const { return counters_; }
  const Mac& mac() const { return mac_; }
  std::optional<Mac> dvipa_mac() const { return dvipa_mac_; }
  size_t long_lived_open() const;  // established long-lived connections
  size_t in_progress() const { return conns_.size(); }

 private:
  enum class State : uint8_t { kSynSent, kEstablished, kFinSent };
  struct Conn {
    State state = State::kSynSent;
    bool long_lived = false;
    uint32_t snd_una = 0, snd_nxt = 0, rcv_nxt = 0;
    uint64_t last_tx_ms = 0;    // when what is outstanding was last sent
    uint64_t next_data_ms = 0;  // long-lived: the next segment
    unsigned tries = 0;         // transmissions of what is outstanding
  };
  Client(const ClientOptions& o, rte_mempool* pool) : o_(o), pool_(pool), rng_(o.seed) {}
  void receive();
  void on_arp(rte_mbuf* m);
  void on_segment(const Segment& s);
  void established(uint16_t sport, Conn& c, const Segment& s);
  void acked(uint16_t sport, Conn& c, const Segment& s);
  void open_due();
  void open(bool long_lived);
  void timers();
  void transmit(uint16_t sport, Conn& c);
  void send(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t payload);
  void ask_arp();

  ClientOptions o_;
  rte_mempool* pool_;
  uint16_t port_id_ = 0;
  Mac mac_{};
  std::optional<Mac> dvipa_mac_;
  std::minstd_rand rng_;
  std::map<uint16_t, Conn> conns_;  // by source port
  uint16_t next_sport_ = 20000;
  double credit_ = 0;               // short connections owed by the rate
  uint64_t now_ = 0, last_step_ = 0, last_arp_ = 0, next_long_ms_ = 0;
  bool started_ = false;
  ClientCounters counters_;
};

}  // namespace sysplex::demo
