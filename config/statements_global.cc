// GLOBALCONFIG SYSPLEXMONITOR. As on z/OS the statement may be repeated and later values win, so
// the buffer-threshold order is checked once, on the final values, in profile_validate.cc.
#include "config/profile_values.h"
#include "config/statement_options.h"
#include "config/statements.h"

namespace sysplex::config {
namespace {

uint8_t read_percent(Parse& p, std::string_view what) { return read_uint<uint8_t>(p.in, what, 1, 100); }

void read_mon_interface(Parse& p, SysplexMonitor& m) {
  m.mon_interface = true;
  m.dyn_route = !p.in.accept("NODYNROUTE");  // DYNROUTE is the default when MONINTERFACE is given
  if (m.dyn_route) p.in.accept("DYNROUTE");
}

constexpr OptionDef<SysplexMonitor> kMonitorOptions[] = {
    {"AUTOREJOIN", [](Parse&, SysplexMonitor& m) { m.auto_rejoin = true; }, "AUTOREJOIN"},
    {"NOAUTOREJOIN", [](Parse&, SysplexMonitor& m) { m.auto_rejoin = false; }, "AUTOREJOIN"},
    {"DELAYJOIN", [](Parse&, SysplexMonitor& m) { m.join = JoinMode::kDelayJoin; }, "JOIN"},
    {"NODELAYJOIN", [](Parse&, SysplexMonitor& m) { m.join = JoinMode::kNoDelayJoin; }, "JOIN"},
    {"NOJOIN", [](Parse&, SysplexMonitor& m) { m.join = JoinMode::kNoJoin; }, "JOIN"},
    {"MONINTERFACE", read_mon_interface, "MONINTERFACE"},
    {"NOMONINTERFACE",
     [](Parse&, SysplexMonitor& m) {
       m.mon_interface = false;
       m.dyn_route = true;
     },
     "MONINTERFACE"},
    {"RECOVERY", [](Parse&, SysplexMonitor& m) { m.recovery = true; }, "RECOVERY"},
    {"NORECOVERY", [](Parse&, SysplexMonitor& m) { m.recovery = false; }, "RECOVERY"},
    {"TIMERSECS", [](Parse& p, SysplexMonitor& m) { m.timer_secs = read_uint<uint32_t>(p.in, "TIMERSECS", 10, 3600); }},
    {"TIMERMS", [](Parse& p, SysplexMonitor& m) { m.timer_ms = read_uint<uint32_t>(p.in, "TIMERMS", 100, 3600000); }},
    {"BUFCONSTRAINED", [](Parse& p, SysplexMonitor& m) { m.constrained_pct = read_percent(p, "BUFCONSTRAINED"); }},
    {"BUFCRITICAL", [](Parse& p, SysplexMonitor& m) { m.critical_pct = read_percent(p, "BUFCRITICAL"); }},
    {"BUFRELIEF", [](Parse& p, SysplexMonitor& m) { m.relief_pct = read_percent(p, "BUFRELIEF"); }},
};

}  // namespace

void parse_globalconfig(Parse& p) {
  p.last_globalconfig = p.at;
  p.in.expect("SYSPLEXMONITOR", "GLOBALCONFIG");
  read_trailing_options(p, "GLOBALCONFIG SYSPLEXMONITOR", kMonitorOptions, p.profile.global.monitor);
}

}  // namespace sysplex::config
