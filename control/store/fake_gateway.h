// Test support: a loopback HTTP/1.1 server standing in for etcd's JSON gateway, so the transport's
// failover, timeouts, retry rules and the watch stream are unit-tested without a daemon.
#pragma once

#include "control/layer_guard.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sysplex::store::testing {

struct FakeRequest {
  std::string path;
  std::string body;
};

struct FakeReply {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering
  bool drop = false;                   // close the connection instead of answering
  bool stream = false;                 // chunked and held open: body first, then stream_send()
  size_t piece = 0;                    // stream: split what is sent into chunks of this many bytes
};

class FakeGateway {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;
  explicit FakeGateway(Handler handler);
  ~FakeGateway();  // closes every connection and joins every thread
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests() const;
  size_t count(const std::string& path) const;

  // The open stream (the latest): send bytes in chunks of `piece`, or cut the connection.
  void stream_send(const std::string& bytes);
  void stream_cut();
  // Waits until `n` streams were opened in all; false on timeout.
  bool wait_streams(size_t n, std::chrono::milliseconds timeout);

  // A loopback URL with nothing listening (a port just bound and released).
  static std::string closed_url();

 private:
  void accept_loop();
  void serve(int fd);
  void stream_loop(int fd, size_t piece);

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FakeRequest> requests_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::deque<std::string> stream_out_;  // bytes for the current stream; "" = cut
  size_t streams_ = 0;
  uint64_t stream_generation_ = 0;
  std::thread acceptor_;
};

}  // namespace sysplex::store::testing
