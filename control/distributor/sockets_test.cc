#include "control/distributor/sockets.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace sysplex::distributor {
namespace {

// One SOCK_DIAG_BY_FAMILY message as the kernel writes it, optionally with the v6only attribute.
std::vector<uint8_t> diag_message(uint8_t family, uint8_t state, const char* src, uint16_t sport, const char* dst,
                                  uint16_t dport, int v6only = -1) {
  std::vector<uint8_t> m(NLMSG_LENGTH(sizeof(inet_diag_msg)) + (v6only >= 0 ? RTA_SPACE(1) : 0));
  auto* h = reinterpret_cast<nlmsghdr*>(m.data());
  h->nlmsg_len = uint32_t(m.size());
  h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  auto* d = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
  d->idiag_family = family;
  d->idiag_state = state;
  d->id.idiag_sport = htons(sport);
  d->id.idiag_dport = htons(dport);
  inet_pton(family, src, d->id.idiag_src);
  inet_pton(family, dst, d->id.idiag_dst);
  if (v6only >= 0) {
    auto* a = reinterpret_cast<rtattr*>(m.data() + NLMSG_LENGTH(sizeof(inet_diag_msg)));
    a->rta_type = INET_DIAG_SKV6ONLY;
    a->rta_len = RTA_LENGTH(1);
    *(reinterpret_cast<uint8_t*>(a) + RTA_LENGTH(0)) = uint8_t(v6only);
  }
  return m;
}

std::vector<uint8_t> done() {
  std::vector<uint8_t> m(NLMSG_LENGTH(4));
  auto* h = reinterpret_cast<nlmsghdr*>(m.data());
  h->nlmsg_len = uint32_t(m.size());
  h->nlmsg_type = NLMSG_DONE;
  return m;
}

std::vector<uint8_t> concat(std::vector<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(SockDiag, ParsesSocketsOfBothFamiliesAndMappedAddresses) {
  auto buf = concat({diag_message(AF_INET, kTcpListen, "198.18.1.50", 8080, "0.0.0.0", 0),
                     diag_message(AF_INET6, kTcpEstablished, "::ffff:198.18.1.50", 8080, "::ffff:198.18.1.100", 40000, 0),
                     diag_message(AF_INET6, kTcpListen, "::", 8081, "::", 0, 1), done()});
  std::vector<TcpSocket> out;
  bool is_done = false;
  ASSERT_TRUE(parse_diag_messages(buf, out, &is_done));
  EXPECT_TRUE(is_done);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].local, *parse_ip("198.18.1.50"));
  EXPECT_EQ(out[0].local_port, 8080);
  EXPECT_EQ(out[1].local, *parse_ip("198.18.1.50"));  // an IPv4 connection on an IPv6 socket
  EXPECT_EQ(out[1].remote, *parse_ip("198.18.1.100"));
  EXPECT_EQ(out[1].remote_port, 40000);
  EXPECT_TRUE(out[2].local.v6);
  EXPECT_TRUE(out[2].v6only);
}

TEST(SockDiag, RefusesTruncatedAndInconsistentMessages) {
  auto one = diag_message(AF_INET, kTcpEstablished, "198.18.1.50", 80, "198.18.1.1", 4000, 0);
  for (size_t n = sizeof(nlmsghdr); n < one.size(); ++n) {
    std::vector<uint8_t> cut(one.begin(), one.begin() + long(n));
    std::vector<TcpSocket> out;
    bool is_done;
    EXPECT_FALSE(parse_diag_messages(cut, out, &is_done)) << "cut at " << n;
  }
  auto bad_attr = one;
  auto* a = reinterpret_cast<rtattr*>(bad_attr.data() + NLMSG_LENGTH(sizeof(inet_diag_msg)));
  a->rta_len = 200;  // runs past the message
  std::vector<TcpSocket> out;
  bool is_done;
  EXPECT_FALSE(parse_diag_messages(bad_attr, out, &is_done));
  auto error = done();
  reinterpret_cast<nlmsghdr*>(error.data())->nlmsg_type = NLMSG_ERROR;
  EXPECT_FALSE(parse_diag_messages(error, out, &is_done));
}

TEST(SockDiag, ListenerReadiness) {
  std::vector<TcpSocket> l = {
      {*parse_ip("198.18.1.50"), {}, 8080, 0, kTcpListen, false},
      {*parse_ip("0.0.0.0"), {}, 8081, 0, kTcpListen, false},
      {*parse_ip("::"), {}, 8082, 0, kTcpListen, false},
      {*parse_ip("::"), {}, 8083, 0, kTcpListen, true},
      {*parse_ip("198.18.1.50"), *parse_ip("198.18.1.100"), 8084, 1234, kTcpEstablished, false},
  };
  IpAddr v4 = *parse_ip("198.18.1.50"), v6 = *parse_ip("2001:db8:10::1");
  EXPECT_TRUE(listener_ready(l, v4, 8080));
  EXPECT_FALSE(listener_ready(l, *parse_ip("198.18.1.51"), 8080));
  EXPECT_TRUE(listener_ready(l, v4, 8081));
  EXPECT_FALSE(listener_ready(l, v6, 8081));  // an IPv4 wildcard does not take IPv6
  EXPECT_TRUE(listener_ready(l, v4, 8082));   // dual-stack wildcard
  EXPECT_TRUE(listener_ready(l, v6, 8082));
  EXPECT_FALSE(listener_ready(l, v4, 8083));  // v6only
  EXPECT_FALSE(listener_ready(l, v4, 8084));  // a connection is not a listener
}

// Needs CAP_NET_ADMIN (registered as an integration test): the kernel's destroy event for both
// ends of a loopback connection arrives within a moment of the close.
TEST(DestroyWatch, ReportsEndedConnections) {
  auto w = DestroyWatch::open();
  ASSERT_TRUE(w.ok()) << w.error().message;
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(s, 4), 0);
  int c = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  int acc = ::accept(s, nullptr, nullptr);
  ::close(c);
  ::close(acc);
  ::close(s);
  uint16_t port = ntohs(a.sin_port);
  std::vector<TcpSocket> out;
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    ASSERT_TRUE(w->drain(out).ok());
    for (const auto& x : out) seen |= x.local_port == port && x.state != kTcpListen;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace sysplex::distributor
