// The catalogue of sysplexd's autonomics and target-cache messages: stable SPXnnnnX IDs that keep the
// z/OS number where z/OS has one, severity, text with parameters, and when each is raised and deleted.
//
// z/OS references (z/OS Communications Server V2R1 documentation, as stored in the search corpus):
//  - IP Configuration Guide, "Summary of problems monitored and actions taken" (sys_autonomics_summary):
//    a detected problem issues an operator message; with RECOVERY (and not the only member) the stack
//    leaves the group, deactivates its DVIPAs and saves its VIPADYNAMIC definitions; the message is
//    deleted when the problem is relieved; with AUTOREJOIN the stack may rejoin "depending on the
//    severity of the problem". Rows read there: EZZ9671E (VTAM inactive), EZZ9673E (dynamic XCF
//    connectivity to all partners, checked only with two other systems in the sysplex).
//  - IP Configuration Guide, "Recovery" (sys_autonomics_recovery): every message listed leaves the group
//    under RECOVERY except EZZ9672E, an OMPROUTE warning only; action follows the EZZ9678E that comes
//    after it if OMPROUTE stays silent.
//  - IP Messages Vol 2, EZD1974E "tcpstackname CSM HAS BEEN CONSTRAINED FOR AT LEAST timevalue
//    SECONDS": leave under RECOVERY (not the only member), message deleted when corrected, then with
//    AUTOREJOIN the stack processes the saved DVIPA definitions and rejoins.
//  - IP Messages Vol 4, EZZ9674E "tcpstackname SYSPLEX PROCESSING WAS NOT RESPONSIVE FOR AT LEAST
//    timevalue SECONDS": leave under RECOVERY, the message is deleted as the stack leaves, and the stack
//    does not rejoin automatically even with AUTOREJOIN.
//  - APAR text (ibm.com/support/pages/node/6479951) showing EZZ4360I "ECSA CONSTRAINED" and EZZ4361I
//    "ECSA CRITICAL" followed by EZZ9676E (sysplex problem detection cleanup: the stack left at once).
//  - IP Configuration Reference, VIPADYNAMIC VIPAROUTE statement: a target with no route gets an
//    informational message the first time, and is not considered for distribution, as if its dynamic
//    XCF interface were inactive.
// EZD1209E and EZD1210E (monitored interfaces inactive / no dynamic routes over them) are z/OS's IDs
// for the MONINTERFACE checks as this author knows them; the stored copy did not show their pages.
// Texts follow z/OS's where the page was read (EZD1974E, EZZ9674E); the others are written in the
// same style with sysplexd's words (route source for OMPROUTE, buffer pool for CSM), not quoted.
// SPX8xxx numbers are sysplexd's own, for messages z/OS has no (or no known) ID for.
#pragma once
#include "control/layer_guard.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sysplex::monitor {

enum class MsgId : uint8_t {
  kBuffersConstrained,   // SPX1974E
  kPoolConstrained,      // SPX4360I
  kPoolCritical,         // SPX4361E
  kPoolRelieved,         // SPX8001I
  kRouteSourceWarning,   // SPX9672E
  kRouteSourceProblem,   // SPX9678E
  kInterfacesDown,       // SPX1209E
  kNoDynamicRoutes,      // SPX1210E
  kNoMemberRoute,        // SPX9673E
  kWorkerStalled,        // SPX9674E
  kTargetNoRoute,        // SPX8101I
  kTargetRoute,          // SPX8102I
};

enum class Severity : uint8_t { kInfo, kWarning, kError };

constexpr const char* severity_name(Severity s) {
  return s == Severity::kInfo ? "info" : s == Severity::kWarning ? "warning" : "error";
}

struct MessageDef {
  MsgId id;
  const char* code;         // SPX1974E
  Severity severity;
  const char* zos;          // the z/OS message it corresponds to, "" if none
  const char* text;         // with {parameters}
  bool outstanding;         // kept (and displayed) until deleted; otherwise a one-off event
  bool leaves;              // under RECOVERY, not the only member: the node leaves the group
  bool autorejoin;          // AUTOREJOIN may rejoin once it is deleted
  const char* raised;       // when it is issued
  const char* deleted;      // when it is deleted ("" for events)
};

std::span<const MessageDef> catalogue();
const MessageDef& message_def(MsgId id);

using Params = std::initializer_list<std::pair<std::string_view, std::string>>;
// "SPX1974E " followed by the text with each {name} replaced; unknown names stay as written.
std::string format_message(MsgId id, Params params);
// The catalogue as a Markdown table (for the README).
std::string catalogue_markdown();

}  // namespace sysplex::monitor
