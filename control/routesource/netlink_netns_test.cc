// The netlink source against the real kernel, in a network namespace this test creates (root):
// routes added, changed and deleted with `ip route`, and a routing daemon's flush and re-add.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "control/routesource/netlink_source.h"

namespace sysplex::routesource {
namespace {

IpAddr ip(const char* s) { return *parse_ip(s); }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  if (rc != 0) ADD_FAILURE() << "command failed (" << rc << "): " << cmd;
  return rc == 0;
}

class NetlinkNetnsTest : public ::testing::Test {
 protected:
  std::string ns;

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
    ns = "spx-rs-" + std::to_string(getpid());
    ASSERT_TRUE(sh("ip netns add " + ns));
    ASSERT_TRUE(in_ns("link add rsa type veth peer name rsb"));
    ASSERT_TRUE(in_ns("addr add 198.18.91.1/24 dev rsa"));
    ASSERT_TRUE(in_ns("-6 addr add 2001:db8:91::1/64 dev rsa nodad"));
    for (const char* dev : {"lo", "rsa", "rsb"}) ASSERT_TRUE(in_ns(std::string("link set ") + dev + " up"));
  }
  void TearDown() override {
    if (!ns.empty()) sh("ip netns del " + ns);  // takes the veth pair with it
  }
  bool in_ns(const std::string& args) { return sh("ip -n " + ns + " " + args); }

  // Runs body on a thread that has entered the namespace: sockets it opens belong to it.
  void run_in_namespace(const std::function<void()>& body) {
    std::thread t([&] {
      int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      ASSERT_GE(fd, 0) << "open /run/netns/" << ns;
      int rc = ::setns(fd, CLONE_NEWNET);
      ::close(fd);
      ASSERT_EQ(rc, 0) << "setns";
      body();
    });
    t.join();
  }
};

// Polls src until pred holds or 3 s pass.
bool wait_for(NetlinkRouteSource& src, const std::function<bool()>& pred) {
  for (int64_t deadline = now_ms() + 3000; now_ms() < deadline;) {
    Status st = src.poll(now_ms());
    if (!st.ok()) ADD_FAILURE() << "poll: " << st.error().to_string();
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST_F(NetlinkNetnsTest, SeesAddChangeDeleteAndADaemonRestart) {
  run_in_namespace([&] {
    NetlinkSourceOptions opts;
    opts.heartbeat_ms = 200;
    NetlinkRouteSource src(opts, std::make_unique<KernelNetlinkSocket>());
    ASSERT_TRUE(src.start(now_ms()).ok());
    ASSERT_TRUE(wait_for(src, [&] { return src.ready(); }));
    auto connected = src.lookup(ip("198.18.91.7"));
    ASSERT_TRUE(connected);
    EXPECT_EQ(connected->oif.name, "rsa");
    EXPECT_EQ(connected->pref_src, ip("198.18.91.1"));
    EXPECT_FALSE(connected->gateway);

    ASSERT_TRUE(in_ns("route add 198.18.92.0/24 via 198.18.91.2 dev rsa"));
    EXPECT_TRUE(wait_for(src, [&] { auto r = src.lookup(ip("198.18.92.5")); return r && r->gateway == ip("198.18.91.2"); }));
    ASSERT_TRUE(in_ns("route change 198.18.92.0/24 via 198.18.91.3 dev rsa"));
    EXPECT_TRUE(wait_for(src, [&] { auto r = src.lookup(ip("198.18.92.5")); return r && r->gateway == ip("198.18.91.3"); }));
    ASSERT_TRUE(in_ns("route del 198.18.92.0/24"));
    EXPECT_TRUE(wait_for(src, [&] { auto r = src.lookup(ip("198.18.92.5")); return !r || r->prefix.len != 24; }));
    ASSERT_TRUE(in_ns("-6 route add 2001:db8:92::/48 via 2001:db8:91::2 dev rsa"));
    EXPECT_TRUE(wait_for(src, [&] { auto r = src.lookup(ip("2001:db8:92::1")); return r && r->gateway == ip("2001:db8:91::2"); }));

    int64_t hb = *src.last_heartbeat_ms();
    EXPECT_TRUE(wait_for(src, [&] { return *src.last_heartbeat_ms() > hb; }));  // periodic dumps succeed

    ASSERT_TRUE(in_ns("route add 198.18.93.0/24 via 198.18.91.2 dev rsa proto bird"));
    ASSERT_TRUE(in_ns("route add 198.18.94.0/24 via 198.18.91.2 dev rsa proto bird"));
    EXPECT_TRUE(wait_for(src, [&] { return src.dynamic_routes_over("rsa") == 2; }));
    EXPECT_EQ(src.restarts(), 0u);
    ASSERT_TRUE(in_ns("route flush proto bird"));
    EXPECT_TRUE(wait_for(src, [&] { return src.dynamic_routes_over("rsa") == 0; }));
    EXPECT_EQ(src.restarts(), 0u);
    ASSERT_TRUE(in_ns("route add 198.18.93.0/24 via 198.18.91.2 dev rsa proto bird"));
    EXPECT_TRUE(wait_for(src, [&] { return src.restarts() == 1; }));

    // Admin down: the kernel drops the IPv4 routes over rsa without a notification.
    ASSERT_TRUE(in_ns("route add 198.18.97.0/24 via 198.18.91.2 dev rsa"));
    EXPECT_TRUE(wait_for(src, [&] { return src.lookup(ip("198.18.97.1")).has_value(); }));
    ASSERT_TRUE(in_ns("link set rsa down"));
    EXPECT_TRUE(wait_for(src, [&] { return !src.lookup(ip("198.18.97.1")) && !src.lookup(ip("198.18.91.7")); }));
    EXPECT_EQ(src.link_running("rsa"), false);
    EXPECT_EQ(src.stats().dumps_failed, 0u);
  });
}

}  // namespace
}  // namespace sysplex::routesource
