// The message table itself and its formatting; one constexpr table feeds logs, displays and README.
#include "control/monitor/messages.h"

#include <array>

namespace sysplex::monitor {

namespace {

constexpr std::array<MessageDef, 12> kCatalogue{{
    {MsgId::kBuffersConstrained, "SPX1974E", Severity::kError, "EZD1974E",
     "{node} BUFFER POOL {pool} HAS BEEN CONSTRAINED FOR AT LEAST {secs} SECONDS", true, true, true,
     "a pool stays at or above BUFCONSTRAINED % in use for more than 3 x TIMERSECS",
     "the pool falls below BUFRELIEF %"},
    {MsgId::kPoolConstrained, "SPX4360I", Severity::kInfo, "EZZ4360I",
     "{node} BUFFER POOL {pool} CONSTRAINED: {used} OF {size} MBUFS IN USE ({pct}%)", false, false, false,
     "a pool reaches BUFCONSTRAINED % in use", ""},
    {MsgId::kPoolCritical, "SPX4361E", Severity::kError, "EZZ4361I",
     "{node} BUFFER POOL {pool} CRITICAL: {used} OF {size} MBUFS IN USE ({pct}%)", true, true, true,
     "a pool reaches BUFCRITICAL % in use (acts at once)", "the pool falls below BUFCONSTRAINED %"},
    {MsgId::kPoolRelieved, "SPX8001I", Severity::kInfo, "",
     "{node} BUFFER POOL {pool} SHORTAGE RELIEVED: {used} OF {size} MBUFS IN USE ({pct}%)", false, false, false,
     "a constrained pool falls below BUFRELIEF %", ""},
    {MsgId::kRouteSourceWarning, "SPX9672E", Severity::kWarning, "EZZ9672E",
     "{node} ROUTE SOURCE HAS NOT RESPONDED FOR AT LEAST {secs} SECONDS", true, false, false,
     "no route-source heartbeat for TIMERSECS/2",
     "the source is ready and its last heartbeat under TIMERSECS/2 old, or SPX9678E replaces it"},
    {MsgId::kRouteSourceProblem, "SPX9678E", Severity::kError, "EZZ9678E",
     "{node} ROUTE SOURCE HAS BEEN INACTIVE OR NOT RESPONSIVE FOR AT LEAST {secs} SECONDS", true, true, true,
     "no route-source heartbeat for TIMERSECS",
     "the source is ready and its last heartbeat under TIMERSECS/2 old"},
    {MsgId::kInterfacesDown, "SPX1209E", Severity::kError, "EZD1209E",
     "{node} DETERMINED THAT ALL MONITORED INTERFACES WERE NOT ACTIVE FOR AT LEAST {secs} SECONDS", true, true, true,
     "MONINTERFACE: every monitored interface down for TIMERSECS", "a monitored interface is up"},
    {MsgId::kNoDynamicRoutes, "SPX1210E", Severity::kError, "EZD1210E",
     "{node} DETERMINED THAT NO DYNAMIC ROUTES OVER MONITORED INTERFACES WERE FOUND FOR AT LEAST {secs} SECONDS",
     true, true, true,
     "MONINTERFACE DYNROUTE: no up monitored interface has routing-daemon routes for TIMERSECS",
     "an up monitored interface has routing-daemon routes"},
    {MsgId::kNoMemberRoute, "SPX9673E", Severity::kError, "EZZ9673E",
     "{node} HAS HAD NO ROUTE TO ANY OTHER GROUP MEMBER FOR AT LEAST {secs} SECONDS", true, true, true,
     "in the group, advertising DVIPAs, two or more other members, none reachable for TIMERSECS",
     "a route to another member exists, or no other member is left"},
    {MsgId::kWorkerStalled, "SPX9674E", Severity::kError, "EZZ9674E",
     "{node} WORKER {worker} HAS NOT ADVANCED FOR AT LEAST {secs} SECONDS", true, true, false,
     "a worker's loop counter unchanged for TIMERSECS",
     "the node leaves for it (RECOVERY), or the worker advances (NORECOVERY); no AUTOREJOIN"},
    {MsgId::kTargetNoRoute, "SPX8101I", Severity::kInfo, "",
     "{node} VIPAROUTE TARGET {target} FOR {xcf} HAS NO ROUTE ({reason}): EXCLUDED FROM DISTRIBUTION", false, false,
     false, "a target cache refresh finds no usable route to a VIPAROUTE target (once per loss)", ""},
    {MsgId::kTargetRoute, "SPX8102I", Severity::kInfo, "",
     "{node} VIPAROUTE TARGET {target} FOR {xcf} HAS A ROUTE AGAIN VIA {nexthop} ON {egress}", false, false, false,
     "a refresh finds a route to a target that had none", ""},
}};

constexpr bool indexed_by_id() {
  for (size_t i = 0; i < kCatalogue.size(); ++i)
    if (size_t(kCatalogue[i].id) != i) return false;
  return true;
}
static_assert(indexed_by_id(), "kCatalogue must list the messages in MsgId order");

}  // namespace

std::span<const MessageDef> catalogue() { return kCatalogue; }

const MessageDef& message_def(MsgId id) { return kCatalogue[size_t(id)]; }

std::string format_message(MsgId id, Params params) {
  const MessageDef& def = message_def(id);
  std::string out = std::string(def.code) + " ";
  std::string_view t = def.text;
  while (!t.empty()) {
    size_t open = t.find('{');
    size_t close = open == std::string_view::npos ? open : t.find('}', open);
    if (close == std::string_view::npos) {
      out += t;
      break;
    }
    out += t.substr(0, open);
    std::string_view name = t.substr(open + 1, close - open - 1);
    const std::string* value = nullptr;
    for (const auto& [k, v] : params)
      if (k == name) value = &v;
    out += value ? std::string_view(*value) : t.substr(open, close - open + 1);
    t.remove_prefix(close + 1);
  }
  return out;
}

std::string catalogue_markdown() {
  std::string md =
      "| ID | severity | z/OS | text | raised when | deleted when | RECOVERY | AUTOREJOIN |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const auto& d : kCatalogue) {
    md += std::string("| ") + d.code + " | " + severity_name(d.severity) + " | " + (*d.zos ? d.zos : "-") + " | " +
          d.text + " | " + d.raised + " | " + (d.outstanding ? d.deleted : "(event, not kept)") + " | " +
          (d.leaves ? "leave the group" : "-") + " | " + (d.leaves ? (d.autorejoin ? "rejoin" : "no") : "-") + " |\n";
  }
  return md;
}

}  // namespace sysplex::monitor
