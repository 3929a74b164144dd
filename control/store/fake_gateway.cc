// Thread per connection, blocking sockets; the destructor shuts every socket down so each thread
// returns. Only what the store's client sends is understood: POST with Content-Length.
#include "control/store/fake_gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace sysplex::store::testing {
namespace {

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads one request: headers, then Content-Length bytes of body. False when the peer is gone.
bool read_request(int fd, std::string& buffer, FakeRequest& request) {
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  std::string head = buffer.substr(0, header_end);
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t length = 0;
  if (size_t at = lower.find("content-length:"); at != std::string::npos)
    length = std::stoul(head.substr(at + 15));
  const size_t first_space = head.find(' ');
  request.path = head.substr(first_space + 1, head.find(' ', first_space + 1) - first_space - 1);
  while (buffer.size() < header_end + 4 + length) {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  request.body = buffer.substr(header_end + 4, length);
  buffer.erase(0, header_end + 4 + length);
  return true;
}

std::string chunk(const std::string& bytes) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}

}  // namespace

FakeGateway::FakeGateway(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("fake gateway: cannot listen on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeGateway::~FakeGateway() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    cv_.notify_all();
  }
  acceptor_.join();
  for (std::thread& t : threads_) t.join();
  for (int fd : fds_) ::close(fd);
  ::close(listen_fd_);
}

void FakeGateway::accept_loop() {
  while (!stop_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    if (stop_) {
      ::close(fd);
      return;
    }
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeGateway::serve(int fd) {
  std::string buffer;
  FakeRequest request;
  while (!stop_ && read_request(fd, buffer, request)) {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    FakeReply reply = handler_(request);
    for (auto waited = std::chrono::milliseconds(0); waited < reply.delay && !stop_; waited += std::chrono::milliseconds(5))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (reply.drop || stop_) break;
    if (reply.stream) {
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      {
        std::lock_guard lock(mu_);
        ++streams_;
        ++stream_generation_;
        stream_out_.clear();
        if (!reply.body.empty()) stream_out_.push_back(reply.body);
        cv_.notify_all();
      }
      stream_loop(fd, reply.piece);
      break;
    }
    const std::string head = "HTTP/1.1 " + std::to_string(reply.status) +
                             " X\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(reply.body.size()) + "\r\n\r\n";
    if (!write_all(fd, head + reply.body)) break;
  }
  ::shutdown(fd, SHUT_RDWR);
}

void FakeGateway::stream_loop(int fd, size_t piece) {
  std::unique_lock lock(mu_);
  const uint64_t generation = stream_generation_;
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || generation != stream_generation_ || !stream_out_.empty(); });
    if (stop_ || generation != stream_generation_) return;
    std::string bytes = std::move(stream_out_.front());
    stream_out_.pop_front();
    if (bytes.empty()) return;  // cut: the caller shuts the socket down
    lock.unlock();
    const size_t step = piece == 0 ? bytes.size() : piece;
    for (size_t at = 0; at < bytes.size(); at += step) {
      if (!write_all(fd, chunk(bytes.substr(at, step)))) return;
      if (piece != 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    lock.lock();
  }
}

std::vector<FakeRequest> FakeGateway::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeGateway::count(const std::string& path) const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(
      std::count_if(requests_.begin(), requests_.end(), [&](const FakeRequest& r) { return r.path == path; }));
}

void FakeGateway::stream_send(const std::string& bytes) {
  if (bytes.empty()) return;
  std::lock_guard lock(mu_);
  stream_out_.push_back(bytes);
  cv_.notify_all();
}

void FakeGateway::stream_cut() {
  std::lock_guard lock(mu_);
  stream_out_.push_back("");
  cv_.notify_all();
}

bool FakeGateway::wait_streams(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return streams_ >= n; });
}

std::string FakeGateway::closed_url() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound, never listened: connecting is refused
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

}  // namespace sysplex::store::testing
