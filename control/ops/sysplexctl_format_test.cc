#include "control/ops/sysplexctl_format.h"

#include <gtest/gtest.h>

namespace sysplex::ops {
namespace {

std::string show(std::string_view name, const char* reply) {
  Result<std::string> text = format_display(find_display(name), Json::parse(reply));
  return text.ok() ? *text : "error: " + text.error().message;
}

TEST(SysplexctlFormat, Ports) {
  const char* reply = R"({
    "port0": {"name": "lan0", "device": "net_tap0", "port_id": 0, "mac": "02:00:00:00:01:01", "link": "up",
     "speed_mbps": 10000, "rx_queues": 1, "tx_queues": 2, "ipackets": 1500, "opackets": 1499, "ibytes": 96000,
     "obytes": 95936, "imissed": 0, "ierrors": 0, "oerrors": 0, "rx_nombuf": 0},
    "port1": {"name": "uplink", "device": "0000:3b:00.1", "port_id": 11, "mac": "02:00:00:00:02:01", "link": "down",
     "speed_mbps": 0, "rx_queues": 4, "tx_queues": 4, "ipackets": 123456789012, "opackets": 7, "ibytes": 1,
     "obytes": 448, "imissed": 3, "ierrors": 12, "oerrors": 1, "rx_nombuf": 99}})";
  EXPECT_EQ(show("ports", reply),
            "PORT    DEVICE        ID  MAC                LINK  SPEED  RXQ  TXQ\n"
            "lan0    net_tap0       0  02:00:00:00:01:01  up      10G    1    2\n"
            "uplink  0000:3b:00.1  11  02:00:00:00:02:01  down      -    4    4\n"
            "\n"
            "PORT         RX-PKTS  RX-BYTES  TX-PKTS  TX-BYTES  MISSED  RX-ERR  TX-ERR  NO-MBUF\n"
            "lan0            1500     96000     1499     95936       0       0       0        0\n"
            "uplink  123456789012         1        7       448       3      12       1       99\n");
}

TEST(SysplexctlFormat, PortSpeedsBelowAGigabitAndUnknown) {
  const char* reply = R"({"port0": {"name": "a", "speed_mbps": 100}, "port1": {"name": "b", "speed_mbps": 4294967295},
                                    "port2": {"name": "c", "speed_mbps": 2500}})";
  std::string text = show("ports", reply);
  EXPECT_NE(text.find("a     -        -  -    -      100M    -    -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("b     -        -  -    -         -    -    -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c     -        -  -    -     2500M    -    -\n"), std::string::npos) << text;
}

TEST(SysplexctlFormat, CountersKeepTheServersOrderAndNestedGroups) {
  const char* reply = R"({"rx_pkts": 1000, "rx_bytes": 64000, "tx_pkts": 990, "forwarded": 980, "punted": 10,
    "dropped": 10, "loops": 123456, "busy_loops": 100,
    "control": {"arp_replies": 4, "nd_replies": 0, "echo_replies": 6, "to_tap": 0, "from_tap": 0,
                "resolutions_sent": 2, "control_drops": 0}})";
  EXPECT_EQ(show("counters", reply),
            "COUNTER      VALUE\n"
            "rx_pkts       1000\n"
            "rx_bytes     64000\n"
            "tx_pkts        990\n"
            "forwarded      980\n"
            "punted          10\n"
            "dropped         10\n"
            "loops       123456\n"
            "busy_loops     100\n"
            "\n"
            "CONTROL           VALUE\n"
            "arp_replies           4\n"
            "nd_replies            0\n"
            "echo_replies          6\n"
            "to_tap                0\n"
            "from_tap              0\n"
            "resolutions_sent      2\n"
            "control_drops         0\n");
}

TEST(SysplexctlFormat, DropsBusiestFirst) {
  const char* reply = R"({"drops": {"bad-ipv4-checksum": 2, "no-route": 1500, "ttl-expired": 2, "tx-full": 7}})";
  EXPECT_EQ(show("drops", reply),
            "REASON             PACKETS\n"
            "no-route              1500\n"
            "tx-full                  7\n"
            "bad-ipv4-checksum        2\n"
            "ttl-expired              2\n");
}

TEST(SysplexctlFormat, NoDrops) { EXPECT_EQ(show("drops", R"({"drops": {}})"), "no packets dropped\n"); }

TEST(SysplexctlFormat, Lcores) {
  const char* reply = R"({
    "lcore0": {"slot": 0, "lcore": 1, "loops": 2000, "busy_loops": 500, "rx_pkts": 9000, "tx_pkts": 8990, "forwarded": 8900,
     "punted": 90, "dropped": 10},
    "lcore1": {"slot": 1, "lcore": 12, "loops": 0, "busy_loops": 0, "rx_pkts": 0, "tx_pkts": 0, "forwarded": 0,
     "punted": 0, "dropped": 0}})";
  EXPECT_EQ(show("lcores", reply),
            "SLOT  LCORE  RX-PKTS  TX-PKTS  FORWARDED  PUNTED  DROPPED  LOOPS  BUSY%\n"
            "   0      1     9000     8990       8900      90       10   2000   25.0\n"
            "   1     12        0        0          0       0        0      0      -\n");
}

TEST(SysplexctlFormat, Nodes) {
  EXPECT_EQ(show("nodes", R"({"nodes": ["SYS1", "SYS2"]})"), "NODE\nSYS1\nSYS2\n");
}

TEST(SysplexctlFormat, NeighborsShowNoAgeForStaticEntries) {
  const char* reply = R"({
    "neighbor0": {"address": "198.18.1.2", "mac": "02:00:00:00:01:02", "port": "lan0", "state": "learned", "age_s": 42},
    "neighbor1": {"address": "2001:db8::1", "mac": "02:00:00:00:01:03", "port": "lan0", "state": "static", "age_s": 0}})";
  EXPECT_EQ(show("neighbors", reply),
            "ADDRESS      MAC                PORT  STATE    AGE\n"
            "198.18.1.2   02:00:00:00:01:02  lan0  learned  42s\n"
            "2001:db8::1  02:00:00:00:01:03  lan0  static     -\n");
}

TEST(SysplexctlFormat, PoolTakesThePercentageAsNumberOrString) {
  EXPECT_EQ(show("pool", R"({"mbufs": 8192, "in_use": 1024, "in_use_pct": 12.5})"),
            "MBUFS  IN-USE  IN-USE%\n 8192    1024     12.5\n");
  EXPECT_EQ(show("pool", R"({"mbufs": 8192, "in_use": 10, "in_use_pct": "0.122070"})"),
            "MBUFS  IN-USE  IN-USE%\n 8192      10      0.1\n");
  EXPECT_EQ(show("pool", R"({"mbufs": 8192, "in_use": 10, "in_use_pct": "n/a"})"),
            "MBUFS  IN-USE  IN-USE%\n 8192      10        -\n");
}

TEST(SysplexctlFormat, Routes) {
  const char* reply = R"({
    "route0": {"prefix": "198.18.2.0/24", "kind": "static", "via": "198.18.1.254", "port": "lan0",
     "next_hop_mac": "02:00:00:00:01:fe", "resolved": "yes"},
    "route1": {"prefix": "0.0.0.0/0", "kind": "static", "via": "198.18.1.1", "port": "lan0", "next_hop_mac": "",
     "resolved": "no"},
    "route2": {"prefix": "198.18.1.0/24", "kind": "connected", "port": "lan0", "resolved": true}})";
  EXPECT_EQ(show("routes", reply),
            "PREFIX         KIND       VIA           PORT  NEXT-HOP-MAC       RESOLVED\n"
            "198.18.2.0/24  static     198.18.1.254  lan0  02:00:00:00:01:fe  yes\n"
            "0.0.0.0/0      static     198.18.1.1    lan0  -                  no\n"
            "198.18.1.0/24  connected  -             lan0  -                  yes\n");
}

TEST(SysplexctlFormat, VdptShowsTheZosColumns) {
  const char* reply = R"({"vdpt0": {"dest": "198.18.1.50..8080", "destxcf": "198.18.1.11", "node": "N1", "totalconn": 334,
     "activeconn": 0, "rdy": 1, "wlm": 64, "tsr": 100, "weight": 1, "flg": "ROUNDROBIN", "path": "local"},
    "vdpt1": {"dest": "198.18.1.50..8080", "destxcf": "198.18.1.13", "node": "N3", "totalconn": 333, "activeconn": 2,
     "rdy": 0, "wlm": 60, "tsr": 98, "weight": 1, "flg": "ROUNDROBIN", "path": "VIPAROUTE 198.18.1.13 lan0"}})";
  EXPECT_EQ(show("vdpt", reply),
            "DEST               DESTXCF      NODE  TOTALCONN  ACTIVECONN  RDY  WLM  TSR  WEIGHT  FLG         PATH\n"
            "198.18.1.50..8080  198.18.1.11  N1          334           0    1   64  100       1  ROUNDROBIN  local\n"
            "198.18.1.50..8080  198.18.1.13  N3          333           2    0   60   98       1  ROUNDROBIN  VIPAROUTE 198.18.1.13 lan0\n");
  EXPECT_EQ(show("vdpt", "{}"), "no distributed DVIPA:ports on this node\n");
}

TEST(SysplexctlFormat, VipadynAndViparoute) {
  EXPECT_EQ(show("vipadyn", R"({"dvipa0": {"ipaddr": "198.18.1.50/32", "status": "ACTIVE", "origin": "VIPADEFINE",
                                "rank": 0, "moveable": "IMMEDIATE", "diststat": "DIST/DEST", "owner": "N1", "epoch": 3,
                                "age_s": 12, "detail": "owner"},
                                "dvipa1": {"ipaddr": "198.18.1.51/32", "status": "MOVING", "origin": "VIPABACKUP",
                                "rank": 100, "moveable": "WHENIDLE", "diststat": "DIST", "owner": "N2", "epoch": 4,
                                "age_s": 1, "detail": "takeback from N2 when idle"}})"),
            "IPADDR/PREFIXLEN  STATUS  ORIGIN      RANK  MOVEABLE   DISTSTAT   OWNER  EPOCH  AGE-S  DETAIL\n"
            "198.18.1.50/32    ACTIVE  VIPADEFINE     0  IMMEDIATE  DIST/DEST  N1         3     12  owner\n"
            "198.18.1.51/32    MOVING  VIPABACKUP   100  WHENIDLE   DIST       N2         4      1  takeback from N2 when idle\n");
  EXPECT_EQ(show("viparoute", R"({"route0": {"destxcf": "198.18.1.13", "targetip": "198.18.1.13", "node": "N3",
       "rtstatus": "ACTIVE", "path": "VIPAROUTE 198.18.1.13 lan0", "egress": "lan0", "nexthop_mac": "02:00:00:00:00:13",
       "state": "usable"}})"),
            "DESTXCF      TARGETIP     NODE  RTSTATUS  PATH                        EGRESS  NEXT-HOP-MAC       STATE\n"
            "198.18.1.13  198.18.1.13  N3    ACTIVE    VIPAROUTE 198.18.1.13 lan0  lan0    02:00:00:00:00:13  usable\n");
}

TEST(SysplexctlFormat, Group) {
  std::string reply = R"({"node": "N2", "group": "SPXD", "join": "member", "detail": "", "incarnation": 4,
    "store": "reachable", "takeovers": 1, "takebacks": 0, "releases": 2, "self_fences": 0, "store_failures": 3,
    "member0": {"node": "N1", "status": "left", "self": 0, "heard": 0, "incarnation": 7, "addrs": "198.18.1.11", "age_s": 5},
    "member1": {"node": "N2", "status": "active", "self": 1, "heard": 1, "incarnation": 4, "addrs": "198.18.1.12", "age_s": 60},
    "channel": {"sent": 10, "received": 9, "accepted": 8, "truncated": 0, "forged": 1},
    "peer0": {"node": "N3", "xcf": "198.18.1.13", "alive": 1, "incarnation": 2, "heartbeats": 99, "max_gap_ms": 130, "last_heard_ms": 40}})";
  EXPECT_EQ(show("group", reply.c_str()),
            "node N2  group SPXD  MEMBER  incarnation 4  store reachable\n"
            "takeovers 1  takebacks 0  releases 2  self-fences 0  store failures 3\n"
            "\n"
            "NODE  STATUS  HEARD  INCARNATION  ADDRESSES    AGE-S  ERROR\n"
            "N1    left        0            7  198.18.1.11      5  -\n"
            "N2    active      1            4  198.18.1.12     60  -\n"
            "\n"
            "PEER  XCF          ALIVE  INCARNATION  HEARTBEATS  MAX-GAP-MS  LAST-HEARD-MS\n"
            "N3    198.18.1.13      1            2          99         130             40\n"
            "\n"
            "channel: sent 10  received 9  accepted 8  forged 1\n");
  EXPECT_EQ(show("group", R"({"node": "N2", "join": "none", "detail": "no GROUP KEYFILE"})"), "node N2: no GROUP KEYFILE\n");
}

TEST(SysplexctlFormat, WithoutAFormatterTheReplyIsIndentedJson) {
  Result<std::string> text = format_display(nullptr, Json::parse(R"({"vipas": [{"ip": "198.18.0.1"}]})"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\n  \"vipas\": [\n    {\n      \"ip\": \"198.18.0.1\"\n    }\n  ]\n}\n");
}

TEST(SysplexctlFormat, AReplyOfTheWrongShapeNamesTheCommand) {
  EXPECT_EQ(show("ports", R"({"port": []})"),
            "error: /sysplexd/ports replied in an unexpected shape: member 'port' is not a portN object (are sysplexd and sysplexctl "
            "from different releases? --json shows the reply)");
  EXPECT_EQ(show("counters", "[1]").substr(0, 65), "error: /sysplexd/counters replied in an unexpected shape: the rep");
  EXPECT_EQ(show("drops", R"({"drops": []})").substr(0, 72),
            "error: /sysplexd/drops replied in an unexpected shape: no 'drops' object");
}

TEST(SysplexctlFormat, RegistryAndCommands) {
  std::vector<std::string_view> names;
  for (const Display& d : displays()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"nodes", "ports", "counters", "drops", "lcores", "neighbors",
                                                  "pool", "routes", "vipadcfg", "vipadyn", "group", "vdpt", "vcrt",
                                                  "viparoute", "targetcache", "monitor", "messages", "ipsec_sa", "ipsec_drops",
                                                  "ipsec_policy", "crypto", "join", "leave", "deactivate", "reactivate",
                                                  "quiesce", "resume", "hold-buffers", "release-buffers", "capture", "kill",
                                                  "revive", "drain"}));
  EXPECT_FALSE(find_display("nodes")->per_node);
  EXPECT_TRUE(find_display("ports")->per_node);
  EXPECT_EQ(find_display("samonitor"), nullptr);
  EXPECT_EQ(telemetry_command("ports", "SYS1"), "/sysplexd/ports,SYS1");
  EXPECT_EQ(telemetry_command("nodes", ""), "/sysplexd/nodes");
}

TEST(SysplexctlFormat, RatesPerSecondAndResets) {
  Json before = Json::parse(R"({"rx_pkts": 1000, "tx_pkts": 500, "dropped": 9})");
  Json after = Json::parse(R"({"rx_pkts": 3000, "tx_pkts": 501, "dropped": 3})");
  constexpr std::string_view keys[] = {"rx_pkts", "tx_pkts", "dropped", "punted"};
  EXPECT_EQ(rates_table(before, after, 2.0, keys),
            "COUNTER  PER-SEC\n"
            "rx_pkts     1000\n"
            "tx_pkts        0\n"
            "dropped        -\n"
            "punted         -\n");
  EXPECT_EQ(rates_table(before, after, 0.5, std::span(keys, 1)), "COUNTER  PER-SEC\nrx_pkts     4000\n");
}

TEST(SysplexctlFormat, Cells) {
  EXPECT_EQ(cell_text(Json(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(cell_text(Json(-3)), "-3");
  EXPECT_EQ(cell_text(Json(true)), "yes");
  EXPECT_EQ(cell_text(Json("")), "-");
  EXPECT_EQ(cell_text(Json()), "-");
  EXPECT_EQ(cell_text(Json::array({1, 2})), "[1,2]");
  EXPECT_EQ(number_of(Json("12.5")), 12.5);
  EXPECT_EQ(number_of(Json("12.5%")), std::nullopt);
  EXPECT_EQ(number_of(Json("")), std::nullopt);
  EXPECT_TRUE(member(Json::array(), "x").is_null());
}

}  // namespace
}  // namespace sysplex::ops
