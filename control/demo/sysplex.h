#pragma once
#include "control/layer_guard.h"
// The embedded default: a one-host sysplex. Three nodes (N1 owns the distributed DVIPA, N2 and N3
// back it up) run in this process on one embedded store, their ports joined by an in-process switch
// to a client host that opens TCP-like connections to the DVIPA; each node's local traffic goes to an
// emulated TCP service in place of a TAP and kernel. Nodes can be killed, revived and drained.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/result.h"
#include "control/demo/client.h"
#include "control/demo/lan_switch.h"
#include "control/demo/server.h"
#include "control/node/node.h"
#include "control/store/store.h"

struct rte_mempool;

namespace sysplex::demo {

inline constexpr size_t kSysplexNodes = 3;
inline constexpr const char* kSysplexDvipa = "198.18.0.10";
inline constexpr uint16_t kSysplexServicePort = 80;

// Node i's profile (i = 0..2: N1 VIPADEFINE, N2 VIPABACKUP 100, N3 VIPABACKUP 90), with the group
// key in `key_file`.
std::string sysplex_profile(size_t i, const std::string& key_file);

// A random group key in a private temporary file (mode 0600), removed when this goes away.
class GroupKeyFile {
 public:
  static Result<GroupKeyFile> create();
  GroupKeyFile(GroupKeyFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  GroupKeyFile& operator=(GroupKeyFile&&) = delete;
  ~GroupKeyFile();
  const std::string& path() const { return path_; }

 private:
  explicit GroupKeyFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct SysplexOptions {
  unsigned new_per_second = 40;  // the client's short connections
  unsigned long_lived = 12;      // and the ones it keeps open
  uint32_t seed = 1;             // sequence numbers
};

// Something the demo did or saw, for the live view: a kill, a revive, a drain, a change of owner.
struct DemoEvent {
  uint64_t seq = 0;    // 1, 2, ... in the order they happened
  uint64_t at_ms = 0;  // since the demo started
  std::string text;
};

class Sysplex {
 public:
  // EAL must be up. One Sysplex per process (the nodes' names and wires are fixed).
  static Result<std::unique_ptr<Sysplex>> create(const SysplexOptions& o = {});
  ~Sysplex();

  // One pass on the calling thread: queued commands, the client, and for each live node the switch
  // and the workers (online for their poll, then quiescent and offline, so publishing never waits)
  // before its control; then the TCP services.
  void step();
  // Drills, on the stepping thread: kill stops a node dead (no control work, no heartbeats or lease
  // renewals; its port goes down and its TCP service loses every connection); revive brings it back
  // as a new incarnation that joins again.
  Status kill(size_t i);
  Status revive(size_t i);
  // The process-level operator verbs (sysplexctl over telemetry), from any thread but the stepping
  // one: kill, revive (or restart) and drain (the node leaves the group; its `join` undoes that).
  // nullopt: not one of them, the node carries the verb out itself.
  std::optional<Result<std::string>> command(const std::string& node, const std::string& verb,
                                             const std::vector<std::string>& args);

  std::vector<node::Node*> nodes();
  node::Node& node(size_t i) { return *members_[i].node; }
  const node::Node& node(size_t i) const { return *members_[i].node; }
  const Server& server(size_t i) const { return *members_[i].server; }
  const Client& client() const { return *client_; }
  bool killed(size_t i) const { return members_[i].killed.load(); }
  std::optional<size_t> index_of(const std::string& node) const;
  // The node acting as the DVIPA's owner (as its ownership machine says) and its epoch.
  std::optional<std::pair<size_t, uint64_t>> owner() const { return owner_; }
  std::vector<DemoEvent> events() const;
  // Adds an event; with `action`, the next change of owner is timed from it ("N1 was killed").
  void record(std::string text, const std::string& action = "");
  uint64_t started_ms() const { return start_ms_; }
  uint64_t now_ms() const;

 private:
  struct Member {
    std::unique_ptr<node::Node> node;
    std::unique_ptr<Server> server;
    std::atomic<bool> killed{false};
  };
  struct Pending {
    size_t node = 0;
    std::string verb;
    std::promise<Result<std::string>> done;
  };
  Sysplex() = default;
  Status init(const SysplexOptions& o);
  Status add_member(size_t i, const std::string& key_file, const SysplexOptions& o);
  void run_pending();
  void deliver();
  void track_owner();
  Result<std::string> drain(size_t i);

  rte_mempool* pool_ = nullptr;
  std::unique_ptr<store::Store> store_;  // declared before the nodes: they go first
  std::unique_ptr<LanSwitch> lan_;
  std::unique_ptr<Client> client_;
  std::array<Member, kSysplexNodes> members_;
  std::optional<std::pair<size_t, uint64_t>> owner_;
  uint64_t next_owner_check_ms_ = 0;
  std::string last_action_;  // "N1 was killed", for the owner change that follows
  uint64_t last_action_ms_ = 0;
  uint64_t start_ms_ = 0;
  mutable std::mutex mu_;    // pending_ and events_: telemetry's thread adds to them
  std::vector<std::unique_ptr<Pending>> pending_;
  std::deque<DemoEvent> events_;
  uint64_t event_seq_ = 0;
};

}  // namespace sysplex::demo
