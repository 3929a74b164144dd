#pragma once
#include "control/layer_guard.h"
// The node's end of the group channel (the XCF analog): seals and opens datagrams with the group
// key, sends this node's heartbeat on a timer, keeps the table of peers heard from, and hands every
// accepted message to the node. Transport is the node's: UDP port kGroupPort on the data-plane
// ports, unicast to known peers and broadcast on each IPv4 segment (discovery).

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "control/channel/messages.h"
#include "control/channel/opener.h"
#include "control/channel/sealer.h"

namespace sysplex::group {

inline constexpr uint16_t kGroupPort = 5301;

struct Peer {
  std::string node;
  std::vector<IpAddr> xcf;
  channel::MemberState state = channel::MemberState::kJoining;
  uint64_t incarnation = 0;
  std::vector<channel::DvipaStatus> dvipas;
  uint8_t weight = 0;
  uint64_t last_heard_ms = 0;    // monotonic
  uint64_t heartbeats = 0;
  uint64_t max_gap_ms = 0;       // the longest silence between two of its heartbeats
  uint64_t last_beat_ms = 0;
};

struct LinkCounters {
  uint64_t sent = 0, send_failures = 0, received = 0;
  channel::Opener::Counters rx{};  // per receive reason (accepted, forged, replayed, ...)
};

class GroupLink {
 public:
  // Sends one sealed datagram to `dst` (unicast) or, with dst unset, broadcasts it on every segment.
  using Transport = std::function<bool(const std::optional<IpAddr>& dst, std::span<const uint8_t> datagram)>;
  // What the node does with an accepted message (the sender's peer entry is already updated).
  using Handler = std::function<void(const Peer& from, const channel::Message& m)>;
  // What goes into this node's heartbeat, asked for at each beat.
  using HeartbeatSource = std::function<channel::Heartbeat()>;

  struct Options {
    std::string group, node;
    uint32_t heartbeat_ms = 100;
    uint32_t miss_count = 3;
    channel::Clock wall_clock;      // for the channel's timestamps (unset: the system clock)
    std::function<uint64_t()> mono_ms;
    channel::RandomFill random;     // unset: the system's
    // Whether a broadcast on our segments reaches `addr`; such peers get no unicast copy too.
    std::function<bool(const IpAddr&)> on_segment;
  };

  static Result<std::unique_ptr<GroupLink>> create(std::shared_ptr<const channel::ChannelKey> key, Options o,
                                                   Transport transport, Handler handler, HeartbeatSource hb);

  // A received datagram addressed to kGroupPort; true when it was accepted (authentic and fresh).
  bool on_datagram(std::span<const uint8_t> datagram);
  // Sends the heartbeat when one is due; forgets peers silent for long.
  void tick();
  // Sends `m` to the peer named `node` (its first XCF address), or to every known peer.
  bool send_to(const std::string& node, const channel::Message& m);
  void send_to_all(const channel::Message& m);

  const std::map<std::string, Peer>& peers() const { return peers_; }
  // Peers whose last heartbeat is within heartbeat_ms * miss_count: the live ones.
  bool alive(const Peer& p) const;
  const LinkCounters& counters() const { return counters_; }
  uint64_t boot_epoch() const { return sealer_.boot_epoch(); }

 private:
  GroupLink(channel::Sealer s, channel::Opener o, Options opts, Transport t, Handler h, HeartbeatSource hb)
      : sealer_(std::move(s)), opener_(std::move(o)), opts_(std::move(opts)), transport_(std::move(t)),
        handler_(std::move(h)), heartbeat_(std::move(hb)) {}
  bool send(const std::optional<IpAddr>& dst, const channel::Message& m);

  channel::Sealer sealer_;
  channel::Opener opener_;
  Options opts_;
  Transport transport_;
  Handler handler_;
  HeartbeatSource heartbeat_;
  std::map<std::string, Peer> peers_;
  LinkCounters counters_;
  uint64_t next_beat_ms_ = 0;
};

}  // namespace sysplex::group
