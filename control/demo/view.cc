#include "control/demo/view.h"

#include <algorithm>
#include <cstdio>

namespace sysplex::demo {

namespace {

std::string state_of(const Sysplex& s, size_t i) {
  if (s.killed(i)) return "killed";
  auto gs = s.node(i).group_state();
  if (!gs) return "-";
  switch (gs->join) {
    case ownership::JoinState::kMember: return "member";
    case ownership::JoinState::kJoining: return "joining";
    case ownership::JoinState::kLeaving: return "leaving";
    case ownership::JoinState::kOut: return "out";
  }
  return "-";
}

// The DVIPA's row on node i: ACTIVE with its epoch, BACKUP with its rank, or another status.
std::string owns_of(const Sysplex& s, size_t i) {
  if (s.killed(i)) return "-";
  auto gs = s.node(i).group_state();
  if (!gs || gs->dvipas.empty()) return "-";
  const ownership::DvipaRow& r = gs->dvipas.front();
  std::string text(ownership::to_string(r.status));
  if (r.status == ownership::DvipaStatus::kActive) return text + " epoch " + std::to_string(r.acting_epoch);
  if (r.status == ownership::DvipaStatus::kBackup && r.rank) return text + " rank " + std::to_string(r.rank);
  return text;
}

}  // namespace

std::string at_text(uint64_t ms) {
  char t[24];
  std::snprintf(t, sizeof t, "%6.2fs", double(ms) / 1000.0);
  return t;
}

std::vector<std::string> LiveView::table(const Sysplex& s) {
  uint64_t now = s.now_ms();
  double secs = last_ms_ && now > last_ms_ ? double(now - last_ms_) / 1000.0 : 0.0;
  std::vector<std::string> out;
  char head[160];
  std::snprintf(head, sizeof head, "sysplex DEMOPLEX on one host, %.0f s: DVIPA %s:%u distributed ROUNDROBIN to DESTIP ALL",
                double(now) / 1000.0, kSysplexDvipa, unsigned(kSysplexServicePort));
  out.push_back(head);
  out.push_back("NODE  STATE    DVIPA            DIST/s  SERVED/s  OPEN  VCRT  RESETS");
  for (size_t i = 0; i < kSysplexNodes; ++i) out.push_back(node_line(s, i, secs));
  out.push_back(client_line(s));
  last_ms_ = now;
  return out;
}

// DIST/s: packets its distributor sent to a target (itself included); SERVED/s: segments its TCP
// service received; OPEN: connections that service holds; VCRT: its distributor's entries for the
// DVIPA; RESETS: segments of connections it never accepted (they moved after a takeover).
std::string LiveView::node_line(const Sysplex& s, size_t i, double secs) {
  const node::Node& n = s.node(i);
  Last now{n.engine().totals().distributed, s.server(i).counters().segments};
  auto rate = [&](uint64_t a, uint64_t b) { return secs > 0 ? double(a - b) / secs : 0.0; };
  uint64_t vcrt = s.killed(i) ? 0 : n.distributor().active_connections(*parse_ip(kSysplexDvipa));
  char line[160];
  std::snprintf(line, sizeof line, "%-5s %-8s %-16s %6.0f  %8.0f  %4zu  %4llu  %6llu", n.name().c_str(),
                state_of(s, i).c_str(), owns_of(s, i).c_str(), rate(now.distributed, last_[i].distributed),
                rate(now.served, last_[i].served), s.server(i).open(), (unsigned long long)vcrt,
                (unsigned long long)s.server(i).counters().resets);
  last_[i] = now;
  return line;
}

std::string LiveView::mac_owner(const Sysplex& s) const {
  auto mac = s.client().dvipa_mac();
  if (!mac) return "(not resolved yet)";
  for (size_t i = 0; i < kSysplexNodes; ++i)
    if (s.node(i).engine().ports()[0].mac == *mac) return "at " + s.node(i).name() + "'s MAC";
  return "at an unknown MAC";
}

std::string LiveView::client_line(const Sysplex& s) const {
  const ClientCounters& c = s.client().counters();
  char line[320];
  std::snprintf(line, sizeof line,
                "client 198.18.0.100: DVIPA %s (%llu gratuitous ARPs heard) | connections opened %llu, completed %llu, "
                "reset %llu, failed %llu, retransmits %llu | long-lived open %zu",
                mac_owner(s).c_str(), (unsigned long long)c.announcements, (unsigned long long)c.opened,
                (unsigned long long)c.completed, (unsigned long long)c.reset, (unsigned long long)c.failed,
                (unsigned long long)c.retransmits, s.client().long_lived_open());
  return line;
}

std::vector<std::string> LiveView::recent(const Sysplex& s, size_t n) const {
  std::vector<std::pair<uint64_t, std::string>> all;
  for (const auto& e : s.events()) all.emplace_back(e.at_ms, "demo " + e.text);
  for (size_t i = 0; i < kSysplexNodes; ++i)
    for (const auto& m : s.node(i).messages())
      all.emplace_back(m.at_ms - std::min(m.at_ms, s.started_ms()), s.node(i).name() + "   " + m.text);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t k = all.size() > n ? all.size() - n : 0; k < all.size(); ++k) out.push_back(at_text(all[k].first) + " " + all[k].second);
  return out;
}

std::vector<std::string> LiveView::new_events(const Sysplex& s) {
  std::vector<std::string> out;
  for (const auto& e : s.events()) {
    if (e.seq <= events_seen_) continue;
    out.push_back(at_text(e.at_ms) + " " + e.text);
    events_seen_ = e.seq;
  }
  return out;
}

// What to try next, from the state the sysplex is in.
std::vector<std::string> LiveView::hint(const Sysplex& s) const {
  std::string ctl = ctl_ + " -n ";
  for (size_t i = 0; i < kSysplexNodes; ++i) {
    std::string n = s.node(i).name();
    if (s.killed(i))
      return {"next: " + ctl + n + " revive   (" + n + " joins again" +
              (i == 0 ? "; MOVEABLE IMMEDIATE: it takes " + std::string(kSysplexDvipa) + " back at once)" : ")")};
    auto gs = s.node(i).group_state();
    if (gs && gs->join == ownership::JoinState::kOut && gs->out_reason == ownership::OutReason::kOperatorLeave)
      return {"next: " + ctl + n + " join     (" + n + " drained: it comes back into the group)"};
  }
  auto owner = s.owner();
  std::string o = owner ? s.node(owner->first).name() : "N1";
  std::string backup = owner && owner->first != 0 ? "the next backup (or N1)" : "N2 (VIPABACKUP 100)";
  return {"try:  " + ctl + o + " kill    (" + backup + " takes over within ~0.3 s: 3 missed 100 ms heartbeats)",
          "      " + ctl + o + " drain   (a planned move: it leaves the group, its backup takes over at once)",
          "look: " + ctl + "N2 vipadyn   (in another terminal; also vdpt, vcrt, group, counters)"};
}

}  // namespace sysplex::demo
