#pragma once
#include "control/layer_guard.h"
// Test-only: a DPDK v2 telemetry server on a thread, listening on a socket the test names. It
// greets as DPDK does and answers each command from canned replies, or misbehaves as asked.

#include <sys/types.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/ops/telemetry_client.h"

namespace sysplex::ops {

class FakeTelemetryServer {
 public:
  enum class Mode {
    kNormal,        // greet, then answer every command
    kCloseAtOnce,   // accept and close, as DPDK does past its client limit
    kBadGreeting,   // greet with something that is not DPDK's greeting
    kSilent,        // greet, then never answer
  };
  static constexpr size_t kMaxOutputLen = 16384;

  explicit FakeTelemetryServer(std::string socket_path, Mode mode = Mode::kNormal,
                               size_t max_output_len = kMaxOutputLen);
  ~FakeTelemetryServer();
  FakeTelemetryServer(const FakeTelemetryServer&) = delete;
  FakeTelemetryServer& operator=(const FakeTelemetryServer&) = delete;

  // Sends `message` as is in answer to exactly `command`.
  void on(const std::string& command, std::string message);
  // Answers `command` with {"<command name>": data}, as DPDK does.
  void reply(const std::string& command, const Json& data);
  // Commands received so far, in order.
  std::vector<std::string> received() const;
  const std::string& path() const { return path_; }

 private:
  void serve();
  void converse(int client);
  bool wait_readable(int fd) const;   // false once the server is stopping
  std::string answer(const std::string& command) const;

  std::string path_;
  Mode mode_;
  size_t max_output_len_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  mutable std::mutex mu_;
  std::map<std::string, std::string> replies_;
  std::vector<std::string> received_;
  std::thread thread_;
};

}  // namespace sysplex::ops
