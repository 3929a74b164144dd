// The kernel rtnetlink socket: non-blocking, close-on-exec, a large receive buffer so bursts of
// route changes (a daemon flushing its table) rarely overrun, and only the kernel trusted as sender.
#include "control/routesource/netlink_socket.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sysplex::routesource {

namespace {

constexpr int kRcvBuf = 4 << 20;

Error sys_error(Errc code, const std::string& what) {
  return make_error(code, "netlink " + what + ": " + std::strerror(errno));
}

}  // namespace

Status KernelNetlinkSocket::open() {
  close();
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return sys_error(Errc::kUnavailable, "socket");
  int size = kRcvBuf;
  // FORCE passes the rmem_max cap when we have CAP_NET_ADMIN; the plain option is the fallback.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    Error e = sys_error(Errc::kUnavailable, "bind");
    ::close(fd);
    return e;
  }
  for (int group : {RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE}) {
    if (::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      Error e = sys_error(Errc::kUnavailable, "join group " + std::to_string(group));
      ::close(fd);
      return e;
    }
  }
  fd_ = fd;
  return ok_status();
}

void KernelNetlinkSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status KernelNetlinkSocket::send(std::span<const uint8_t> msg) {
  if (fd_ < 0) return make_error(Errc::kFailedPrecondition, "netlink send: socket is closed");
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n = ::sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  if (n == ssize_t(msg.size())) return ok_status();
  if (n < 0) return sys_error(Errc::kInternal, "send");
  return make_error(Errc::kInternal, "netlink send: short write");
}

Result<size_t> KernelNetlinkSocket::recv(std::span<uint8_t> buf) {
  if (fd_ < 0) return make_error(Errc::kFailedPrecondition, "netlink recv: socket is closed");
  sockaddr_nl from{};
  iovec iov{buf.data(), buf.size()};
  msghdr mh{};
  mh.msg_name = &from;
  mh.msg_namelen = sizeof from;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  ssize_t n = ::recvmsg(fd_, &mh, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return size_t(0);
    return sys_error(errno == ENOBUFS ? Errc::kUnavailable : Errc::kInternal, errno == ENOBUFS ? "recv ENOBUFS" : "recv");
  }
  // Part of the datagram is lost, like an overrun: the owner must resynchronise with a dump.
  if (mh.msg_flags & MSG_TRUNC) return make_error(Errc::kUnavailable, "netlink recv: datagram truncated (ENOBUFS-like)");
  if (from.nl_pid != 0)
    return make_error(Errc::kInvalidArgument, "netlink recv: datagram from port " + std::to_string(from.nl_pid) +
                                                  ", not the kernel");
  return size_t(n);
}

}  // namespace sysplex::routesource
