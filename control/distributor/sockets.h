#pragma once
#include "control/layer_guard.h"
// The local kernel's TCP sockets, read over NETLINK_SOCK_DIAG: which DVIPA:ports have a ready
// listener (the target's readiness report) and which connections to a DVIPA live here (the
// target's authoritative connection list: what ended, and what a new distributor must learn).

#include <cstdint>
#include <span>
#include <vector>

#include "config/net.h"
#include "config/result.h"

namespace sysplex::distributor {

struct TcpSocket {
  IpAddr local;       // the unspecified address for a wildcard listener
  IpAddr remote;
  uint16_t local_port = 0, remote_port = 0;
  uint8_t state = 0;  // the kernel's TCP state (1 ESTABLISHED ... 10 LISTEN)
  bool v6only = false;
  friend bool operator==(const TcpSocket&, const TcpSocket&) = default;
};

inline constexpr uint8_t kTcpEstablished = 1, kTcpSynRecv = 3, kTcpListen = 10;

// A bitmask of kernel TCP states for dump_tcp: 1 << state.
inline constexpr uint32_t kListenStates = 1u << kTcpListen;
// Every state of a connection that exists on this host (not LISTEN, not CLOSE).
inline constexpr uint32_t kConnectionStates = 0xfff & ~(1u << kTcpListen) & ~(1u << 7) & ~1u;

// Dumps the TCP sockets of this network namespace in `states`, IPv4 and IPv6.
Result<std::vector<TcpSocket>> dump_tcp(uint32_t states);

// Parses one NETLINK_SOCK_DIAG reply buffer (a sequence of netlink messages) into sockets; false
// when a message is malformed (a truncated or inconsistent header). Pure, for tests.
bool parse_diag_messages(std::span<const uint8_t> buf, std::vector<TcpSocket>& out, bool* done);

// TCP sockets the kernel announces as destroyed (the sock_diag destroy multicast groups, IPv4 and
// IPv6; needs CAP_NET_ADMIN): a target's immediate, authoritative word that a connection ended,
// even one that lived for less than a scan interval.
class DestroyWatch {
 public:
  static Result<DestroyWatch> open();
  DestroyWatch(DestroyWatch&& o) noexcept : fd_(o.fd_), overruns_(o.overruns_) { o.fd_ = -1; }
  DestroyWatch& operator=(DestroyWatch&& o) noexcept;
  DestroyWatch(const DestroyWatch&) = delete;
  DestroyWatch& operator=(const DestroyWatch&) = delete;
  ~DestroyWatch();
  // Appends what was destroyed since the last call; never blocks.
  Status drain(std::vector<TcpSocket>& out);
  // Times the kernel dropped events for a full socket buffer (a periodic scan catches up).
  uint64_t overruns() const { return overruns_; }

 private:
  explicit DestroyWatch(int fd) : fd_(fd) {}
  int fd_ = -1;
  uint64_t overruns_ = 0;
};

// Whether a listener in `listeners` accepts connections to `addr`:`port`: bound to it, or to the
// wildcard of its family (an IPv6 wildcard that is not v6only also takes IPv4).
bool listener_ready(std::span<const TcpSocket> listeners, const IpAddr& addr, uint16_t port);

}  // namespace sysplex::distributor
