// The target cache as display rows: every field a string ready for a table, times also as numbers.
#include "control/targetcache/target_cache.h"

namespace sysplex::targetcache {

namespace {

template <typename T>
std::string or_dash(const std::optional<T>& v) {
  return v ? to_string(*v) : "-";
}

std::string ago(std::optional<int64_t> t, int64_t now) {
  if (!t) return "never";
  return std::to_string((now - *t) / 1000) + " s ago";
}

std::string in(std::optional<int64_t> t, int64_t now) {
  if (!t) return "-";
  int64_t ms = *t - now;
  return ms <= 0 ? "due" : "in " + std::to_string((ms + 999) / 1000) + " s";
}

}  // namespace

std::vector<DisplayRow> TargetCache::display(int64_t now_ms) const {
  std::vector<DisplayRow> rows;
  bool changed = stale();
  for (const auto& e : entries_) {
    DisplayRow r;
    r.xcf = to_string(e.xcf_addr);
    r.target = to_string(e.target_addr);
    r.route = or_dash(e.route_prefix);
    r.next_hop = or_dash(e.next_hop);
    r.egress = egress_name(e.port);
    r.source = or_dash(e.outer_src);
    r.mac = or_dash(e.next_hop_mac);
    r.state = state_name(e.state);
    r.reason = e.reason;
    r.route_changed = changed && e.last_refresh_ms.has_value();
    r.last_refresh_ms = e.last_refresh_ms;
    r.next_refresh_ms = schedule_.next_at();
    r.last_refresh = ago(e.last_refresh_ms, now_ms);
    r.next_refresh = in(schedule_.next_at(), now_ms);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace sysplex::targetcache
