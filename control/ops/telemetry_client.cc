// Plain blocking socket calls bounded by SO_RCVTIMEO/SO_SNDTIMEO: one request, one reply, so a
// stuck server costs the operator `timeout`, never a hung terminal.
#include "control/ops/telemetry_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace sysplex::ops {
namespace {

// The greeting is under 100 bytes; dpdk-telemetry.py reads it with 1024 too.
constexpr size_t kGreetingCapacity = 1024;
constexpr size_t kQuoteLimit = 120;

std::string quote(const std::string& text) {
  if (text.size() <= kQuoteLimit) return "'" + text + "'";
  return "'" + text.substr(0, kQuoteLimit) + "...'";
}

Error connect_error(const std::string& path, int err) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  switch (err) {
    case ENOENT:
      return make_error(Errc::kUnavailable,
                        "no telemetry socket at " + path + " (is the DPDK process running, with telemetry enabled?)");
    case ECONNREFUSED:
      return make_error(Errc::kUnavailable, "nothing is listening on " + path +
                                                ": the process that created it has exited (remove " + dir +
                                                " if it is not coming back)");
    case EACCES:
    case EPERM:
      return make_error(Errc::kFailedPrecondition, "permission denied on " + path +
                                                       ": run as root or as the user that runs the DPDK process");
    default:
      return make_error(Errc::kUnavailable, "cannot connect to " + path + ": " + std::strerror(err));
  }
}

Status set_timeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
    return make_error(Errc::kInternal, std::string("setting socket timeouts: ") + std::strerror(errno));
  return ok_status();
}

std::string seconds_text(std::chrono::milliseconds t) {
  if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + " s";
  return std::to_string(t.count()) + " ms";
}

Status check_command(const std::string& command) {
  if (command.empty() || command[0] != '/')
    return make_error(Errc::kInvalidArgument,
                      "telemetry commands start with '/' (for example /ethdev/list), not " + quote(command));
  if (command.substr(0, command.find(',')).size() >= kTelemetryMaxCommandLen)
    return make_error(Errc::kInvalidArgument, "command name " + quote(command) + " is longer than DPDK accepts (" +
                                                  std::to_string(kTelemetryMaxCommandLen - 1) + " characters)");
  return ok_status();
}

Result<TelemetryGreeting> parse_greeting(const std::string& text, const std::string& path) {
  Json g = Json::parse(text, nullptr, false);
  bool valid = g.is_object() && g.contains("version") && g["version"].is_string() && g.contains("pid") &&
               g["pid"].is_number_integer() && g.contains("max_output_len") &&
               g["max_output_len"].is_number_unsigned() && g["max_output_len"].get<size_t>() > 0;
  if (!valid)
    return make_error(Errc::kFailedPrecondition,
                      path + " is not a DPDK v2 telemetry socket: it greeted with " + quote(text));
  return TelemetryGreeting{g["version"].get<std::string>(), g["pid"].get<int64_t>(),
                           g["max_output_len"].get<size_t>()};
}

}  // namespace

Result<TelemetryClient> TelemetryClient::connect(const std::string& socket_path,
                                                 std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path))
    return make_error(Errc::kInvalidArgument, "socket path " + socket_path + " is longer than a unix socket allows (" +
                                                  std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::kInternal, std::string("creating a unix socket: ") + std::strerror(errno));
  TelemetryClient client(fd, socket_path, timeout);
  if (Status s = set_timeouts(fd, timeout); !s) return s.error();
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
    return connect_error(socket_path, errno);
  if (Status s = client.read_greeting(); !s) return s.error();
  return client;
}

TelemetryClient::TelemetryClient(TelemetryClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      timeout_(other.timeout_),
      greeting_(std::move(other.greeting_)) {}

TelemetryClient& TelemetryClient::operator=(TelemetryClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    timeout_ = other.timeout_;
    greeting_ = std::move(other.greeting_);
  }
  return *this;
}

TelemetryClient::~TelemetryClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status TelemetryClient::read_greeting() {
  Result<std::string> text = receive(kGreetingCapacity, "");
  if (!text) return text.error();
  Result<TelemetryGreeting> g = parse_greeting(*text, path_);
  if (!g) return g.error();
  greeting_ = std::move(*g);
  return ok_status();
}

// `awaiting` names the command whose reply this is; empty while waiting for the greeting.
Result<std::string> TelemetryClient::receive(size_t capacity, const std::string& awaiting) {
  std::string what = awaiting.empty() ? "greeting" : "reply to " + quote(awaiting);
  std::string buffer(capacity, '\0');
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do n = ::recvmsg(fd_, &msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return make_error(Errc::kUnavailable, "no " + what + " from " + path_ + " within " + seconds_text(timeout_) +
                                              " (is the DPDK process stuck?)");
  if (n < 0) return make_error(Errc::kUnavailable, "reading the " + what + " from " + path_ + ": " + std::strerror(errno));
  if (n == 0 && awaiting.empty())
    return make_error(Errc::kUnavailable, path_ + " closed the connection at once: DPDK telemetry serves at most "
                                                  "10 clients at a time; close some (watch loops, telemetry scripts)");
  if (n == 0)
    return make_error(Errc::kUnavailable, path_ + " closed the connection before the " + what + " (did the process exit?)");
  if (msg.msg_flags & MSG_TRUNC)
    return make_error(Errc::kInternal, "the " + what + " is longer than the " + std::to_string(capacity) +
                                           " bytes the server announced; it was cut");
  buffer.resize(size_t(n));
  return buffer;
}

Result<Json> TelemetryClient::query(const std::string& command) {
  if (Status s = check_command(command); !s) return s.error();
  ssize_t sent;
  do sent = ::send(fd_, command.data(), command.size(), MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return make_error(Errc::kUnavailable, "sending " + quote(command) + " to " + path_ + ": " + std::strerror(errno) +
                                              " (did the process exit?)");
  Result<std::string> text = receive(greeting_.max_output_len, command);
  if (!text) return text.error();
  Json reply = Json::parse(*text, nullptr, false);
  std::string key = command.substr(0, command.find(','));
  if (!reply.is_object() || !reply.contains(key))
    return make_error(Errc::kInternal, "the reply to " + quote(command) + " is not {\"" + key + "\": ...}: " + quote(*text));
  if (reply[key].is_null())
    return make_error(Errc::kNotFound, "no data for " + quote(command) +
                                           ": DPDK answers null when a command is unknown or refuses its parameter");
  return std::move(reply[key]);
}

}  // namespace sysplex::ops
