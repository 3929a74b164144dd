// The validated profile: plain structs produced by config/ from the z/OS-shaped profile language.
// Neither the data plane nor control parses text; they read these. Every field has its default here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/net.h"

namespace sysplex::config {

// Where a statement came from, for messages that point an operator at the profile line.
struct SourcePos {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
};

// ---- node statements -------------------------------------------------------------------------

struct PortAddr {
  Prefix prefix;             // address/len on the port's segment, e.g. 198.18.1.1/24
  uint16_t vlan = 0;         // 0: untagged
};

struct PortConfig {
  std::string name;          // operator's name, e.g. "lan0"
  std::string device;        // EAL device string: PCI address or vdev args ("net_af_packet0,iface=v0")
  std::optional<MacAddr> mac;// override the device MAC
  uint16_t rx_queues = 0;    // 0: one per worker
  uint16_t tx_queues = 0;    // 0: one per worker plus one for control
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint16_t mtu = 1500;
  bool trusted = false;      // internal segment: distributor may forward decrypted traffic in clear
  std::vector<PortAddr> addrs;
  SourcePos pos;
};

struct RouteConfig {
  Prefix dest;               // 0.0.0.0/0 or ::/0 for DEFAULT
  std::optional<IpAddr> via; // absent: directly connected on `port`
  std::string port;          // empty: resolved from the port whose prefix holds `via`
  uint32_t metric = 0;
  SourcePos pos;
};

struct NeighborConfig {      // static ARP / ND entry
  IpAddr addr;
  MacAddr mac;
  std::string port;          // empty: the port whose prefix holds addr
  SourcePos pos;
};

struct TapConfig {
  std::string name;          // kernel interface name, e.g. "sp0"
  std::string port;          // the DPDK port whose MAC and segment it shares; empty: the first port
  SourcePos pos;
};

enum class StoreKind : uint8_t { kEmbedded, kEtcd };

struct StoreConfig {
  StoreKind kind = StoreKind::kEmbedded;
  std::vector<std::string> endpoints;  // etcd: "http://198.18.0.10:2379", ...
  uint32_t lease_ms = 3000;
};

struct GroupConfig {
  std::string name = "EZBTCPCS";
  std::string key_file;      // 32-byte group key (raw or hex); required once more than one node joins
  uint32_t heartbeat_ms = 100;
  uint32_t miss_count = 3;
};

// ROUTESOURCE: where the node's routes come from (the OMPROUTE analog) for the VIPAROUTE target
// cache and the monitor: its static routes, the Linux routing table of its network namespace
// (routes a daemon such as FRR or bird installs), or both, static routes first.
enum class RouteSourceKind : uint8_t { kStatic, kKernel, kBoth };

struct RouteSourceConfig {
  RouteSourceKind kind = RouteSourceKind::kBoth;
  uint32_t heartbeat_ms = 5000;          // a verifying dump of the kernel table this often; without
                                         // HEARTBEATMS, at most a quarter of the monitor interval
  std::optional<SourcePos> heartbeat_pos;  // where HEARTBEATMS was given
  std::vector<uint8_t> daemon_protocols; // rtm_protocol values of the routing daemon; empty: defaults
};

struct ConnTableConfig {     // CONNTABLE: the distributor's connection table, per worker
  uint32_t entries = 1u << 20;
  uint32_t syn_secs = 60;     // a SYN the client never completed
  uint32_t idle_secs = 3600;  // an established connection without packets
  uint32_t fin_secs = 120;    // after the client's FIN
  uint32_t rst_secs = 10;     // after an RST (kept briefly in case it was lost)
};

struct PoolConfig {
  uint32_t mbufs = 16383;    // per node; (2^n - 1 is the mempool's optimum)
  uint32_t cache = 256;
  uint16_t data_room = 2048 + 128;
};

// ---- GLOBALCONFIG --------------------------------------------------------------------------

enum class JoinMode : uint8_t { kDelayJoin, kNoDelayJoin, kNoJoin };

struct SysplexMonitor {       // GLOBALCONFIG SYSPLEXMONITOR, z/OS defaults
  bool auto_rejoin = false;   // NOAUTOREJOIN
  JoinMode join = JoinMode::kNoDelayJoin;  // NODELAYJOIN
  bool mon_interface = false; // NOMONINTERFACE
  bool dyn_route = true;      // DYNROUTE (only meaningful with MONINTERFACE)
  bool recovery = false;      // NORECOVERY
  uint32_t timer_secs = 60;   // TIMERSECS 10-3600
  uint32_t timer_ms = 0;      // TIMERMS 100-3600000 (sysplexd extension for drills and tests); overrides TIMERSECS
  uint64_t period_ms() const { return timer_ms ? timer_ms : uint64_t(timer_secs) * 1000; }
  // Buffer pools (CSM analog), percent of mbufs in use.
  uint8_t constrained_pct = 80;
  uint8_t critical_pct = 95;
  uint8_t relief_pct = 70;    // constrained ends below this (hysteresis)
};

struct TargetCacheTimers {    // VIPAROUTE target cache refresh schedule
  uint32_t steady_secs = 60;
  std::vector<uint32_t> fast_secs{5, 5, 15, 35, 60};
};

enum class MssMode : uint8_t { kNone, kAuto, kFixed };

struct GlobalConfig {
  SysplexMonitor monitor;
  TargetCacheTimers target_cache;
  MssMode adjust_mss = MssMode::kAuto;   // ADJUSTDVIPAMSS AUTO (z/OS default)
  uint16_t adjust_mss_value = 0;          // with kFixed
};

// ---- VIPADYNAMIC ---------------------------------------------------------------------------

enum class Moveable : uint8_t { kImmediate, kWhenIdle };

struct VipaDefine {
  Prefix dvipa;              // address with its mask length
  Moveable moveable = Moveable::kImmediate;
  SourcePos pos;
};

struct VipaBackup {
  IpAddr dvipa;
  uint8_t rank = 1;          // 1-254; highest takes over first
  Moveable moveable = Moveable::kImmediate;
  SourcePos pos;
};

enum class DistMethod : uint8_t { kRoundRobin, kWeightedActive, kBaseWlm, kServerWlm, kHotStandby };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
};

enum class DestRole : uint8_t { kNone, kPreferred, kBackup };

struct DestIp {
  IpAddr addr;               // the target's dynamic XCF address
  uint16_t weight = 1;       // WEIGHTEDACTIVE
  DestRole role = DestRole::kNone;   // HOTSTANDBY
  uint8_t backup_rank = 0;   // HOTSTANDBY BACKUP rank 1-254
};

struct VipaDistribute {
  IpAddr dvipa;
  DistMethod method = DistMethod::kBaseWlm;   // z/OS default DISTMETHOD BASEWLM
  bool auto_switchback = true;                // HOTSTANDBY AUTOSWITCHBACK (default)
  bool health_switch = true;                  // HOTSTANDBY HEALTHSWITCH (default)
  uint32_t timed_affinity_secs = 0;           // TIMEDAFFINITY n; 0: none
  std::vector<PortRange> ports;               // PORT list and ranges
  bool dest_all = false;                      // DESTIP ALL
  std::vector<DestIp> dests;
  SourcePos pos;
};

struct VipaRoute {
  IpAddr xcf_addr;           // the target's dynamic XCF address (as in DESTIP)
  IpAddr target_addr;        // the address routed to for that target
  SourcePos pos;
};

struct VipaDynamic {
  std::vector<VipaDefine> defines;
  std::vector<VipaBackup> backups;
  std::vector<VipaDistribute> distributes;
  std::vector<VipaRoute> routes;
  // VIPADELETE and *DELETE forms remove what earlier statements defined; the parser applies them,
  // so these lists hold the net result in profile order.
};

// ---- IPSEC ---------------------------------------------------------------------------------

// An address selector: `*`, an address, a prefix, or an inclusive range.
struct AddrSel {
  enum class Kind : uint8_t { kAny, kPrefix, kRange } kind = Kind::kAny;
  Prefix prefix;             // kPrefix (a single address is a full-length prefix)
  IpAddr first, last;        // kRange
};

enum class RuleAction : uint8_t { kPermit, kDeny, kProtect };
enum class Routing : uint8_t { kEither, kLocal, kRouted };
enum class Direction : uint8_t { kBidirectional, kInbound, kOutbound };

struct IpsecRule {
  bool v6 = false;           // IPSEC6RULE
  AddrSel src, dst;
  std::optional<uint8_t> protocol;   // absent: any (`PROTOCOL *` or omitted)
  PortRange src_ports{0, 65535};
  PortRange dst_ports{0, 65535};
  std::optional<uint8_t> icmp_type;  // PROTOCOL ICMP/ICMPV6 TYPE t
  std::optional<uint8_t> icmp_code;  //   CODE c
  Routing routing = Routing::kEither;
  Direction direction = Direction::kBidirectional;
  bool log = false;
  RuleAction action = RuleAction::kPermit;
  std::string sa;            // kProtect: the IPSECSA (manual) or IKE-negotiated SA name
  SourcePos pos;
};

enum class EspAlg : uint8_t { kAes128Gcm, kAes256Gcm, kChaCha20Poly1305 };
enum class EspMode : uint8_t { kTunnel, kTransport };
enum class CryptoEngine : uint8_t { kAuto, kOpenSsl, kSodium, kIpsecMb };

struct IpsecSa {             // manual SA: ESP without IKE
  std::string name;
  uint32_t spi = 0;
  Direction direction = Direction::kInbound;   // kInbound or kOutbound only
  EspMode mode = EspMode::kTunnel;
  EspAlg alg = EspAlg::kAes128Gcm;
  std::string key_file;      // key || 4-byte salt, hex; read at start, never printed
  IpAddr local, remote;      // tunnel endpoints (outer addresses)
  bool udp_encap = false;    // RFC 3948
  uint16_t encap_sport = 4500, encap_dport = 4500;
  bool esn = false;
  uint32_t replay_window = 1024;
  uint64_t soft_bytes = 0, hard_bytes = 0;      // 0: unlimited
  uint64_t soft_packets = 0, hard_packets = 0;
  uint32_t soft_secs = 0, hard_secs = 0;
  CryptoEngine engine = CryptoEngine::kAuto;
  std::string target;        // outbound, DVIPSEC: the one target node this SA is pushed to ("": all)
  SourcePos pos;
};

struct IpsecConfig {
  bool present = false;      // an IPSEC block was given
  bool dvipsec = false;      // sysplex-wide security associations
  uint32_t seq_block = 262144;  // DVIPSEC SEQBLOCK: outbound sequence numbers leased per store call
  bool log_enable = true;    // LOGENABLE (default)
  bool log_implicit = false; // NOLOGIMPLICIT (default)
  std::vector<IpsecRule> rules;
  std::vector<IpsecSa> sas;
};

// ---- the whole profile ---------------------------------------------------------------------

struct Profile {
  std::string source;        // file name the profile came from
  std::string node_name;
  std::vector<IpAddr> node_addrs;   // NODEADDR: the node's own (XCF-like) addresses
  std::vector<PortConfig> ports;
  std::vector<RouteConfig> routes;
  std::vector<NeighborConfig> neighbors;
  std::optional<TapConfig> tap;
  StoreConfig store;
  GroupConfig group;
  PoolConfig pool;
  ConnTableConfig conntable;
  RouteSourceConfig route_source;
  uint16_t workers = 1;      // worker lcores this node uses
  GlobalConfig global;
  VipaDynamic vipadynamic;
  IpsecConfig ipsec;
};

}  // namespace sysplex::config
