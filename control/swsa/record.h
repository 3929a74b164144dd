#pragma once
#include "control/layer_guard.h"
// Sysplex-wide security associations: the SA record (what a backup needs to recover an SA and a
// target needs to use a shadow of it), its strict binary form, and its sealed form in the group
// store (XChaCha20-Poly1305 under the group key's kStoreRecords subkey, bound to its store key).
//
// Record layout (version 1), fields in network byte order:
//   u8 1 | name (u8 len 1..32, [A-Za-z0-9_-]) | dvipa (u8 family 4/6 + 4/16 bytes) | owner (u8 len
//   0..8 + bytes) | target (u8 len 0..8) | u64 version | u8 dir | u8 mode | u8 alg | u8 engine |
//   u32 spi | u8 key len (20 or 36) + key||salt | local | remote | u8 flags (bit 0 udp encap, bit 1
//   esn) | u16 encap sport | u16 encap dport | u32 replay window | u64 replay top | 6 x u64
//   lifetime (soft/hard bytes, packets, secs)
// Decoding refuses truncation, trailing bytes, unknown versions and enum values, reserved flag
// bits, empty or over-long names, a key of the wrong length for its algorithm: each with a message
// naming the field, never the key.

#include <cstdint>
#include <string>

#include "config/result.h"
#include "control/channel/key.h"
#include "dataplane/esp/sa.h"

namespace sysplex::swsa {

inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kMaxSaName = 32;

struct SaRecord {
  std::string name;              // what PROTECT rules name
  IpAddr dvipa;                  // the DVIPA the SA belongs to (its LOCAL address)
  std::string owner;             // the node that installed it as master
  std::string target;            // outbound per-target SA: the one target that uses it ("": all)
  uint64_t version = 1;          // grows with each rekey; a receiver keeps the highest
  dp::esp::SaControl control;    // KEY MATERIAL
};

// Plaintext record bytes (for the sealed store value and the ShadowSa message). Wiped when freed.
[[nodiscard]] Result<channel::SecretBytes> encode(const SaRecord& r);
[[nodiscard]] Result<SaRecord> decode(std::span<const uint8_t> bytes);

// Seals and opens records for the store: a random 24-byte nonce || ciphertext || 16-byte tag, the
// store key as additional data (a record moved to another key does not open).
class RecordSealer {
 public:
  [[nodiscard]] static Result<RecordSealer> from_group_key(const channel::SecretKey& group_key);
  [[nodiscard]] static Result<RecordSealer> load(const std::string& key_file);
  [[nodiscard]] Result<std::string> seal(const SaRecord& r, const std::string& store_key) const;
  [[nodiscard]] Result<SaRecord> open(const std::string& sealed, const std::string& store_key) const;

 private:
  explicit RecordSealer(channel::SecretKey k) : key_(std::make_shared<channel::SecretKey>(std::move(k))) {}
  std::shared_ptr<const channel::SecretKey> key_;
};

// Store keys, under the group's prefix P = "/sysplex/<GROUP>/".
std::string record_key(const std::string& group, const std::string& sa_name);
std::string sequence_key(const std::string& group, const std::string& sa_name);

}  // namespace sysplex::swsa
