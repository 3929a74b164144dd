// SA ids are dense and never reused for another name, so a snapshot's policy and SAD stay valid
// until the next one; every change builds a new SAD/SPD beside the old, which lives until the
// publish that replaces it has passed its grace period (collect()).
#include "control/sa/sa_manager.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sysplex::sa {

namespace {

std::string hex(std::span<const uint8_t> b) {
  std::string out;
  char two[3];
  for (uint8_t x : b) {
    std::snprintf(two, sizeof two, "%02x", x);
    out += two;
  }
  return out;
}

const char* wireshark_alg(config::EspAlg a) {
  switch (a) {
    case config::EspAlg::kAes128Gcm:
    case config::EspAlg::kAes256Gcm: return "AES-GCM with 16 octet ICV [RFC4106]";
    case config::EspAlg::kChaCha20Poly1305: return "ChaCha20 with Poly1305 [RFC7634]";
  }
  return "?";
}

// The explicit key-logging level (--log-level keylog), for decrypting captures in tests: one
// line in the form of Wireshark's esp_sa table and one for scapy's SecurityAssociation.
void log_keys(const std::string& name, const esp::SaControl& c) {
  std::string key = hex(c.key.bytes());
  std::fprintf(stderr, "KEYLOG esp_sa: \"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x%s\",\"NULL\",\"\"\n",
               c.local.v6 ? "IPv6" : "IPv4", to_string(c.dir == esp::SaDir::kOutbound ? c.local : c.remote).c_str(),
               to_string(c.dir == esp::SaDir::kOutbound ? c.remote : c.local).c_str(), c.spi, wireshark_alg(c.alg),
               key.c_str());
  std::fprintf(stderr, "KEYLOG scapy: name=%s spi=0x%08x crypt_algo=%s crypt_key=%s\n", name.c_str(), c.spi,
               c.alg == config::EspAlg::kChaCha20Poly1305 ? "CHACHA20-POLY1305" : "AES-GCM", key.c_str());
  sodium_memzero(key.data(), key.size());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = char(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

}  // namespace

Result<esp::KeyBytes> read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::kNotFound, "cannot read key file " + path + ": " + std::strerror(errno));
  uint8_t text[512];
  ssize_t n = ::read(fd, text, sizeof text);
  ::close(fd);
  if (n < 0) return make_error(Errc::kUnavailable, "cannot read key file " + path + ": " + std::strerror(errno));
  uint8_t bytes[esp::kMaxKeyLen + esp::kSaltLen];
  size_t count = 0;
  int high = -1;
  Status bad = ok_status();
  for (ssize_t i = 0; i < n && bad; ++i) {
    if (std::isspace(text[i])) continue;
    int v = hex_value(char(text[i]));
    if (v < 0 || count == sizeof bytes) bad = make_error(Errc::kInvalidArgument, "key file " + path + " is not hex digits of a key and salt");
    else if (high < 0) high = v;
    else bytes[count++] = uint8_t(high << 4 | v), high = -1;
  }
  sodium_memzero(text, sizeof text);
  Result<esp::KeyBytes> out = bad ? Result<esp::KeyBytes>(esp::KeyBytes({bytes, count})) : Result<esp::KeyBytes>(bad.error());
  sodium_memzero(bytes, sizeof bytes);
  return out;
}

Result<std::unique_ptr<SaManager>> SaManager::create(const config::Profile& profile, unsigned workers, bool keylog,
                                                     const std::function<bool(const config::IpsecSa&)>& defer) {
  std::unique_ptr<SaManager> m(new SaManager());
  m->workers_ = workers;
  m->keylog_ = keylog;
  m->enabled_ = profile.ipsec.present;
  m->rules_ = profile.ipsec.rules;
  auto engines = esp::AeadEngines::create();
  if (!engines) return engines.error();
  m->engines_ = std::move(*engines);
  for (const auto& r : m->rules_)
    if (r.action == config::RuleAction::kProtect) m->id_of(r.sa);
  for (const auto& p : profile.ipsec.sas) {
    auto key = read_key_file(p.key_file);
    if (!key) return key.error();
    auto c = esp::sa_control_from_profile(p, key->bytes());
    if (!c) return c.error();
    if (defer && defer(p)) {
      m->id_of(p.name);
      m->deferred_[p.name] = *c;
      continue;
    }
    if (Status st = m->add(p.name, *c, Origin::kManual, 0); !st) return st.error();
  }
  if (Status st = m->rebuild(); !st) return st.error();
  return m;
}

SaManager::~SaManager() = default;

uint32_t SaManager::id_of(const std::string& name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  uint32_t id = uint32_t(entries_.size());
  ids_[name] = id;
  entries_.push_back(Entry{name, Origin::kManual, {}, nullptr});
  return id;
}

Status SaManager::add(const std::string& name, const esp::SaControl& c, Origin origin, uint64_t now_ns) {
  uint32_t id = id_of(name);
  auto rt = esp::make_sa(c, *engines_, esp::SaInstall{id, workers_, now_ns});
  if (!rt) return make_error(rt.error().code, "SA " + name + ": " + rt.error().message);
  Entry& e = entries_[id];
  if (e.runtime) retired_sas_.push_back(std::move(e.runtime));
  e.origin = origin;
  e.control = c;
  e.runtime = std::move(*rt);
  if (keylog_) log_keys(name, c);
  dirty_ = true;
  return rebuild();
}

Status SaManager::remove(const std::string& name) {
  auto it = ids_.find(name);
  if (it == ids_.end() || !entries_[it->second].runtime) return make_error(Errc::kNotFound, "no SA " + name + " installed");
  Entry& e = entries_[it->second];
  retired_sas_.push_back(std::move(e.runtime));
  e.control = {};
  dirty_ = true;
  return rebuild();
}

std::optional<esp::SaControl> SaManager::profile_sa(const std::string& name) const {
  auto it = deferred_.find(name);
  if (it == deferred_.end()) return std::nullopt;
  return it->second;
}

esp::SaRuntime* SaManager::runtime_of(const std::string& name) {
  auto it = ids_.find(name);
  return it == ids_.end() ? nullptr : entries_[it->second].runtime.get();
}

Status SaManager::set_seq_block(const std::string& name, uint64_t first, uint64_t last, uint64_t low_water) {
  esp::SaRuntime* rt = runtime_of(name);
  if (!rt || rt->dir != esp::SaDir::kOutbound) return make_error(Errc::kNotFound, "no outbound SA " + name + " installed");
  esp::sa_set_seq_block(*rt, first, last, low_water);
  return ok_status();
}

Status SaManager::extend_seq_block(const std::string& name, uint64_t last, uint64_t low_water) {
  esp::SaRuntime* rt = runtime_of(name);
  if (!rt || rt->dir != esp::SaDir::kOutbound) return make_error(Errc::kNotFound, "no outbound SA " + name + " installed");
  esp::sa_extend_seq_limit(*rt, last, low_water);
  return ok_status();
}

Status SaManager::set_origin(const std::string& name, Origin origin) {
  auto it = ids_.find(name);
  if (it == ids_.end() || !entries_[it->second].runtime) return make_error(Errc::kNotFound, "no SA " + name + " installed");
  entries_[it->second].origin = origin;
  return ok_status();
}

std::optional<Origin> SaManager::origin_of(const std::string& name) const {
  auto it = ids_.find(name);
  if (it == ids_.end() || !entries_[it->second].runtime) return std::nullopt;
  return entries_[it->second].origin;
}

bool SaManager::has(const std::string& name) const {
  auto it = ids_.find(name);
  return it != ids_.end() && entries_[it->second].runtime;
}

bool SaManager::policy_names(const std::string& name) const {
  for (const auto& r : rules_)
    if (r.action == config::RuleAction::kProtect && r.sa == name) return true;
  return false;
}

Status SaManager::rebuild() {
  std::vector<esp::SadEntry> in;
  for (uint32_t id = 0; id < entries_.size(); ++id) {
    const Entry& e = entries_[id];
    if (e.runtime && e.control.dir == esp::SaDir::kInbound) in.push_back({e.control.spi, e.control.local, id});
  }
  auto sad = esp::Sad::build(in);
  if (!sad) return sad.error();
  auto spd = esp::Spd::build(rules_, enabled_, [this](const std::string& n) { return id_of(n); },
                             [this](uint32_t id) -> std::optional<bool> {
                               if (id >= entries_.size() || !entries_[id].runtime) return std::nullopt;
                               return entries_[id].control.dir == esp::SaDir::kInbound;
                             });
  if (!spd) return spd.error();
  if (sad_) retired_sads_.push_back(std::move(sad_));
  if (spd_) retired_spds_.push_back(std::move(spd_));
  sad_ = std::make_unique<esp::Sad>(std::move(*sad));
  spd_ = std::make_unique<esp::Spd>(std::move(*spd));
  dirty_ = true;
  return ok_status();
}

void SaManager::fill(dp::Snapshot& s) {
  s.sad = sad_.get();
  s.spd = spd_.get();
  s.sas.assign(entries_.size(), nullptr);
  for (uint32_t id = 0; id < entries_.size(); ++id) s.sas[id] = entries_[id].runtime.get();
  dirty_ = false;
}

void SaManager::collect() {
  retired_sas_.clear();
  retired_sads_.clear();
  retired_spds_.clear();
}

std::vector<SaEventNotice> SaManager::take_events(uint64_t now_ns) {
  std::vector<SaEventNotice> out;
  for (Entry& e : entries_) {
    if (!e.runtime) continue;
    esp::sa_check_time(*e.runtime, now_ns);
    if (uint16_t ev = esp::sa_take_events(*e.runtime)) out.push_back({e.name, e.control.spi, ev});
  }
  return out;
}

std::vector<SaRow> SaManager::rows() const {
  std::vector<SaRow> rows;
  for (uint32_t id = 0; id < entries_.size(); ++id) {
    const Entry& e = entries_[id];
    if (!e.runtime) continue;
    SaRow r;
    r.name = e.name;
    r.id = id;
    r.origin = e.origin;
    r.control = e.control;
    r.engine = std::string(esp::engine_name(e.runtime->engine));
    r.counters = esp::sa_counters(*e.runtime);
    r.seq_next = e.runtime->seq_next.load(std::memory_order_relaxed);
    r.seq_limit = e.runtime->seq_limit.load(std::memory_order_relaxed);
    r.replay_top = e.runtime->replay.top();
    r.events = e.runtime->events_raised.load(std::memory_order_relaxed);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::optional<esp::SaControl> SaManager::control_of(const std::string& name) const {
  auto it = ids_.find(name);
  if (it == ids_.end() || !entries_[it->second].runtime) return std::nullopt;
  return entries_[it->second].control;
}

}  // namespace sysplex::sa
