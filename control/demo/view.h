#pragma once
#include "control/layer_guard.h"
// The demo sysplex's live view: per node its state, what it owns (from its ownership machine), the
// packets it distributed and served per second and its connections; the client's outcomes; recent
// events; and what a newcomer can try next with sysplexctl.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "control/demo/sysplex.h"

namespace sysplex::demo {

class LiveView {
 public:
  // `ctl`: how the hint spells sysplexctl (e.g. "build/bin/sysplexctl").
  explicit LiveView(std::string ctl) : ctl_(std::move(ctl)) {}
  // The node table and the client's line, with rates since the previous call.
  std::vector<std::string> table(const Sysplex& s);
  // The newest `n` events: the demo's and the nodes' own messages, oldest first, timed from the start.
  std::vector<std::string> recent(const Sysplex& s, size_t n) const;
  // The demo's events not returned before (for a log that is not redrawn).
  std::vector<std::string> new_events(const Sysplex& s);
  std::vector<std::string> hint(const Sysplex& s) const;

 private:
  struct Last {
    uint64_t distributed = 0, served = 0;
  };
  std::string node_line(const Sysplex& s, size_t i, double secs);
  std::string client_line(const Sysplex& s) const;
  std::string mac_owner(const Sysplex& s) const;

  std::string ctl_;
  std::array<Last, kSysplexNodes> last_{};
  uint64_t last_ms_ = 0;
  uint64_t events_seen_ = 0;  // the last demo event new_events() returned
};

// "12.34s " for a time since the demo started.
std::string at_text(uint64_t ms);

}  // namespace sysplex::demo
