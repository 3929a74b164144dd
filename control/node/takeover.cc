// What a DVIPA's move means for the node that gets it: announce it (gratuitous ARP, unsolicited
// NA) and, if it distributes it, rebuild the connection table from its targets' bulk reports
// before trusting the consistent hash for packets it has no entry for (nondisruptive takeover);
// and for a target: answer a new distributor's request with the connections its kernel has.
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "control/distributor/sockets.h"
#include "control/node/node.h"

namespace sysplex::node {

namespace {

// Long enough for every live target to answer across a busy group channel; a target that has not
// by then is presumed to have nothing (its connections fall back to the consistent hash).
constexpr uint64_t kRebuildTimeoutMs = 1000;

}  // namespace

// Every port whose segment holds the DVIPA (all ports when none does) hears it has moved here.
void Node::announce(const IpAddr& dvipa) {
  int on = port_for(dvipa);
  for (size_t p = 0; p < engine_->ports().size(); ++p) {
    if (on >= 0 && int(p) != on) continue;
    const Mac& mac = engine_->ports()[p].mac;
    rte_mbuf* m = dvipa.v6 ? build_unsolicited_na(engine_->pool(), mac, dvipa.bytes.data())
                           : build_gratuitous_arp(engine_->pool(), mac, dvipa.v4_be());
    if (m && engine_->control_tx(p, &m, 1) == 1) ++cc_.announcements;
  }
}

void Node::activations_changed(const std::vector<distributor::DvipaActivation>& before) {
  for (const auto& a : dist_->activations()) {
    if (!a.owned) continue;
    auto was = std::find_if(before.begin(), before.end(), [&](const auto& b) { return b.dvipa == a.dvipa; });
    if (was != before.end() && was->owned) continue;
    announce(a.dvipa.addr);
    start_rebuild(a.dvipa.addr, a.epoch);
  }
}

void Node::start_rebuild(const IpAddr& dvipa, uint32_t epoch) {
  if (!distributes(dvipa) || !link_) return;
  Rebuild r;
  r.dvipa = dvipa;
  r.request_id = (uint64_t(epoch) << 32) | ++rebuild_seq_;
  r.deadline_ms = clock_() + kRebuildTimeoutMs;
  for (const auto& [name, p] : link_->peers())
    if (link_->alive(p)) r.waiting.insert(name);
  rebuilds_.push_back(std::move(r));
  dist_->set_rebuilding(dvipa, true);
  link_->send_to_all(channel::BulkConnectionRequest{rebuilds_.back().request_id, dvipa, name(), epoch});
  adopt_connections(name(), dvipa, local_connections(dvipa));  // this node may be a target too
  note("taking over " + to_string(dvipa) + ": asked " + std::to_string(rebuilds_.back().waiting.size()) +
       " targets for their connections");
  if (rebuilds_.back().waiting.empty()) finish_rebuild(rebuilds_.size() - 1, "no other targets");
}

// The local kernel's connections to `dvipa`, as the client sent them.
std::vector<channel::ConnTuple> Node::local_connections(const IpAddr& dvipa) const {
  if (connection_source_) return connection_source_(dvipa);
  std::vector<channel::ConnTuple> out;
  auto socks = distributor::dump_tcp(distributor::kConnectionStates);
  if (!socks) return out;
  for (const auto& s : *socks)
    if (s.local == dvipa) out.push_back({s.remote, s.local, s.remote_port, s.local_port, channel::kProtoTcp});
  return out;
}

// The connections a target reported live on it become connection-table entries naming it.
void Node::adopt_connections(const std::string& target_node, const IpAddr& dvipa,
                             const std::vector<channel::ConnTuple>& conns) {
  std::optional<uint32_t> target;
  if (target_node == name()) {
    for (const auto& a : profile_.node_addrs)
      if (!target) target = dist_->target_id(a);
  } else if (link_) {
    auto it = link_->peers().find(target_node);
    if (it != link_->peers().end())
      for (const auto& x : it->second.xcf)
        if (!target) target = dist_->target_id(x);
  }
  if (!target) return;
  for (const auto& c : conns) {
    auto svc = dist_->service_id(dvipa, c.dport);
    if (!svc) continue;
    dp::ConnCommand cmd;
    cmd.op = dp::ConnCommand::Op::kInsert;
    cmd.service = *svc;
    cmd.target = *target;
    cmd.key = conn::make_key(c.src.bytes.data(), c.dst.bytes.data(), c.src.v6, c.sport, c.dport, c.proto);
    if (engine_->broadcast(cmd)) ++cc_.connections_adopted;
  }
}

// Every member answers, one that serves nothing with an empty report, so the new distributor
// need not wait out its timeout for members that are no targets.
void Node::on_bulk_request(const group::Peer& from, const channel::BulkConnectionRequest& r) {
  std::vector<channel::ConnTuple> conns;
  if (serves(r.dvipa)) conns = local_connections(r.dvipa);
  auto chunks = channel::split_bulk_report(r.request_id, r.dvipa, conns);
  if (!chunks) return note("cannot report connections to " + r.new_owner + ": " + chunks.error().message);
  for (auto& c : *chunks) link_->send_to(from.node, c);
  ++cc_.bulk_reports_sent;
}

void Node::on_bulk_report(const group::Peer& from, channel::BulkConnectionReport r) {
  for (size_t i = 0; i < rebuilds_.size(); ++i) {
    Rebuild& rb = rebuilds_[i];
    if (rb.request_id != r.request_id || !(rb.dvipa == r.dvipa)) continue;
    auto it = rb.collectors.try_emplace(from.node, r.request_id, r.dvipa).first;
    it->second.add(std::move(r));
    if (!it->second.complete()) return;
    adopt_connections(from.node, rb.dvipa, it->second.connections());
    rb.waiting.erase(from.node);
    rb.collectors.erase(it);
    if (rb.waiting.empty()) finish_rebuild(i, "every target answered");
    return;
  }
}

// The table trusts its fallback hash only once the workers have applied every adopted entry: a
// packet looked up before its entry lands would go where the hash says, not where it lives.
void Node::finish_rebuild(size_t i, const std::string& why) {
  Rebuild rb = std::move(rebuilds_[i]);
  rebuilds_.erase(rebuilds_.begin() + long(i));
  settling_.push_back({rb.dvipa, why, clock_() + kSettleMs});
}

void Node::poll_rebuilds() {
  uint64_t now = clock_();
  bool pending = !settling_.empty() && engine_->commands_pending();
  for (auto it = settling_.begin(); it != settling_.end();) {
    if (pending && now < it->deadline_ms) {
      ++it;
      continue;
    }
    dist_->set_rebuilding(it->dvipa, false);
    note("connection table of " + to_string(it->dvipa) + " rebuilt (" + it->why + ")" +
         (pending ? "; the workers had not applied every entry in time" : ""));
    it = settling_.erase(it);
  }
  for (size_t i = rebuilds_.size(); i-- > 0;)
    if (now >= rebuilds_[i].deadline_ms)
      finish_rebuild(i, std::to_string(rebuilds_[i].waiting.size()) + " targets did not answer in time");
}

}  // namespace sysplex::node
