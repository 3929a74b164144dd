// A route table keyed by (prefix, metric) with longest-prefix lookup, shared by the static and the
// netlink sources. Keeps per-protocol counts so a routing daemon's withdrawal is seen in O(1).
#pragma once
#include "control/layer_guard.h"

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "control/routesource/route_source.h"

namespace sysplex::routesource {

class RouteTable {
 public:
  using Filter = std::function<bool(const Route&)>;

  // Inserts or replaces the route with the same prefix and metric; true if the table changed.
  bool upsert(const Route& r);
  // Removes the route with this prefix and metric; true if there was one.
  bool remove(const Prefix& p, uint32_t metric);
  void clear();
  // Removes every route `drop` selects; returns how many.
  size_t remove_if(const Filter& drop);

  // Longest prefix match over the routes `accept` lets through (all when empty); among routes of
  // equal prefix the lowest metric wins. Host bits of dst are ignored per prefix length.
  std::optional<Route> lookup(const IpAddr& dst, const Filter& accept = {}) const;

  size_t size() const { return routes_.size(); }
  uint32_t count_protocol(uint8_t protocol) const { return by_protocol_[protocol]; }
  void for_each(const std::function<void(const Route&)>& fn) const;

  friend bool operator==(const RouteTable& a, const RouteTable& b) { return a.routes_ == b.routes_; }

 private:
  using Key = std::tuple<bool, uint8_t, std::array<uint8_t, 16>, uint32_t>;  // v6, len, addr, metric
  static Key key_of(const Prefix& p, uint32_t metric);

  std::map<Key, Route> routes_;
  std::array<uint32_t, 256> by_protocol_{};
};

// dst with every bit from len on cleared.
IpAddr mask_addr(const IpAddr& dst, uint8_t len);

}  // namespace sysplex::routesource
