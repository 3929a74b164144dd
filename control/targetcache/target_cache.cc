// Resolving VIPAROUTE targets (route -> egress port -> outer source -> next-hop MAC), diffing the
// forwarding view and issuing exactly one message per loss and per return of a target's route.
#include "control/targetcache/target_cache.h"

namespace sysplex::targetcache {

bool TargetEntry::same_forwarding(const TargetEntry& o) const {
  return state == o.state && route_prefix == o.route_prefix && gateway == o.gateway && next_hop == o.next_hop &&
         port == o.port && outer_src == o.outer_src && next_hop_mac == o.next_hop_mac;
}

TargetCache::TargetCache(std::string node_name, const std::vector<config::VipaRoute>& targets,
                         const config::TargetCacheTimers& timers, TargetCacheDeps deps)
    : node_(std::move(node_name)), deps_(std::move(deps)), schedule_(timers) {
  for (const auto& t : targets) {
    TargetEntry e;
    e.xcf_addr = t.xcf_addr;
    e.target_addr = t.target_addr;
    e.reason = "not refreshed yet";
    entries_.push_back(e);
  }
  seen_restarts_ = deps_.routes->restarts();
}

void TargetCache::restart(int64_t now_ms) {
  seen_restarts_ = deps_.routes->restarts();
  schedule_.restart(now_ms);
}

void TargetCache::stop() { schedule_.stop(); }

RefreshResult TargetCache::poll(int64_t now_ms) {
  bool restarted = false;
  if (uint64_t r = deps_.routes->restarts(); r != seen_restarts_) {
    seen_restarts_ = r;
    if (schedule_.next_at()) {  // only while in the group; a join restarts it anyway
      schedule_.restart(now_ms);
      restarted = true;
    }
  }
  RefreshResult out = schedule_.due(now_ms) ? refresh(now_ms) : RefreshResult{};
  out.restarted = restarted;
  return out;
}

RefreshResult TargetCache::refresh(int64_t now_ms) {
  RefreshResult out;
  out.refreshed = true;
  for (auto& e : entries_) {
    TargetEntry next = resolve(e, now_ms);
    record(e, next, out);
    e = std::move(next);
  }
  schedule_.on_refreshed(now_ms);
  return out;
}

RefreshResult TargetCache::resolve_pending(int64_t /*now_ms*/) {
  RefreshResult out;
  for (auto& e : entries_) {
    if (e.state != TargetState::kUnresolved) continue;
    TargetEntry next = resolve_mac(e);
    record(e, next, out);
    e = std::move(next);
  }
  return out;
}

TargetEntry TargetCache::resolve(const TargetEntry& old, int64_t now) const {
  TargetEntry e;
  e.xcf_addr = old.xcf_addr;
  e.target_addr = old.target_addr;
  e.last_refresh_ms = now;
  e.route_generation = deps_.routes->generation();
  auto r = deps_.routes->lookup(e.target_addr);
  e.state = TargetState::kNoRoute;
  if (!r) {
    e.reason = "no route to " + to_string(e.target_addr);
    return e;
  }
  e.route_prefix = r->prefix;
  e.gateway = r->gateway;
  e.next_hop = r->gateway.value_or(e.target_addr);
  e.port = r->oif.port >= 0 ? r->oif.port : deps_.port_of ? deps_.port_of(*r) : -1;
  if (e.port < 0) {
    e.reason = "route " + to_string(r->prefix) + " leaves over " +
               (r->oif.name.empty() ? "ifindex " + std::to_string(r->oif.ifindex) : r->oif.name) +
               ", which is no node port";
    return e;
  }
  e.outer_src = r->pref_src;
  if (!e.outer_src && deps_.port_address) e.outer_src = deps_.port_address(e.port, e.target_addr.v6);
  if (!e.outer_src) {
    e.reason = std::string("no ") + (e.target_addr.v6 ? "IPv6" : "IPv4") + " source address on " + egress_name(e.port);
    return e;
  }
  return resolve_mac(std::move(e));
}

TargetEntry TargetCache::resolve_mac(TargetEntry e) const {
  e.next_hop_mac = deps_.neighbor ? deps_.neighbor(*e.next_hop, e.port) : std::nullopt;
  e.state = e.next_hop_mac ? TargetState::kUsable : TargetState::kUnresolved;
  e.reason = e.next_hop_mac ? "" : "waiting for ARP/ND of next hop " + to_string(*e.next_hop);
  return e;
}

void TargetCache::record(const TargetEntry& before, const TargetEntry& after, RefreshResult& out) const {
  if (!before.same_forwarding(after)) out.changes.push_back(TargetChange{before, after});
  bool lost = after.state == TargetState::kNoRoute && before.state != TargetState::kNoRoute;
  bool back = before.state == TargetState::kNoRoute && after.state != TargetState::kNoRoute;
  if (lost) {
    out.messages.push_back({monitor::MsgId::kTargetNoRoute, after.xcf_addr,
                            monitor::format_message(monitor::MsgId::kTargetNoRoute,
                                                    {{"node", node_},
                                                     {"target", to_string(after.target_addr)},
                                                     {"xcf", to_string(after.xcf_addr)},
                                                     {"reason", after.reason}})});
  }
  if (back) {
    out.messages.push_back({monitor::MsgId::kTargetRoute, after.xcf_addr,
                            monitor::format_message(monitor::MsgId::kTargetRoute,
                                                    {{"node", node_},
                                                     {"target", to_string(after.target_addr)},
                                                     {"xcf", to_string(after.xcf_addr)},
                                                     {"nexthop", to_string(*after.next_hop)},
                                                     {"egress", egress_name(after.port)}})});
  }
}

const TargetEntry* TargetCache::find(const IpAddr& xcf_addr) const {
  for (const auto& e : entries_)
    if (e.xcf_addr == xcf_addr) return &e;
  return nullptr;
}

bool TargetCache::stale() const {
  for (const auto& e : entries_)
    if (e.last_refresh_ms && e.route_generation != deps_.routes->generation()) return true;
  return false;
}

std::string TargetCache::egress_name(int port) const {
  if (port < 0) return "-";
  return deps_.port_name ? deps_.port_name(port) : "port " + std::to_string(port);
}

}  // namespace sysplex::targetcache
