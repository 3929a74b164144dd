// Byte by byte, most significant first; a decoder reads through one bounds-checked cursor that
// remembers the first failure, so every field check is one line and nothing is half-decoded.
#include "control/ownership/records.h"

#include <utility>

namespace sysplex::ownership {
namespace {

constexpr uint8_t kFamilyV4 = 4;
constexpr uint8_t kFamilyV6 = 6;
constexpr uint8_t kQuiescedFlag = 1u << 0;
constexpr uint8_t kDeactivatedFlag = 1u << 0;
constexpr uint8_t kDistributedFlag = 1u << 1;

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(char(v)); }
  void u16(uint16_t v) {
    u8(uint8_t(v >> 8));
    u8(uint8_t(v));
  }
  void u64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) u8(uint8_t(v >> shift));
  }
  void name(std::string_view s) {
    u8(uint8_t(s.size()));
    out_.append(s);
  }
  void ip(const IpAddr& a) {
    u8(a.v6 ? kFamilyV6 : kFamilyV4);
    out_.append(reinterpret_cast<const char*>(a.bytes.data()), a.v6 ? 16 : 4);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads fields in order; after the first failure every read returns zeros and error() names it.
class Reader {
 public:
  Reader(std::string_view what, std::string_view bytes) : what_(what), in_(bytes) {}

  uint8_t u8(std::string_view field) {
    if (!take(1, field)) return 0;
    return uint8_t(in_[pos_ - 1]);
  }
  uint16_t u16(std::string_view field) {
    if (!take(2, field)) return 0;
    return uint16_t(uint8_t(in_[pos_ - 2]) << 8 | uint8_t(in_[pos_ - 1]));
  }
  uint64_t u64(std::string_view field) {
    if (!take(8, field)) return 0;
    uint64_t v = 0;
    for (size_t i = pos_ - 8; i < pos_; ++i) v = v << 8 | uint8_t(in_[i]);
    return v;
  }
  std::string name(std::string_view field) {
    uint8_t n = u8(field);
    if (!take(n, field)) return {};
    std::string s(in_.substr(pos_ - n, n));
    check(is_system_name(s), field, "is not 1-8 of A-Z, 0-9, @, # and $");
    return s;
  }
  IpAddr ip(std::string_view field) {
    uint8_t family = u8(field);
    check(family == kFamilyV4 || family == kFamilyV6, field, "has an unknown address family");
    IpAddr a;
    a.v6 = family == kFamilyV6;
    size_t n = a.v6 ? 16 : 4;
    if (!take(n, field)) return {};
    for (size_t i = 0; i < n; ++i) a.bytes[i] = uint8_t(in_[pos_ - n + i]);
    return a;
  }
  // Records a failure unless one came first.
  void check(bool ok, std::string_view field, std::string_view problem) {
    if (!ok && error_.empty()) error_ = std::string(field) + " " + std::string(problem);
  }
  void version() { check(u8("version") == kRecordVersion, "version", "is not " + std::to_string(kRecordVersion)); }
  // The result: kInvalidArgument naming the record, the field and the byte offset.
  Status finish() {
    check(pos_ == in_.size(), "record", "has " + std::to_string(in_.size() - pos_) + " trailing bytes");
    if (error_.empty()) return ok_status();
    return make_error(Errc::kInvalidArgument, std::string(what_) + " (" + std::to_string(in_.size()) +
                                                  " bytes): " + error_ + " (at byte " + std::to_string(pos_) + ")");
  }
  bool ok() const { return error_.empty(); }

 private:
  bool take(size_t n, std::string_view field) {
    if (!error_.empty()) return false;
    if (in_.size() - pos_ < n) {
      error_ = std::string(field) + " is truncated";
      return false;
    }
    pos_ += n;
    return true;
  }

  std::string_view what_;
  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
};

uint8_t moveable_code(config::Moveable m) { return m == config::Moveable::kWhenIdle ? 2 : 1; }

config::Moveable read_moveable(Reader& r) {
  uint8_t v = r.u8("moveable");
  r.check(v == 1 || v == 2, "moveable", "is not 1 (IMMEDIATE) or 2 (WHENIDLE)");
  return v == 2 ? config::Moveable::kWhenIdle : config::Moveable::kImmediate;
}

Origin read_origin(Reader& r) {
  uint8_t v = r.u8("origin");
  r.check(v == 1 || v == 2, "origin", "is not 1 (VIPADEFINE) or 2 (VIPABACKUP)");
  return v == 2 ? Origin::kBackup : Origin::kDefine;
}

MemberDvipa read_member_dvipa(Reader& r) {
  MemberDvipa d;
  d.dvipa.addr = r.ip("dvipa");
  d.dvipa.len = r.u8("prefix length");
  r.check(d.dvipa.len >= 1 && d.dvipa.len <= d.dvipa.addr.family_bits(), "prefix length", "is out of range");
  d.origin = read_origin(r);
  d.rank = r.u8("rank");
  bool rank_ok = d.origin == Origin::kDefine ? d.rank == 0 : d.rank >= 1 && d.rank <= 254;
  r.check(rank_ok, "rank", "is not 0 (VIPADEFINE) or 1-254 (VIPABACKUP)");
  d.moveable = read_moveable(r);
  uint8_t flags = r.u8("dvipa flags");
  r.check((flags & ~(kDeactivatedFlag | kDistributedFlag)) == 0, "dvipa flags", "has reserved bits set");
  d.deactivated = flags & kDeactivatedFlag;
  d.distributed = flags & kDistributedFlag;
  return d;
}

}  // namespace

bool is_system_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxSystemName) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '#' || c == '$';
    if (!ok) return false;
  }
  return true;
}

Keys::Keys(std::string prefix, std::string_view group) : group_(std::move(prefix)) {
  group_.append(group);
  group_.push_back('/');
}

std::string Keys::member(std::string_view node) const { return group_ + "members/" + std::string(node); }
std::string Keys::owner(const IpAddr& dvipa) const { return group_ + "owners/" + to_string(dvipa); }
std::string Keys::epoch(const IpAddr& dvipa) const { return group_ + "epochs/" + to_string(dvipa); }
std::string Keys::incarnation(std::string_view node) const { return group_ + "incarnations/" + std::string(node); }

Keys::Parsed Keys::parse(std::string_view key) const {
  Parsed p;
  if (key.substr(0, group_.size()) != group_) return p;
  key.remove_prefix(group_.size());
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return p;
  std::string_view kind = key.substr(0, slash), name = key.substr(slash + 1);
  if (kind == "members" || kind == "incarnations") {
    if (!is_system_name(name)) return p;
    p.kind = kind == "members" ? Kind::kMember : Kind::kIncarnation;
    p.node = std::string(name);
  } else if (kind == "owners" || kind == "epochs") {
    auto ip = parse_ip(name);
    if (!ip || to_string(*ip) != name) return p;  // only the canonical form names a DVIPA
    p.kind = kind == "owners" ? Kind::kOwner : Kind::kEpoch;
    p.dvipa = *ip;
  }
  return p;
}

std::string encode(const MemberRecord& r) {
  Writer w;
  w.u8(kRecordVersion);
  w.u64(r.incarnation);
  w.u8(uint8_t(r.phase));
  w.u8(r.quiesced ? kQuiescedFlag : 0);
  w.u8(uint8_t(r.addrs.size()));
  for (const auto& a : r.addrs) w.ip(a);
  w.u16(uint16_t(r.dvipas.size()));
  for (const auto& d : r.dvipas) {
    w.ip(d.dvipa.addr);
    w.u8(d.dvipa.len);
    w.u8(uint8_t(d.origin));
    w.u8(d.rank);
    w.u8(moveable_code(d.moveable));
    w.u8(uint8_t((d.deactivated ? kDeactivatedFlag : 0) | (d.distributed ? kDistributedFlag : 0)));
  }
  return w.take();
}

std::string encode(const OwnerRecord& r) {
  Writer w;
  w.u8(kRecordVersion);
  w.name(r.node);
  w.u64(r.incarnation);
  w.u64(r.epoch);
  w.u8(uint8_t(r.origin));
  w.u8(moveable_code(r.moveable));
  w.u8(uint8_t(r.reason));
  return w.take();
}

std::string encode_counter(uint64_t value) {
  Writer w;
  w.u8(kRecordVersion);
  w.u64(value);
  return w.take();
}

Result<MemberRecord> decode_member(std::string_view bytes) {
  Reader r("member record", bytes);
  MemberRecord m;
  r.version();
  m.incarnation = r.u64("incarnation");
  r.check(m.incarnation >= 1, "incarnation", "is 0");
  uint8_t phase = r.u8("phase");
  r.check(phase >= 1 && phase <= 3, "phase", "is not 1 (joining), 2 (active) or 3 (leaving)");
  m.phase = MemberPhase(phase);
  uint8_t flags = r.u8("member flags");
  r.check((flags & ~kQuiescedFlag) == 0, "member flags", "has reserved bits set");
  m.quiesced = flags & kQuiescedFlag;
  uint8_t n_addrs = r.u8("address count");
  r.check(n_addrs <= kMaxMemberAddrs, "address count", "is over " + std::to_string(kMaxMemberAddrs));
  for (uint8_t i = 0; i < n_addrs && r.ok(); ++i) m.addrs.push_back(r.ip("address"));
  uint16_t n_dvipas = r.u16("dvipa count");
  r.check(n_dvipas <= kMaxMemberDvipas, "dvipa count", "is over " + std::to_string(kMaxMemberDvipas));
  for (uint16_t i = 0; i < n_dvipas && r.ok(); ++i) m.dvipas.push_back(read_member_dvipa(r));
  if (auto st = r.finish(); !st) return st.error();
  return m;
}

Result<OwnerRecord> decode_owner(std::string_view bytes) {
  Reader r("ownership record", bytes);
  OwnerRecord o;
  r.version();
  o.node = r.name("owner");
  o.incarnation = r.u64("incarnation");
  r.check(o.incarnation >= 1, "incarnation", "is 0");
  o.epoch = r.u64("epoch");
  r.check(o.epoch >= 1, "epoch", "is 0");
  o.origin = read_origin(r);
  o.moveable = read_moveable(r);
  uint8_t reason = r.u8("reason");
  r.check(reason >= 1 && reason <= 5, "reason", "is not a known claim reason (1-5)");
  o.reason = ClaimReason(reason);
  if (auto st = r.finish(); !st) return st.error();
  return o;
}

Result<uint64_t> decode_counter(std::string_view bytes) {
  Reader r("counter", bytes);
  r.version();
  uint64_t v = r.u64("value");
  if (auto st = r.finish(); !st) return st.error();
  return v;
}

std::string_view to_string(Origin o) { return o == Origin::kDefine ? "VIPADEFINE" : "VIPABACKUP"; }

std::string_view to_string(MemberPhase p) {
  switch (p) {
    case MemberPhase::kJoining: return "joining";
    case MemberPhase::kActive: return "active";
    case MemberPhase::kLeaving: return "leaving";
  }
  return "unknown";
}

std::string_view to_string(ClaimReason r) {
  switch (r) {
    case ClaimReason::kDefine: return "define";
    case ClaimReason::kTakeoverFailed: return "takeover (owner failed)";
    case ClaimReason::kTakeoverLeft: return "takeover (owner left)";
    case ClaimReason::kTakeback: return "takeback";
    case ClaimReason::kReactivate: return "reactivate";
  }
  return "unknown";
}

}  // namespace sysplex::ownership
