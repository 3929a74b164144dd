#include "control/demo/client.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>

#include "control/node/replies.h"
#include "dataplane/engine/wire.h"
#include "dataplane/parse/parse.h"

namespace sysplex::demo {

using dp::kTcpAck;
using dp::kTcpFin;
using dp::kTcpPsh;
using dp::kTcpRst;
using dp::kTcpSyn;

namespace {

constexpr uint16_t kSegment = 100;     // data bytes per segment
constexpr unsigned kShortSegments = 3;
constexpr uint16_t kFirstPort = 20000, kLastPort = 59999;
constexpr uint64_t kArpEveryMs = 1000;

bool after(uint32_t a, uint32_t b) { return int32_t(a - b) > 0; }

}  // namespace

Result<std::unique_ptr<Client>> Client::create(const ClientOptions& o, rte_mempool* pool) {
  std::unique_ptr<Client> c(new Client(o, pool));
  auto port = open_wire(o.device, 1, pool);
  if (!port) return port.error();
  c->port_id_ = *port;
  c->mac_ = dp::wire_mac(o.device);
  return c;
}

size_t Client::long_lived_open() const {
  size_t n = 0;
  for (const auto& [sport, c] : conns_) n += c.long_lived && c.state == State::kEstablished;
  return n;
}

void Client::step(uint64_t now_ms) {
  now_ = now_ms;
  if (!started_) last_step_ = now_ms, started_ = true;
  receive();
  if (!dvipa_mac_) {
    ask_arp();
    last_step_ = now_ms;
    return;
  }
  timers();
  open_due();
  last_step_ = now_ms;
}

void Client::receive() {
  rte_mbuf* pkts[32];
  uint16_t n = rte_eth_rx_burst(port_id_, 0, pkts, 32);
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
    if (rte_pktmbuf_data_len(pkts[i]) >= 14 && dp::load_be16(f + 12) == dp::kEtherArp) {
      on_arp(pkts[i]);  // consumes it
      continue;
    }
    auto seg = read_segment(f, rte_pktmbuf_data_len(pkts[i]));
    rte_pktmbuf_free(pkts[i]);
    if (seg && seg->src == o_.dvipa && seg->sport == o_.service_port && seg->dst == o_.addr) on_segment(*seg);
  }
}

// Replies and gratuitous ARPs for the DVIPA update the cache; requests for our address are answered.
void Client::on_arp(rte_mbuf* m) {
  dp::PacketDesc d;
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  if (dp::parse_frame(f, rte_pktmbuf_data_len(m), d) != dp::Drop::kNone || d.l3 != dp::L3::kArp) {
    rte_pktmbuf_free(m);
    return;
  }
  const uint8_t* arp = f + d.l3_off;
  Mac sender;
  std::memcpy(sender.data(), arp + 8, 6);
  bool from_dvipa = std::memcmp(d.src, o_.dvipa.bytes.data(), 4) == 0;
  bool gratuitous = from_dvipa && d.arp_op == 1 && std::memcmp(d.dst, o_.dvipa.bytes.data(), 4) == 0;
  if (from_dvipa && (d.arp_op == 2 || gratuitous)) {
    counters_.announcements += gratuitous;
    if (dvipa_mac_ && *dvipa_mac_ != sender) ++counters_.mac_changes;
    dvipa_mac_ = sender;
  }
  if (d.arp_op == 1 && std::memcmp(d.dst, o_.addr.bytes.data(), 4) == 0) {
    node::arp_request_to_reply(m, d, mac_);
    send_one(port_id_, m);
    return;
  }
  rte_pktmbuf_free(m);
}

void Client::on_segment(const Segment& s) {
  ++counters_.replies;
  auto it = conns_.find(s.dport);
  if (it == conns_.end()) return;  // a late answer to a connection given up
  Conn& c = it->second;
  if (s.flags & kTcpRst) {
    ++counters_.reset;
    conns_.erase(it);
    return;
  }
  if ((s.flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) {
    if (c.state == State::kSynSent && s.ack == c.snd_nxt) return established(s.dport, c, s);
    if (s.ack == c.snd_una) send(s.dport, c.snd_nxt, c.rcv_nxt, kTcpAck, 0);  // our ACK was lost
    return;
  }
  if (s.flags & kTcpAck) acked(s.dport, c, s);
}

// The handshake is done: a short connection sends its data and its FIN at once, a long-lived one
// starts its paced segments.
void Client::established(uint16_t sport, Conn& c, const Segment& s) {
  ++counters_.established;
  c.state = State::kEstablished;
  c.snd_una = c.snd_nxt;
  c.rcv_nxt = s.seq + 1;
  c.tries = 0;
  send(sport, c.snd_nxt, c.rcv_nxt, kTcpAck, 0);
  if (c.long_lived) {
    c.next_data_ms = now_;
    return;
  }
  for (unsigned i = 0; i < kShortSegments; ++i, c.snd_nxt += kSegment) send(sport, c.snd_nxt, c.rcv_nxt, kTcpAck | kTcpPsh, kSegment);
  send(sport, c.snd_nxt, c.rcv_nxt, kTcpFin | kTcpAck, 0);
  c.snd_nxt += 1;
  c.state = State::kFinSent;
  c.last_tx_ms = now_;
  c.tries = 1;
}

void Client::acked(uint16_t sport, Conn& c, const Segment& s) {
  if (after(s.ack, c.snd_una) && !after(s.ack, c.snd_nxt)) {
    c.snd_una = s.ack;
    c.tries = c.snd_una == c.snd_nxt ? 0 : 1;
    c.last_tx_ms = now_;
  }
  if (!(s.flags & kTcpFin)) return;
  c.rcv_nxt = s.seq + s.payload + 1;
  send(sport, c.snd_nxt, c.rcv_nxt, kTcpAck, 0);
  if (c.state == State::kFinSent) ++counters_.completed;
  conns_.erase(sport);
}

// Retransmits what has gone unanswered for a timeout; gives up after the last try. A connection
// waiting on an answer also makes the client ask ARP again, as a kernel's neighbour probe would.
void Client::timers() {
  for (auto it = conns_.begin(); it != conns_.end();) {
    Conn& c = it->second;
    bool outstanding = c.state != State::kEstablished || c.snd_una != c.snd_nxt;
    if (outstanding && now_ - c.last_tx_ms >= o_.rto_ms) {
      if (c.tries >= o_.tries) {
        ++counters_.failed;
        it = conns_.erase(it);
        continue;
      }
      ++counters_.retransmits;
      ask_arp();
      transmit(it->first, c);
    } else if (!outstanding && c.long_lived && now_ >= c.next_data_ms) {
      send(it->first, c.snd_nxt, c.rcv_nxt, kTcpAck | kTcpPsh, kSegment);
      c.snd_nxt += kSegment;
      c.last_tx_ms = now_;
      c.tries = 1;
      c.next_data_ms = now_ + o_.long_every_ms;
    }
    ++it;
  }
}

// Sends again what is outstanding, as one segment.
void Client::transmit(uint16_t sport, Conn& c) {
  ++c.tries;
  c.last_tx_ms = now_;
  if (c.state == State::kSynSent) return send(sport, c.snd_una, 0, kTcpSyn, 0);
  bool fin = c.state == State::kFinSent;
  uint32_t data = c.snd_nxt - c.snd_una - (fin ? 1 : 0);
  send(sport, c.snd_una, c.rcv_nxt, kTcpAck | (fin ? kTcpFin : kTcpPsh), uint16_t(std::min<uint32_t>(data, 1400)));
}

void Client::open_due() {
  credit_ += double(o_.new_per_second) * double(now_ - last_step_) / 1000.0;
  for (; credit_ >= 1.0; credit_ -= 1.0) open(false);
  // Long-lived ones one at a time, so they spread over the targets as their readiness arrives.
  size_t long_lived = 0;
  for (const auto& [sport, c] : conns_) long_lived += c.long_lived;
  if (long_lived < o_.long_lived && now_ >= next_long_ms_) {
    open(true);
    next_long_ms_ = now_ + o_.long_every_ms;
  }
}

void Client::open(bool long_lived) {
  for (size_t guard = 0; conns_.count(next_sport_) && guard < conns_.size(); ++guard)
    next_sport_ = next_sport_ == kLastPort ? kFirstPort : uint16_t(next_sport_ + 1);
  uint16_t sport = next_sport_;
  next_sport_ = next_sport_ == kLastPort ? kFirstPort : uint16_t(next_sport_ + 1);
  if (conns_.count(sport)) return;  // every port busy
  Conn c;
  c.long_lived = long_lived;
  c.snd_una = uint32_t(rng_());
  c.snd_nxt = c.snd_una + 1;
  c.last_tx_ms = now_;
  c.tries = 1;
  ++counters_.opened;
  send(sport, c.snd_una, 0, kTcpSyn, 0);
  conns_.emplace(sport, c);
}

void Client::send(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t payload) {
  Segment s;
  s.src_mac = mac_;
  s.dst_mac = *dvipa_mac_;
  s.src = o_.addr;
  s.dst = o_.dvipa;
  s.sport = sport;
  s.dport = o_.service_port;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.payload = payload;
  send_one(port_id_, build_segment(pool_, s));
}

void Client::ask_arp() {
  if (last_arp_ && now_ - last_arp_ < kArpEveryMs) return;
  last_arp_ = now_;
  send_one(port_id_, node::build_arp_request(pool_, mac_, o_.addr.v4_be(), o_.dvipa.v4_be(), 0));
}

}  // namespace sysplex::demo
