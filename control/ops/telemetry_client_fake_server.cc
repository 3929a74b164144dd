#include "control/ops/telemetry_client_fake_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace sysplex::ops {
namespace {

// DPDK reads commands into a buffer of this size.
constexpr size_t kCommandBuffer = 1024;

void send_message(int fd, const std::string& message) {
  if (::send(fd, message.data(), message.size(), MSG_NOSIGNAL) < 0) {
    // The client went away first; the test that did that checks its own side.
  }
}

}  // namespace

FakeTelemetryServer::FakeTelemetryServer(std::string socket_path, Mode mode, size_t max_output_len)
    : path_(std::move(socket_path)), mode_(mode), max_output_len_(max_output_len) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 4) != 0 || ::pipe2(stop_pipe_, O_CLOEXEC) != 0)
    throw std::runtime_error("fake telemetry server cannot listen on " + path_ + ": " + std::strerror(errno));
  thread_ = std::thread([this] { serve(); });
}

FakeTelemetryServer::~FakeTelemetryServer() {
  // A pipe, not a socket: send() would fail with ENOTSOCK and the thread would never wake.
  if (::write(stop_pipe_[1], "x", 1) < 0) {
    // Cannot happen on a fresh pipe nobody else writes; join would hang, so fail loudly.
    std::terminate();
  }
  thread_.join();
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) ::close(fd);
  ::unlink(path_.c_str());
}

void FakeTelemetryServer::on(const std::string& command, std::string message) {
  std::lock_guard lock(mu_);
  replies_[command] = std::move(message);
}

void FakeTelemetryServer::reply(const std::string& command, const Json& data) {
  on(command, Json{{command.substr(0, command.find(',')), data}}.dump());
}

std::vector<std::string> FakeTelemetryServer::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

bool FakeTelemetryServer::wait_readable(int fd) const {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
  int ready;
  do ready = ::poll(fds, 2, -1);
  while (ready < 0 && errno == EINTR);
  return ready > 0 && fds[1].revents == 0;
}

void FakeTelemetryServer::serve() {
  while (wait_readable(listen_fd_)) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (mode_ != Mode::kCloseAtOnce) converse(client);
    ::close(client);
  }
}

void FakeTelemetryServer::converse(int client) {
  Json greeting = {{"version", "DPDK 22.11.0"}, {"pid", ::getpid()}, {"max_output_len", max_output_len_}};
  send_message(client, mode_ == Mode::kBadGreeting ? std::string("hello") : greeting.dump());
  char buffer[kCommandBuffer];
  while (wait_readable(client)) {
    ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    std::string command(buffer, size_t(n));
    {
      std::lock_guard lock(mu_);
      received_.push_back(command);
    }
    if (mode_ != Mode::kSilent) send_message(client, answer(command));
  }
}

// Like DPDK: a command nobody registered is answered with null.
std::string FakeTelemetryServer::answer(const std::string& command) const {
  std::lock_guard lock(mu_);
  auto it = replies_.find(command);
  if (it != replies_.end()) return it->second;
  return Json{{command.substr(0, command.find(',')), nullptr}}.dump();
}

}  // namespace sysplex::ops
