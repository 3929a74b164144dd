#include "control/demo/server.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/parse/packet.h"

namespace sysplex::demo {

using dp::kTcpAck;
using dp::kTcpFin;
using dp::kTcpRst;
using dp::kTcpSyn;

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& o, rte_mempool* pool) {
  std::unique_ptr<Server> s(new Server(o, pool));
  auto port = open_wire(o.device, 1, pool);
  if (!port) return port.error();
  s->port_id_ = *port;
  return s;
}

std::vector<channel::ConnTuple> Server::connections() const {
  std::vector<channel::ConnTuple> out;
  for (const auto& [key, c] : conns_)
    out.push_back({IpAddr::v4_from_host(uint32_t(key >> 16)), o_.dvipa, uint16_t(key), o_.port, channel::kProtoTcp});
  return out;
}

void Server::poll(uint64_t now_ms) {
  now_ = now_ms;
  if (now_ >= next_expiry_) expire();
  rte_mbuf* pkts[32];
  uint16_t n = rte_eth_rx_burst(port_id_, 0, pkts, 32);
  for (uint16_t i = 0; i < n; ++i) {
    auto seg = read_segment(rte_pktmbuf_mtod(pkts[i], const uint8_t*), rte_pktmbuf_data_len(pkts[i]));
    rte_pktmbuf_free(pkts[i]);
    if (seg && seg->dst == o_.dvipa && seg->dport == o_.port)
      on_segment(*seg);
    else
      ++counters_.other;
  }
}

void Server::expire() {
  next_expiry_ = now_ + 1000;
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (now_ - it->second.last_ms < o_.idle_ms) {
      ++it;
      continue;
    }
    it = conns_.erase(it);
    ++counters_.idled;
  }
}

void Server::on_segment(const Segment& s) {
  ++counters_.segments;
  uint64_t key = (uint64_t(s.src.v4_host()) << 16) | s.sport;
  if (s.flags & kTcpRst) {
    counters_.closed += conns_.erase(key);
    return;
  }
  if ((s.flags & (kTcpSyn | kTcpAck)) == kTcpSyn) return on_syn(key, s);
  auto it = conns_.find(key);
  if (it == conns_.end()) {  // started on another host: a kernel answers with a reset
    ++counters_.resets;
    return reply(s, s.ack, 0, kTcpRst);
  }
  Conn& c = it->second;
  c.last_ms = now_;
  bool fin = s.flags & kTcpFin;
  if (c.closing && !fin && s.payload == 0) {  // the last ACK
    conns_.erase(it);
    ++counters_.closed;
    return;
  }
  if (s.payload == 0 && !fin) return;  // a bare ACK
  c.rcv_nxt = s.seq + s.payload + (fin ? 1 : 0);
  if (!fin) return reply(s, c.snd_nxt, c.rcv_nxt, kTcpAck);
  if (!c.closing) ++c.snd_nxt;  // our FIN takes a sequence number; a retransmitted FIN gets it again
  c.closing = true;
  reply(s, c.snd_nxt - 1, c.rcv_nxt, kTcpFin | kTcpAck);
}

// A retransmitted SYN gets the same SYN-ACK again.
void Server::on_syn(uint64_t key, const Segment& s) {
  auto [it, is_new] = conns_.try_emplace(key);
  it->second.last_ms = now_;
  if (is_new) {
    it->second.snd_nxt = uint32_t(rng_()) + 1;
    ++counters_.accepted;
  }
  it->second.rcv_nxt = s.seq + 1;
  reply(s, it->second.snd_nxt - 1, it->second.rcv_nxt, kTcpSyn | kTcpAck);
}

void Server::reply(const Segment& to, uint32_t seq, uint32_t ack, uint8_t flags) {
  Segment r;
  r.src_mac = o_.node_mac;
  r.dst_mac = o_.client_mac;
  r.src = to.dst;
  r.dst = to.src;
  r.sport = to.dport;
  r.dport = to.sport;
  r.seq = seq;
  r.ack = ack;
  r.flags = flags;
  send_one(port_id_, build_segment(pool_, r));
}

}  // namespace sysplex::demo
