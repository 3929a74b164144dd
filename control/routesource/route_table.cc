// Longest-prefix lookup as one ordered-map probe per prefix length (at most 129): the table serves
// the control thread's few lookups a second, so simplicity beats a trie here.
#include "control/routesource/route_table.h"

namespace sysplex::routesource {

IpAddr mask_addr(const IpAddr& dst, uint8_t len) {
  IpAddr m = dst;
  for (int bit = len; bit < m.family_bits(); ++bit) m.bytes[bit / 8] &= uint8_t(~(0x80u >> (bit % 8)));
  for (int i = m.v6 ? 16 : 4; i < 16; ++i) m.bytes[i] = 0;
  return m;
}

RouteTable::Key RouteTable::key_of(const Prefix& p, uint32_t metric) {
  return Key{p.addr.v6, p.len, mask_addr(p.addr, p.len).bytes, metric};
}

bool RouteTable::upsert(const Route& r) {
  Route stored = r;
  stored.prefix.addr = mask_addr(r.prefix.addr, r.prefix.len);
  auto [it, inserted] = routes_.try_emplace(key_of(stored.prefix, stored.metric), stored);
  if (inserted) {
    ++by_protocol_[stored.protocol];
    return true;
  }
  if (it->second == stored) return false;
  --by_protocol_[it->second.protocol];
  ++by_protocol_[stored.protocol];
  it->second = stored;
  return true;
}

bool RouteTable::remove(const Prefix& p, uint32_t metric) {
  auto it = routes_.find(key_of(p, metric));
  if (it == routes_.end()) return false;
  --by_protocol_[it->second.protocol];
  routes_.erase(it);
  return true;
}

size_t RouteTable::remove_if(const Filter& drop) {
  size_t n = 0;
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (!drop(it->second)) {
      ++it;
      continue;
    }
    --by_protocol_[it->second.protocol];
    it = routes_.erase(it);
    ++n;
  }
  return n;
}

void RouteTable::clear() {
  routes_.clear();
  by_protocol_.fill(0);
}

std::optional<Route> RouteTable::lookup(const IpAddr& dst, const Filter& accept) const {
  for (int len = dst.family_bits(); len >= 0; --len) {
    IpAddr net = mask_addr(dst, uint8_t(len));
    // Routes of one prefix are adjacent in key order, lowest metric first.
    for (auto it = routes_.lower_bound(Key{dst.v6, uint8_t(len), net.bytes, 0}); it != routes_.end(); ++it) {
      const auto& [v6, l, addr, metric] = it->first;
      if (v6 != dst.v6 || l != len || addr != net.bytes) break;
      if (!accept || accept(it->second)) return it->second;
    }
  }
  return std::nullopt;
}

void RouteTable::for_each(const std::function<void(const Route&)>& fn) const {
  for (const auto& [key, route] : routes_) fn(route);
}

}  // namespace sysplex::routesource
