// One etcd watch: a background thread streams /v3/watch into a queue the caller drains, and when
// the stream breaks it reconnects (to any endpoint) from the revision after the last one received.
#pragma once

#include "control/layer_guard.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/result.h"
#include "control/store/etcd_codec.h"
#include "control/store/etcd_transport.h"
#include "control/store/store.h"

namespace sysplex::store {

// poll() may be called from any thread; events arrive in revision order, each exactly once. The
// watch fails for good (kFailedPrecondition) when etcd compacted the revision it must resume from,
// cancels it, or the caller leaves more than watch_queue_limit events unread.
class EtcdWatch {
 public:
  EtcdWatch(EtcdOptions options, size_t first_endpoint, std::string prefix, Revision start_revision);
  ~EtcdWatch();  // stops the stream and joins the thread
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  // Starts the thread and waits until etcd confirms the watch, up to the call deadline.
  Status start();
  Result<std::vector<WatchEvent>> poll(std::chrono::milliseconds wait);
  uint64_t reconnects() const { return reconnects_.load(); }

 private:
  enum class End : uint8_t { kStopped, kLost, kFailed };
  void run();
  End stream(const std::string& endpoint);
  // Runs one transfer (a CURL*) on the multi handle until it ends, the watch stops, or the stream
  // is not confirmed in time; returns why it ended ("" when curl gave no reason).
  std::string transfer(void* easy);
  // Stream bytes, split into lines, each parsed and handled by on_message. Both return false when
  // the stream must be dropped (error or malformed line, or the watch failed).
  bool on_bytes(std::string_view data, const std::string& endpoint);
  bool on_message(const etcd::WatchMessage& message, const std::string& endpoint);
  void fail(Error error);
  void pause(std::chrono::milliseconds duration);
  std::string describe() const;

  const EtcdOptions options_;
  const std::string prefix_;
  const Revision start_revision_;
  size_t endpoint_;

  mutable std::mutex mu_;
  std::condition_variable cv_;     // queue, created, failure, stop
  std::deque<WatchEvent> queue_;
  std::optional<Error> failure_;
  bool created_ = false;           // etcd confirmed the watch at least once
  bool stream_created_ = false;    // ... on the current stream
  Revision next_ = 0;              // the revision to resume from (0: not yet known)
  std::string last_error_;         // why the last stream ended
  std::string stream_reason_;      // why the current stream is being dropped, if a message said

  std::string line_;               // the stream's unfinished line (thread only)
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> reconnects_{0};
  void* multi_ = nullptr;          // CURLM*, woken by the destructor
  std::thread thread_;
};

}  // namespace sysplex::store
