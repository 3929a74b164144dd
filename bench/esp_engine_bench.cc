// esp_engine_bench: the data plane's whole ESP path on one worker core (RX burst, parse, SA
// lookup, replay check, AEAD, encapsulation, SPD, FIB, TX burst) through the real Node + Engine,
// beside the raw AEAD rate of every engine on the same core in the same process.
//
//   esp_engine_bench --dir DIR [--seconds S] [--pass N] [--algs A,B] [--sizes 64,512,1400]
//                    [--raw-ms M] [--modes enc,dec] [--dump] [--fwd] [--same-core] [--file-prefix P]
//
// DIR is what `gen_esp_pcap.py make DIR` wrote (keys, clear frames, scapy's ESP frames). The node
// has one port on an in-process wire (dataplane/engine/wire.h); this program is the host at the
// other end: it hands the worker a pass of N prepared mbufs (pointers onto the wire's ring, so no
// copy happens on the worker) and takes what the node sends back. Per algorithm and size:
//   dec  the peer's ESP (tunnel mode, UDP-encapsulated) to 198.18.1.1: found by SPI, replay-checked
//        against the SA's default 1024-packet window, decrypted in place, checked by the SPD and
//        forwarded in clear. First the FLOWS frames scapy encrypted (sequence numbers 1..FLOWS),
//        each output compared byte for byte with scapy's plaintext one hop on; then timed passes
//        whose packets the peer SA (this program, untimed) encrypts with sequence numbers that
//        continue, so the window sees what a live SA sees: every number new, none refused.
//   enc  clear packets routed to 198.19.0.0/16, protected by a ROUTED OUTBOUND PROTECT rule, sent
//        to the peer by the outer header. With --dump the first frames go to DIR/ALG-SIZE-enc-out.pcap
//        for `gen_esp_pcap.py check` (scapy decrypts them).
//   fwd  (--fwd, a diagnostic) the same harness and routing with a PERMIT rule: what the path costs
//        without ESP.
// --modes enc or dec runs one direction only. --same-core starts no worker thread: the paths run
// on the worker's lcore, which offers a burst to the wire, polls the engine once (the worker's own
// poll) and collects, so a pass's packets stay in that core's caches, as the raw loop's buffers
// do, and the feeding and collecting cost counts against the path (use a pass that fits the cache,
// e.g. --pass 256). Without it the packets are written by another core, as a NIC's would be.
// A pass is timed from its first packet offered to its last packet back; time between passes (the
// peer's encryption, the control loop) is not counted. Samples of every pass are checked (dec:
// bytes; enc: decrypted by the peer SA), and the node's counters must show every packet through
// the SA and out, none dropped. Size is the inner IP packet; Gbps counts those bytes.
//
// stdout, one line each:
//   esp_raw alg=.. size=.. engine=.. seal_gbps=.. open_gbps=..        (hot buffers, every engine)
//   esp_raw_cold alg=.. size=.. engine=.. seal_gbps=.. open_gbps=..   (written by another core)
//   esp_path mode=enc|dec|fwd alg=..|none size=.. engine=.. mpps=.. gbps=.. cycles_per_pkt=.. packets=.. passes=.. checked=.. ok=0|1
// Exit status 0 only if every path was verified.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "bench/bench_node.h"
#include "control/sa/sa_manager.h"
#include "dataplane/engine/wire.h"
#include "dataplane/esp/esp.h"
#include "dataplane/parse/parse.h"

namespace {

using namespace sysplex;
namespace esp = dp::esp;
using Frame = std::vector<uint8_t>;

// What gen_esp_pcap.py writes for each algorithm (ALGS, DEC_NETS, ENC_NETS there): keep in step.
struct AlgSpec {
  const char* name;     // as in file names and output lines
  const char* keyword;  // ALGORITHM in the profile
  const char* sa;       // IPSECSA name prefix
  esp::EspAlg alg;
  uint32_t spi_in, spi_out;
  const char *dec_src, *dec_dst, *enc_src, *enc_dst;
};
constexpr AlgSpec kAlgs[] = {
    {"aes128gcm", "AES128GCM", "AES", esp::EspAlg::kAes128Gcm, 0x1001, 0x2001, "198.19.1.0/24", "198.19.2.0/24",
     "198.19.5.0/24", "198.19.6.0/24"},
    {"chacha20poly1305", "CHACHA20POLY1305", "CHACHA", esp::EspAlg::kChaCha20Poly1305, 0x1002, 0x2002,
     "198.19.3.0/24", "198.19.4.0/24", "198.19.7.0/24", "198.19.8.0/24"},
};
// The clear diagnostic: the same harness and forwarding with a PERMIT rule and no SA (FWD_NETS).
constexpr AlgSpec kClear = {"none", "", "", esp::EspAlg::kAes128Gcm, 0, 0, "", "", "198.19.9.0/24", "198.19.10.0/24"};
constexpr uint8_t kPeerMac[6] = {0x02, 0, 0, 0, 0, 0x02};    // NEIGHBOR 198.18.1.2: the ESP peer
constexpr uint8_t kInnerHop[6] = {0x02, 0, 0, 0, 0, 0x03};   // NEIGHBOR 198.18.1.3: clear next hop
constexpr uint32_t kEth = dp::kEthHdrLen;
constexpr uint32_t kDumpFrames = 64;   // ESP frames per size written for scapy's check
constexpr uint32_t kRawBuffers = 256;  // distinct buffers the raw loop cycles through
constexpr uint16_t kOffer = 64;        // packets offered to the wire per call
// A pass fits the wire's ring back to this program (4095 entries, less the worker's TX buffer),
// so the node never finds it full even when this (shared) core is preempted.
constexpr uint32_t kMaxPass = 4000;

struct Options {
  std::string dir, file_prefix = "bench-esp";
  std::vector<const AlgSpec*> algs;
  std::vector<uint32_t> sizes{64, 512, 1400};
  double seconds = 1.0, raw_ms = 60;
  uint32_t pass = kMaxPass;
  bool dump = false, fwd = false;
  bool enc = true, dec = true;  // --modes
  bool same_core = false;  // --same-core: the engine is polled by this program's thread, on the worker's core
};

// ---- options ----------------------------------------------------------------------------------

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string t; std::getline(in, t, ',');)
    if (!t.empty()) out.push_back(t);
  return out;
}

bool set_algs(Options& o, const std::string& list) {
  o.algs.clear();
  for (const auto& name : split(list)) {
    auto it = std::find_if(std::begin(kAlgs), std::end(kAlgs), [&](const AlgSpec& a) { return name == a.name; });
    if (it == std::end(kAlgs)) return false;
    o.algs.push_back(&*it);
  }
  return !o.algs.empty();
}

bool set_sizes(Options& o, const std::string& list) {
  o.sizes.clear();
  for (const auto& t : split(list)) o.sizes.push_back(uint32_t(std::strtoul(t.c_str(), nullptr, 10)));
  return !o.sizes.empty() && std::all_of(o.sizes.begin(), o.sizes.end(), [](uint32_t s) { return s >= 28 && s <= 1400; });
}

bool parse_options(int argc, char** argv, Options& o) {
  set_algs(o, "aes128gcm,chacha20poly1305");
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--dump" || a == "--fwd" || a == "--same-core") {
      (a == "--dump" ? o.dump : a == "--fwd" ? o.fwd : o.same_core) = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--dir") o.dir = v;
    else if (a == "--seconds") o.seconds = std::atof(v.c_str());
    else if (a == "--raw-ms") o.raw_ms = std::atof(v.c_str());
    else if (a == "--pass") o.pass = uint32_t(std::strtoul(v.c_str(), nullptr, 10));
    else if (a == "--file-prefix") o.file_prefix = v;
    else if (a == "--algs") { if (!set_algs(o, v)) return false; }
    else if (a == "--sizes") { if (!set_sizes(o, v)) return false; }
    else if (a == "--modes") {
      o.enc = v.find("enc") != std::string::npos, o.dec = v.find("dec") != std::string::npos;
      if (!o.enc && !o.dec) return false;
    }
    else return false;
  }
  return !o.dir.empty() && o.seconds > 0 && o.raw_ms > 0 && o.pass >= 64 && o.pass <= kMaxPass;
}

// ---- pcap files (the classic format scapy's wrpcap writes) ------------------------------------

Result<std::vector<Frame>> read_pcap(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  uint8_t gh[24];
  if (!f.read(reinterpret_cast<char*>(gh), sizeof gh))
    return make_error(Errc::kNotFound, "cannot read " + path + " (run gen_esp_pcap.py make first)");
  uint32_t magic;
  std::memcpy(&magic, gh, 4);
  if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du)
    return make_error(Errc::kInvalidArgument, path + " is not a little-endian pcap file");
  std::vector<Frame> frames;
  uint8_t rh[16];
  while (f.read(reinterpret_cast<char*>(rh), sizeof rh)) {
    uint32_t len;
    std::memcpy(&len, rh + 8, 4);
    if (len < kEth || len > 2048) return make_error(Errc::kInvalidArgument, path + ": a record of " + std::to_string(len) + " bytes");
    Frame fr(len);
    if (!f.read(reinterpret_cast<char*>(fr.data()), len)) return make_error(Errc::kInvalidArgument, path + " is truncated");
    frames.push_back(std::move(fr));
  }
  if (frames.empty()) return make_error(Errc::kInvalidArgument, path + " holds no frames");
  return frames;
}

Status write_pcap(const std::string& path, const std::vector<Frame>& frames) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  const uint32_t gh[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};  // v2.4, Ethernet
  f.write(reinterpret_cast<const char*>(gh), sizeof gh);
  for (const Frame& fr : frames) {
    const uint32_t rh[4] = {0, 0, uint32_t(fr.size()), uint32_t(fr.size())};
    f.write(reinterpret_cast<const char*>(rh), sizeof rh);
    f.write(reinterpret_cast<const char*>(fr.data()), std::streamsize(fr.size()));
  }
  return f ? ok_status() : make_error(Errc::kUnavailable, "cannot write " + path);
}

// ---- the node ---------------------------------------------------------------------------------

std::string sa_line(const AlgSpec& a, const Options& o, bool in) {
  return std::string("  IPSECSA ") + a.sa + (in ? "IN" : "OUT") + " SPI " + std::to_string(in ? a.spi_in : a.spi_out) +
         " DIRECTION " + (in ? "INBOUND" : "OUTBOUND") + " MODE TUNNEL ALGORITHM " + a.keyword + " KEYFILE \"" + o.dir +
         "/" + a.name + (in ? "-in" : "-out") + ".key\" LOCAL 198.18.1.1 REMOTE 198.18.1.2 ENCAP UDP\n";
}

// Per algorithm: decrypted traffic must have come through ALGIN and is then forwarded in clear
// (ROUTED OUTBOUND PERMIT); the clear traffic of the other pair of subnets is protected by ALGOUT.
// The first rule passes the clear diagnostic's traffic.
std::string ipsec_block(const Options& o) {
  std::string s = std::string("IPSEC\n  IPSECRULE ") + kClear.enc_src + " " + kClear.enc_dst +
                  " ROUTING ROUTED DIRECTION OUTBOUND PERMIT\n";
  for (const AlgSpec* a : o.algs) {
    s += std::string("  IPSECRULE ") + a->dec_src + " " + a->dec_dst + " DIRECTION INBOUND PROTECT " + a->sa + "IN\n";
    s += std::string("  IPSECRULE ") + a->dec_src + " " + a->dec_dst + " ROUTING ROUTED DIRECTION OUTBOUND PERMIT\n";
    s += std::string("  IPSECRULE ") + a->enc_src + " " + a->enc_dst + " ROUTING ROUTED DIRECTION OUTBOUND PROTECT " +
         a->sa + "OUT\n";
    s += sa_line(*a, o, true) + sa_line(*a, o, false);
  }
  return s + "ENDIPSEC\n";
}

// One port on the wire (MTU 1500: a 1400-byte inner packet leaves as 1464 bytes of IP), the ESP
// peer and the clear next hop as static neighbours, one worker: figures are per core.
std::string bench_profile(const Options& o, const std::string& wire) {
  return "NODENAME ESPBENCH\n"
         "NODEADDR 198.18.0.1\n"
         "PORT lan0 DEVICE \"wire:" + wire + ":a\" MTU 1500 TRUSTED\n"
         "PORTADDR lan0 198.18.1.1/24\n"
         "NEIGHBOR 198.18.1.2 02:00:00:00:00:02\n"
         "NEIGHBOR 198.18.1.3 02:00:00:00:00:03\n"
         "ROUTE 198.19.0.0/16 VIA 198.18.1.3\n"
         "WORKERS 1\n"
         "MEMPOOL MBUFS 16383 CACHE 256\n" + ipsec_block(o);
}

// The far end of the node's wire: this program's port, one queue each way.
Result<uint16_t> open_far_end(const std::string& wire, rte_mempool* pool) {
  auto port = dp::create_wire_port("wire:" + wire + ":b", 1, int(rte_socket_id()));
  if (!port) return port.error();
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(*port, 1, 1, &conf) != 0 || rte_eth_rx_queue_setup(*port, 0, 1024, 0, nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(*port, 0, 1024, 0, nullptr) != 0 || rte_eth_dev_start(*port) != 0)
    return make_error(Errc::kUnavailable, "cannot start the far end of wire " + wire);
  return *port;
}

// ---- the peer's SAs (built from the node's own, addresses swapped) ---------------------------

struct Peer {
  std::unique_ptr<esp::SaRuntime> out;  // peer -> node: the node's inbound SA
  std::unique_ptr<esp::SaRuntime> in;   // node -> peer: the node's outbound SA (window off: samples)
};

Result<Peer> make_peer(node::Node& n, const AlgSpec& a, uint64_t first_seq) {
  auto to_node = n.sa_manager().control_of(std::string(a.sa) + "IN");
  auto from_node = n.sa_manager().control_of(std::string(a.sa) + "OUT");
  if (!to_node || !from_node) return make_error(Errc::kNotFound, std::string("the node has no SAs for ") + a.name);
  for (esp::SaControl* c : {&*to_node, &*from_node}) std::swap(c->local, c->remote);
  to_node->dir = esp::SaDir::kOutbound;
  to_node->seq_first = first_seq;
  from_node->dir = esp::SaDir::kInbound;
  from_node->replay_window = 0;
  const esp::AeadEngines& eng = n.sa_manager().engines();
  auto out = esp::make_sa(*to_node, eng, {1, 1, 0});
  if (!out) return out.error();
  auto in = esp::make_sa(*from_node, eng, {2, 1, 0});
  if (!in) return in.error();
  return Peer{std::move(*out), std::move(*in)};
}

esp::SaCounterTotals sa_counters(node::Node& n, const std::string& name, std::string* engine = nullptr) {
  for (const auto& r : n.sa_manager().rows())
    if (r.name == name) {
      if (engine) *engine = r.engine;
      return r.counters;
    }
  return {};
}

// ---- raw AEAD rate on the worker's lcore ------------------------------------------------------

// One round: every buffer (size bytes, then room for the ICV) sealed or opened in place, IVs
// first_iv + 1, + 2, ..., timed.
struct Round {
  esp::AeadContext* ctx = nullptr;
  const std::vector<uint8_t*>* bufs = nullptr;
  uint32_t size = 0;
  bool open = false;
  uint64_t first_iv = 0;
  uint64_t tsc = 0;
  bool ok = true;
};

void run_round(Round& r) {
  const uint8_t aad[8] = {0, 0, 0x10, 0, 0, 0, 0, 1};
  uint64_t iv = r.first_iv;
  const uint64_t t0 = rte_rdtsc();
  for (uint8_t* b : *r.bufs) {
    uint8_t v[8];
    ++iv;
    std::memcpy(v, &iv, 8);
    r.ok &= r.open ? r.ctx->open(v, aad, 8, b, r.size, b + r.size) : r.ctx->seal(v, aad, 8, b, r.size, b + r.size);
  }
  r.tsc = rte_rdtsc() - t0;
}

int round_main(void* arg) {
  run_round(*static_cast<Round*>(arg));
  return 0;
}

double gbps_of(uint64_t buffers, uint32_t size, uint64_t tsc) {
  return tsc ? double(buffers) * size * 8 / (double(tsc) / double(rte_get_tsc_hz())) / 1e9 : 0;
}

struct RawJob {
  const esp::AeadEngines* engines = nullptr;
  esp::Engine engine{};
  esp::EspAlg alg{};
  uint32_t size = 0;
  double ms = 0;
  double seal_gbps = 0, open_gbps = 0;
  bool failed = false;
};

Result<std::unique_ptr<esp::AeadContext>> raw_context(const RawJob& j) {
  std::vector<uint8_t> key(esp::alg_key_len(j.alg) + esp::kSaltLen, 0x5a);
  return j.engines->make_context(j.engine, j.alg, key);
}

// Hot: buffers the worker's core just used. Opening needs authentic input, so each timed open
// round follows an untimed seal round with the same IVs.
double hot_rate(RawJob& j, esp::AeadContext& c, const std::vector<uint8_t*>& bufs, bool open) {
  Round warm{&c, &bufs, j.size, false, 0};
  run_round(warm);  // first touches of the buffers and of the library's code
  uint64_t iv = bufs.size(), busy = 0, done = 0;
  const uint64_t want = uint64_t(j.ms * 1e-3 * double(rte_get_tsc_hz()));
  while (busy < want) {
    Round sealed{&c, &bufs, j.size, false, iv};
    if (open) run_round(sealed);
    Round r{&c, &bufs, j.size, open, iv};
    run_round(r);
    j.failed |= !r.ok || !sealed.ok;
    busy += r.tsc;
    done += bufs.size();
    iv += bufs.size();
  }
  return gbps_of(done, j.size, busy);
}

int raw_main(void* arg) {
  auto& j = *static_cast<RawJob*>(arg);
  auto ctx = raw_context(j);
  if (!ctx) {
    j.failed = true;
    return 0;
  }
  std::vector<Frame> mem(kRawBuffers, Frame(j.size + esp::kIcvLen, 0xa5));
  std::vector<uint8_t*> bufs;
  for (Frame& f : mem) bufs.push_back(f.data());
  j.seal_gbps = hot_rate(j, **ctx, bufs, false);
  j.open_gbps = hot_rate(j, **ctx, bufs, true);
  return 0;
}

// Cold: a pass's worth of the node's own mbufs, the AEAD's bytes where an ESP packet's ciphertext
// lies in them, just written (for opening: sealed) by this (the control) core, then sealed or
// opened on the worker's core, as the path's packets are. A diagnostic beside the hot rate: the
// difference is what data written elsewhere, one buffer per mbuf, costs the AEAD alone.
double cold_rate(RawJob& j, rte_mempool* pool, unsigned lcore, bool open) {
  constexpr uint32_t kCiphertext = kEth + dp::kIpv4HdrLen + 8 + 8 + esp::kIvLen;
  auto mine = raw_context(j), theirs = raw_context(j);
  std::vector<rte_mbuf*> mbufs(kMaxPass);
  if (!mine || !theirs || rte_pktmbuf_alloc_bulk(pool, mbufs.data(), kMaxPass) != 0) {
    j.failed = true;
    return 0;
  }
  std::vector<uint8_t*> bufs;
  for (rte_mbuf* m : mbufs) bufs.push_back(rte_pktmbuf_mtod_offset(m, uint8_t*, kCiphertext));
  uint64_t iv = 0, busy = 0, done = 0;
  const uint64_t want = uint64_t(j.ms * 1e-3 * double(rte_get_tsc_hz()));
  for (int round = 0; busy < want && !j.failed; ++round, iv += bufs.size()) {
    for (uint8_t* b : bufs) std::memset(b, round, j.size + esp::kIcvLen);
    Round sealed{mine->get(), &bufs, j.size, false, iv};
    if (open) run_round(sealed);
    Round r{theirs->get(), &bufs, j.size, open, iv};
    j.failed |= rte_eal_remote_launch(round_main, &r, lcore) != 0 || rte_eal_wait_lcore(lcore) != 0;
    j.failed |= !r.ok || !sealed.ok;
    if (round == 0) continue;  // warm-up
    busy += r.tsc;
    done += bufs.size();
  }
  rte_pktmbuf_free_bulk(mbufs.data(), kMaxPass);
  return gbps_of(done, j.size, busy);
}

void print_raw(const char* what, const AlgSpec& a, uint32_t size, const RawJob& j) {
  std::printf("%s alg=%s size=%u engine=%s seal_gbps=%.3f open_gbps=%.3f%s\n", what, a.name, size,
              std::string(esp::engine_name(j.engine)).c_str(), j.seal_gbps, j.open_gbps, j.failed ? " failed=1" : "");
  std::fflush(stdout);
}

// Every engine that can do the algorithm, hot, and the node's choice cold; on the worker lcore
// before the worker starts.
bool measure_raw(const Options& o, const esp::AeadEngines& eng, rte_mempool* pool, unsigned lcore) {
  bool ok = true;
  for (const AlgSpec* a : o.algs)
    for (uint32_t size : o.sizes) {
      for (esp::Engine e : {esp::Engine::kOpenSsl, esp::Engine::kSodium, esp::Engine::kIpsecMb}) {
        if (!eng.available(e, a->alg)) continue;
        RawJob j{&eng, e, a->alg, size, o.raw_ms};
        if (rte_eal_remote_launch(raw_main, &j, lcore) != 0) return false;
        rte_eal_wait_lcore(lcore);
        ok &= !j.failed;
        print_raw("esp_raw", *a, size, j);
      }
      RawJob c{&eng, eng.best_engine(a->alg), a->alg, size, o.raw_ms};
      c.seal_gbps = cold_rate(c, pool, lcore, false);
      c.open_gbps = cold_rate(c, pool, lcore, true);
      ok &= !c.failed;
      print_raw("esp_raw_cold", *a, size, c);
    }
  return ok;
}

// ---- passes -----------------------------------------------------------------------------------

struct PassTiming {
  uint64_t tsc = 0;   // first packet offered .. last packet back
  uint32_t sent = 0, got = 0;
};

// Offers n mbufs to the node and collects what it sends into out[0, n). Gives up 5 s after the
// last packet came back (something was dropped: the counters will say why). With `inline_engine`
// (--same-core) this thread also runs the worker's poll loop between offering and collecting, so
// the pass's packets never leave the core's caches, as the raw AEAD loop's buffers never do.
PassTiming run_pass(uint16_t port, rte_mbuf** in, uint32_t n, rte_mbuf** out, dp::Engine* inline_engine) {
  PassTiming t;
  const uint64_t start = rte_rdtsc(), patience = 5 * rte_get_tsc_hz();
  uint64_t last = start;
  while (t.got < n) {
    if (t.sent < n) t.sent += rte_eth_tx_burst(port, 0, in + t.sent, uint16_t(std::min<uint32_t>(n - t.sent, kOffer)));
    if (inline_engine) inline_engine->poll_once_quiescent(0);
    uint16_t k = rte_eth_rx_burst(port, 0, out + t.got, uint16_t(std::min<uint32_t>(n - t.got, dp::kBurst)));
    const uint64_t now = rte_rdtsc();
    if (k) {
      t.got += k;
      last = now;
    } else if (now - last > patience) {
      break;
    } else if (!inline_engine) {
      bench::back_off();  // nothing back yet
    }
  }
  t.tsc = last - start;
  if (t.sent < n) rte_pktmbuf_free_bulk(in + t.sent, n - t.sent);
  return t;
}

void drain(uint16_t port) {
  rte_mbuf* m[dp::kBurst];
  while (uint16_t n = rte_eth_rx_burst(port, 0, m, dp::kBurst)) rte_pktmbuf_free_bulk(m, n);
}

Frame frame_of(const rte_mbuf* m) {
  auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return Frame(p, p + rte_pktmbuf_data_len(m));
}

void put_frame(rte_mbuf* m, const Frame& f) {
  std::memcpy(rte_pktmbuf_append(m, uint16_t(f.size())), f.data(), f.size());
}

// The peer protects the inner packet of a clear frame in place, placed so that the frame starts
// at the mbuf's usual data offset (where a NIC would have written it), framed to the node's port.
bool put_esp(rte_mbuf* m, const Frame& clear, esp::SaRuntime& peer, const uint8_t* port_mac) {
  constexpr uint32_t kOuter = dp::kIpv4HdrLen + 8 + 8 + esp::kIvLen;  // IPv4, UDP, SPI + seq, IV
  auto* buf = static_cast<uint8_t*>(m->buf_addr);
  const uint32_t at = m->data_off + kEth + kOuter;
  std::memcpy(buf + at, clear.data() + kEth, clear.size() - kEth);
  esp::PktBuf pb{buf, m->buf_len, at, uint32_t(clear.size() - kEth)};
  if (!esp::esp_encrypt(peer, 0, pb, 0).ok()) return false;
  uint8_t* f = buf + pb.off - kEth;
  std::memcpy(f, port_mac, 6);
  std::memcpy(f + 6, kPeerMac, 6);
  dp::store_be16(f + 12, dp::kEtherIpv4);
  m->data_off = uint16_t(pb.off - kEth);
  m->data_len = uint16_t(pb.len + kEth);
  m->pkt_len = m->data_len;
  return true;
}

// A clear frame after the node forwarded it to `mac`: MACs rewritten, TTL one less.
Frame after_hop(const Frame& in, const uint8_t* dst_mac, const uint8_t* src_mac) {
  Frame f = in;
  std::memcpy(f.data(), dst_mac, 6);
  std::memcpy(f.data() + 6, src_mac, 6);
  dp::ipv4_decrement_ttl(f.data() + kEth);
  return f;
}

// ---- one algorithm, size and direction --------------------------------------------------------

// enc and dec: the ESP path; fwd: the same packets forwarded in clear (what the path costs
// without ESP, a diagnostic).
enum class Mode { kEnc, kDec, kFwd };
constexpr const char* mode_name(Mode m) { return m == Mode::kEnc ? "enc" : m == Mode::kDec ? "dec" : "fwd"; }

struct Path {
  const AlgSpec* alg = nullptr;
  uint32_t size = 0;
  Mode mode = Mode::kEnc;
  std::vector<Frame> clear;  // enc: what the node protects; dec: what the peer protects
  std::vector<Frame> esp;    // dec: scapy's ESP of `clear`, sequence numbers 1..clear.size()
};

struct Tally {
  uint64_t packets = 0, tsc = 0, fed = 0, checked = 0, mismatched = 0;
  uint32_t passes = 0;
  bool complete = true;
};

class PathRunner {
 public:
  PathRunner(const Options& o, bench::BenchNode& b, uint16_t far, Path& p, Peer& peer)
      : o_(o), node_(b.node()), far_(far), p_(p), peer_(peer), in_(o.pass), out_(o.pass) {
    std::memcpy(port_mac_, node_.engine().ports()[0].mac.data(), 6);
    for (auto* set : {&p_.clear, &p_.esp})
      for (Frame& f : *set) std::memcpy(f.data(), port_mac_, 6);
  }
  bool run(Tally& t);

 private:
  bool prepare(uint32_t n);
  PassTiming pass(uint32_t n, Tally& t);
  bool check_output(const rte_mbuf* m, uint64_t flow);
  bool check_enc(const rte_mbuf* m, const Frame& clear);
  void verify_pass(const PassTiming& pt, Tally& t, bool every);
  Status dump(uint32_t n);

  const Options& o_;
  node::Node& node_;
  uint16_t far_;
  Path& p_;
  Peer& peer_;
  std::vector<rte_mbuf*> in_, out_;
  uint8_t port_mac_[6];
  uint64_t next_flow_ = 0;  // the flow of the next packet prepared (cycles through p_.clear)
  uint64_t pass_flow_ = 0;  // the flow of the current pass's first packet
};

// n packets into in_: clear frames (enc), the peer's fresh ESP (dec), or scapy's ESP (first dec pass).
bool PathRunner::prepare(uint32_t n) {
  if (rte_pktmbuf_alloc_bulk(node_.engine().pool(), in_.data(), n) != 0) return false;
  pass_flow_ = next_flow_;
  const bool scapy = p_.mode == Mode::kDec && next_flow_ == 0;
  bool ok = true;
  for (uint32_t i = 0; i < n; ++i, ++next_flow_) {
    const Frame& f = p_.clear[next_flow_ % p_.clear.size()];
    if (p_.mode != Mode::kDec)
      put_frame(in_[i], f);
    else if (scapy)
      put_frame(in_[i], p_.esp[i]);
    else
      ok &= put_esp(in_[i], f, *peer_.out, port_mac_);
  }
  return ok;
}

bool PathRunner::check_enc(const rte_mbuf* m, const Frame& clear) {
  Frame f = frame_of(m);
  if (f.size() < kEth + 28 || std::memcmp(f.data(), kPeerMac, 6) != 0 || std::memcmp(f.data() + 6, port_mac_, 6) != 0)
    return false;
  esp::EspInput in;
  if (esp::esp_locate(f.data() + kEth, uint32_t(f.size() - kEth), in) != esp::EspDrop::kNone) return false;
  esp::PktBuf pb{f.data(), uint32_t(f.size()), kEth, uint32_t(f.size() - kEth)};
  if (!esp::esp_decrypt(*peer_.in, 0, pb, in, 0).ok()) return false;
  Frame want = after_hop(clear, kPeerMac, port_mac_);
  return pb.len == want.size() - kEth && std::memcmp(pb.data(), want.data() + kEth, pb.len) == 0;
}

// An output: enc, ESP the peer decrypts to the input one hop on; dec and fwd, the clear frame one hop on.
bool PathRunner::check_output(const rte_mbuf* m, uint64_t flow) {
  const Frame& clear = p_.clear[flow % p_.clear.size()];
  if (p_.mode == Mode::kEnc) return check_enc(m, clear);
  return frame_of(m) == after_hop(clear, kInnerHop, port_mac_);
}

// Every output of a check pass, four of a timed one (first, thirds, last), compared.
void PathRunner::verify_pass(const PassTiming& pt, Tally& t, bool every) {
  const uint32_t n = pt.got;
  auto one = [&](uint32_t k) {
    ++t.checked;
    if (!check_output(out_[k], pass_flow_ + k)) ++t.mismatched;
  };
  if (every) {
    for (uint32_t k = 0; k < n; ++k) one(k);
  } else if (n) {
    for (uint32_t k : {0u, n / 3, 2 * n / 3, n - 1}) one(k);
  }
}

Status PathRunner::dump(uint32_t n) {
  std::vector<Frame> frames;
  for (uint32_t k = 0; k < n && k < kDumpFrames; ++k) frames.push_back(frame_of(out_[k]));
  return write_pcap(o_.dir + "/" + p_.alg->name + "-" + std::to_string(p_.size) + "-enc-out.pcap", frames);
}

PassTiming PathRunner::pass(uint32_t n, Tally& t) {
  node_.poll();  // the control loop's turn, between passes
  drain(far_);   // anything control sent (none expected) is not part of the pass
  PassTiming pt = run_pass(far_, in_.data(), n, out_.data(), o_.same_core ? &node_.engine() : nullptr);
  t.fed += pt.sent;
  t.complete &= pt.got == n;
  return pt;
}

// The check pass (scapy's ESP, or the frames scapy will check), one untimed warm-up pass, then
// timed passes until o_.seconds of pass time.
bool PathRunner::run(Tally& t) {
  const uint32_t first = p_.mode != Mode::kDec ? o_.pass : uint32_t(std::min<size_t>(p_.esp.size(), o_.pass));
  const uint64_t want = uint64_t(o_.seconds * double(rte_get_tsc_hz()));
  for (uint32_t round = 0; t.complete && (round < 2 || t.tsc < want); ++round) {
    const uint32_t n = round == 0 ? first : o_.pass;
    if (!prepare(n)) return false;
    PassTiming pt = pass(n, t);
    verify_pass(pt, t, round == 0);
    if (round == 0 && p_.mode == Mode::kEnc && o_.dump)
      if (Status st = dump(pt.got); !st) std::fprintf(stderr, "esp_engine_bench: %s\n", st.error().message.c_str());
    rte_pktmbuf_free_bulk(out_.data(), pt.got);
    if (round < 2) continue;
    t.tsc += pt.tsc;
    t.packets += pt.got;
    ++t.passes;
  }
  return true;
}

// ---- reporting --------------------------------------------------------------------------------

struct Before {
  bench::Sample engine;
  esp::SaCounterTotals sa;
};

bool report(const Path& p, const Tally& t, const bench::Interval& m, const esp::SaCounterTotals& sa,
            const std::string& engine) {
  const dp::CounterTotals& d = m.delta;
  const double secs = double(t.tsc) / double(rte_get_tsc_hz());
  const double mpps = secs > 0 ? double(t.packets) / secs / 1e6 : 0;
  const double gbps = mpps * p.size * 8 / 1e3;
  const double cpp = t.packets ? double(t.tsc) / double(t.packets) : 0;
  const bool through_sa = p.mode == Mode::kFwd || (sa.packets == t.fed && sa.dropped() == 0 && sa.bytes == t.fed * p.size);
  const bool ok = t.complete && t.passes > 0 && t.mismatched == 0 && d.rx_pkts == t.fed && d.forwarded == t.fed &&
                  d.dropped() == 0 && d.punted == 0 && through_sa;
  const char* mode = mode_name(p.mode);
  std::fprintf(stderr,
               "esp_engine_bench %s %s %u: %u passes, %.3f s timed of %.3f s; fed %llu, rx %llu, through the SA %llu, "
               "forwarded %llu, dropped %llu; %llu outputs checked, %llu mismatched\n",
               mode, p.alg->name, p.size, t.passes, secs, m.seconds, (unsigned long long)t.fed, (unsigned long long)d.rx_pkts,
               (unsigned long long)sa.packets, (unsigned long long)d.forwarded, (unsigned long long)d.dropped(),
               (unsigned long long)t.checked, (unsigned long long)t.mismatched);
  if (!ok) bench::print_drops(m);
  std::printf("esp_path mode=%s alg=%s size=%u engine=%s mpps=%.4f gbps=%.3f cycles_per_pkt=%.1f packets=%llu "
              "passes=%u checked=%llu ok=%d\n",
              mode, p.alg->name, p.size, engine.c_str(), mpps, gbps, cpp, (unsigned long long)t.packets, t.passes,
              (unsigned long long)t.checked, ok ? 1 : 0);
  std::fflush(stdout);
  return ok;
}

Result<Path> load_path(const Options& o, const AlgSpec& a, uint32_t size, Mode mode) {
  const std::string base = o.dir + "/" + (mode == Mode::kFwd ? "fwd" : a.name) + "-" + std::to_string(size);
  Path p{&a, size, mode, {}, {}};
  auto clear = read_pcap(base + (mode == Mode::kDec ? "-dec.pcap" : mode == Mode::kEnc ? "-enc.pcap" : ".pcap"));
  if (!clear) return clear.error();
  p.clear = std::move(*clear);
  if (mode != Mode::kDec) return p;
  auto esp = read_pcap(base + "-esp.pcap");
  if (!esp) return esp.error();
  if (esp->size() != p.clear.size()) return make_error(Errc::kInvalidArgument, base + "-esp.pcap and -dec.pcap differ");
  p.esp = std::move(*esp);
  return p;
}

// Before a size is decrypted: the SA manager installs the inbound SA afresh with that size's key
// (as IKE installs a new SA), so every size starts with an empty window and no key sees an IV twice.
Status install_inbound(node::Node& n, const Options& o, const AlgSpec& a, uint32_t size) {
  const std::string name = std::string(a.sa) + "IN";
  auto key = sa::read_key_file(o.dir + "/" + a.name + "-" + std::to_string(size) + "-in.key");
  if (!key) return key.error();
  auto c = n.sa_manager().control_of(name);
  if (!c) return make_error(Errc::kNotFound, "the node has no SA " + name);
  c->key = *key;
  if (Status st = n.sa_manager().add(name, *c, sa::Origin::kManual, n.engine().now_ns()); !st) return st;
  n.poll();  // publishes the snapshot that carries it
  return ok_status();
}

bool run_path(const Options& o, bench::BenchNode& b, uint16_t far, const AlgSpec& a, uint32_t size, Mode mode) {
  auto p = load_path(o, a, size, mode);
  if (!p) return std::fprintf(stderr, "esp_engine_bench: %s\n", p.error().message.c_str()), false;
  if (mode == Mode::kDec)
    if (Status st = install_inbound(b.node(), o, a, size); !st)
      return std::fprintf(stderr, "esp_engine_bench: %s\n", st.error().message.c_str()), false;
  Result<Peer> peer = Peer{};
  if (mode != Mode::kFwd) peer = make_peer(b.node(), a, p->clear.size() + 1);  // scapy's packets used 1..flows
  if (!peer) return std::fprintf(stderr, "esp_engine_bench: %s\n", peer.error().message.c_str()), false;
  const std::string sa_name = std::string(a.sa) + (mode == Mode::kEnc ? "OUT" : "IN");
  Before before{bench::sample(b.engine()), sa_counters(b.node(), sa_name)};
  PathRunner runner(o, b, far, *p, *peer);
  Tally t;
  if (!runner.run(t)) return std::fprintf(stderr, "esp_engine_bench: cannot prepare packets\n"), false;
  std::string engine = "none";
  esp::SaCounterTotals after = sa_counters(b.node(), sa_name, &engine);
  esp::SaCounterTotals delta;
  delta.packets = after.packets - before.sa.packets;
  delta.bytes = after.bytes - before.sa.bytes;
  for (size_t i = 0; i < delta.drops.size(); ++i) delta.drops[i] = after.drops[i] - before.sa.drops[i];
  return report(*p, t, bench::between(before.engine, bench::sample(b.engine())), delta, engine);
}

struct AllPaths {
  const Options* o;
  bench::BenchNode* b;
  uint16_t far;
  bool ok = true;
};

int all_paths(void* arg) {
  AllPaths& a = *static_cast<AllPaths*>(arg);
  for (uint32_t size : a.o->sizes)
    if (a.o->fwd) a.ok &= run_path(*a.o, *a.b, a.far, kClear, size, Mode::kFwd);
  for (const AlgSpec* alg : a.o->algs)
    for (uint32_t size : a.o->sizes)
      for (Mode m : {Mode::kEnc, Mode::kDec})
        if (m == Mode::kEnc ? a.o->enc : a.o->dec) a.ok &= run_path(*a.o, *a.b, a.far, *alg, size, m);
  return 0;
}

int run_bench(const Options& o, const dp::EalInfo& eal) {
  const std::string wire = "espb" + std::to_string(getpid() % 100000);
  auto b = bench::BenchNode::create(bench_profile(o, wire), eal);
  if (!b) return std::fprintf(stderr, "esp_engine_bench: %s\n", b.error().message.c_str()), 1;
  bool ok = measure_raw(o, (*b)->node().sa_manager().engines(), (*b)->engine().pool(), eal.worker_lcores[0]);
  auto far = open_far_end(wire, (*b)->engine().pool());
  if (!far) return std::fprintf(stderr, "esp_engine_bench: %s\n", far.error().message.c_str()), 1;
  AllPaths paths{&o, b->get(), *far};
  if (o.same_core) {
    // No worker thread: the paths run on the worker's lcore (where the raw rates were measured),
    // which feeds the wire, polls the engine and collects, one after the other.
    if (rte_eal_remote_launch(all_paths, &paths, eal.worker_lcores[0]) != 0)
      return std::fprintf(stderr, "esp_engine_bench: cannot launch on lcore %u\n", eal.worker_lcores[0]), 1;
    rte_eal_wait_lcore(eal.worker_lcores[0]);
  } else {
    if (Status st = (*b)->start(); !st) return std::fprintf(stderr, "esp_engine_bench: %s\n", st.error().message.c_str()), 1;
    all_paths(&paths);
    (*b)->stop();
  }
  ok &= paths.ok;
  drain(*far);
  rte_eth_dev_stop(*far);
  rte_eth_dev_close(*far);
  return ok ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: esp_engine_bench --dir DIR [--seconds S] [--pass N (64-4000)] [--algs aes128gcm,chacha20poly1305]\n"
                 "                        [--sizes 64,512,1400] [--raw-ms M] [--modes enc,dec] [--dump] [--fwd] [--same-core]\n"
                 "                        [--file-prefix P]\n");
    return 2;
  }
  auto eal = dp::eal_init(bench::eal_args(o.file_prefix, 512));
  if (!eal) return std::fprintf(stderr, "esp_engine_bench: %s\n", eal.error().message.c_str()), 1;
  int rc = run_bench(o, *eal);  // the node (its ports, pool and SAs) is gone before EAL stops
  dp::eal_cleanup(*eal);
  return rc;
}
