// Test-only: the far end of an in-process wire, i.e. what a host on a node's segment sends and
// receives. Frames are copied in and out of mbufs so tests compare plain byte vectors.
#pragma once

#include <gtest/gtest.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>
#include <string>
#include <vector>

#include "dataplane/engine/wire.h"
#include "tests/support/packet_builder.h"

namespace sysplex::testing {

struct FarEnd {
  uint16_t port = 0;
  rte_mempool* pool = nullptr;

  void open(const std::string& device, rte_mempool* p) {
    pool = p;
    port = *dp::create_wire_port(device, 1, 0);
    rte_eth_conf conf{};
    ASSERT_EQ(rte_eth_dev_configure(port, 1, 1, &conf), 0);
    ASSERT_EQ(rte_eth_rx_queue_setup(port, 0, 1024, 0, nullptr, pool), 0);
    ASSERT_EQ(rte_eth_tx_queue_setup(port, 0, 1024, 0, nullptr), 0);
    ASSERT_EQ(rte_eth_dev_start(port), 0);
  }
  void send(const Frame& f) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    ASSERT_NE(m, nullptr);
    std::memcpy(rte_pktmbuf_append(m, uint16_t(f.size())), f.data(), f.size());
    ASSERT_EQ(rte_eth_tx_burst(port, 0, &m, 1), 1);
  }
  std::vector<Frame> receive() {
    std::vector<Frame> out;
    rte_mbuf* pkts[32];
    while (uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32)) {
      for (uint16_t i = 0; i < n; ++i) {
        auto* d = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        out.emplace_back(d, d + rte_pktmbuf_data_len(pkts[i]));
        rte_pktmbuf_free(pkts[i]);
      }
    }
    return out;
  }
};

}  // namespace sysplex::testing
