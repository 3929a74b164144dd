// Node-level statements and the cross-statement checks on them (profile_validate.cc).
#include <gtest/gtest.h>

#include "config/profile_test_util.h"
#include "config/test_temp_dir.h"

namespace sysplex::config {
namespace {

IpAddr ip(const char* text) { return *parse_ip(text); }

// ---- NODENAME, NODEADDR ----

TEST(NodeStatements, NodeNameFoldsToUpperCaseAndAllowsNationalCharacters) {
  EXPECT_EQ(parse_ok("nodename sys#1$@\nNODEADDR 198.18.0.1\n").node_name, "SYS#1$@");
}

TEST(NodeStatements, NodeNameErrors) {
  EXPECT_EQ(parse_error("NODENAME SYSTEMONE\nNODEADDR 198.18.0.1\n"),
            "t.profile:1:10: a node name must be 1-8 of A-Z, 0-9, @, # and $, found 'SYSTEMONE'");
  EXPECT_EQ(parse_error("NODENAME SYS_1\nNODEADDR 198.18.0.1\n"),
            "t.profile:1:10: a node name must be 1-8 of A-Z, 0-9, @, # and $, found 'SYS_1'");
  EXPECT_EQ(parse_error(kHead + "NODENAME SYS2\n"), "t.profile:3:1: NODENAME given twice; first at line 1");
  EXPECT_EQ(parse_error("NODENAME\nNODEADDR 198.18.0.1\n"), "t.profile:2:1: expected a node name, found 'NODEADDR'");
}

TEST(NodeStatements, NodeAddrIsRepeatableInBothFamilies) {
  Profile p = parse_ok(kHead + "NODEADDR 2001:db8::1\n");
  ASSERT_EQ(p.node_addrs.size(), 2u);
  EXPECT_EQ(p.node_addrs[0], ip("198.18.0.1"));
  EXPECT_EQ(p.node_addrs[1], ip("2001:db8::1"));
}

TEST(NodeStatements, NodeAddrErrors) {
  EXPECT_EQ(parse_error(kHead + "NODEADDR 198.18.0.1\n"), "t.profile:3:1: NODEADDR 198.18.0.1 given twice");
  EXPECT_EQ(parse_error(kHead + "NODEADDR ::\n"), "t.profile:3:1: NODEADDR must not be the unspecified address");
  EXPECT_EQ(parse_error(kHead + "NODEADDR 198.18.0.256\n"), "t.profile:3:10: expected a node address, found '198.18.0.256'");
  EXPECT_EQ(parse_error(kHead + "NODEADDR 198.18.0.2 198.18.0.3\n"),
            "t.profile:3:21: unexpected '198.18.0.3' after the NODEADDR statement");
}

// ---- PORT, PORTADDR ----

TEST(NodeStatements, PortWithEveryOption) {
  Profile p = parse_ok(kHead +
                       "PORT lan0 DEVICE \"net_af_packet0,iface=v0,framecnt=4096\" MAC 02:00:5e:12:00:01\n"
                       "  RXQUEUES 2 TXQUEUES 3 RXDESC 512 TXDESC 2048 MTU 9000 TRUSTED\n");
  ASSERT_EQ(p.ports.size(), 1u);
  const PortConfig& port = p.ports[0];
  EXPECT_EQ(port.name, "lan0");
  EXPECT_EQ(port.device, "net_af_packet0,iface=v0,framecnt=4096");
  ASSERT_TRUE(port.mac);
  EXPECT_EQ(to_string(*port.mac), "02:00:5e:12:00:01");
  EXPECT_EQ(port.rx_queues, 2);
  EXPECT_EQ(port.tx_queues, 3);
  EXPECT_EQ(port.rx_desc, 512);
  EXPECT_EQ(port.tx_desc, 2048);
  EXPECT_EQ(port.mtu, 9000);
  EXPECT_TRUE(port.trusted);
  EXPECT_EQ(port.pos.line, 3u);
  EXPECT_EQ(port.pos.column, 1u);
}

TEST(NodeStatements, PortDefaultsAndPciDevice) {
  Profile p = parse_ok(kHead + "PORT wan DEVICE 0000:3b:00.0\n");
  const PortConfig& port = p.ports.at(0);
  EXPECT_EQ(port.device, "0000:3b:00.0");
  EXPECT_FALSE(port.mac);
  EXPECT_EQ(port.rx_queues, 0);
  EXPECT_EQ(port.tx_queues, 0);
  EXPECT_EQ(port.rx_desc, 1024);
  EXPECT_EQ(port.tx_desc, 1024);
  EXPECT_EQ(port.mtu, 1500);
  EXPECT_FALSE(port.trusted);
}

TEST(NodeStatements, PortErrors) {
  const std::string port = kHead + "PORT lan0 DEVICE \"net_ring0\" ";
  EXPECT_EQ(parse_error(port + "MTU 67\n"), "t.profile:3:34: MTU must be 68-9600, found 67");
  EXPECT_EQ(parse_error(port + "MTU 9601\n"), "t.profile:3:34: MTU must be 68-9600, found 9601");
  EXPECT_EQ(parse_error(port + "RXDESC 32\n"), "t.profile:3:37: RXDESC must be 64-32768, found 32");
  EXPECT_EQ(parse_error(port + "TXQUEUES many\n"), "t.profile:3:39: expected TXQUEUES (0-1024), found 'many'");
  EXPECT_EQ(parse_error(port + "MTUU 9000\n"),
            "t.profile:3:30: unknown PORT option 'MTUU'; expected MAC, RXQUEUES, TXQUEUES, RXDESC, TXDESC, MTU or TRUSTED");
  EXPECT_EQ(parse_error(port + "MTU 1500 MTU 9000\n"), "t.profile:3:39: MTU given twice in this PORT statement");
  EXPECT_EQ(parse_error(port + "MAC 01:00:5e:00:00:01\n"),
            "t.profile:3:34: PORT MAC must be a unicast address, found 01:00:5e:00:00:01");
  EXPECT_EQ(parse_error(kHead + "PORT lan0 \"net_ring0\"\n"), "t.profile:3:11: expected DEVICE after the port name, found 'net_ring0'");
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE \"\"\n"), "t.profile:3:18: the DEVICE string must not be empty");
  EXPECT_EQ(parse_error(kHead + "PORT 0lan DEVICE x\n"),
            "t.profile:3:6: a port name must be a letter then up to 31 letters, digits, '_', '.' or '-', found '0lan'");
}

TEST(NodeStatements, PortNamesAndDevicesAreUnique) {
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE net_ring0\nPORT lan0 DEVICE net_ring1\n"),
            "t.profile:4:1: port 'lan0' already defined at line 3");
  EXPECT_EQ(parse_error(kHead + "PORT lan0 DEVICE net_ring0\nPORT lan1 DEVICE net_ring0\n"),
            "t.profile:4:1: device \"net_ring0\" already used by port 'lan0' at line 3");
}

TEST(NodeStatements, PortAddrKeepsTheHostAddressAndMayPrecedeItsPort) {
  Profile p = parse_ok(kHead + "PORTADDR lan0 198.18.1.7/24 VLAN 12\nPORT lan0 DEVICE net_ring0\n"
                               "PORTADDR lan0 2001:db8:1::7/64\n");
  const auto& addrs = p.ports.at(0).addrs;
  ASSERT_EQ(addrs.size(), 2u);
  EXPECT_EQ(addrs[0].prefix.addr, ip("198.18.1.7"));
  EXPECT_EQ(addrs[0].prefix.len, 24);
  EXPECT_EQ(addrs[0].vlan, 12);
  EXPECT_EQ(addrs[1].prefix.addr, ip("2001:db8:1::7"));
  EXPECT_EQ(addrs[1].prefix.len, 64);
  EXPECT_EQ(addrs[1].vlan, 0);
}

TEST(NodeStatements, PortAddrErrors) {
  EXPECT_EQ(parse_error(kHead + "PORTADDR lan9 198.18.1.1/24\n"),
            "t.profile:3:1: PORTADDR names port 'lan9', which no PORT statement defines");
  EXPECT_EQ(parse_error(kHeadWithPort + "PORTADDR lan0 198.18.1.1/16\n"),
            "t.profile:6:1: address 198.18.1.1 is already on port 'lan0'");
  EXPECT_EQ(parse_error(kHeadWithPort + "PORTADDR lan0 198.18.2.1\n"),
            "t.profile:6:15: expected an address with its prefix length (198.18.1.1/24), found '198.18.2.1'");
  EXPECT_EQ(parse_error(kHeadWithPort + "PORTADDR lan0 198.18.2.1/24 VLAN 0\n"), "t.profile:6:34: VLAN must be 1-4094, found 0");
}

// ---- ROUTE, NEIGHBOR, TAP ----

TEST(NodeStatements, RouteForms) {
  Profile p = parse_ok(kHeadWithPort +
                       "ROUTE 198.18.64.0/18 VIA 198.18.1.254\n"
                       "ROUTE DEFAULT VIA 198.18.1.254 PORT lan0 METRIC 5\n"
                       "ROUTE default6 VIA 2001:db8:1::fe\n"
                       "ROUTE 198.18.99.9 PORT lan0\n");
  ASSERT_EQ(p.routes.size(), 4u);
  EXPECT_EQ(to_string(p.routes[0].dest), "198.18.64.0/18");
  EXPECT_EQ(p.routes[0].via, ip("198.18.1.254"));
  EXPECT_EQ(p.routes[0].port, "");
  EXPECT_EQ(p.routes[0].metric, 0u);
  EXPECT_EQ(to_string(p.routes[1].dest), "0.0.0.0/0");
  EXPECT_EQ(p.routes[1].port, "lan0");
  EXPECT_EQ(p.routes[1].metric, 5u);
  EXPECT_EQ(to_string(p.routes[2].dest), "::/0");
  EXPECT_EQ(to_string(p.routes[3].dest), "198.18.99.9/32");
  EXPECT_FALSE(p.routes[3].via);
  EXPECT_EQ(p.routes[3].pos.line, 9u);
}

TEST(NodeStatements, RouteErrors) {
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE 198.18.64.1/18 VIA 198.18.1.254\n"),
            "t.profile:6:7: a route destination (prefix, DEFAULT or DEFAULT6) 198.18.64.1/18 has host bits set; did you "
            "mean 198.18.64.0/18?");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE 198.18.64.0/18\n"), "t.profile:6:1: ROUTE needs VIA addr, PORT name or both");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE DEFAULT VIA 2001:db8:1::fe\n"),
            "t.profile:6:1: ROUTE VIA 2001:db8:1::fe is not the family of destination 0.0.0.0/0");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE DEFAULT VIA 198.18.9.1\n"),
            "t.profile:6:1: ROUTE VIA 198.18.9.1 is on no port's segment; give PORT name or a PORTADDR whose prefix holds it");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE DEFAULT VIA 198.18.1.254 PORT lan1\n"),
            "t.profile:6:1: ROUTE names port 'lan1', which no PORT statement defines");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE DEFAULT VIA 198.18.1.254\nROUTE DEFAULT VIA 198.18.1.254\n"),
            "t.profile:7:1: duplicate ROUTE to 0.0.0.0/0; first at line 6");
  EXPECT_EQ(parse_error(kHeadWithPort + "ROUTE DEFAULT VIA 198.18.1.254 METRIC 65536\n"),
            "t.profile:6:39: METRIC must be 0-65535, found 65536");
}

TEST(NodeStatements, RouteViaOffSegmentIsFineWithAnExplicitPort) {
  EXPECT_EQ(parse_ok(kHeadWithPort + "ROUTE DEFAULT VIA 198.18.9.1 PORT lan0\n").routes.size(), 1u);
}

TEST(NodeStatements, Neighbor) {
  Profile p = parse_ok(kHeadWithPort + "NEIGHBOR 198.18.1.254 02:00:5E:12:01:FE\nNEIGHBOR 198.18.9.1 02-00-5e-12-01-fd PORT lan0\n"
                                       "NEIGHBOR 2001:db8:1::fe 02:00:5e:12:01:fc\n");
  ASSERT_EQ(p.neighbors.size(), 3u);
  EXPECT_EQ(p.neighbors[0].addr, ip("198.18.1.254"));
  EXPECT_EQ(to_string(p.neighbors[0].mac), "02:00:5e:12:01:fe");
  EXPECT_EQ(p.neighbors[0].port, "");
  EXPECT_EQ(p.neighbors[1].port, "lan0");
  EXPECT_TRUE(p.neighbors[2].addr.v6);
}

TEST(NodeStatements, NeighborErrors) {
  EXPECT_EQ(parse_error(kHeadWithPort + "NEIGHBOR 198.18.9.1 02:00:5e:12:01:fe\n"),
            "t.profile:6:1: NEIGHBOR 198.18.9.1 is on no port's segment; give PORT name or a PORTADDR whose prefix holds it");
  EXPECT_EQ(parse_error(kHeadWithPort + "NEIGHBOR 198.18.1.9 02:00:5e:12:01:fe PORT lan7\n"),
            "t.profile:6:1: NEIGHBOR names port 'lan7', which no PORT statement defines");
  EXPECT_EQ(parse_error(kHeadWithPort + "NEIGHBOR 198.18.1.9 02:00:5e:12:01:fe\nNEIGHBOR 198.18.1.9 02:00:5e:12:01:fd\n"),
            "t.profile:7:1: NEIGHBOR 198.18.1.9 already given at line 6");
  EXPECT_EQ(parse_error(kHeadWithPort + "NEIGHBOR 198.18.1.9 ff:ff:ff:ff:ff:ff\n"),
            "t.profile:6:21: a neighbor MAC must be a unicast address, found ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(parse_error(kHeadWithPort + "NEIGHBOR 198.18.1.9\n"),
            "t.profile:6:20: expected a neighbor MAC (xx:xx:xx:xx:xx:xx), found end of file");
}

TEST(NodeStatements, Tap) {
  Profile with_port = parse_ok(kHeadWithPort + "TAP sp0 PORT lan0\n");
  ASSERT_TRUE(with_port.tap);
  EXPECT_EQ(with_port.tap->name, "sp0");
  EXPECT_EQ(with_port.tap->port, "lan0");
  Profile first_port = parse_ok(kHeadWithPort + "TAP sp0\n");
  EXPECT_EQ(first_port.tap->port, "");
  EXPECT_FALSE(parse_ok(kHead).tap);
}

TEST(NodeStatements, TapErrors) {
  EXPECT_EQ(parse_error(kHead + "TAP sp0\n"), "t.profile:3:1: TAP needs a port to share, but no PORT is defined");
  EXPECT_EQ(parse_error(kHeadWithPort + "TAP sp0 PORT lan1\n"), "t.profile:6:1: TAP names port 'lan1', which no PORT statement defines");
  EXPECT_EQ(parse_error(kHeadWithPort + "TAP sysplex-exception0\n"),
            "t.profile:6:5: TAP interface name must be at most 15 characters (Linux IFNAMSIZ), found 'sysplex-exception0'");
  EXPECT_EQ(parse_error(kHeadWithPort + "TAP sp0\nTAP sp1\n"), "t.profile:7:1: TAP given twice; first at line 6");
}

// A PORT statement following a statement with a PORT option starts a new statement: it is told
// apart by DEVICE after its name.
TEST(NodeStatements, PortStatementAfterPortOptionIsANewStatement) {
  Profile p = parse_ok(kHeadWithPort + "TAP sp0\nPORT lan1 DEVICE net_ring1\nROUTE DEFAULT VIA 198.18.1.254 PORT lan0\nPORT lan2 DEVICE net_ring2\n");
  EXPECT_EQ(p.tap->port, "");
  EXPECT_EQ(p.ports.size(), 3u);
  EXPECT_EQ(p.routes.at(0).port, "lan0");
}

// ---- STORE, GROUP, MEMPOOL, WORKERS, ADJUSTDVIPAMSS, TARGETCACHE ----

TEST(NodeStatements, StoreEmbeddedAndEtcd) {
  EXPECT_EQ(parse_ok(kHead + "STORE EMBEDDED\n").store.kind, StoreKind::kEmbedded);
  Profile p = parse_ok(kHead + "STORE ETCD http://198.18.0.10:2379 https://[2001:db8::10]:2379 LEASEMS 5000\n");
  EXPECT_EQ(p.store.kind, StoreKind::kEtcd);
  EXPECT_EQ(p.store.endpoints, (std::vector<std::string>{"http://198.18.0.10:2379", "https://[2001:db8::10]:2379"}));
  EXPECT_EQ(p.store.lease_ms, 5000u);
  EXPECT_EQ(parse_ok(kHead + "STORE ETCD http://198.18.0.10:2379\n").store.lease_ms, 3000u);
}

TEST(NodeStatements, StoreErrors) {
  EXPECT_EQ(parse_error(kHead + "STORE ETCD 198.18.0.10:2379\n"),
            "t.profile:3:12: expected an etcd endpoint URL (http://host:port), found '198.18.0.10:2379'");
  EXPECT_EQ(parse_error(kHead + "STORE EMBEDDED LEASEMS 100\n"), "t.profile:3:16: unexpected 'LEASEMS' after the STORE EMBEDDED statement");
  EXPECT_EQ(parse_error(kHead + "STORE ETCD http://198.18.0.10:2379 LEASEMS 100\n"),
            "t.profile:3:44: LEASEMS must be 500-60000, found 100");
  EXPECT_EQ(parse_error(kHead + "STORE ZOOKEEPER\n"), "t.profile:3:7: expected EMBEDDED or ETCD after STORE, found 'ZOOKEEPER'");
  EXPECT_EQ(parse_error(kHead + "STORE EMBEDDED\nSTORE EMBEDDED\n"), "t.profile:4:1: STORE given twice; first at line 3");
}

TEST(NodeStatements, GroupWithHexAndRawKeys) {
  TempDir dir;
  std::string hex_key = dir.write("group.hex", test_key_hex(32));
  Profile p = parse_ok(kHead + "GROUP plex1 KEYFILE \"" + hex_key + "\" HEARTBEATMS 50 MISSCOUNT 5\n");
  EXPECT_EQ(p.group.name, "PLEX1");
  EXPECT_EQ(p.group.key_file, hex_key);
  EXPECT_EQ(p.group.heartbeat_ms, 50u);
  EXPECT_EQ(p.group.miss_count, 5u);
  std::string raw_key = dir.write("group.raw", std::string(31, 'k') + "!");
  EXPECT_EQ(parse_ok(kHead + "GROUP PLEX1 KEYFILE " + raw_key + "\n").group.key_file, raw_key);
}

TEST(NodeStatements, GroupErrors) {
  TempDir dir;
  std::string short_key = dir.write("short.hex", test_key_hex(16));
  EXPECT_EQ(parse_error(kHead + "GROUP PLEX1 KEYFILE " + short_key + "\n"),
            "t.profile:3:21: group key file " + short_key + " holds 16 bytes; the group key is 32 bytes (raw, or 64 hex digits)");
  std::string missing = (dir.path() / "absent.key").string();
  EXPECT_EQ(parse_error(kHead + "GROUP PLEX1 KEYFILE " + missing + "\n"),
            "t.profile:3:21: cannot read key file " + missing + ": No such file or directory");
  EXPECT_EQ(parse_error(kHead + "GROUP PLEX1 HEARTBEATMS 5\n"), "t.profile:3:25: HEARTBEATMS must be 10-10000, found 5");
  EXPECT_EQ(parse_error(kHead + "GROUP PLEX1 MISSCOUNT 1\n"), "t.profile:3:23: MISSCOUNT must be 2-100, found 1");
}

TEST(NodeStatements, MempoolWorkersAdjustMssTargetCache) {
  Profile p = parse_ok(kHead + "MEMPOOL MBUFS 4095 CACHE 128 DATAROOM 9216\nWORKERS 64\nADJUSTDVIPAMSS 1400\n"
                               "TARGETCACHE FAST 2 4 STEADY 30\n");
  EXPECT_EQ(p.pool.mbufs, 4095u);
  EXPECT_EQ(p.pool.cache, 128u);
  EXPECT_EQ(p.pool.data_room, 9216);
  EXPECT_EQ(p.workers, 64);
  EXPECT_EQ(p.global.adjust_mss, MssMode::kFixed);
  EXPECT_EQ(p.global.adjust_mss_value, 1400);
  EXPECT_EQ(p.global.target_cache.steady_secs, 30u);
  EXPECT_EQ(p.global.target_cache.fast_secs, (std::vector<uint32_t>{2, 4}));
  EXPECT_EQ(parse_ok(kHead + "ADJUSTDVIPAMSS NONE\n").global.adjust_mss, MssMode::kNone);
  EXPECT_EQ(parse_ok(kHead + "ADJUSTDVIPAMSS AUTO\n").global.adjust_mss, MssMode::kAuto);
  Profile steady_only = parse_ok(kHead + "TARGETCACHE STEADY 90\n");
  EXPECT_EQ(steady_only.global.target_cache.fast_secs, (std::vector<uint32_t>{5, 5, 15, 35, 60}));
}

TEST(NodeStatements, ConnTable) {
  Profile p = parse_ok(kHead + "CONNTABLE RSTTIMEOUT 5 ENTRIES 4194304 SYNTIMEOUT 30\n  IDLETIMEOUT 7200 FINTIMEOUT 60\n");
  EXPECT_EQ(p.conntable.entries, 4194304u);
  EXPECT_EQ(p.conntable.syn_secs, 30u);
  EXPECT_EQ(p.conntable.idle_secs, 7200u);
  EXPECT_EQ(p.conntable.fin_secs, 60u);
  EXPECT_EQ(p.conntable.rst_secs, 5u);
  Profile d = parse_ok(kHead + "CONNTABLE\n");
  EXPECT_EQ(d.conntable.entries, 1u << 20);
  EXPECT_EQ(d.conntable.idle_secs, 3600u);
  EXPECT_EQ(parse_error(kHead + "CONNTABLE ENTRIES 100\n"), "t.profile:3:19: ENTRIES must be 1024-268435456, found 100");
  EXPECT_EQ(parse_error(kHead + "CONNTABLE SYNTIMEOUT 0\n"), "t.profile:3:22: SYNTIMEOUT must be 1-86400, found 0");
  EXPECT_EQ(parse_error(kHead + "CONNTABLE ENTRIES 2048 ENTRIES 4096\n"),
            "t.profile:3:24: ENTRIES given twice in this CONNTABLE statement");
  EXPECT_EQ(parse_error(kHead + "CONNTABLE FOREVER\n"),
            "t.profile:3:11: unknown CONNTABLE option 'FOREVER'; expected ENTRIES, SYNTIMEOUT, IDLETIMEOUT, "
            "FINTIMEOUT or RSTTIMEOUT");
  EXPECT_EQ(parse_error(kHead + "CONNTABLE\nCONNTABLE\n"), "t.profile:4:1: CONNTABLE given twice; first at line 3");
}

TEST(NodeStatements, RouteSource) {
  EXPECT_EQ(parse_ok(kHead).route_source.kind, RouteSourceKind::kBoth);
  Profile p = parse_ok(kHead + "ROUTESOURCE KERNEL HEARTBEATMS 1000 DAEMONPROTO 12 4\n");
  EXPECT_EQ(p.route_source.kind, RouteSourceKind::kKernel);
  EXPECT_EQ(p.route_source.heartbeat_ms, 1000u);
  EXPECT_EQ(p.route_source.daemon_protocols, (std::vector<uint8_t>{12, 4}));
  EXPECT_EQ(parse_ok(kHead + "ROUTESOURCE STATIC\n").route_source.kind, RouteSourceKind::kStatic);
  EXPECT_EQ(parse_error(kHead + "ROUTESOURCE OSPF\n"), "t.profile:3:13: expected STATIC, KERNEL or BOTH after ROUTESOURCE, found 'OSPF'");
  EXPECT_EQ(parse_error(kHead + "ROUTESOURCE BOTH HEARTBEATMS 10\n"), "t.profile:3:30: HEARTBEATMS must be 100-600000, found 10");
  EXPECT_EQ(parse_error(kHead + "ROUTESOURCE BOTH DAEMONPROTO 0\n"), "t.profile:3:30: DAEMONPROTO must be 1-255, found 0");
}

TEST(NodeStatements, RouteSourceHeartbeatFollowsTheMonitorInterval) {
  EXPECT_EQ(parse_ok(kHead).route_source.heartbeat_ms, 5000u);  // TIMERSECS 60
  EXPECT_EQ(parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERSECS 10\n").route_source.heartbeat_ms, 2500u);
  EXPECT_EQ(parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERMS 1000\n").route_source.heartbeat_ms, 250u);
  EXPECT_EQ(parse_ok(kHead + "ROUTESOURCE BOTH HEARTBEATMS 500\nGLOBALCONFIG SYSPLEXMONITOR TIMERMS 1000\n").route_source.heartbeat_ms, 500u);
  EXPECT_EQ(parse_error(kHead + "ROUTESOURCE BOTH HEARTBEATMS 5000\nGLOBALCONFIG SYSPLEXMONITOR TIMERMS 1000\n"),
            "t.profile:3:30: ROUTESOURCE HEARTBEATMS 5000 must be at most half the monitor interval (1000 ms from "
            "TIMERSECS/TIMERMS): the monitor warns after half an interval without one");
}

TEST(NodeStatements, ResourceErrors) {
  EXPECT_EQ(parse_error(kHead + "MEMPOOL MBUFS 700 CACHE 512\n"),
            "t.profile:3:1: MEMPOOL CACHE 512 is too large for MBUFS 700; DPDK needs CACHE * 1.5 <= MBUFS");
  EXPECT_EQ(parse_error(kHead + "MEMPOOL CACHE 128\n"), "t.profile:3:9: expected MBUFS after MEMPOOL, found 'CACHE'");
  EXPECT_EQ(parse_error(kHead + "WORKERS 0\n"), "t.profile:3:9: WORKERS must be 1-64, found 0");
  EXPECT_EQ(parse_error(kHead + "WORKERS 65\n"), "t.profile:3:9: WORKERS must be 1-64, found 65");
  EXPECT_EQ(parse_error(kHead + "WORKERS 2 3\n"), "t.profile:3:11: unexpected '3' after the WORKERS statement");
  EXPECT_EQ(parse_error(kHead + "ADJUSTDVIPAMSS 100\n"), "t.profile:3:16: ADJUSTDVIPAMSS must be 536-9560, found 100");
  EXPECT_EQ(parse_error(kHead + "ADJUSTDVIPAMSS SOMETIMES\n"),
            "t.profile:3:16: expected AUTO, NONE or an MSS (536-9560) after ADJUSTDVIPAMSS, found 'SOMETIMES'");
  EXPECT_EQ(parse_error(kHead + "TARGETCACHE FAST 5\n"), "t.profile:3:1: TARGETCACHE is missing STEADY");
  EXPECT_EQ(parse_error(kHead + "TARGETCACHE STEADY 60 FAST 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"),
            "t.profile:3:67: at most 16 FAST intervals, found more");
  EXPECT_EQ(parse_error(kHead + "TARGETCACHE STEADY 0\n"), "t.profile:3:20: STEADY must be 1-3600, found 0");
}

// ---- GLOBALCONFIG ----

TEST(GlobalConfig, EveryOption) {
  Profile p = parse_ok(kHead +
                       "GLOBALCONFIG SYSPLEXMONITOR AUTOREJOIN DELAYJOIN MONINTERFACE NODYNROUTE RECOVERY\n"
                       "  TIMERSECS 3600 BUFCONSTRAINED 60 BUFCRITICAL 100 BUFRELIEF 50\n");
  const SysplexMonitor& m = p.global.monitor;
  EXPECT_TRUE(m.auto_rejoin);
  EXPECT_EQ(m.join, JoinMode::kDelayJoin);
  EXPECT_TRUE(m.mon_interface);
  EXPECT_FALSE(m.dyn_route);
  EXPECT_TRUE(m.recovery);
  EXPECT_EQ(m.timer_secs, 3600u);
  EXPECT_EQ(m.constrained_pct, 60);
  EXPECT_EQ(m.critical_pct, 100);
  EXPECT_EQ(m.relief_pct, 50);
  EXPECT_EQ(parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR NOJOIN\n").global.monitor.join, JoinMode::kNoJoin);
}

TEST(GlobalConfig, MonInterfaceDefaultsToDynRoute) {
  Profile p = parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR MONINTERFACE TIMERSECS 10\n");
  EXPECT_TRUE(p.global.monitor.mon_interface);
  EXPECT_TRUE(p.global.monitor.dyn_route);
  EXPECT_EQ(p.global.monitor.timer_secs, 10u);
}

TEST(GlobalConfig, TimerMsIsTheDrillsShortInterval) {
  Profile p = parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERSECS 20 TIMERMS 1500\n");
  EXPECT_EQ(p.global.monitor.timer_ms, 1500u);
  EXPECT_EQ(p.global.monitor.period_ms(), 1500u);
  EXPECT_EQ(parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERSECS 20\n").global.monitor.period_ms(), 20000u);
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERMS 99\n"), "t.profile:3:37: TIMERMS must be 100-3600000, found 99");
}

TEST(GlobalConfig, RepeatedStatementsMergeLaterValuesWinning) {
  Profile p = parse_ok(kHead + "GLOBALCONFIG SYSPLEXMONITOR AUTOREJOIN BUFRELIEF 85\n"
                               "GLOBALCONFIG SYSPLEXMONITOR NOAUTOREJOIN BUFCONSTRAINED 90 BUFCRITICAL 99\n");
  EXPECT_FALSE(p.global.monitor.auto_rejoin);
  EXPECT_EQ(p.global.monitor.relief_pct, 85);
  EXPECT_EQ(p.global.monitor.constrained_pct, 90);
}

TEST(GlobalConfig, Errors) {
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR AUTOREJOIN NOAUTOREJOIN\n"),
            "t.profile:3:40: NOAUTOREJOIN conflicts with AUTOREJOIN earlier in this GLOBALCONFIG SYSPLEXMONITOR statement");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERSECS 9\n"), "t.profile:3:39: TIMERSECS must be 10-3600, found 9");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR TIMERSECS 3601\n"),
            "t.profile:3:39: TIMERSECS must be 10-3600, found 3601");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR BUFCRITICAL 101\n"),
            "t.profile:3:41: BUFCRITICAL must be 1-100, found 101");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR BUFRELIEF 80\n"),
            "t.profile:3:1: buffer thresholds must satisfy BUFRELIEF < BUFCONSTRAINED < BUFCRITICAL, found BUFRELIEF 80 "
            "BUFCONSTRAINED 80 BUFCRITICAL 95");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG TIMERSECS 60\n"),
            "t.profile:3:14: expected SYSPLEXMONITOR after GLOBALCONFIG, found 'TIMERSECS'");
  EXPECT_EQ(parse_error(kHead + "GLOBALCONFIG SYSPLEXMONITOR NOMONINTERFACE DYNROUTE\n"),
            "t.profile:3:44: unknown GLOBALCONFIG SYSPLEXMONITOR option 'DYNROUTE'; expected AUTOREJOIN, NOAUTOREJOIN, "
            "DELAYJOIN, NODELAYJOIN, NOJOIN, MONINTERFACE, NOMONINTERFACE, RECOVERY, NORECOVERY, TIMERSECS, TIMERMS, "
            "BUFCONSTRAINED, BUFCRITICAL or BUFRELIEF");
}

}  // namespace
}  // namespace sysplex::config
