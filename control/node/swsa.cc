// Sysplex-wide security associations (IPSEC DVIPSEC) on the node: the owner of a DVIPA installs
// its SAs as master (recovered from the group store when a record exists, else from the profile,
// recording them there sealed with the group key), pushes shadow copies of the outbound ones to
// the DVIPA's targets over the group channel, and every node that sends with an outbound SA
// leases its sequence numbers from the store in blocks. Store calls run on the group thread.
#include <algorithm>

#include "control/node/node.h"
#include "control/swsa/lease.h"

namespace sysplex::node {

namespace {

constexpr uint64_t kShadowPushMs = 2000;   // shadows again (a target that restarted, a lost datagram)
constexpr uint64_t kReplayRecordMs = 5000;  // inbound masters' replay high-water into their records

uint64_t seq_limit_of(const dp::esp::SaControl& c) { return c.esn ? UINT64_MAX : 0xffffffffull; }
uint64_t low_water_of(const swsa::SeqBlock& b) { return b.first + (b.last - b.first) / 8 * 7; }

bool outbound(const swsa::SaRecord& r) { return r.control.dir == dp::esp::SaDir::kOutbound; }

}  // namespace

// An IPSECSA whose LOCAL is a DVIPA of this profile, under DVIPSEC with a group: the group installs it.
bool Node::is_sysplex_sa(const config::IpsecSa& sa) const {
  if (!profile_.ipsec.dvipsec || profile_.group.key_file.empty()) return false;
  for (const auto& d : profile_.vipadynamic.defines)
    if (d.dvipa.addr == sa.local) return true;
  for (const auto& b : profile_.vipadynamic.backups)
    if (b.dvipa == sa.local) return true;
  return false;
}

Status Node::init_swsa() {
  if (!profile_.ipsec.dvipsec || profile_.group.key_file.empty()) return ok_status();
  auto sealer = swsa::RecordSealer::load(profile_.group.key_file);
  if (!sealer) return sealer.error();
  sealer_.emplace(std::move(*sealer));
  return ok_status();
}

// Activation as owner: every SA of the DVIPA, from its store record (another owner's, or this
// node's from before a restart) or else from the profile (then recorded), outbound ones with a
// fresh block of sequence numbers past every number leased before.
void Node::swsa_activate(const IpAddr& dvipa) {
  if (!sealer_ || !group_) return;
  std::vector<std::pair<std::string, dp::esp::SaControl>> from_profile;
  for (const auto& sa : profile_.ipsec.sas)
    if (sa.local == dvipa && is_sysplex_sa(sa))
      if (auto c = sas_->profile_sa(sa.name)) from_profile.emplace_back(sa.name, *c);
  std::string group = profile_.group.name, me = name();
  uint64_t block = profile_.ipsec.seq_block;
  swsa::RecordSealer sealer = *sealer_;
  group_->post([=, this](store::Store& st) -> GroupRunner::Done {
    std::vector<SwsaInstall> installs;
    std::vector<std::string> problems;
    auto stored = st.get("/sysplex/" + group + "/sas/", true);
    if (!stored) problems.push_back("cannot read SA records: " + stored.error().message);
    std::set<std::string> seen;
    for (const auto& kv : stored ? *stored : std::vector<store::KeyValue>{}) {
      auto r = sealer.open(kv.value, kv.key);
      if (!r) {
        problems.push_back(r.error().message);
        continue;
      }
      if (!(r->dvipa == dvipa)) continue;
      seen.insert(r->name);
      installs.push_back({std::move(*r), true, {}});
    }
    for (const auto& [n, c] : from_profile) {
      if (seen.count(n) || !stored) continue;
      swsa::SaRecord r{n, dvipa, me, "", 1, c};
      for (const auto& sa : profile_.ipsec.sas)
        if (sa.name == n) r.target = sa.target;
      auto sealed = sealer.seal(r, swsa::record_key(group, n));
      auto put = sealed ? st.put(swsa::record_key(group, n), *sealed) : Result<store::Revision>(sealed.error());
      if (!put) problems.push_back("cannot record SA " + n + ": " + put.error().message);
      installs.push_back({std::move(r), false, {}});
    }
    for (auto& in : installs)
      if (outbound(in.record)) {
        auto b = swsa::lease_block(st, swsa::sequence_key(group, in.record.name), block, seq_limit_of(in.record.control));
        if (b) in.block = *b;
        else problems.push_back("SA " + in.record.name + ": no sequence block: " + b.error().message);
      }
    return [this, dvipa, installs = std::move(installs), problems = std::move(problems)]() mutable {
      for (const auto& p : problems) note("DVIPSEC " + to_string(dvipa) + ": " + p);
      if (!owned_.count(dvipa)) return;  // given up meanwhile
      for (auto& in : installs) install_master(dvipa, std::move(in));
      push_shadows(dvipa);
    };
  });
}

void Node::install_master(const IpAddr& dvipa, SwsaInstall in) {
  dp::esp::SaControl c = in.record.control;
  if (outbound(in.record)) {
    if (!in.block) return;  // no numbers to send with: not installed (noted already)
    c.seq_first = in.block->first, c.seq_last = in.block->last, c.seq_low_water = low_water_of(*in.block);
  }
  sa::Origin origin = in.recovered ? sa::Origin::kRecovered : sa::Origin::kManual;
  if (Status st = sas_->add(in.record.name, c, origin, engine_->now_ns()); !st) return note("DVIPSEC: " + st.error().message);
  SwsaState& s = swsa_[in.record.name];
  s.role = SwsaRole::kMaster;
  s.record = std::move(in.record);
  s.block = in.block;
  note("SA " + s.record.name + " installed as master for " + to_string(dvipa) + (in.recovered ? " (recovered from the store" : " (from the profile") +
       (s.block ? ", sequence " + std::to_string(s.block->first) + "-" + std::to_string(s.block->last) + ")" : ")"));
}

// Giving the DVIPA up: inbound SAs go (the new owner decrypts); an outbound one stays as a shadow
// when this node keeps serving the DVIPA as a target and its policy sends with it.
void Node::swsa_deactivate(const IpAddr& dvipa) {
  for (auto it = swsa_.begin(); it != swsa_.end();) {
    SwsaState& s = it->second;
    if (s.role != SwsaRole::kMaster || !(s.record.dvipa == dvipa)) {
      ++it;
      continue;
    }
    if (outbound(s.record) && sas_->policy_names(s.record.name) && serves(dvipa)) {
      s.role = SwsaRole::kShadow;
      (void)sas_->set_origin(s.record.name, sa::Origin::kShadow);
      ++it;
      continue;
    }
    (void)sas_->remove(s.record.name);
    it = swsa_.erase(it);
  }
}

// The targets of a DVIPA as peers: DESTIP ALL is every active member, else those whose XCF
// addresses the VIPADISTRIBUTE lists.
std::vector<std::string> Node::target_nodes(const IpAddr& dvipa) const {
  std::vector<std::string> out;
  if (!link_) return out;
  for (const auto& [peer, p] : link_->peers()) {
    if (!link_->alive(p)) continue;
    bool target = false;
    for (const auto& d : profile_.vipadynamic.distributes)
      if (d.dvipa == dvipa)
        target |= d.dest_all || std::any_of(d.dests.begin(), d.dests.end(), [&](const config::DestIp& t) {
                    return std::find(p.xcf.begin(), p.xcf.end(), t.addr) != p.xcf.end();
                  });
    if (target) out.push_back(peer);
  }
  return out;
}

void Node::push_shadows(const IpAddr& dvipa) {
  if (!link_) return;
  std::vector<std::string> targets = target_nodes(dvipa);
  for (const auto& [n, s] : swsa_) {
    if (s.role != SwsaRole::kMaster || !(s.record.dvipa == dvipa) || !outbound(s.record)) continue;
    auto bytes = swsa::encode(s.record);
    if (!bytes) continue;
    channel::ShadowSa m{s.record.control.spi, dvipa, s.record.version, std::move(*bytes)};
    for (const auto& t : targets)
      if ((s.record.target.empty() || s.record.target == t) && link_->send_to(t, m)) ++cc_.shadows_sent;
  }
}

// A shadow from the DVIPA's owner: installed when this node's policy sends with it (z/OS's
// EZD1726I otherwise), with a sequence block leased for this node alone.
void Node::on_shadow_sa(const group::Peer& from, const channel::ShadowSa& m) {
  auto r = swsa::decode(m.record);
  bool claims = std::any_of(from.dvipas.begin(), from.dvipas.end(), [&](const channel::DvipaStatus& d) {
    return d.dvipa == m.dvipa && d.role == channel::DvipaRole::kOwner;
  });
  if (!r || !(r->dvipa == m.dvipa) || r->control.spi != m.spi || !outbound(*r) || !claims || owned_.count(m.dvipa)) {
    ++cc_.shadows_refused;
    return;
  }
  if (!r->target.empty() && r->target != name()) return;
  auto known = swsa_.find(r->name);
  if (known != swsa_.end() && (known->second.record.version >= r->version || known->second.leasing)) return;
  if (!sas_->policy_names(r->name)) {
    std::string key = r->name + "/" + std::to_string(r->version);
    if (shadow_notes_.insert(key).second)
      note("SPX1726I SHADOW SA " + r->name + " FOR DVIPA " + to_string(m.dvipa) + " FROM " + from.node +
           " NOT INSTALLED: NO IPSECRULE OF " + name() + " PROTECTS WITH IT");
    return;
  }
  if (!group_) return;
  SwsaState& s = swsa_[r->name];
  s.role = SwsaRole::kShadow;
  s.leasing = true;
  std::string group = profile_.group.name;
  uint64_t block = profile_.ipsec.seq_block;
  group_->post([this, group, block, rec = std::move(*r)](store::Store& st) mutable -> GroupRunner::Done {
    auto b = swsa::lease_block(st, swsa::sequence_key(group, rec.name), block, seq_limit_of(rec.control));
    return [this, rec = std::move(rec), b]() mutable {
      SwsaState& s = swsa_[rec.name];
      s.leasing = false;
      if (!b) return note("shadow SA " + rec.name + ": no sequence block: " + b.error().message);
      dp::esp::SaControl c = rec.control;
      c.seq_first = b->first, c.seq_last = b->last, c.seq_low_water = low_water_of(*b);
      if (Status st = sas_->add(rec.name, c, sa::Origin::kShadow, engine_->now_ns()); !st) return note("shadow SA: " + st.error().message);
      note("SA " + rec.name + " installed as a shadow for " + to_string(rec.dvipa) + " (version " + std::to_string(rec.version) +
           ", sequence " + std::to_string(b->first) + "-" + std::to_string(b->last) + ")");
      s.record = std::move(rec);
      s.block = *b;
      ++cc_.shadows_installed;
    };
  });
}

// The sequence block of an outbound SA reached its low-water mark (or ran out): lease the next
// one; it extends the current block when nobody leased in between, else the SA jumps to it.
void Node::swsa_lease_more(const std::string& sa_name) {
  auto it = swsa_.find(sa_name);
  if (it == swsa_.end() || it->second.leasing || !group_ || !outbound(it->second.record)) return;
  it->second.leasing = true;
  std::string group = profile_.group.name;
  uint64_t block = profile_.ipsec.seq_block, limit = seq_limit_of(it->second.record.control);
  group_->post([this, group, block, limit, sa_name](store::Store& st) -> GroupRunner::Done {
    auto b = swsa::lease_block(st, swsa::sequence_key(group, sa_name), block, limit);
    return [this, sa_name, b] {
      auto it = swsa_.find(sa_name);
      if (it == swsa_.end()) return;
      SwsaState& s = it->second;
      s.leasing = false;
      if (!b) return note("SA " + sa_name + ": next sequence block: " + b.error().message);
      Status st = s.block && b->first == s.block->last + 1 ? sas_->extend_seq_block(sa_name, b->last, low_water_of(*b))
                                                           : sas_->set_seq_block(sa_name, b->first, b->last, low_water_of(*b));
      if (!st) return note("SA " + sa_name + ": " + st.error().message);
      s.block = *b;
      ++cc_.seq_leases;
    };
  });
}

// A restarted node starts over: what it sent with is reinstalled from its owner's push or the store.
void Node::swsa_reset() {
  for (const auto& [n, s] : swsa_) (void)sas_->remove(n);
  swsa_.clear();
  shadow_notes_.clear();
}

// Periodic: shadows again, and the inbound masters' replay high-water into their records (what a
// backup starts its window from).
void Node::swsa_tick() {
  if (!sealer_ || !group_) return;
  uint64_t now = clock_();
  if (now >= next_shadow_push_ms_) {
    next_shadow_push_ms_ = now + kShadowPushMs;
    for (const auto& [d, epoch] : owned_) push_shadows(d);
  }
  if (now < next_replay_record_ms_) return;
  next_replay_record_ms_ = now + kReplayRecordMs;
  for (const auto& row : sas_->rows()) {
    auto it = swsa_.find(row.name);
    if (it == swsa_.end() || it->second.role != SwsaRole::kMaster || outbound(it->second.record)) continue;
    if (row.replay_top <= it->second.record.control.replay_top) continue;
    it->second.record.control.replay_top = row.replay_top;
    swsa::SaRecord rec = it->second.record;
    std::string key = swsa::record_key(profile_.group.name, rec.name);
    swsa::RecordSealer sealer = *sealer_;
    group_->post([rec = std::move(rec), key, sealer](store::Store& st) -> GroupRunner::Done {
      auto sealed = sealer.seal(rec, key);
      if (sealed) (void)st.put(key, *sealed);
      return {};
    });
  }
}

}  // namespace sysplex::node
