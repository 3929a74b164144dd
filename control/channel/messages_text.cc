// One-line texts of the messages for displays and logs. A ShadowSa's record is key material: only
// its size is shown. Lists longer than a few entries are cut with a count of what was left out.
#include "control/channel/messages.h"

#include <cinttypes>
#include <cstdio>

namespace sysplex::channel {
namespace {

constexpr size_t kShownEntries = 8;

template <typename T, typename F>
std::string list(const std::vector<T>& v, F&& one) {
  std::string s = "[";
  for (size_t i = 0; i < v.size() && i < kShownEntries; ++i) s += (i ? ", " : "") + one(v[i]);
  if (v.size() > kShownEntries) s += ", ... " + std::to_string(v.size() - kShownEntries) + " more";
  return s + "]";
}

std::string tuples(const std::vector<ConnTuple>& v) {
  return std::to_string(v.size()) + " " + list(v, [](const ConnTuple& c) { return to_string(c); });
}

std::string endpoint(const IpAddr& a, uint16_t port) {
  return (a.v6 ? "[" + sysplex::to_string(a) + "]" : sysplex::to_string(a)) + ":" + std::to_string(port);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

}  // namespace

std::string_view to_string(MemberState s) {
  switch (s) {
    case MemberState::kJoining: return "joining";
    case MemberState::kActive: return "active";
    case MemberState::kLeaving: return "leaving";
    case MemberState::kQuiesced: return "quiesced";
  }
  return "unknown";
}

std::string_view to_string(DvipaRole r) {
  switch (r) {
    case DvipaRole::kOwner: return "owner";
    case DvipaRole::kBackup: return "backup";
    case DvipaRole::kTarget: return "target";
  }
  return "unknown";
}

std::string_view to_string(TakeoverReason r) {
  switch (r) {
    case TakeoverReason::kOwnerLeft: return "owner-left";
    case TakeoverReason::kOwnerFailed: return "owner-failed";
    case TakeoverReason::kTakeback: return "takeback";
  }
  return "unknown";
}

std::string_view to_string(LeaveReason r) {
  switch (r) {
    case LeaveReason::kOperator: return "operator";
    case LeaveReason::kAutonomics: return "autonomics";
    case LeaveReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

std::string to_string(const ConnTuple& c) {
  std::string proto = c.proto == kProtoTcp ? "tcp" : c.proto == kProtoUdp ? "udp" : "proto" + std::to_string(c.proto);
  return proto + " " + endpoint(c.src, c.sport) + "->" + endpoint(c.dst, c.dport);
}

std::string to_string(const Heartbeat& m) {
  auto addr = [](const IpAddr& a) { return sysplex::to_string(a); };
  auto dvipa = [](const DvipaStatus& d) {
    return sysplex::to_string(d.dvipa) + " " + std::string(to_string(d.role)) + " epoch=" +
           std::to_string(d.ownership_epoch);
  };
  return "heartbeat " + m.node + " " + std::string(to_string(m.state)) + " inc=" + std::to_string(m.incarnation) +
         " weight=" + std::to_string(m.weight) + " xcf=" + list(m.xcf_addresses, addr) + " dvipas=" +
         list(m.dvipas, dvipa);
}

std::string to_string(const ListenerReport& m) {
  auto one = [](const ListenerStatus& l) { return endpoint(l.dvipa, l.port) + (l.ready ? " ready" : " not-ready"); };
  return "listener-report " + m.node + " seq=" + std::to_string(m.report_seq) + " " +
         std::to_string(m.listeners.size()) + " " + list(m.listeners, one);
}

std::string to_string(const ConnectionEnded& m) {
  return "connection-ended dvipa=" + sysplex::to_string(m.dvipa) + " " + tuples(m.connections);
}

std::string to_string(const BulkConnectionRequest& m) {
  return "bulk-connection-request id=" + std::to_string(m.request_id) + " dvipa=" + sysplex::to_string(m.dvipa) +
         " new-owner=" + m.new_owner + " epoch=" + std::to_string(m.ownership_epoch);
}

std::string to_string(const BulkConnectionReport& m) {
  return "bulk-connection-report id=" + std::to_string(m.request_id) + " dvipa=" + sysplex::to_string(m.dvipa) +
         " chunk=" + std::to_string(m.chunk_index) + (m.last_chunk ? " last " : " ") + tuples(m.connections);
}

std::string to_string(const TakeoverNotice& m) {
  return "takeover-notice dvipa=" + sysplex::to_string(m.dvipa) + " new-owner=" + m.new_owner +
         " epoch=" + std::to_string(m.ownership_epoch) + " reason=" + std::string(to_string(m.reason));
}

std::string to_string(const ShadowSa& m) {
  return "shadow-sa spi=" + hex32(m.spi) + " dvipa=" + sysplex::to_string(m.dvipa) + " version=" +
         std::to_string(m.version) + " record=<" + std::to_string(m.record.size()) + " bytes redacted>";
}

std::string to_string(const Leave& m) {
  return "leave " + m.node + " reason=" + std::string(to_string(m.reason)) +
         (m.detail.empty() ? "" : " detail=\"" + m.detail + "\"");
}

std::string to_string(const Message& m) {
  return std::visit([](const auto& body) { return to_string(body); }, m);
}

}  // namespace sysplex::channel
