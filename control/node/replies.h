#pragma once
#include "control/layer_guard.h"
// Control's packet answers for node addresses: ARP replies and requests, ICMP echo replies and
// IPv6 neighbour advertisements and solicitations. Built in place or into a fresh mbuf; pure bytes.

#include <array>
#include <cstdint>

#include "dataplane/parse/packet.h"

struct rte_mbuf;
struct rte_mempool;

namespace sysplex::node {

using Mac = std::array<uint8_t, 6>;

// A frame of `len` zeroed bytes in a fresh mbuf (*f: its first byte); nullptr when the pool is empty.
rte_mbuf* new_frame(rte_mempool* pool, uint16_t len, uint8_t** f);
// Turns an ARP request in `m` into the reply for `our_mac` (VLAN tag kept).
void arp_request_to_reply(rte_mbuf* m, const dp::PacketDesc& d, const Mac& our_mac);
// Turns an ICMP / ICMPv6 echo request in `m` into its reply, swapping addresses and MACs.
void echo_request_to_reply(rte_mbuf* m, const dp::PacketDesc& d);
// Turns a neighbour solicitation for one of our addresses into a solicited advertisement.
// Returns false if the solicitation is malformed (no target) so the caller drops it.
bool ns_to_na(rte_mbuf* m, const dp::PacketDesc& d, const Mac& our_mac);
// Builds a broadcast ARP request (who-has `target` tell `sender`).
rte_mbuf* build_arp_request(rte_mempool* pool, const Mac& our_mac, uint32_t sender_be, uint32_t target_be,
                            uint16_t vlan);
// A gratuitous ARP announcing that `addr` is at `our_mac` (a request with sender = target = addr,
// broadcast), sent when a DVIPA moves here so neighbours update their caches at once.
rte_mbuf* build_gratuitous_arp(rte_mempool* pool, const Mac& our_mac, uint32_t addr_be);
// An unsolicited neighbour advertisement (RFC 4861 7.2.6: override, to all nodes) for `addr`.
rte_mbuf* build_unsolicited_na(rte_mempool* pool, const Mac& our_mac, const uint8_t* addr);
// Builds a multicast neighbour solicitation for `target` from `source`.
rte_mbuf* build_ns(rte_mempool* pool, const Mac& our_mac, const uint8_t* source, const uint8_t* target);
// The target address of a neighbour solicitation/advertisement and its link-layer option, if any.
bool nd_target(const uint8_t* f, uint32_t len, const dp::PacketDesc& d, uint8_t* target, Mac* lladdr);

}  // namespace sysplex::node
