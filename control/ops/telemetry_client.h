#pragma once
#include "control/layer_guard.h"
// A client for DPDK's v2 telemetry socket (SOCK_SEQPACKET, one JSON message per reply), as spoken by
// dpdk-telemetry.py. It knows the protocol, not sysplexd: any DPDK process can be queried with it.

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/result.h"

namespace sysplex::ops {

// Key order as the server sent it, so displays and --json keep sysplexd's field order.
using Json = nlohmann::ordered_json;

// The object a v2 server sends as soon as a client connects.
struct TelemetryGreeting {
  std::string version;          // "DPDK 22.11.4"
  int64_t pid = 0;
  size_t max_output_len = 0;    // no reply is longer than this
};

inline constexpr std::chrono::milliseconds kTelemetryTimeout{5000};
// DPDK refuses command names (the part before the comma) of this length or more.
inline constexpr size_t kTelemetryMaxCommandLen = 56;

class TelemetryClient {
 public:
  // Connects and reads the greeting; `timeout` bounds every later send and receive as well.
  static Result<TelemetryClient> connect(const std::string& socket_path,
                                         std::chrono::milliseconds timeout = kTelemetryTimeout);
  TelemetryClient(TelemetryClient&& other) noexcept;
  TelemetryClient& operator=(TelemetryClient&& other) noexcept;
  TelemetryClient(const TelemetryClient&) = delete;
  TelemetryClient& operator=(const TelemetryClient&) = delete;
  ~TelemetryClient();

  // Sends "/cmd" or "/cmd,params" and returns the data of the reply {"/cmd": data}. DPDK answers
  // null for an unknown command and for a handler that refused its parameters: that is kNotFound.
  Result<Json> query(const std::string& command);
  const TelemetryGreeting& greeting() const { return greeting_; }
  const std::string& socket_path() const { return path_; }

 private:
  TelemetryClient(int fd, std::string path, std::chrono::milliseconds timeout)
      : fd_(fd), path_(std::move(path)), timeout_(timeout) {}
  Status read_greeting();
  Result<std::string> receive(size_t capacity, const std::string& awaiting);

  int fd_ = -1;
  std::string path_;
  std::chrono::milliseconds timeout_;
  TelemetryGreeting greeting_;
};

}  // namespace sysplex::ops
