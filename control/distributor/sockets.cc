// One dump request per family, answered as a multi-part netlink reply; every message and attribute
// length is checked before it is read.
#include "control/distributor/sockets.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysplex::distributor {
namespace {

constexpr size_t kRecvBuffer = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// IPv4 connections on IPv6 sockets show as ::ffff:a.b.c.d; they are IPv4 connections.
IpAddr diag_addr(const uint32_t* words, uint8_t family) {
  IpAddr a;
  if (family == AF_INET) {
    std::memcpy(a.bytes.data(), words, 4);
    return a;
  }
  const uint8_t* b = reinterpret_cast<const uint8_t*>(words);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {
    std::memcpy(a.bytes.data(), b + 12, 4);
    return a;
  }
  return IpAddr::v6_from_bytes(b);
}

bool parse_one(const nlmsghdr* h, std::vector<TcpSocket>& out) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) return false;
  const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
  if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) return true;  // not ours to read
  TcpSocket s;
  s.local = diag_addr(m->id.idiag_src, m->idiag_family);
  s.remote = diag_addr(m->id.idiag_dst, m->idiag_family);
  s.local_port = ntohs(m->id.idiag_sport);
  s.remote_port = ntohs(m->id.idiag_dport);
  s.state = m->idiag_state;
  size_t off = NLMSG_LENGTH(sizeof(inet_diag_msg));
  const auto* base = reinterpret_cast<const uint8_t*>(h);
  while (off + sizeof(rtattr) <= h->nlmsg_len) {
    const auto* a = reinterpret_cast<const rtattr*>(base + off);
    if (a->rta_len < sizeof(rtattr) || off + a->rta_len > h->nlmsg_len) return false;
    if (a->rta_type == INET_DIAG_SKV6ONLY && a->rta_len >= RTA_LENGTH(1))
      s.v6only = *(reinterpret_cast<const uint8_t*>(a) + RTA_LENGTH(0)) != 0;
    off += RTA_ALIGN(a->rta_len);
  }
  out.push_back(s);
  return true;
}

Status request(int fd, uint8_t family, uint32_t states) {
  struct {
    nlmsghdr h;
    inet_diag_req_v2 r;
  } req{};
  req.h.nlmsg_len = sizeof(req);
  req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.r.sdiag_family = family;
  req.r.sdiag_protocol = IPPROTO_TCP;
  req.r.idiag_states = states;
  // INET_DIAG_SKV6ONLY comes with every IPv6 socket without being asked for.
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  if (::sendto(fd, &req, sizeof(req), 0, reinterpret_cast<sockaddr*>(&nl), sizeof(nl)) < 0)
    return make_error(Errc::kUnavailable, std::string("sock_diag request failed: ") + std::strerror(errno));
  return ok_status();
}

Status dump_family(int fd, uint8_t family, uint32_t states, std::vector<TcpSocket>& out) {
  if (Status st = request(fd, family, states); !st) return st;
  std::vector<uint8_t> buf(kRecvBuffer);
  for (bool done = false; !done;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::kUnavailable, std::string("sock_diag reply: ") + (n < 0 ? std::strerror(errno) : "closed"));
    if (!parse_diag_messages({buf.data(), size_t(n)}, out, &done))
      return make_error(Errc::kInternal, "sock_diag sent a malformed reply");
  }
  return ok_status();
}

}  // namespace

bool parse_diag_messages(std::span<const uint8_t> buf, std::vector<TcpSocket>& out, bool* done) {
  size_t off = 0;
  *done = false;
  while (off + sizeof(nlmsghdr) <= buf.size()) {
    nlmsghdr h;
    std::memcpy(&h, buf.data() + off, sizeof(h));
    if (h.nlmsg_len < sizeof(nlmsghdr) || off + h.nlmsg_len > buf.size()) return false;
    if (h.nlmsg_type == NLMSG_DONE) {
      *done = true;
      return true;
    }
    if (h.nlmsg_type == NLMSG_ERROR) return false;
    // Copy to aligned storage: the buffer may be any byte array in tests.
    std::vector<uint8_t> msg(buf.begin() + long(off), buf.begin() + long(off + h.nlmsg_len));
    msg.resize(std::max<size_t>(msg.size(), NLMSG_LENGTH(0)));
    std::vector<uint64_t> aligned((msg.size() + 7) / 8);
    std::memcpy(aligned.data(), msg.data(), msg.size());
    if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY && !parse_one(reinterpret_cast<const nlmsghdr*>(aligned.data()), out))
      return false;
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return off == buf.size() || off >= buf.size();
}

Result<std::vector<TcpSocket>> dump_tcp(uint32_t states) {
  Fd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) return make_error(Errc::kUnavailable, std::string("cannot open sock_diag: ") + std::strerror(errno));
  std::vector<TcpSocket> out;
  for (uint8_t family : {uint8_t(AF_INET), uint8_t(AF_INET6)})
    if (Status st = dump_family(fd.get(), family, states, out); !st) return st.error();
  return out;
}

Result<DestroyWatch> DestroyWatch::open() {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0) return make_error(Errc::kUnavailable, std::string("cannot open sock_diag: ") + std::strerror(errno));
  DestroyWatch w(fd);
  int rcvbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);  // best effort: bursts of ends
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  nl.nl_groups = (1u << (SKNLGRP_INET_TCP_DESTROY - 1)) | (1u << (SKNLGRP_INET6_TCP_DESTROY - 1));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&nl), sizeof nl) != 0)
    return make_error(Errc::kFailedPrecondition, std::string("cannot join the sock_diag destroy groups (needs CAP_NET_ADMIN): ") +
                                                     std::strerror(errno));
  return w;
}

DestroyWatch& DestroyWatch::operator=(DestroyWatch&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    overruns_ = o.overruns_;
    o.fd_ = -1;
  }
  return *this;
}

DestroyWatch::~DestroyWatch() {
  if (fd_ >= 0) ::close(fd_);
}

Status DestroyWatch::drain(std::vector<TcpSocket>& out) {
  std::vector<uint8_t> buf(kRecvBuffer);
  for (;;) {
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ok_status();
    if (n < 0 && errno == ENOBUFS) {
      ++overruns_;
      continue;
    }
    if (n <= 0) return make_error(Errc::kUnavailable, std::string("sock_diag destroy events: ") + (n < 0 ? std::strerror(errno) : "closed"));
    bool done;
    if (!parse_diag_messages({buf.data(), size_t(n)}, out, &done))
      return make_error(Errc::kInternal, "sock_diag sent a malformed destroy event");
  }
}

bool listener_ready(std::span<const TcpSocket> listeners, const IpAddr& addr, uint16_t port) {
  for (const TcpSocket& l : listeners) {
    if (l.state != kTcpListen || l.local_port != port) continue;
    if (l.local == addr) return true;
    if (!l.local.is_unspecified()) continue;
    if (l.local.v6 == addr.v6) return true;
    if (l.local.v6 && !addr.v6 && !l.v6only) return true;
  }
  return false;
}

}  // namespace sysplex::distributor
