// A DVIPA:port row keeps its targets in a stable order (the DESTIP order, then members as they
// appear), so the service-local indices that selectors and the consistent-hash table hold stay
// valid across snapshots; a target that goes away keeps its index and is simply not ready.
#include "control/distributor/distributor.h"

#include <algorithm>

#include "dataplane/dist/maglev.h"

namespace sysplex::distributor {

using config::DistMethod;
using config::VipaDistribute;

struct Distributor::Runtime {
  uint16_t id = 0;                     // stable: connection entries name their row by it
  DistMethod method = DistMethod::kRoundRobin;
  bool auto_switchback = true, health_switch = true;
  uint32_t affinity_secs = 0;
  std::array<std::unique_ptr<dist::Selector>, dp::kMaxWorkers> selectors;
  std::unique_ptr<std::atomic<uint32_t>[]> maglev;
  std::vector<uint32_t> maglev_now;    // what the live table holds
  std::vector<uint32_t> target_ids;    // service-local index -> target id
  std::vector<bool> ready_now;         // readiness the live table was built for
  std::unique_ptr<dp::TargetCounters[]> counters;  // workers x kMaxServiceTargets, by local index
  bool named = false;                  // by the snapshot being filled

  bool same_config(const VipaDistribute& d) const {
    return method == d.method && auto_switchback == d.auto_switchback && health_switch == d.health_switch &&
           affinity_secs == d.timed_affinity_secs;
  }
};

namespace {

constexpr uint32_t kMaxServiceTargets = dp::kMaxServiceTargets;
constexpr uint32_t kAffinityClients = 16384;

bool same_family(const IpAddr& a, const IpAddr& b) { return a.v6 == b.v6; }

}  // namespace

Distributor::Distributor(const config::Profile& p, unsigned workers, std::function<uint64_t()> clock)
    : profile_(p), workers_(workers), clock_(std::move(clock)), defs_(p.vipadynamic.distributes) {}

Distributor::~Distributor() = default;

Result<std::unique_ptr<Distributor>> Distributor::create(const config::Profile& profile, unsigned workers,
                                                         std::function<uint64_t()> clock_ms) {
  if (workers == 0 || workers > dp::kMaxWorkers)
    return make_error(Errc::kInvalidArgument, "the distributor needs 1-" + std::to_string(dp::kMaxWorkers) + " workers");
  for (const auto& d : profile.vipadynamic.distributes)
    if (d.dests.size() > kMaxServiceTargets)
      return make_error(Errc::kInvalidArgument, "VIPADISTRIBUTE " + to_string(d.dvipa) + " names " +
                                                    std::to_string(d.dests.size()) + " targets; at most " +
                                                    std::to_string(kMaxServiceTargets) + " per DVIPA:port");
  return std::unique_ptr<Distributor>(new Distributor(profile, workers, std::move(clock_ms)));
}

uint32_t Distributor::intern(const IpAddr& xcf) {
  auto it = ids_.find(xcf);
  if (it != ids_.end()) return it->second;
  uint32_t id = uint32_t(targets_.size());
  targets_.push_back(Target{xcf, {}, {}, 0, 100, 0, 0});
  ids_[xcf] = id;
  return id;
}

void Distributor::set_activations(std::vector<DvipaActivation> a) {
  if (a == activations_) return;
  activations_ = std::move(a);
  dirty_ = true;
}

static bool same_reports(const std::vector<ListenerReport>& a, const std::vector<ListenerReport>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i].dvipa == b[i].dvipa) || a[i].port != b[i].port || a[i].ready != b[i].ready) return false;
  return true;
}

void Distributor::set_listeners(const IpAddr& xcf, const std::string& node, std::vector<ListenerReport> ready) {
  Listener& l = listeners_[xcf];
  bool was_stale = clock_() - l.at_ms > kListenerReportTtlMs;
  if (was_stale || !same_reports(l.ready, ready)) dirty_ = true;
  l.ready = std::move(ready);
  l.at_ms = clock_();
  Target& t = targets_[intern(xcf)];
  if (!node.empty()) t.node = node;
}

void Distributor::set_wlm_weight(const IpAddr& xcf, uint8_t weight) {
  Target& t = targets_[intern(xcf)];
  if (t.wlm_weight != weight) dirty_ = true;
  t.wlm_weight = weight;
}

void Distributor::set_rebuilding(const IpAddr& dvipa, bool on) {
  if (on == bool(rebuilding_.count(dvipa))) return;
  if (on)
    rebuilding_.insert(dvipa);
  else
    rebuilding_.erase(dvipa);
  dirty_ = true;
}

uint64_t Distributor::active_connections(const IpAddr& dvipa) const {
  uint64_t n = 0;
  for (const auto& [key, rt] : runtimes_) {
    if (!(key.first == dvipa)) continue;
    for (size_t i = 0; i < size_t(workers_) * kMaxServiceTargets; ++i) n += rt->counters[i].active;
  }
  return n;
}

std::optional<uint16_t> Distributor::service_id(const IpAddr& dvipa, uint16_t port) const {
  auto it = runtimes_.find({dvipa, port});
  if (it == runtimes_.end()) return std::nullopt;
  return it->second->id;
}

void Distributor::set_members(std::vector<IpAddr> xcf) {
  std::sort(xcf.begin(), xcf.end());
  if (xcf == members_) return;
  members_ = std::move(xcf);
  dirty_ = true;
}

// TSR-like: over the SYNs sent to a target since the last update (at least 20 of them), the share
// whose handshake the client completed. A target that answers nothing falls towards 0.
void Distributor::update_responsiveness(const dp::Engine& engine) {
  for (uint32_t id = 0; id < targets_.size(); ++id) {
    dp::TargetCounters c = engine.target_totals(id);
    Target& t = targets_[id];
    uint64_t syns = c.syns - t.last_syns, est = c.established - t.last_established;
    if (syns < 20) continue;
    uint8_t r = uint8_t(std::min<uint64_t>(100, est * 100 / syns));
    if (r != t.responsiveness) dirty_ = true;
    t.responsiveness = r;
    t.last_syns = c.syns;
    t.last_established = c.established;
  }
}

const DvipaActivation* Distributor::activation(const IpAddr& dvipa) const {
  for (const auto& a : activations_)
    if (a.dvipa.addr == dvipa) return &a;
  return nullptr;
}

bool Distributor::listener_ready(const IpAddr& xcf, const IpAddr& dvipa, uint16_t port) const {
  auto it = listeners_.find(xcf);
  if (it == listeners_.end() || clock_() - it->second.at_ms > kListenerReportTtlMs) return false;
  for (const auto& r : it->second.ready)
    if (r.dvipa == dvipa && r.port == port) return r.ready;
  return false;
}

// DESTIP ALL: the group's members (or, before a group, the nodes that reported) and this node.
std::vector<config::DestIp> Distributor::dests_of(const VipaDistribute& d) const {
  if (!d.dest_all) return d.dests;
  std::vector<IpAddr> all = members_;
  if (all.empty())
    for (const auto& [xcf, l] : listeners_) all.push_back(xcf);
  for (const auto& a : profile_.node_addrs) all.push_back(a);
  std::vector<config::DestIp> out;
  for (const IpAddr& a : all) {
    if (!same_family(a, d.dvipa)) continue;
    if (std::none_of(out.begin(), out.end(), [&](const config::DestIp& x) { return x.addr == a; }))
      out.push_back(config::DestIp{a});
  }
  return out;
}

// A row keeps its id, counters, target order and consistent-hash table for as long as it exists; a
// change of its method (or method options) replaces only the selectors, whose state then starts
// afresh. The old selectors live on until the snapshot naming them is gone (collect()).
Result<Distributor::Runtime*> Distributor::runtime(const VipaDistribute& d, uint16_t port) {
  auto& slot = runtimes_[{d.dvipa, port}];
  if (slot && slot->same_config(d)) return slot.get();
  if (!slot) {
    if (next_service_id_ == UINT16_MAX)
      return make_error(Errc::kResourceExhausted, "no DVIPA:port row ids left; restart the node to renumber");
    slot = std::make_unique<Runtime>();
    slot->id = next_service_id_++;
    slot->maglev.reset(new std::atomic<uint32_t>[dist::kMaglevDefaultSize]);
    for (uint32_t i = 0; i < dist::kMaglevDefaultSize; ++i) slot->maglev[i].store(dist::kNoTarget, std::memory_order_relaxed);
    slot->counters = std::make_unique<dp::TargetCounters[]>(size_t(workers_) * kMaxServiceTargets);
  }
  Runtime& rt = *slot;
  dist::SelectorConfig sc{d.method, d.auto_switchback, d.health_switch, d.timed_affinity_secs, kMaxServiceTargets,
                          kAffinityClients};
  std::array<std::unique_ptr<dist::Selector>, dp::kMaxWorkers> fresh;
  for (unsigned w = 0; w < workers_; ++w) {
    auto sel = dist::Selector::create(sc);
    if (!sel) return sel.error();
    fresh[w] = std::make_unique<dist::Selector>(std::move(*sel));
  }
  for (unsigned w = 0; w < workers_; ++w) {
    if (rt.selectors[w]) retired_selectors_.push_back(std::move(rt.selectors[w]));
    rt.selectors[w] = std::move(fresh[w]);
  }
  rt.method = d.method;
  rt.auto_switchback = d.auto_switchback;
  rt.health_switch = d.health_switch;
  rt.affinity_secs = d.timed_affinity_secs;
  return &rt;
}

// Rebuilds the consistent-hash table over the ready targets and writes only the slots that moved.
static void patch_maglev(std::vector<uint32_t>& now, std::atomic<uint32_t>* live, const std::vector<dist::Endpoint>& eps) {
  auto built = dist::build_maglev(eps);
  if (!built) return;  // cannot happen for the default prime size and ids below kNoTarget
  for (const dist::SlotDelta& d : dist::diff_tables(now, *built)) live[d.slot].store(d.target, std::memory_order_relaxed);
  now = std::move(*built);
}

void Distributor::fill_service(dp::Snapshot& s, const VipaDistribute& d, uint16_t port, uint16_t dvipa_index) {
  Result<Runtime*> r = runtime(d, port);
  if (!r) return;
  Runtime& rt = **r;
  rt.named = true;
  std::vector<config::DestIp> dests = dests_of(d);
  for (const auto& dest : dests) {
    uint32_t id = intern(dest.addr);
    if (std::find(rt.target_ids.begin(), rt.target_ids.end(), id) == rt.target_ids.end() &&
        rt.target_ids.size() < kMaxServiceTargets)
      rt.target_ids.push_back(id);
  }
  dp::ServiceView sv;
  sv.dvipa = dvipa_index;
  sv.method = d.method;
  sv.first_target = uint16_t(s.service_targets.size());
  std::vector<bool> ready;
  std::vector<dist::Endpoint> eps;
  for (uint32_t local = 0; local < rt.target_ids.size(); ++local) {
    uint32_t id = rt.target_ids[local];
    const Target& t = targets_[id];
    auto dest = std::find_if(dests.begin(), dests.end(), [&](const config::DestIp& x) { return x.addr == t.xcf; });
    dist::TargetState st;
    st.ready = dest != dests.end() && s.targets[id].kind != dp::TargetKind::kUnusable &&
               listener_ready(t.xcf, d.dvipa, port);
    if (dest != dests.end()) {
      st.weight = dest->weight;
      st.role = dest->role;
      st.backup_rank = dest->backup_rank;
    }
    st.wlm_weight = t.wlm_weight;
    st.responsiveness = t.responsiveness;
    s.service_targets.push_back(id);
    s.service_states.push_back(st);
    ready.push_back(st.ready);
    if (st.ready)
      eps.push_back({local, d.method == DistMethod::kWeightedActive ? st.weight : 1u, dist::endpoint_key(t.xcf)});
  }
  sv.n_targets = uint16_t(rt.target_ids.size());
  if (ready != rt.ready_now || rt.maglev_now.empty()) {
    patch_maglev(rt.maglev_now, rt.maglev.get(), eps);
    rt.ready_now = ready;
  }
  sv.maglev = rt.maglev.get();
  sv.maglev_size = dist::kMaglevDefaultSize;
  sv.id = rt.id;
  for (unsigned w = 0; w < workers_; ++w) {
    sv.selector[w] = rt.selectors[w].get();
    sv.counters[w] = &rt.counters[size_t(w) * kMaxServiceTargets];
  }
  if (s.service_by_id.size() <= rt.id) s.service_by_id.resize(size_t(rt.id) + 1, -1);
  s.service_by_id[rt.id] = int32_t(s.services.size());
  s.ranges.push_back({port, port, uint16_t(s.services.size())});
  s.services.push_back(sv);
}

void Distributor::fill(dp::Snapshot& s, const PathResolver& resolve) {
  for (const auto& d : defs_)  // every target of this node's definitions gets an id and a path
    for (const auto& dest : dests_of(d)) intern(dest.addr);
  s.targets.assign(targets_.size(), dp::TargetView{});
  for (uint32_t id = 0; id < targets_.size(); ++id) {
    targets_[id].path = resolve(targets_[id].xcf);
    s.targets[id] = targets_[id].path.view;
  }
  for (auto& [key, rt] : runtimes_) rt->named = false;
  for (const DvipaActivation& a : activations_) {
    dp::DvipaView v;
    std::copy(a.dvipa.addr.bytes.begin(), a.dvipa.addr.bytes.end(), v.addr.begin());
    v.v6 = a.dvipa.addr.v6;
    v.epoch = a.epoch;
    v.rebuilding = rebuilding_.count(a.dvipa.addr) > 0;
    v.roles = uint8_t((a.owned ? dp::kDvipaOwned : 0) | (a.target ? dp::kDvipaTarget : 0));
    v.first_range = uint16_t(s.ranges.size());
    uint16_t index = uint16_t(s.dvipas.size());
    if (a.draining && !a.owned) v.roles |= dp::kDvipaDraining;
    if (a.owned || a.draining)
      for (const auto& d : defs_) {
        if (!(d.dvipa == a.dvipa.addr)) continue;
        v.roles |= dp::kDvipaDistributor;
        for (const auto& r : d.ports)
          for (uint32_t p = r.first; p <= r.last; ++p) fill_service(s, d, uint16_t(p), index);
      }
    v.n_ranges = uint16_t(s.ranges.size() - v.first_range);
    s.dvipas.push_back(v);
  }
  for (auto it = runtimes_.begin(); it != runtimes_.end();) {  // rows gone from the config
    if (it->second->named) {
      ++it;
      continue;
    }
    retired_.push_back(std::move(it->second));
    it = runtimes_.erase(it);
  }
  dirty_ = false;
}

void Distributor::collect() {
  retired_.clear();
  retired_selectors_.clear();
}

std::vector<TargetRow> Distributor::target_rows() const {
  std::vector<TargetRow> rows;
  for (uint32_t id = 0; id < targets_.size(); ++id) {
    const Target& t = targets_[id];
    rows.push_back(TargetRow{id, t.xcf, t.node, t.path, t.wlm_weight, t.responsiveness});
  }
  return rows;
}

std::vector<ServiceRow> Distributor::service_rows() const {
  std::vector<ServiceRow> rows;
  for (const auto& [key, rt] : runtimes_) {
    ServiceRow row{key.first, key.second, rt->method, {}};
    const VipaDistribute* def = nullptr;
    for (const auto& d : defs_)  // the definition of this port: one DVIPA may have several
      if (d.dvipa == key.first && std::any_of(d.ports.begin(), d.ports.end(), [&](const auto& r) {
            return r.first <= key.second && key.second <= r.last;
          }))
        def = &d;
    std::vector<config::DestIp> dests = def ? dests_of(*def) : std::vector<config::DestIp>{};
    for (size_t local = 0; local < rt->target_ids.size(); ++local) {
      uint32_t id = rt->target_ids[local];
      const Target& t = targets_[id];
      ServiceRow::Target st{id, t.xcf, {}, listener_ready(t.xcf, key.first, key.second), {}};
      for (unsigned w = 0; w < workers_; ++w) {
        const dp::TargetCounters& c = rt->counters[size_t(w) * kMaxServiceTargets + local];
        st.counters.active += c.active, st.counters.total += c.total, st.counters.syns += c.syns;
        st.counters.established += c.established, st.counters.packets += c.packets, st.counters.bytes += c.bytes;
      }
      auto dest = std::find_if(dests.begin(), dests.end(), [&](const config::DestIp& x) { return x.addr == t.xcf; });
      if (dest != dests.end()) {
        st.state.weight = dest->weight;
        st.state.role = dest->role;
        st.state.backup_rank = dest->backup_rank;
      }
      st.state.ready = st.listener && dest != dests.end() && t.path.view.kind != dp::TargetKind::kUnusable;
      st.state.wlm_weight = t.wlm_weight;
      st.state.responsiveness = t.responsiveness;
      row.targets.push_back(st);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<IpAddr> Distributor::owned() const {
  std::vector<IpAddr> out;
  for (const auto& a : activations_)
    if (a.owned) out.push_back(a.dvipa.addr);
  return out;
}

std::optional<uint32_t> Distributor::target_id(const IpAddr& xcf) const {
  auto it = ids_.find(xcf);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<IpAddr> Distributor::target_addr(uint32_t id) const {
  if (id >= targets_.size()) return std::nullopt;
  return targets_[id].xcf;
}

bool Distributor::distributes() const { return !defs_.empty(); }

bool Distributor::names_target(const IpAddr& xcf) const {
  for (const auto& d : defs_) {
    if (d.dest_all) return true;
    for (const auto& dest : d.dests)
      if (dest.addr == xcf) return true;
  }
  return false;
}

}  // namespace sysplex::distributor
