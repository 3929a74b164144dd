#include "control/demo/lan_switch.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>

namespace sysplex::demo {

namespace {

uint64_t mac_key(const uint8_t* p) {
  uint64_t k = 0;
  std::memcpy(&k, p, 6);
  return k;
}

}  // namespace

Result<std::unique_ptr<LanSwitch>> LanSwitch::create(const std::vector<std::string>& devices, rte_mempool* pool) {
  std::unique_ptr<LanSwitch> s(new LanSwitch(pool));
  for (const auto& d : devices) {
    auto port = open_wire(d, 1, pool);
    if (!port) return port.error();
    s->ports_.push_back(Port{*port, true});
  }
  return s;
}

void LanSwitch::set_up(size_t port, bool up) {
  ports_[port].up = up;
  if (up) return;
  for (auto it = fdb_.begin(); it != fdb_.end();) it = it->second == port ? fdb_.erase(it) : std::next(it);
}

void LanSwitch::poll() {
  rte_mbuf* pkts[32];
  for (size_t in = 0; in < ports_.size(); ++in) {
    uint16_t n = rte_eth_rx_burst(ports_[in].id, 0, pkts, 32);
    for (uint16_t i = 0; i < n; ++i) {
      if (!ports_[in].up || rte_pktmbuf_data_len(pkts[i]) < 14) {  // a dead host sends nothing
        rte_pktmbuf_free(pkts[i]);
        continue;
      }
      forward(in, pkts[i]);
    }
  }
}

void LanSwitch::forward(size_t in, rte_mbuf* m) {
  const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
  if (!(f[6] & 1)) fdb_[mac_key(f + 6)] = in;
  auto it = (f[0] & 1) ? fdb_.end() : fdb_.find(mac_key(f));
  if (it == fdb_.end()) return flood(in, m);
  if (it->second == in) {  // already on the segment it came from
    rte_pktmbuf_free(m);
    return;
  }
  ++counters_.forwarded;
  send(it->second, m);
}

// Every other port gets its own copy: receivers rewrite frames in place.
void LanSwitch::flood(size_t in, rte_mbuf* m) {
  ++counters_.flooded;
  for (size_t out = 0; out < ports_.size(); ++out) {
    if (out == in || !ports_[out].up) continue;
    rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
    if (copy)
      send(out, copy);
    else
      ++counters_.dropped;
  }
  rte_pktmbuf_free(m);
}

void LanSwitch::send(size_t out, rte_mbuf* m) {
  if (!ports_[out].up || rte_eth_tx_burst(ports_[out].id, 0, &m, 1) != 1) {
    rte_pktmbuf_free(m);
    ++counters_.dropped;
  }
}

}  // namespace sysplex::demo
