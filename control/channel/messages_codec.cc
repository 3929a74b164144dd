// Encoding, decoding and validation of the message bodies. Decoders parse every field with the
// bounds-checked ByteReader, then run the same validate() the encoder runs before it writes.
#include "control/channel/messages.h"

#include "control/channel/wire.h"

namespace sysplex::channel {
namespace {

constexpr size_t kMinAddr = 1 + 4;        // family + IPv4
constexpr size_t kMinTuple = 6 + 4 + 4;   // family, proto, ports + two IPv4 addresses
constexpr uint8_t kFlagReady = 0x01;      // ListenerStatus
constexpr uint8_t kFlagLastChunk = 0x01;  // BulkConnectionReport

Status invalid(std::string_view what, const std::string& why) {
  return make_error(Errc::kInvalidArgument, std::string(what) + ": " + why);
}

// ---- validation ---------------------------------------------------------------------------------

// At most 16 characters of untrusted text, non-printable ones shown as '?', for error messages.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 16));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

Status check_name(std::string_view what, std::string_view field, const std::string& name) {
  if (is_node_name(name)) return ok_status();
  return invalid(what, std::string(field) + " '" + printable(name) + "' is not 1-8 of A-Z, 0-9, @, #, $");
}

Status check_dvipa(std::string_view what, const IpAddr& a) {
  if (a.is_unspecified()) return invalid(what, "DVIPA is the unspecified address");
  return ok_status();
}

Status check_count(std::string_view what, std::string_view field, size_t n, size_t lo, size_t hi) {
  if (n >= lo && n <= hi) return ok_status();
  return invalid(what, std::to_string(n) + " " + std::string(field) + ", allowed " + std::to_string(lo) + "-" +
                           std::to_string(hi));
}

Status check_tuple(std::string_view what, const ConnTuple& c) {
  if (c.src.v6 != c.dst.v6) return invalid(what, "connection " + to_string(c) + " mixes IPv4 and IPv6");
  if (c.proto != kProtoTcp && c.proto != kProtoUdp)
    return invalid(what, "connection protocol " + std::to_string(c.proto) + " is neither TCP (6) nor UDP (17)");
  if (c.sport == 0 || c.dport == 0) return invalid(what, "connection " + to_string(c) + " has port 0");
  return ok_status();
}

Status check_tuples(std::string_view what, const std::vector<ConnTuple>& v, size_t lo) {
  if (auto s = check_count(what, "connections", v.size(), lo, kMaxConnections); !s) return s;
  for (const ConnTuple& c : v)
    if (auto s = check_tuple(what, c); !s) return s;
  return ok_status();
}

Status check(const Heartbeat& m) {
  constexpr std::string_view w = "heartbeat";
  if (auto s = check_name(w, "node", m.node); !s) return s;
  if (auto s = check_count(w, "XCF addresses", m.xcf_addresses.size(), 1, kMaxXcfAddresses); !s) return s;
  for (const IpAddr& a : m.xcf_addresses)
    if (a.is_unspecified()) return invalid(w, "XCF address is the unspecified address");
  if (m.state < MemberState::kJoining || m.state > MemberState::kQuiesced)
    return invalid(w, "membership state " + std::to_string(int(m.state)) + " unknown");
  if (m.weight > kMaxWeight) return invalid(w, "weight " + std::to_string(m.weight) + " above 64");
  if (auto s = check_count(w, "DVIPAs", m.dvipas.size(), 0, kMaxHeartbeatDvipas); !s) return s;
  for (const DvipaStatus& d : m.dvipas) {
    if (auto s = check_dvipa(w, d.dvipa); !s) return s;
    if (d.role < DvipaRole::kOwner || d.role > DvipaRole::kTarget)
      return invalid(w, "DVIPA role " + std::to_string(int(d.role)) + " unknown");
  }
  return ok_status();
}

Status check(const ListenerReport& m) {
  constexpr std::string_view w = "listener report";
  if (auto s = check_name(w, "node", m.node); !s) return s;
  if (auto s = check_count(w, "listeners", m.listeners.size(), 0, kMaxListeners); !s) return s;
  for (const ListenerStatus& l : m.listeners) {
    if (auto s = check_dvipa(w, l.dvipa); !s) return s;
    if (l.port == 0) return invalid(w, "port 0 for DVIPA " + to_string(l.dvipa));
  }
  return ok_status();
}

Status check(const ConnectionEnded& m) {
  if (auto s = check_dvipa("connection ended", m.dvipa); !s) return s;
  return check_tuples("connection ended", m.connections, 1);
}

Status check(const BulkConnectionRequest& m) {
  constexpr std::string_view w = "bulk connection request";
  if (auto s = check_dvipa(w, m.dvipa); !s) return s;
  return check_name(w, "new owner", m.new_owner);
}

Status check(const BulkConnectionReport& m) {
  if (auto s = check_dvipa("bulk connection report", m.dvipa); !s) return s;
  return check_tuples("bulk connection report", m.connections, 0);
}

Status check(const TakeoverNotice& m) {
  constexpr std::string_view w = "takeover notice";
  if (auto s = check_dvipa(w, m.dvipa); !s) return s;
  if (auto s = check_name(w, "new owner", m.new_owner); !s) return s;
  if (m.reason < TakeoverReason::kOwnerLeft || m.reason > TakeoverReason::kTakeback)
    return invalid(w, "reason " + std::to_string(int(m.reason)) + " unknown");
  return ok_status();
}

Status check(const ShadowSa& m) {
  constexpr std::string_view w = "shadow SA";
  if (m.spi == 0) return invalid(w, "SPI 0 is reserved");
  if (auto s = check_dvipa(w, m.dvipa); !s) return s;
  return check_count(w, "record bytes", m.record.size(), 1, kMaxSaRecord);
}

Status check(const Leave& m) {
  constexpr std::string_view w = "leave";
  if (auto s = check_name(w, "node", m.node); !s) return s;
  if (m.reason < LeaveReason::kOperator || m.reason > LeaveReason::kShutdown)
    return invalid(w, "reason " + std::to_string(int(m.reason)) + " unknown");
  if (m.detail.size() > kMaxLeaveDetail) return invalid(w, "detail longer than 64 characters");
  for (char c : m.detail)
    if (c < 0x20 || c > 0x7e) return invalid(w, "detail holds a non-printable character");
  return ok_status();
}

// ---- encoding -----------------------------------------------------------------------------------

void put_tuples(ByteWriter& w, const std::vector<ConnTuple>& v) {
  w.u16(uint16_t(v.size()));
  for (const ConnTuple& c : v) {
    w.u8(c.src.v6 ? kFamilyV6 : kFamilyV4);
    w.u8(c.proto);
    w.u16(c.sport);
    w.u16(c.dport);
    w.bytes(std::span(c.src.bytes.data(), c.src.v6 ? 16 : 4));
    w.bytes(std::span(c.dst.bytes.data(), c.dst.v6 ? 16 : 4));
  }
}

void put(ByteWriter& w, const Heartbeat& m) {
  w.text(m.node);
  w.u8(uint8_t(m.state));
  w.u64(m.incarnation);
  w.u8(m.weight);
  w.u16(uint16_t(m.xcf_addresses.size()));
  for (const IpAddr& a : m.xcf_addresses) w.ip(a);
  w.u16(uint16_t(m.dvipas.size()));
  for (const DvipaStatus& d : m.dvipas) {
    w.ip(d.dvipa);
    w.u8(uint8_t(d.role));
    w.u64(d.ownership_epoch);
    w.u32(d.connections);
  }
}

void put(ByteWriter& w, const ListenerReport& m) {
  w.text(m.node);
  w.u64(m.report_seq);
  w.u16(uint16_t(m.listeners.size()));
  for (const ListenerStatus& l : m.listeners) {
    w.ip(l.dvipa);
    w.u16(l.port);
    w.u8(l.ready ? kFlagReady : 0);
  }
}

void put(ByteWriter& w, const ConnectionEnded& m) {
  w.ip(m.dvipa);
  put_tuples(w, m.connections);
}

void put(ByteWriter& w, const BulkConnectionRequest& m) {
  w.u64(m.request_id);
  w.ip(m.dvipa);
  w.text(m.new_owner);
  w.u64(m.ownership_epoch);
}

void put(ByteWriter& w, const BulkConnectionReport& m) {
  w.u64(m.request_id);
  w.ip(m.dvipa);
  w.u32(m.chunk_index);
  w.u8(m.last_chunk ? kFlagLastChunk : 0);
  put_tuples(w, m.connections);
}

void put(ByteWriter& w, const TakeoverNotice& m) {
  w.ip(m.dvipa);
  w.text(m.new_owner);
  w.u64(m.ownership_epoch);
  w.u8(uint8_t(m.reason));
}

void put(ByteWriter& w, const ShadowSa& m) {
  w.u32(m.spi);
  w.ip(m.dvipa);
  w.u64(m.version);
  w.u16(uint16_t(m.record.size()));
  w.bytes(m.record);
}

void put(ByteWriter& w, const Leave& m) {
  w.text(m.node);
  w.u8(uint8_t(m.reason));
  w.text(m.detail);
}

// ---- decoding -----------------------------------------------------------------------------------

// A u16 count, failing the reader if it exceeds `max` or cannot fit in the bytes left.
size_t get_count(ByteReader& r, size_t max, size_t min_item) {
  size_t n = r.u16();
  if (n > max) r.fail("count " + std::to_string(n) + " above the limit " + std::to_string(max));
  return r.room_for(n, min_item) ? n : 0;
}

uint8_t get_flags(ByteReader& r, uint8_t known) {
  uint8_t f = r.u8();
  if (f & ~known) r.fail("reserved flag bits set");
  return f;
}

std::vector<ConnTuple> get_tuples(ByteReader& r) {
  std::vector<ConnTuple> v(get_count(r, kMaxConnections, kMinTuple));
  for (ConnTuple& c : v) {
    uint8_t family = r.u8();
    if (family != kFamilyV4 && family != kFamilyV6) r.fail("bad address family " + std::to_string(family));
    c.src.v6 = c.dst.v6 = family == kFamilyV6;
    c.proto = r.u8();
    c.sport = r.u16();
    c.dport = r.u16();
    r.bytes(std::span(c.src.bytes.data(), c.src.v6 ? 16 : 4));
    r.bytes(std::span(c.dst.bytes.data(), c.dst.v6 ? 16 : 4));
    if (!r.ok()) break;
  }
  return v;
}

void get(ByteReader& r, Heartbeat& m) {
  m.node = r.text(kMaxNodeName);
  m.state = MemberState(r.u8());
  m.incarnation = r.u64();
  m.weight = r.u8();
  m.xcf_addresses.resize(get_count(r, kMaxXcfAddresses, kMinAddr));
  for (IpAddr& a : m.xcf_addresses) a = r.ip();
  m.dvipas.resize(get_count(r, kMaxHeartbeatDvipas, kMinAddr + 13));
  for (DvipaStatus& d : m.dvipas) {
    d.dvipa = r.ip();
    d.role = DvipaRole(r.u8());
    d.ownership_epoch = r.u64();
    d.connections = r.u32();
  }
}

void get(ByteReader& r, ListenerReport& m) {
  m.node = r.text(kMaxNodeName);
  m.report_seq = r.u64();
  m.listeners.resize(get_count(r, kMaxListeners, kMinAddr + 3));
  for (ListenerStatus& l : m.listeners) {
    l.dvipa = r.ip();
    l.port = r.u16();
    l.ready = get_flags(r, kFlagReady) & kFlagReady;
  }
}

void get(ByteReader& r, ConnectionEnded& m) {
  m.dvipa = r.ip();
  m.connections = get_tuples(r);
}

void get(ByteReader& r, BulkConnectionRequest& m) {
  m.request_id = r.u64();
  m.dvipa = r.ip();
  m.new_owner = r.text(kMaxNodeName);
  m.ownership_epoch = r.u64();
}

void get(ByteReader& r, BulkConnectionReport& m) {
  m.request_id = r.u64();
  m.dvipa = r.ip();
  m.chunk_index = r.u32();
  m.last_chunk = get_flags(r, kFlagLastChunk) & kFlagLastChunk;
  m.connections = get_tuples(r);
}

void get(ByteReader& r, TakeoverNotice& m) {
  m.dvipa = r.ip();
  m.new_owner = r.text(kMaxNodeName);
  m.ownership_epoch = r.u64();
  m.reason = TakeoverReason(r.u8());
}

void get(ByteReader& r, ShadowSa& m) {
  m.spi = r.u32();
  m.dvipa = r.ip();
  m.version = r.u64();
  size_t n = get_count(r, kMaxSaRecord, 1);
  m.record.resize(n);
  r.bytes(m.record);
}

void get(ByteReader& r, Leave& m) {
  m.node = r.text(kMaxNodeName);
  m.reason = LeaveReason(r.u8());
  m.detail = r.text(kMaxLeaveDetail);
}

// The variant alternative for a type: index type - 1.
Message make_empty(MessageType t) {
  switch (t) {
    case MessageType::kHeartbeat: return Heartbeat{};
    case MessageType::kListenerReport: return ListenerReport{};
    case MessageType::kConnectionEnded: return ConnectionEnded{};
    case MessageType::kBulkConnectionRequest: return BulkConnectionRequest{};
    case MessageType::kBulkConnectionReport: return BulkConnectionReport{};
    case MessageType::kTakeoverNotice: return TakeoverNotice{};
    case MessageType::kShadowSa: return ShadowSa{};
    case MessageType::kLeave: return Leave{};
  }
  return Heartbeat{};
}

}  // namespace

size_t encoded_size(const ConnTuple& c) { return c.src.v6 ? 6 + 32 : kMinTuple; }

MessageType type_of(const Message& m) { return MessageType(m.index() + 1); }

std::string_view claimed_sender(const Message& m) {
  if (auto* h = std::get_if<Heartbeat>(&m)) return h->node;
  if (auto* l = std::get_if<ListenerReport>(&m)) return l->node;
  if (auto* v = std::get_if<Leave>(&m)) return v->node;
  return {};
}

Status validate(const Message& m) {
  return std::visit([](const auto& body) { return check(body); }, m);
}

Status encode_body(const Message& m, SecretBytes& out) {
  if (auto s = validate(m); !s) return s;
  ByteWriter w(out);
  w.u8(kBodyVersion);
  std::visit([&w](const auto& body) { put(w, body); }, m);
  return ok_status();
}

Result<Message> decode_body(MessageType type, std::span<const uint8_t> body) {
  std::string_view name = message_type_name(type);
  if (!is_message_type(uint8_t(type))) return invalid(name, "message type " + std::to_string(int(type))).error();
  ByteReader r(body);
  uint8_t version = r.u8();
  if (r.ok() && version != kBodyVersion)
    r.fail("body version " + std::to_string(version) + ", this node reads version " + std::to_string(kBodyVersion));
  Message m = make_empty(type);
  std::visit([&r](auto& b) { get(r, b); }, m);
  if (r.ok() && !r.at_end()) r.fail(std::to_string(r.remaining()) + " bytes after the last field");
  if (!r.ok()) return invalid(name, r.error()).error();
  if (auto s = validate(m); !s) return s.error();
  return m;
}

}  // namespace sysplex::channel
