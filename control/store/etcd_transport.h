// Unary calls to etcd's v3 JSON gateway over libcurl: endpoint failover, a per-attempt timeout and
// retries with exponential backoff within a total deadline, and the health the displays show.
#pragma once

#include "control/layer_guard.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/result.h"
#include "control/store/store.h"

namespace sysplex::store {

struct EtcdOptions {
  std::vector<std::string> endpoints;               // client URLs: "http://127.0.0.1:2379"
  std::chrono::milliseconds attempt_timeout{1000};  // one HTTP request (connect included)
  std::chrono::milliseconds call_deadline{3000};    // one store call, all attempts and backoff
  std::chrono::milliseconds backoff_initial{25};    // pause once every endpoint failed, doubling
  std::chrono::milliseconds backoff_max{400};
  size_t watch_queue_limit = 65536;                 // unread events per watch before it fails
};

// Checks the options: at least one http(s) endpoint, positive times. Trailing '/' are dropped.
Result<EtcdOptions> normalize(EtcdOptions options);

// Whether a call may be sent again after an attempt that may have reached etcd.
enum class Retry : uint8_t {
  kRepeatable,       // reads, keep-alives, plain puts and deletes: repeating ends in the same state
  kOnlyIfNotApplied, // conditional writes: retried only when etcd surely did not apply the attempt
};

// Calls are serialised by an internal mutex (one curl handle, connections kept alive), so any
// thread may call; health() never waits for a call.
class EtcdTransport {
 public:
  static Result<std::unique_ptr<EtcdTransport>> create(EtcdOptions options);
  ~EtcdTransport();
  EtcdTransport(const EtcdTransport&) = delete;
  EtcdTransport& operator=(const EtcdTransport&) = delete;

  // POSTs `body` to `path` ("/v3/kv/put") and returns the 200 reply's body. On connection failure,
  // timeout or an etcd "try again" answer it moves to the next endpoint; after a whole round it
  // backs off. `what` names the call in errors ("put /sysplex/x"); errors name the endpoint:
  //   "etcd http://127.0.0.1:2379: put /a: timed out after 1000 ms (3 attempts in 3001 ms)".
  // A kOnlyIfNotApplied call whose attempt may have been applied fails with kUnavailable saying
  // the outcome is unknown: re-read before retrying.
  Result<std::string> call(const std::string& what, const std::string& path, const std::string& body, Retry retry);

  StoreHealth health() const;
  // A 200 reply that did not decode: recorded as the last error (etcd answered, but wrongly).
  void note_bad_reply(const Error& error);
  const EtcdOptions& options() const { return options_; }
  // The endpoint the next call tries first (the last one that worked).
  size_t current_endpoint() const;

 private:
  struct Call;  // one call's attempts, endpoint and backoff (etcd_transport.cc)
  EtcdTransport(EtcdOptions options, void* curl);
  // After a failed attempt: the next endpoint, and a pause once every endpoint failed in a row.
  void fail_over(Call& call);
  Error give_up(const std::string& what, const Call& call);
  void note_success(size_t endpoint);
  // `endpoint` is shown in health(); `next` is where the next call starts.
  void note_failure(size_t endpoint, size_t next, const Error& error, bool reachable);

  const EtcdOptions options_;
  void* curl_;  // CURL*, used under call_mu_
  std::mutex call_mu_;
  mutable std::mutex health_mu_;
  StoreHealth health_;
  size_t current_ = 0;  // guarded by health_mu_
};

}  // namespace sysplex::store
