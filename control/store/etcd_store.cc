// Each call: check the request as the embedded store does, encode it, one transport call with the
// retry rule its effect allows, decode the reply. Nothing here logs; values never reach a message.
#include "control/store/etcd_store.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "control/store/etcd_codec.h"
#include "control/store/validate.h"

namespace sysplex::store {
namespace {

std::string lease_name(LeaseId id) {
  char text[32];
  std::snprintf(text, sizeof(text), "%llx", static_cast<unsigned long long>(id));
  return text;
}

Error client_error(const Error& e) { return make_error(e.code, "etcd store: " + e.message); }

bool has_writes(const std::vector<Op>& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.kind != Op::Kind::kGet; });
}

// A reply that does not decode is the store's fault, named with the endpoint that sent it.
Error reply_error(EtcdTransport& t, const std::string& what, const Error& e) {
  Error named = make_error(e.code, "etcd " + t.health().endpoint + ": " + what + ": " + e.message);
  t.note_bad_reply(named);
  return named;
}

std::string range_what(const char* verb, const std::string& key, bool prefix) {
  return std::string(verb) + (prefix ? " prefix " : " ") + key_text(key);
}

}  // namespace

Result<std::unique_ptr<EtcdStore>> EtcdStore::connect(EtcdOptions options) {
  auto transport = EtcdTransport::create(std::move(options));
  if (!transport) return transport.error();
  return std::unique_ptr<EtcdStore>(new EtcdStore(std::move(transport).value()));
}

EtcdStore::EtcdStore(std::unique_ptr<EtcdTransport> transport) : transport_(std::move(transport)) {}

EtcdStore::~EtcdStore() {
  std::map<WatchId, std::shared_ptr<EtcdWatch>> watches;
  {
    std::lock_guard lock(watches_mu_);
    watches.swap(watches_);
  }
  watches.clear();  // joins the stream threads outside the lock
}

Result<std::vector<KeyValue>> EtcdStore::get(const std::string& key, bool prefix, Revision* revision) {
  if (auto s = check_range("get", key, prefix); !s) return client_error(s.error());
  const std::string what = range_what("get", key, prefix);
  auto body = transport_->call(what, "/v3/kv/range", etcd::range_request(key, prefix), Retry::kRepeatable);
  if (!body) return body.error();
  auto reply = etcd::parse_range(*body);
  if (!reply) return reply_error(*transport_, what, reply.error());
  if (revision) *revision = reply->revision;
  return std::move(reply->kvs);
}

Result<Revision> EtcdStore::put(const std::string& key, const std::string& value, LeaseId lease) {
  if (auto s = check_key("put", key); !s) return client_error(s.error());
  const std::string what = "put " + key_text(key);
  auto body = transport_->call(what, "/v3/kv/put", etcd::put_request(key, value, lease), Retry::kRepeatable);
  if (!body) return body.error();
  auto rev = etcd::parse_put(*body);
  if (!rev) return reply_error(*transport_, what, rev.error());
  return rev;
}

Result<int64_t> EtcdStore::del(const std::string& key, bool prefix) {
  if (auto s = check_range("delete", key, prefix); !s) return client_error(s.error());
  const std::string what = range_what("delete", key, prefix);
  auto body = transport_->call(what, "/v3/kv/deleterange", etcd::delete_request(key, prefix), Retry::kRepeatable);
  if (!body) return body.error();
  auto reply = etcd::parse_delete(*body);
  if (!reply) return reply_error(*transport_, what, reply.error());
  return reply->deleted;
}

Result<TxnResult> EtcdStore::txn(const Txn& txn) {
  if (auto s = check_txn(txn); !s) return client_error(s.error());
  const Retry retry =
      has_writes(txn.success) || has_writes(txn.failure) ? Retry::kOnlyIfNotApplied : Retry::kRepeatable;
  auto body = transport_->call("txn", "/v3/kv/txn", etcd::txn_request(txn), retry);
  if (!body) return body.error();
  auto result = etcd::parse_txn(*body, txn);
  if (!result) return reply_error(*transport_, "txn", result.error());
  return result;
}

Result<LeaseId> EtcdStore::grant_lease(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0)
    return make_error(Errc::kInvalidArgument,
                      "etcd store: lease grant: the TTL must be positive, not " + std::to_string(ttl.count()) + " ms");
  const int64_t seconds = (ttl.count() + 999) / 1000;
  auto body = transport_->call("lease grant", "/v3/lease/grant", etcd::lease_grant_request(seconds),
                               Retry::kRepeatable);
  if (!body) return body.error();
  auto reply = etcd::parse_lease_grant(*body);
  if (!reply) return reply_error(*transport_, "lease grant", reply.error());
  return reply->id;
}

Status EtcdStore::keep_alive(LeaseId lease) {
  const std::string what = "lease keep-alive " + lease_name(lease);
  auto body = transport_->call(what, "/v3/lease/keepalive", etcd::lease_id_request(lease), Retry::kRepeatable);
  if (!body) return body.error();
  auto ttl = etcd::parse_keepalive(*body);
  if (!ttl) return reply_error(*transport_, what, ttl.error());
  if (*ttl <= 0)
    return make_error(Errc::kNotFound, "etcd " + transport_->health().endpoint + ": " + what +
                                           ": the lease has expired or was revoked");
  return ok_status();
}

Status EtcdStore::revoke_lease(LeaseId lease) {
  const std::string what = "lease revoke " + lease_name(lease);
  auto body = transport_->call(what, "/v3/lease/revoke", etcd::lease_id_request(lease), Retry::kOnlyIfNotApplied);
  if (!body) return body.error();
  return ok_status();
}

Status EtcdStore::compact(Revision revision) {
  const std::string what = "compact to revision " + std::to_string(revision);
  auto body = transport_->call(what, "/v3/kv/compaction", etcd::compaction_request(revision), Retry::kRepeatable);
  if (!body) return body.error();
  return ok_status();
}

Result<WatchId> EtcdStore::watch(const std::string& prefix, Revision start_revision) {
  if (start_revision < 0)
    return make_error(Errc::kInvalidArgument, "etcd store: watch " + key_text(prefix) + ": negative start revision " +
                                                  std::to_string(start_revision));
  auto w = std::make_shared<EtcdWatch>(transport_->options(), transport_->current_endpoint(), prefix, start_revision);
  if (auto s = w->start(); !s) return s.error();
  std::lock_guard lock(watches_mu_);
  const WatchId id = next_watch_++;
  watches_.emplace(id, std::move(w));
  return id;
}

std::shared_ptr<EtcdWatch> EtcdStore::find_watch(WatchId id) const {
  std::lock_guard lock(watches_mu_);
  auto it = watches_.find(id);
  return it == watches_.end() ? nullptr : it->second;
}

Result<std::vector<WatchEvent>> EtcdStore::poll_watch(WatchId id, std::chrono::milliseconds wait) {
  std::shared_ptr<EtcdWatch> w = find_watch(id);
  if (!w) return make_error(Errc::kNotFound, "etcd store: poll watch: no watch " + std::to_string(id));
  return w->poll(wait);
}

void EtcdStore::cancel_watch(WatchId id) {
  std::shared_ptr<EtcdWatch> w;
  {
    std::lock_guard lock(watches_mu_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    w = std::move(it->second);
    watches_.erase(it);
  }
  // The last reference (here, unless a poll is under way) stops and joins the stream thread.
}

uint64_t EtcdStore::watch_reconnects() const {
  std::lock_guard lock(watches_mu_);
  uint64_t total = 0;
  for (const auto& [id, w] : watches_) total += w->reconnects();
  return total;
}

StoreHealth EtcdStore::health() const { return transport_->health(); }

}  // namespace sysplex::store
