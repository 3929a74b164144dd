// The rtnetlink socket behind NetlinkRouteSource, as an interface so the source's dump, heartbeat and
// restart logic is tested with scripted datagrams; KernelNetlinkSocket is the real, non-blocking one.
#pragma once
#include "control/layer_guard.h"

#include <cstdint>
#include <memory>
#include <span>

#include "config/result.h"

namespace sysplex::routesource {

class NetlinkSocket {
 public:
  virtual ~NetlinkSocket() = default;
  // Opens (or reopens) a NETLINK_ROUTE socket subscribed to IPv4/IPv6 route and link changes.
  virtual Status open() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual Status send(std::span<const uint8_t> msg) = 0;
  // One datagram into buf: its size, 0 when none is waiting. Errors: kUnavailable with "ENOBUFS"
  // when notifications were lost (the receive queue overran, or a datagram was longer than buf),
  // kInternal for anything else (the socket is unusable). A datagram not sent by the kernel (sender
  // port id != 0) is reported as kInvalidArgument and consumed.
  virtual Result<size_t> recv(std::span<uint8_t> buf) = 0;
  virtual int fd() const = 0;  // -1 when closed; for the owner's poll()/epoll
};

class KernelNetlinkSocket final : public NetlinkSocket {
 public:
  ~KernelNetlinkSocket() override { close(); }
  Status open() override;
  void close() override;
  bool is_open() const override { return fd_ >= 0; }
  Status send(std::span<const uint8_t> msg) override;
  Result<size_t> recv(std::span<uint8_t> buf) override;
  int fd() const override { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace sysplex::routesource
