// The group's store schema for membership and DVIPA ownership: key names under the group prefix and
// the compact binary values of member, ownership and counter records, strictly decoded.
//
// Keys (P = Options::key_prefix + group name + "/", e.g. "/sysplex/EZBTCPCS/"):
//   P members/<node>       MemberRecord, under the node's lease: present exactly while it is a member
//   P owners/<dvipa>       OwnerRecord, under the owner's lease; written only by compare-and-swap
//   P epochs/<dvipa>       counter, no lease, never deleted: the DVIPA's fencing epoch
//   P incarnations/<node>  counter, no lease, never deleted: the node's last incarnation
// <dvipa> is the canonical text of the address (198.18.0.10, 2001:db8::10); <node> the system name.
//
// Values start with a version byte (kRecordVersion), then fields in network byte order. Shared
// forms: an address is a family byte (4 or 6) + 4 or 16 bytes; a name is a u8 length + 1..8 bytes of
// A-Z 0-9 @ # $. MemberRecord: u64 incarnation, u8 phase, u8 flags (bit 0 quiesced), u8 address
// count (1..8) + addresses, u16 DVIPA count (0..1024) + per DVIPA: address, u8 prefix length, u8
// origin, u8 rank, u8 moveable, u8 flags (bit 0 deactivated, bit 1 distributed). OwnerRecord: name,
// u64 incarnation, u64 epoch (>= 1), u8 origin, u8 moveable, u8 claim reason. Counter: u64. Decoders
// refuse truncation, trailing bytes, unknown versions and enum values, reserved flag bits, bad names
// and counts over the limits, each with a message naming the field.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/net.h"
#include "config/profile.h"
#include "config/result.h"

namespace sysplex::ownership {

inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kMaxSystemName = 8;      // z/OS system and group names: 1-8 characters
inline constexpr size_t kMaxMemberAddrs = 8;     // NODEADDRs carried in a member record
inline constexpr size_t kMaxMemberDvipas = 1024; // z/OS: at most 1024 configured DVIPAs per stack

// How a node knows a DVIPA: VIPADEFINE (the configured owner) or VIPABACKUP (a ranked backup).
enum class Origin : uint8_t { kDefine = 1, kBackup = 2 };
// A member's phase in the group, as its record says.
enum class MemberPhase : uint8_t { kJoining = 1, kActive = 2, kLeaving = 3 };
// Why an ownership record was written (shown in displays; decides the takeover notice's reason).
enum class ClaimReason : uint8_t {
  kDefine = 1,          // the VIPADEFINE owner activated it; no other node held it before
  kTakeoverFailed = 2,  // the owner's heartbeats stopped (or its record belongs to a dead incarnation)
  kTakeoverLeft = 3,    // the owner left: its ownership or member record disappeared
  kTakeback = 4,        // a (re)joining VIPADEFINE owner took it back (MOVEABLE IMMEDIATE/WHENIDLE)
  kReactivate = 5,      // VARY ... REACTIVATE on the definer
};

struct MemberDvipa {
  Prefix dvipa;                                   // address and mask length (VIPABACKUP: full length)
  Origin origin = Origin::kBackup;
  uint8_t rank = 0;                               // VIPABACKUP rank 1-254; 0 for VIPADEFINE
  config::Moveable moveable = config::Moveable::kImmediate;
  bool deactivated = false;                       // VARY ... DEACTIVATE: not a candidate
  bool distributed = false;                       // a VIPADISTRIBUTE names it on this node
  friend bool operator==(const MemberDvipa&, const MemberDvipa&) = default;
};

struct MemberRecord {
  uint64_t incarnation = 0;                       // increases with every join of the node
  MemberPhase phase = MemberPhase::kJoining;
  bool quiesced = false;                          // VARY ... QUIESCE,TARGET
  std::vector<IpAddr> addrs;                      // NODEADDRs, 1..kMaxMemberAddrs
  std::vector<MemberDvipa> dvipas;                // its VIPADEFINE and VIPABACKUP definitions
  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

struct OwnerRecord {
  std::string node;                               // the owner's system name
  uint64_t incarnation = 0;                       // the owner's incarnation when it claimed
  uint64_t epoch = 0;                             // the fencing epoch of this ownership, >= 1
  Origin origin = Origin::kDefine;                // how the owner knows the DVIPA
  config::Moveable moveable = config::Moveable::kImmediate;
  ClaimReason reason = ClaimReason::kDefine;
  friend bool operator==(const OwnerRecord&, const OwnerRecord&) = default;
};

// 1-8 of A-Z, 0-9, @, # and $ (the profile's rule for NODENAME and GROUP names).
bool is_system_name(std::string_view name);

// Key names of one group, and their parsing back into what they name.
class Keys {
 public:
  // `prefix` is the store-wide prefix (e.g. "/sysplex/"), `group` the group's name.
  Keys(std::string prefix, std::string_view group);
  const std::string& group() const { return group_; }  // every key of the group starts with it
  std::string member(std::string_view node) const;
  std::string owner(const IpAddr& dvipa) const;
  std::string epoch(const IpAddr& dvipa) const;
  std::string incarnation(std::string_view node) const;

  enum class Kind : uint8_t { kMember, kOwner, kEpoch, kIncarnation, kOther };
  struct Parsed {
    Kind kind = Kind::kOther;
    std::string node;       // kMember, kIncarnation
    IpAddr dvipa;           // kOwner, kEpoch
  };
  // kOther for keys outside the group, of another kind, or with a malformed name or address.
  Parsed parse(std::string_view key) const;

 private:
  std::string group_;
};

std::string encode(const MemberRecord& r);
std::string encode(const OwnerRecord& r);
std::string encode_counter(uint64_t value);
[[nodiscard]] Result<MemberRecord> decode_member(std::string_view bytes);
[[nodiscard]] Result<OwnerRecord> decode_owner(std::string_view bytes);
[[nodiscard]] Result<uint64_t> decode_counter(std::string_view bytes);

std::string_view to_string(Origin o);
std::string_view to_string(MemberPhase p);
std::string_view to_string(ClaimReason r);

}  // namespace sysplex::ownership
