#include "control/demo/sysplex.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <chrono>

#include "config/profile_parser.h"
#include "control/store/embedded_store.h"

namespace sysplex::demo {

namespace {

constexpr uint64_t kOwnerCheckMs = 10;
constexpr size_t kEventLog = 64;
constexpr uint64_t kActionWindowMs = 5000;  // an owner change this soon after an action is timed from it
constexpr const char* kClientAddr = "198.18.0.100";

std::string name_of(size_t i) { return "N" + std::to_string(i + 1); }
std::string lan_device(size_t i, char side) { return "wire:" + name_of(i) + "lan:" + side; }
std::string host_device(size_t i, char side) { return "wire:" + name_of(i) + "host:" + side; }

}  // namespace

Result<std::unique_ptr<Sysplex>> Sysplex::create(const SysplexOptions& o) {
  std::unique_ptr<Sysplex> s(new Sysplex());
  if (Status st = s->init(o); !st) return st.error();
  return s;
}

Sysplex::~Sysplex() {
  for (auto& p : pending_) p->done.set_value(make_error(Errc::kUnavailable, "the demo is stopping"));
  for (auto& m : members_) m.node.reset();  // before the store they share
  store_.reset();
  if (pool_) rte_mempool_free(pool_);
}

// The key file is only needed while the nodes load it: it is removed before the demo runs.
Status Sysplex::init(const SysplexOptions& o) {
  start_ms_ = node::steady_ms();
  pool_ = rte_pktmbuf_pool_create("demo_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (!pool_) return make_error(Errc::kResourceExhausted, "cannot create the demo's mbuf pool (is EAL memory short?)");
  store_ = std::make_unique<store::EmbeddedStore>();
  std::vector<std::string> lan;
  for (size_t i = 0; i < kSysplexNodes; ++i) lan.push_back(lan_device(i, 'b'));
  lan.push_back("wire:client:b");
  auto sw = LanSwitch::create(lan, pool_);
  if (!sw) return sw.error();
  lan_ = std::move(*sw);
  ClientOptions co{"wire:client:a", *parse_ip(kClientAddr), *parse_ip(kSysplexDvipa), kSysplexServicePort};
  co.new_per_second = o.new_per_second;
  co.long_lived = o.long_lived;
  co.seed = o.seed;
  auto client = Client::create(co, pool_);
  if (!client) return client.error();
  client_ = std::move(*client);
  auto key = GroupKeyFile::create();
  if (!key) return key.error();
  for (size_t i = 0; i < kSysplexNodes; ++i)
    if (Status st = add_member(i, key->path(), o); !st) return st;
  record("three nodes up on one segment: N1 defines " + std::string(kSysplexDvipa) + ", N2 and N3 back it up");
  return ok_status();
}

// A node, its port on the switch, and the TCP service its local traffic goes to: the node's side of
// that wire takes the TAP's place (workers deliver to queue = slot, control would use queue
// `workers`), so it has one queue per worker plus one.
Status Sysplex::add_member(size_t i, const std::string& key_file, const SysplexOptions& o) {
  auto parsed = config::parse_profile_text(sysplex_profile(i, key_file), "<embedded:sysplex:" + name_of(i) + ">");
  if (!parsed) return make_error(Errc::kInternal, parsed.error_text());
  node::NodeOptions no;
  no.store = store_.get();
  auto n = node::Node::create(parsed.profile(), 1, no);
  if (!n) return n.error();
  Member& m = members_[i];
  m.node = std::move(*n);
  // The emulated service listens on DVIPA:port from the start.
  m.node->set_listener_scan([](const std::vector<std::pair<IpAddr, uint16_t>>& wanted) {
    std::vector<distributor::ListenerReport> r;
    for (const auto& [addr, port] : wanted) r.push_back({addr, port, true});
    return Result<std::vector<distributor::ListenerReport>>(std::move(r));
  });
  dp::Engine& e = m.node->engine();
  auto local = open_wire(host_device(i, 'a'), uint16_t(e.workers() + 1), e.pool());
  if (!local) return local.error();
  e.attach_local(*local, 0);
  ServerOptions so{host_device(i, 'b'), *parse_ip(kSysplexDvipa), kSysplexServicePort, e.ports()[0].mac, client_->mac(),
                   o.seed * 7919u + uint32_t(i)};
  auto server = Server::create(so, pool_);
  if (!server) return server.error();
  m.server = std::move(*server);
  // A new distributor asks its targets for their connections: the emulated service answers.
  m.node->set_connection_source([srv = m.server.get()](const IpAddr&) { return srv->connections(); });
  return ok_status();
}

uint64_t Sysplex::now_ms() const { return node::steady_ms() - start_ms_; }

std::vector<node::Node*> Sysplex::nodes() {
  std::vector<node::Node*> out;
  for (auto& m : members_) out.push_back(m.node.get());
  return out;
}

std::optional<size_t> Sysplex::index_of(const std::string& node) const {
  for (size_t i = 0; i < kSysplexNodes; ++i)
    if (members_[i].node->name() == node) return i;
  return std::nullopt;
}

// Frames move between the nodes' control passes, so each node's control sees what the others just
// sent (heartbeats above all) before it tells its group thread who is alive, and the owner goes
// first: after the whole process was descheduled, the nodes that could take its DVIPA over hear
// it before they judge its silence.
void Sysplex::step() {
  run_pending();
  client_->step(node::steady_ms());
  size_t first = owner_ ? owner_->first : 0;
  for (size_t k = 0; k < kSysplexNodes; ++k) {
    Member& m = members_[(first + k) % kSysplexNodes];
    deliver();
    if (!m.killed.load()) m.node->poll();  // a dead host does nothing
  }
  deliver();
  for (auto& m : members_)
    if (!m.killed.load()) m.server->poll(node::steady_ms());
  if (node::steady_ms() >= next_owner_check_ms_) {
    track_owner();
    next_owner_check_ms_ = node::steady_ms() + kOwnerCheckMs;
  }
}

// The switch, then each live node's worker (online for the poll, then quiescent and offline, so a
// publish never waits): what was sent reaches its receiver's control.
void Sysplex::deliver() {
  lan_->poll();
  for (auto& m : members_)
    if (!m.killed.load()) m.node->engine().poll_once_quiescent(0);  // a dead host forwards nothing
}

Status Sysplex::kill(size_t i) {
  Member& m = members_[i];
  if (m.killed.load()) return make_error(Errc::kFailedPrecondition, name_of(i) + " is down already");
  m.node->crash();
  m.killed.store(true);
  lan_->set_up(i, false);
  m.server->reset();
  record(name_of(i) + " killed: no heartbeats, no lease renewals; its link is down and its connections are gone",
         name_of(i) + " was killed");
  return ok_status();
}

Status Sysplex::revive(size_t i) {
  Member& m = members_[i];
  if (!m.killed.load()) return make_error(Errc::kFailedPrecondition, name_of(i) + " is running");
  if (Status st = m.node->restart(); !st) return st;
  lan_->set_up(i, true);
  m.killed.store(false);
  record(name_of(i) + " revived: a new incarnation joins the group", name_of(i) + " was revived");
  return ok_status();
}

// The owner as the ownership machines say: the live node whose DVIPA row is ACTIVE.
void Sysplex::track_owner() {
  std::optional<std::pair<size_t, uint64_t>> now;
  for (size_t i = 0; i < kSysplexNodes && !now; ++i) {
    if (killed(i)) continue;
    auto gs = members_[i].node->group_state();
    if (!gs) continue;
    for (const auto& row : gs->dvipas)
      if (row.status == ownership::DvipaStatus::kActive) now = std::make_pair(i, row.acting_epoch);
  }
  if (now == owner_) return;
  owner_ = now;
  std::string text = now ? name_of(now->first) + " owns " + kSysplexDvipa + " (epoch " + std::to_string(now->second) + ")"
                         : std::string("no node owns ") + kSysplexDvipa;
  std::lock_guard<std::mutex> lock(mu_);
  if (now && !last_action_.empty() && node::steady_ms() - last_action_ms_ < kActionWindowMs) {
    char after[96];
    std::snprintf(after, sizeof after, ", %.2f s after %s", double(node::steady_ms() - last_action_ms_) / 1000.0,
                  last_action_.c_str());
    text += after;
  }
  if (now) last_action_.clear();
  events_.push_back({++event_seq_, now_ms(), text});
  if (events_.size() > kEventLog) events_.pop_front();
}

void Sysplex::record(std::string text, const std::string& action) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back({++event_seq_, now_ms(), std::move(text)});
  if (events_.size() > kEventLog) events_.pop_front();
  // The first of several actions in a row is the likelier cause of the change that follows.
  uint64_t now = node::steady_ms();
  if (action.empty() || (!last_action_.empty() && now - last_action_ms_ < kActionWindowMs)) return;
  last_action_ = action;
  last_action_ms_ = now;
}

std::vector<DemoEvent> Sysplex::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {events_.begin(), events_.end()};
}

}  // namespace sysplex::demo
