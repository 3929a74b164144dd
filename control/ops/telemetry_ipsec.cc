// IPsec displays after z/OS's ipsec command: the SAs (ipsec -y display, shadow SAs marked by
// origin), the filter rules (ipsec -f display) with what each protects, per-SA counters and drop
// reasons, and the crypto engine each algorithm uses. No key material is ever shown.
#include <rte_telemetry.h>

#include <cstdio>

#include "control/node/node.h"
#include "control/ops/telemetry_util.h"
#include "dataplane/esp/aead.h"

namespace sysplex::ops {

namespace {

namespace esp = dp::esp;

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

const char* alg(config::EspAlg a) {
  switch (a) {
    case config::EspAlg::kAes128Gcm: return "AES128GCM";
    case config::EspAlg::kAes256Gcm: return "AES256GCM";
    case config::EspAlg::kChaCha20Poly1305: return "CHACHA20POLY1305";
  }
  return "?";
}

int cmd_ipsec_sa(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  unsigned i = 0;
  for (const auto& r : p.node->sa_manager().rows()) {
    if (i == RTE_TEL_MAX_DICT_ENTRIES) break;
    rte_tel_data* t = add_row(d, "sa", i++);
    const esp::SaControl& c = r.control;
    put_str(t, "name", r.name);
    put_str(t, "spi", hex32(c.spi));
    put_str(t, "dir", c.dir == esp::SaDir::kInbound ? "inbound" : "outbound");
    put_str(t, "origin", sa::origin_name(r.origin));
    put_str(t, "mode", c.mode == config::EspMode::kTunnel ? "tunnel" : "transport");
    put_str(t, "alg", alg(c.alg));
    put_str(t, "engine", r.engine);
    put_str(t, "local", to_string(c.local));
    put_str(t, "remote", to_string(c.remote));
    put_str(t, "encap", c.udp_encap ? "udp " + std::to_string(c.encap_sport) + "->" + std::to_string(c.encap_dport) : "none");
    put_u64(t, "packets", r.counters.packets);
    put_u64(t, "bytes", r.counters.bytes);
    put_u64(t, "dropped", r.counters.dropped());
    put_u64(t, "auth_failed", r.counters.drop(esp::EspDrop::kAuthFailed));
    put_u64(t, "replayed", r.counters.drop(esp::EspDrop::kReplayed) + r.counters.drop(esp::EspDrop::kReplayTooOld));
    if (c.dir == esp::SaDir::kOutbound) {
      put_u64(t, "seq_next", r.seq_next);
      put_u64(t, "seq_limit", r.seq_limit);
    } else {
      put_u64(t, "replay_window", c.replay_window);
      put_u64(t, "replay_top", r.replay_top);
    }
    put_str(t, "state", r.events & esp::kEventHardAny ? "expired" : r.events & esp::kEventSoftAny ? "soft-expired" : "active");
  }
  return 0;
}

// One SA's drops by reason: /sysplexd/ipsec_drops,NODE,name=SA
int cmd_ipsec_drops(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  auto want = p.args.find("name");
  for (const auto& r : p.node->sa_manager().rows()) {
    if (want != p.args.end() && want->second != r.name) continue;
    rte_tel_data* t = rte_tel_data_alloc();
    rte_tel_data_start_dict(t);
    for (size_t k = 1; k < size_t(esp::EspDrop::kCount); ++k)
      if (r.counters.drops[k]) {
        std::string key(esp::kEspDropNames[k]);
        for (char& ch : key)
          if (ch == '-') ch = '_';
        put_u64(t, key.c_str(), r.counters.drops[k]);
      }
    rte_tel_data_add_dict_container(d, r.name.c_str(), t, 0);
  }
  return 0;
}

std::string selector(const config::AddrSel& s) {
  switch (s.kind) {
    case config::AddrSel::Kind::kAny: return "*";
    case config::AddrSel::Kind::kRange: return to_string(s.first) + "-" + to_string(s.last);
    case config::AddrSel::Kind::kPrefix: return to_string(s.prefix);
  }
  return "?";
}

int cmd_ipsec_policy(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  std::lock_guard<std::mutex> lock(p.node->display_lock());
  rte_tel_data_start_dict(d);
  const auto& m = p.node->sa_manager();
  put_str(d, "ipsec", m.enabled() ? "enabled" : "no IPSEC block: everything permitted");
  unsigned i = 0;
  for (const auto& r : m.rules()) {
    if (i + 2 >= RTE_TEL_MAX_DICT_ENTRIES) break;
    rte_tel_data* t = add_row(d, "rule", i++);
    put_str(t, "src", selector(r.src));
    put_str(t, "dst", selector(r.dst));
    put_str(t, "proto", r.protocol ? std::to_string(*r.protocol) : "*");
    put_str(t, "ports", r.src_ports.first == 0 && r.src_ports.last == 65535 && r.dst_ports.first == 0 && r.dst_ports.last == 65535
                            ? "*"
                            : std::to_string(r.src_ports.first) + "-" + std::to_string(r.src_ports.last) + " > " +
                                  std::to_string(r.dst_ports.first) + "-" + std::to_string(r.dst_ports.last));
    put_str(t, "direction", r.direction == config::Direction::kInbound ? "inbound" : r.direction == config::Direction::kOutbound ? "outbound" : "both");
    put_str(t, "routing", r.routing == config::Routing::kLocal ? "local" : r.routing == config::Routing::kRouted ? "routed" : "either");
    const char* act = r.action == config::RuleAction::kPermit ? "PERMIT" : r.action == config::RuleAction::kDeny ? "DENY" : "PROTECT";
    put_str(t, "action", act);
    put_str(t, "sa", r.action == config::RuleAction::kProtect ? r.sa + (m.has(r.sa) ? "" : " (not installed)") : "");
  }
  if (m.enabled()) {
    rte_tel_data* t = add_row(d, "rule", i);
    put_str(t, "src", "*");
    put_str(t, "dst", "*");
    put_str(t, "action", "DENY (implicit)");
  }
  return 0;
}

int cmd_crypto(const char*, const char* params, rte_tel_data* d) {
  Params p = parse_params(params);
  if (!p.node) return -1;
  rte_tel_data_start_dict(d);
  const esp::AeadEngines& e = p.node->sa_manager().engines();
  put_str(d, "ipsecmb", e.ipsecmb_status());
  unsigned i = 0;
  for (esp::EspAlg a : {esp::EspAlg::kAes128Gcm, esp::EspAlg::kAes256Gcm, esp::EspAlg::kChaCha20Poly1305}) {
    rte_tel_data* t = add_row(d, "alg", i++);
    put_str(t, "alg", alg(a));
    put_str(t, "engine", std::string(esp::engine_name(e.best_engine(a))));
    put_str(t, "why", e.choice(a).reason);
  }
  return 0;
}

}  // namespace

void register_ipsec_telemetry() {
  rte_telemetry_register_cmd("/sysplexd/ipsec_sa", cmd_ipsec_sa, "IPsec SAs (ipsec -y display). Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/ipsec_drops", cmd_ipsec_drops, "Per-SA drops by reason. Parameters: node[,name=SA]");
  rte_telemetry_register_cmd("/sysplexd/ipsec_policy", cmd_ipsec_policy, "IPsec filter rules (ipsec -f display). Parameter: node");
  rte_telemetry_register_cmd("/sysplexd/crypto", cmd_crypto, "Crypto engine per ESP algorithm. Parameter: node");
}

}  // namespace sysplex::ops
