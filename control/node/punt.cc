// Punted packets: what workers hand to control because it is addressed to the node itself.
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "control/node/node.h"
#include "dataplane/parse/parse.h"

namespace sysplex::node {

using dp::L3;
using dp::PacketDesc;

namespace {

constexpr uint8_t kIcmpEchoRequest = 8, kIcmp6EchoRequest = 128, kNdSolicit = 135, kNdAdvert = 136;

IpAddr addr_of(const uint8_t* b, bool v6) {
  if (v6) return IpAddr::v6_from_bytes(b);
  uint32_t be;
  std::memcpy(&be, b, 4);
  return IpAddr::v4_from_be(be);
}

}  // namespace

int Node::ingress_index(uint16_t port_id) const {
  for (size_t i = 0; i < engine_->ports().size(); ++i)
    if (engine_->ports()[i].port_id == port_id) return int(i);
  return -1;
}

void Node::handle_punted(rte_mbuf* m) {
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  PacketDesc d;
  int port = ingress_index(m->port);
  if (port < 0 || dp::parse_frame(f, rte_pktmbuf_data_len(m), d, false) != dp::Drop::kNone) {
    ++cc_.control_drops;
    rte_pktmbuf_free(m);
    return;
  }
  bool echo = (d.l3 == L3::kIpv4 && d.l4_proto == dp::kProtoIcmp && d.icmp_type == kIcmpEchoRequest) ||
              (d.l3 == L3::kIpv6 && d.l4_proto == dp::kProtoIcmpv6 && d.icmp_type == kIcmp6EchoRequest);
  if (d.l3 == L3::kArp) {
    handle_arp(m, d);
  } else if (echo && !(d.flags & dp::kFlagFragment)) {
    echo_request_to_reply(m, d);
    ++cc_.echo_replies;
    engine_->control_tx(size_t(port), &m, 1);
  } else if (d.l3 == L3::kIpv6 && d.l4_proto == dp::kProtoIcmpv6) {
    handle_icmpv6(m, d);
  } else if (d.l4_proto == dp::kProtoUdp && d.dport == group::kGroupPort && !(d.flags & dp::kFlagFragment) && link_) {
    uint32_t end = std::min<uint32_t>(rte_pktmbuf_data_len(m), uint32_t(d.l3_off) + d.l3_len);
    // An authentic datagram also tells us its sender's MAC: a node that just started can answer
    // its peers before any ARP exchange.
    if (end > d.payload_off && link_->on_datagram({f + d.payload_off, end - d.payload_off})) {
      Mac sender;
      std::memcpy(sender.data(), f + 6, 6);
      learn(addr_of(d.src, d.l3 == L3::kIpv6), sender, port);
    }
    rte_pktmbuf_free(m);
  } else {
    to_tap_or_drop(m);
  }
}

void Node::handle_arp(rte_mbuf* m, const PacketDesc& d) {
  int port = ingress_index(m->port);
  const uint8_t* a = rte_pktmbuf_mtod(m, const uint8_t*) + d.l3_off;
  Mac sender;
  std::memcpy(sender.data(), a + 8, 6);
  learn(addr_of(d.src, false), sender, port);
  IpAddr target = addr_of(d.dst, false);
  bool ours = is_ours(target);
  if (d.arp_op == 1 && ours) {
    arp_request_to_reply(m, d, engine_->ports()[size_t(port)].mac);
    ++cc_.arp_replies;
    engine_->control_tx(size_t(port), &m, 1);
  } else if (d.arp_op == 2 && ours && tap_) {
    to_tap_or_drop(m);  // the kernel behind the TAP may have asked; let it learn too
  } else if (d.arp_op == 2 && ours) {
    rte_pktmbuf_free(m);  // consumed: learned above
  } else {
    ++cc_.control_drops;
    rte_pktmbuf_free(m);
  }
}

void Node::handle_icmpv6(rte_mbuf* m, const PacketDesc& d) {
  int port = ingress_index(m->port);
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  uint8_t target[16];
  Mac ll{};
  bool nd = (d.icmp_type == kNdSolicit || d.icmp_type == kNdAdvert) &&
            nd_target(f, rte_pktmbuf_data_len(m), d, target, &ll);
  if (nd && ll != Mac{}) learn(d.icmp_type == kNdAdvert ? IpAddr::v6_from_bytes(target) : addr_of(d.src, true), ll, port);
  bool ours = nd && is_ours(IpAddr::v6_from_bytes(target));
  if (nd && d.icmp_type == kNdSolicit && ours && ns_to_na(m, d, engine_->ports()[size_t(port)].mac)) {
    ++cc_.nd_replies;
    engine_->control_tx(size_t(port), &m, 1);
  } else if (d.icmp_type == kNdSolicit) {
    ++cc_.control_drops;  // for someone else, or malformed
    rte_pktmbuf_free(m);
  } else {
    to_tap_or_drop(m);
  }
}

void Node::to_tap_or_drop(rte_mbuf* m) {
  if (tap_ && rte_eth_tx_burst(tap_port_, engine_->local_control_queue(), &m, 1) == 1) {
    ++cc_.to_tap;
    return;
  }
  ++cc_.control_drops;
  rte_pktmbuf_free(m);
}

// Workers poll the TAP's queues themselves (one each); this is for what the kernel sends before
// any worker runs, or on a queue no worker polls.
void Node::poll_tap() {
  rte_mbuf* pkts[dp::kBurst];
  uint16_t n = rte_eth_rx_burst(tap_port_, engine_->local_control_queue(), pkts, dp::kBurst);
  if (n == 0) return;
  cc_.from_tap += engine_->control_tx(size_t(tap_bound_port_), pkts, n);
}

}  // namespace sysplex::node
