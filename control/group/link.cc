#include "control/group/link.h"

#include <algorithm>

namespace sysplex::group {

namespace {

// A peer silent for this many heartbeat periods is forgotten (its name may come back later).
constexpr uint64_t kForgetAfterBeats = 600;

}  // namespace

Result<std::unique_ptr<GroupLink>> GroupLink::create(std::shared_ptr<const channel::ChannelKey> key, Options o,
                                                     Transport transport, Handler handler, HeartbeatSource hb) {
  channel::SealerOptions so{o.group, o.node, std::nullopt, 1472, o.wall_clock, o.random};
  auto sealer = channel::Sealer::create(key, so);
  if (!sealer) return sealer.error();
  channel::OpenerOptions oo;
  oo.group = o.group;
  oo.node = o.node;
  oo.clock = o.wall_clock;
  // Old enough for a heartbeat to survive a busy control loop, short enough that a recorded one
  // replayed to a freshly started node is stale (see opener.h).
  oo.max_age_ms = std::max<uint64_t>(2000, uint64_t(o.heartbeat_ms) * o.miss_count * 10);
  auto opener = channel::Opener::create(key, oo);
  if (!opener) return opener.error();
  return std::unique_ptr<GroupLink>(
      new GroupLink(std::move(*sealer), std::move(*opener), std::move(o), std::move(transport), std::move(handler), std::move(hb)));
}

bool GroupLink::send(const std::optional<IpAddr>& dst, const channel::Message& m) {
  auto sealed = sealer_.seal(m);
  if (!sealed || !transport_(dst, *sealed)) {
    ++counters_.send_failures;
    return false;
  }
  ++counters_.sent;
  return true;
}

bool GroupLink::on_datagram(std::span<const uint8_t> datagram) {
  channel::OpenResult r = opener_.open(datagram);
  counters_.rx = opener_.counters();
  if (!r.ok()) return false;
  ++counters_.received;
  const channel::Received& rx = *r.received;
  Peer& p = peers_[rx.header.sender];
  p.node = rx.header.sender;
  p.last_heard_ms = opts_.mono_ms();
  if (const auto* hb = std::get_if<channel::Heartbeat>(&rx.message)) {
    if (p.heartbeats && p.last_beat_ms) p.max_gap_ms = std::max(p.max_gap_ms, p.last_heard_ms - p.last_beat_ms);
    p.last_beat_ms = p.last_heard_ms;
    p.xcf = hb->xcf_addresses;
    p.state = hb->state;
    p.incarnation = hb->incarnation;
    p.dvipas = hb->dvipas;
    p.weight = hb->weight;
    ++p.heartbeats;
  }
  handler_(p, rx.message);
  return true;
}

// Broadcast reaches the peers on our segments (discovery); unicast reaches those heard of that
// live behind routers.
void GroupLink::tick() {
  uint64_t now = opts_.mono_ms();
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (now - it->second.last_heard_ms > kForgetAfterBeats * opts_.heartbeat_ms)
      it = peers_.erase(it);
    else
      ++it;
  }
  if (now < next_beat_ms_) return;
  next_beat_ms_ = now + opts_.heartbeat_ms;
  channel::Message hb = heartbeat_();
  send(std::nullopt, hb);
  for (const auto& [name, p] : peers_)
    if (!p.xcf.empty() && !(opts_.on_segment && opts_.on_segment(p.xcf.front()))) send(p.xcf.front(), hb);
}

bool GroupLink::send_to(const std::string& node, const channel::Message& m) {
  auto it = peers_.find(node);
  if (it == peers_.end() || it->second.xcf.empty()) return false;
  return send(it->second.xcf.front(), m);
}

void GroupLink::send_to_all(const channel::Message& m) {
  for (const auto& [name, p] : peers_)
    if (!p.xcf.empty() && alive(p)) send(p.xcf.front(), m);
}

bool GroupLink::alive(const Peer& p) const {
  return p.heartbeats > 0 && opts_.mono_ms() - p.last_heard_ms <= uint64_t(opts_.heartbeat_ms) * opts_.miss_count;
}

}  // namespace sysplex::group
