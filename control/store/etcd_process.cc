// Ports are found by binding port 0 (all of them held until each is known, so they differ) and are
// released just before etcd starts; if etcd loses that race it exits at once and start() retries
// with new ports. Health is asked through the store's own transport (/v3/maintenance/status).
#include "control/store/etcd_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "control/store/etcd_codec.h"
#include "control/store/etcd_transport.h"

namespace sysplex::store::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kStartAttempts = 3;

// Binds `n` distinct free loopback ports, then releases them together.
std::vector<int> free_ports(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

// etcd's path, found before fork(): the child calls only async-signal-safe functions.
std::string etcd_binary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t begin = 0; begin <= dirs.size();) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(begin, end - begin) + "/etcd";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return {};
}

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// True once the process has exited (and is reaped).
bool reap(pid_t pid, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  do {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    std::this_thread::sleep_for(5ms);
  } while (Clock::now() < deadline);
  return false;
}

Result<etcd::StatusReply> member_status(const std::string& endpoint) {
  EtcdOptions o;
  o.endpoints = {endpoint};
  o.attempt_timeout = 300ms;
  o.call_deadline = 300ms;
  auto transport = EtcdTransport::create(o);
  if (!transport) return transport.error();
  auto body = (*transport)->call("status", "/v3/maintenance/status", "{}", Retry::kRepeatable);
  if (!body) return body.error();
  return etcd::parse_status(*body);
}

}  // namespace

EtcdCluster::EtcdCluster(EtcdClusterOptions options, std::string dir)
    : options_(options), dir_(std::move(dir)) {
  static std::atomic<int> clusters{0};
  token_ = "sysplex-test-" + std::to_string(::getpid()) + "-" + std::to_string(++clusters);
}

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::start(EtcdClusterOptions options) {
  if (options.members < 1) return make_error(Errc::kInvalidArgument, "etcd cluster: at least one member");
  char dir[] = "/tmp/sysplex-etcd-XXXXXX";
  if (!::mkdtemp(dir)) return make_error(Errc::kInternal, std::string("mkdtemp: ") + std::strerror(errno));
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(options, dir));
  Status started = cluster->start_all();
  for (int attempt = 1; !started && attempt < kStartAttempts; ++attempt) started = cluster->start_all();
  if (!started) return started.error();
  return cluster;
}

Status EtcdCluster::start_all() {
  for (int i = 0; i < size(); ++i) kill(i);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) std::filesystem::remove_all(entry, ec);
  const std::vector<int> ports = free_ports(2 * options_.members);
  members_.clear();
  for (int i = 0; i < options_.members; ++i)
    members_.push_back(Member{"m" + std::to_string(i), ports[2 * i], ports[2 * i + 1], -1});
  for (int i = 0; i < size(); ++i) {
    if (auto s = launch(i); !s) return s;
  }
  for (int i = 0; i < size(); ++i) {
    if (auto s = wait_healthy(i, options_.start_timeout); !s) return s;
  }
  return ok_status();
}

std::vector<std::string> EtcdCluster::arguments(int i) const {
  const Member& m = members_[i];
  std::string cluster;
  for (const Member& other : members_) cluster += (cluster.empty() ? "" : ",") + other.name + "=" + url(other.peer_port);
  std::vector<std::string> args = {
      "etcd", "--name", m.name, "--data-dir", dir_ + "/" + m.name + ".etcd",
      "--listen-client-urls", url(m.client_port), "--advertise-client-urls", url(m.client_port),
      "--listen-peer-urls", url(m.peer_port), "--initial-advertise-peer-urls", url(m.peer_port),
      "--initial-cluster", cluster, "--initial-cluster-token", token_, "--initial-cluster-state", "new",
      "--logger=zap", "--log-outputs=" + dir_ + "/" + m.name + ".log"};
  if (options_.heartbeat_ms > 0) args.push_back("--heartbeat-interval=" + std::to_string(options_.heartbeat_ms));
  if (options_.election_ms > 0) args.push_back("--election-timeout=" + std::to_string(options_.election_ms));
  return args;
}

Status EtcdCluster::launch(int i) {
  const std::string binary = etcd_binary();
  if (binary.empty())
    return make_error(Errc::kFailedPrecondition, "no etcd on PATH: install Debian's etcd-server (dev.sh does)");
  std::vector<std::string> args = arguments(i);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = dir_ + "/" + members_[i].name + ".stdout";
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return make_error(Errc::kResourceExhausted, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  members_[i].pid = pid;
  return ok_status();
}

Status EtcdCluster::wait_healthy(int i, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (members_[i].pid <= 0) return make_error(Errc::kFailedPrecondition, "etcd " + members_[i].name + " is not running");
    if (reap(members_[i].pid, 0ms)) {
      members_[i].pid = -1;
      return make_error(Errc::kUnavailable, "etcd " + members_[i].name + " exited (is etcd-server installed?):\n" +
                                                log_tail(i));
    }
    auto status = member_status(endpoint(i));
    if (status.ok() && status->leader != 0) return ok_status();
    std::this_thread::sleep_for(20ms);
  }
  return make_error(Errc::kUnavailable, "etcd " + members_[i].name + " not healthy within " +
                                            std::to_string(timeout.count()) + " ms:\n" + log_tail(i));
}

void EtcdCluster::kill(int i) {
  if (i >= size() || members_[i].pid <= 0) return;
  ::kill(members_[i].pid, SIGKILL);
  reap(members_[i].pid, 5s);
  members_[i].pid = -1;
}

Status EtcdCluster::stop(int i) {
  if (members_[i].pid <= 0) return ok_status();
  ::kill(members_[i].pid, SIGTERM);
  const bool clean = reap(members_[i].pid, 3s);
  if (!clean) kill(i);
  members_[i].pid = -1;
  return clean ? ok_status()
               : make_error(Errc::kFailedPrecondition, "etcd " + members_[i].name + " ignored SIGTERM for 3 s");
}

Status EtcdCluster::restart(int i) {
  if (auto s = stop(i); !s) return s;
  if (auto s = launch(i); !s) return s;
  return wait_healthy(i, options_.start_timeout);
}

Result<int> EtcdCluster::leader(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (int i = 0; i < size(); ++i) {
      if (!running(i)) continue;
      auto status = member_status(endpoint(i));
      if (status.ok() && status->leader != 0 && status->leader == status->member_id) return i;
    }
    std::this_thread::sleep_for(20ms);
  }
  return make_error(Errc::kUnavailable, "etcd cluster: no leader within " + std::to_string(timeout.count()) + " ms");
}

std::string EtcdCluster::endpoint(int i) const { return url(members_[i].client_port); }

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(endpoint(i));
  return out;
}

std::string EtcdCluster::log_tail(int i, size_t lines) const {
  std::vector<std::string> all;
  for (const char* suffix : {".stdout", ".log"}) {
    std::ifstream in(dir_ + "/" + members_[i].name + suffix);
    for (std::string line; std::getline(in, line);) all.push_back(line);
  }
  std::string tail;
  for (size_t k = all.size() > lines ? all.size() - lines : 0; k < all.size(); ++k) tail += all[k] + "\n";
  return tail;
}

EtcdCluster::~EtcdCluster() {
  for (int i = 0; i < size(); ++i) {
    if (running(i)) ::kill(members_[i].pid, SIGTERM);  // all at once: leaders stop transferring sooner
  }
  for (int i = 0; i < size(); ++i) (void)stop(i);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace sysplex::store::testing
