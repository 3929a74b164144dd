#pragma once
#include "control/layer_guard.h"
// The node's SA manager: every ESP SA the data plane uses (manual IPSECSAs from the profile, shadow
// SAs a distributor pushed, and later IKE's) with the policy that names them. One interface for
// whatever installs SAs (add / remove, like strongSwan's kernel_ipsec), expiry and sequence events
// collected from the workers, and the SAD/SPD/SA table each snapshot carries.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "dataplane/engine/snapshot.h"
#include "dataplane/esp/aead.h"
#include "dataplane/esp/sa.h"
#include "dataplane/esp/sad.h"
#include "dataplane/esp/spd.h"

namespace sysplex::sa {

namespace esp = dp::esp;

enum class Origin : uint8_t { kManual, kShadow, kRecovered, kIke };
constexpr const char* origin_name(Origin o) {
  switch (o) {
    case Origin::kManual: return "manual";
    case Origin::kShadow: return "shadow";
    case Origin::kRecovered: return "recovered";
    case Origin::kIke: return "ike";
  }
  return "?";
}

// One installed SA as the displays show it (ipsec -y display).
struct SaRow {
  std::string name;
  uint32_t id = 0;
  Origin origin = Origin::kManual;
  esp::SaControl control;            // key material: never put in a display or a log
  std::string engine;
  esp::SaCounterTotals counters;
  uint64_t seq_next = 0, seq_limit = 0;  // outbound
  uint64_t replay_top = 0;               // inbound: highest sequence accepted
  uint16_t events = 0;                   // SaEvent bits raised so far
};

// An event for the node to act on (log it, lease more sequence numbers, renegotiate).
struct SaEventNotice {
  std::string name;
  uint32_t spi = 0;
  uint16_t events = 0;
};

class SaManager {
 public:
  // Calibrates the crypto engines, loads the profile's IPSECSAs (reading their key files) and
  // compiles its rules. A key file that cannot be read or an SA that cannot be built fails whole.
  // `defer` picks the IPSECSAs loaded but not installed: the sysplex-wide ones the group installs
  // (on the DVIPA's owner, from the store or the profile); profile_sa() hands them out.
  static Result<std::unique_ptr<SaManager>> create(const config::Profile& profile, unsigned workers,
                                                   bool keylog,
                                                   const std::function<bool(const config::IpsecSa&)>& defer = {});
  ~SaManager();

  // Installs (or replaces, same name) an SA. `name` is what PROTECT rules refer to.
  Status add(const std::string& name, const esp::SaControl& c, Origin origin, uint64_t now_ns);
  Status remove(const std::string& name);
  bool has(const std::string& name) const;
  // Whether this node's policy protects traffic with an SA of that name (a shadow SA is installed
  // only then; otherwise the target says so, as z/OS does with EZD1726I).
  bool policy_names(const std::string& name) const;

  bool dirty() const { return dirty_; }
  // Points the snapshot at the current SAD, SPD and SAs (the manager keeps them alive).
  void fill(dp::Snapshot& s);
  // After the publish that replaced the previous snapshot: frees what no snapshot names.
  void collect();
  // Events the workers raised since the last call; time limits of idle SAs are checked too.
  std::vector<SaEventNotice> take_events(uint64_t now_ns);

  std::vector<SaRow> rows() const;
  const std::vector<config::IpsecRule>& rules() const { return rules_; }
  const esp::AeadEngines& engines() const { return *engines_; }
  bool enabled() const { return enabled_; }
  // The control form of an installed SA (for shadow pushes and store records): key material.
  std::optional<esp::SaControl> control_of(const std::string& name) const;
  // A deferred IPSECSA of the profile (create's `defer`), as its control form: key material.
  std::optional<esp::SaControl> profile_sa(const std::string& name) const;
  // Moves an installed outbound SA to a new block of sequence numbers (a lease from the store):
  // numbers below `first` are never used again; the low-water event fires at `low_water`.
  Status set_seq_block(const std::string& name, uint64_t first, uint64_t last, uint64_t low_water);
  // Extends the current block when the next lease follows it directly.
  Status extend_seq_block(const std::string& name, uint64_t last, uint64_t low_water);
  Status set_origin(const std::string& name, Origin origin);
  std::optional<Origin> origin_of(const std::string& name) const;

 private:
  struct Entry {
    std::string name;
    Origin origin = Origin::kManual;
    esp::SaControl control;
    std::unique_ptr<esp::SaRuntime> runtime;
  };
  SaManager() = default;
  uint32_t id_of(const std::string& name);   // dense ids by name, stable for the node's life
  Status rebuild();

  unsigned workers_ = 1;
  bool keylog_ = false;
  bool enabled_ = false;
  std::unique_ptr<esp::AeadEngines> engines_;
  std::vector<config::IpsecRule> rules_;
  std::map<std::string, uint32_t> ids_;
  std::vector<Entry> entries_;               // by id; runtime null: named but not installed
  std::map<std::string, esp::SaControl> deferred_;  // profile SAs the group installs
  esp::SaRuntime* runtime_of(const std::string& name);
  std::unique_ptr<esp::Sad> sad_;
  std::unique_ptr<esp::Spd> spd_;
  std::vector<std::unique_ptr<esp::SaRuntime>> retired_sas_;
  std::vector<std::unique_ptr<esp::Sad>> retired_sads_;
  std::vector<std::unique_ptr<esp::Spd>> retired_spds_;
  bool dirty_ = true;
};

// The key file of an IPSECSA: hex digits of key || 4-byte salt (blanks and newlines between them).
Result<esp::KeyBytes> read_key_file(const std::string& path);

}  // namespace sysplex::sa
