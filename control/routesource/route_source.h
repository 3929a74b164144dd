// Where routes come from (the OMPROUTE analog): one interface over static profile routes, the Linux
// routing table (netlink) or both, answering longest-prefix lookups for the target cache and monitor.
#pragma once
#include "control/layer_guard.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/net.h"

namespace sysplex::routesource {

// Milliseconds on the owner's clock (monotonic). Injected everywhere so schedules run in tests.
using Clock = std::function<int64_t()>;

// Where a route was learned.
enum class RouteOrigin : uint8_t {
  kConnected,  // a PORTADDR prefix of a node port
  kStatic,     // a ROUTE statement of the profile
  kKernel,     // the Linux routing table (rtm_protocol says who installed it there)
};

constexpr const char* origin_name(RouteOrigin o) {
  switch (o) {
    case RouteOrigin::kConnected: return "connected";
    case RouteOrigin::kStatic: return "static";
    case RouteOrigin::kKernel: return "kernel";
  }
  return "?";
}

// The output interface: a kernel interface (ifindex and name) or a node port (static routes).
struct OutInterface {
  int ifindex = 0;    // kernel ifindex; 0 for node ports
  std::string name;   // kernel interface name, or the node port's name
  int port = -1;      // node port index (position in Profile::ports); -1 for kernel interfaces
  friend bool operator==(const OutInterface&, const OutInterface&) = default;
};

struct Route {
  Prefix prefix;
  std::optional<IpAddr> gateway;   // absent: directly connected
  OutInterface oif;
  std::optional<IpAddr> pref_src;  // preferred source address (RTA_PREFSRC or the port's address)
  uint32_t metric = 0;             // RTA_PRIORITY or ROUTE METRIC
  uint8_t protocol = 0;            // rtm_protocol (RTPROT_*) for kernel routes, 0 otherwise
  RouteOrigin origin = RouteOrigin::kKernel;
  friend bool operator==(const Route&, const Route&) = default;
};

class RouteSource {
 public:
  virtual ~RouteSource() = default;
  // Longest prefix match; among routes of equal prefix the lowest metric wins.
  virtual std::optional<Route> lookup(const IpAddr& dst) const = 0;
  // The source has a complete view (static: always; netlink: a full dump has completed).
  virtual bool ready() const = 0;
  // When the source last proved it is alive and current; nullopt: never.
  virtual std::optional<int64_t> last_heartbeat_ms() const = 0;
  // Increases on every change of the table (never decreases, never repeats).
  virtual uint64_t generation() const = 0;
  // Increases each time the source is detected to have restarted (see the implementation).
  virtual uint64_t restarts() const = 0;
};

}  // namespace sysplex::routesource
