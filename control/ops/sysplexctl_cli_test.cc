#include "control/ops/sysplexctl_cli.h"

#include <pthread.h>
#include <signal.h>

#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "config/test_temp_dir.h"
#include "control/ops/telemetry_client_fake_server.h"

namespace sysplex::ops {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

// sysplexctl against a fake sysplexd whose socket is where DPDK would put it for `prefix`.
class SysplexctlCliTest : public ::testing::Test {
 protected:
  std::string socket_of(const std::string& prefix) {
    std::filesystem::create_directories(dir_.path() / prefix);
    return (dir_.path() / prefix / "dpdk_telemetry.v2").string();
  }
  FakeTelemetryServer& start(std::vector<std::string> nodes, const std::string& prefix = "sysplex-SYS1") {
    server_ = std::make_unique<FakeTelemetryServer>(socket_of(prefix));
    server_->reply("/sysplexd/nodes", Json{{"nodes", nodes}});
    return *server_;
  }
  Outcome run(std::vector<const char*> args) {
    args.insert(args.begin(), "sysplexctl");
    std::ostringstream out, err;
    CtlEnv env{out, err, dir_.path()};
    env.timeout = 200ms;
    int code = run_sysplexctl(int(args.size()), args.data(), env);
    return {code, out.str(), err.str()};
  }
  std::string runtime() const { return dir_.path().string(); }

  config::TempDir dir_;
  std::unique_ptr<FakeTelemetryServer> server_;
};

TEST_F(SysplexctlCliTest, ShowsTheOnlyNodeOfTheOnlySysplexd) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.reply("/sysplexd/drops,SYS1", Json{{"drops", {{"no-route", 3}}}});
  Outcome r = run({"drops"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "REASON    PACKETS\nno-route        3\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(server.received(), (std::vector<std::string>{"/sysplexd/nodes", "/sysplexd/drops,SYS1"}));
}

TEST_F(SysplexctlCliTest, NodesNeedsNoNode) {
  FakeTelemetryServer& server = start({"SYS1", "SYS2"});
  Outcome r = run({"nodes"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "NODE\nSYS1\nSYS2\n");
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(SysplexctlCliTest, SeveralNodesNeedDashN) {
  FakeTelemetryServer& server = start({"SYS1", "SYS2"});
  server.reply("/sysplexd/pool,SYS2", Json{{"mbufs", 10}, {"in_use", 5}, {"in_use_pct", "50.000000"}});
  Outcome r = run({"pool"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: this sysplexd runs 2 nodes (SYS1, SYS2); choose one with -n NODE\n");
  r = run({"pool", "-n", "sys2"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "MBUFS  IN-USE  IN-USE%\n   10       5     50.0\n");
  r = run({"pool", "-n", "SYS9"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: node SYS9 is not in this sysplexd; it runs SYS1, SYS2\n");
}

TEST_F(SysplexctlCliTest, ANodeLessSysplexdIsStillStarting) {
  start({});
  Outcome r = run({"ports"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: this sysplexd runs no node yet (is it still starting?)\n");
}

TEST_F(SysplexctlCliTest, JsonPrintsTheDataOnOneLine) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.on("/sysplexd/counters,SYS1", R"({"/sysplexd/counters": {"rx_pkts": 5, "control": {"to_tap": 1}}})");
  Outcome r = run({"--json", "counters"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\"rx_pkts\":5,\"control\":{\"to_tap\":1}}\n");
}

TEST_F(SysplexctlCliTest, RawAsksExactlyWhatItIsGiven) {
  std::string path = socket_of("rte");
  FakeTelemetryServer server(path);
  server.reply("/ethdev/list", Json::array({0, 1}));
  Outcome r = run({"--socket", path.c_str(), "raw", "/ethdev/list"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "[\n  0,\n  1\n]\n");
  EXPECT_EQ(server.received(), std::vector<std::string>{"/ethdev/list"});
  r = run({"--prefix", "rte", "--json", "raw", "/ethdev/list"});
  EXPECT_EQ(r.out, "[0,1]\n");
}

TEST_F(SysplexctlCliTest, RawUnknownCommand) {
  std::string path = socket_of("rte");
  FakeTelemetryServer server(path);
  Outcome r = run({"--prefix", "rte", "raw", "/nope,1"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: " + path +
                       " has no /nope command (`sysplexctl raw /` lists what it serves; sysplexctl's displays are "
                       "nodes, ports, counters, drops, lcores, neighbors, pool, routes, vipadcfg, vipadyn, group, vdpt, vcrt, viparoute, targetcache, monitor, messages, ipsec_sa, ipsec_drops, ipsec_policy, crypto, join, leave, deactivate, reactivate, quiesce, resume, hold-buffers, release-buffers, capture, kill, revive, drain)\n");
}

TEST_F(SysplexctlCliTest, ADisplayThisSysplexdLacks) {
  start({"SYS1"});
  Outcome r = run({"routes"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: " + socket_of("sysplex-SYS1") +
                       " has no /sysplexd/routes command (is it sysplexd, and as new as sysplexctl? `sysplexctl raw /` "
                       "lists what it serves; sysplexctl's displays are nodes, ports, counters, drops, lcores, "
                       "neighbors, pool, routes, vipadcfg, vipadyn, group, vdpt, vcrt, viparoute, targetcache, monitor, messages, ipsec_sa, ipsec_drops, ipsec_policy, crypto, join, leave, deactivate, reactivate, quiesce, resume, hold-buffers, release-buffers, capture, kill, revive, drain)\n");
}

TEST_F(SysplexctlCliTest, NotASysplexd) {
  std::string path = socket_of("sysplex-X");
  FakeTelemetryServer server(path);
  Outcome r = run({"ports"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find(" has no /sysplexd/nodes command (is it sysplexd,"), std::string::npos) << r.err;
}

TEST_F(SysplexctlCliTest, ADisplayWithoutAFormatterPrintsAsJson) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.reply("/sysplexd/samonitor,SYS1", Json{{"vipas", Json::array()}});
  Outcome r = run({"samonitor"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\n  \"vipas\": []\n}\n");
}

TEST_F(SysplexctlCliTest, VcrtFiltersBecomeTelemetryParameters) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.reply("/sysplexd/vcrt,SYS1,dvipa=198.18.1.50,limit=5",
               Json{{"total", 7}, {"matched", 1}, {"shown", 1},
                    {"conn0", {{"dest", "198.18.1.50..8080"}, {"source", "198.18.1.100..40000"}, {"destxcf", "198.18.1.12"},
                               {"state", "established"}, {"idle_ms", 12}, {"origin", "syn"}}}});
  Outcome r = run({"vcrt", "dvipa=198.18.1.50", "limit=5"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "connections: 7 in the table, 1 match, 1 shown\n\n"
            "DEST               SOURCE               DESTXCF      STATE        IDLE-MS  ORIGIN\n"
            "198.18.1.50..8080  198.18.1.100..40000  198.18.1.12  established       12  syn\n");
  EXPECT_EQ(run({"vdpt", "dvipa=198.18.1.50"}).err, "sysplexctl: unexpected 'dvipa=198.18.1.50' after vdpt\n");
  EXPECT_EQ(run({"vcrt", "a,b"}).err,
            "sysplexctl: 'a,b' after vcrt is not an argument (vcrt takes [dvipa=A] [client=A] [target=A] [state=S] [limit=N])\n");
}

TEST_F(SysplexctlCliTest, OperatorCommandsGoThroughOpAndFailWhenTheNodeRefuses) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.reply("/sysplexd/op,SYS1,hold-buffers,6000", Json{{"ok", "yes"}, {"result", "6000 mbufs held"}});
  server.reply("/sysplexd/op,SYS1,join", Json{{"ok", "no"}, {"error", "already in the group"}});
  Outcome r = run({"hold-buffers", "6000"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "6000 mbufs held\n");
  r = run({"join"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.out, "failed: already in the group\n");
  EXPECT_EQ(run({"leave", "now"}).err, "sysplexctl: unexpected 'now' after leave\n");
}

TEST_F(SysplexctlCliTest, NoSysplexdRunning) {
  Outcome r = run({"ports"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: no sysplexd telemetry socket under " + runtime() +
                       " (is sysplexd running? it needs telemetry enabled)\n");
}

TEST_F(SysplexctlCliTest, SeveralSysplexdRunning) {
  start({"SYS1"});
  FakeTelemetryServer other(socket_of("sysplex-SYS2"));
  Outcome r = run({"ports"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: 2 sysplexd processes are running; choose one with --prefix: sysplex-SYS1, "
                   "sysplex-SYS2\n");
}

TEST_F(SysplexctlCliTest, AStuckSysplexd) {
  std::string path = socket_of("sysplex-SYS1");
  FakeTelemetryServer server(path, FakeTelemetryServer::Mode::kSilent);
  Outcome r = run({"ports"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "sysplexctl: no reply to '/sysplexd/nodes' from " + path +
                       " within 200 ms (is the DPDK process stuck?)\n");
}

TEST_F(SysplexctlCliTest, UsageErrorsExitTwo) {
  Outcome r = run({"--bogus", "ports"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "sysplexctl: unrecognised option '--bogus'; see sysplexctl --help\n");
  r = run({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
}

TEST_F(SysplexctlCliTest, Help) {
  Outcome r = run({"-h"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out.rfind("Usage: sysplexctl", 0), 0u) << r.out;
}

TEST(SysplexctlWatch, RatesFromTheSecondSampleOn) {
  const Display* counters = find_display("counters");
  auto t0 = std::chrono::steady_clock::now();
  Sample first{Json{{"rx_pkts", 100}, {"tx_pkts", 50}}, t0};
  Sample second{Json{{"rx_pkts", 300}, {"tx_pkts", 50}}, t0 + 2s};
  EXPECT_EQ(watch_rates(counters, std::nullopt, first), "\nper-second rates from the next sample on\n");
  EXPECT_EQ(watch_rates(counters, first, second),
            "\nCOUNTER    PER-SEC\n"
            "rx_pkts        100\n"
            "tx_pkts          0\n"
            "forwarded        -\n"
            "punted           -\n"
            "dropped          -\n");
  EXPECT_EQ(watch_rates(find_display("ports"), first, second), "");
  EXPECT_EQ(watch_rates(nullptr, first, second), "");
}

// The real loop: frames every 0.1 s until SIGINT, which is held pending (blocked) until the loop
// waits for it, exactly as Ctrl-C reaches it between frames.
TEST_F(SysplexctlCliTest, WatchRepeatsUntilInterrupted) {
  FakeTelemetryServer& server = start({"SYS1"});
  server.reply("/sysplexd/counters,SYS1", Json{{"rx_pkts", 7}, {"tx_pkts", 7}});
  sigset_t interrupt, saved;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &interrupt, &saved), 0);
  Outcome r;
  std::thread watch([&] { r = run({"watch", "-i", "0.1", "counters"}); });
  for (int i = 0; i < 500 && server.received().size() < 4; ++i) std::this_thread::sleep_for(10ms);
  pthread_kill(watch.native_handle(), SIGINT);
  watch.join();
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_GE(server.received().size(), 4u);
  EXPECT_EQ(r.out.rfind("every 0.1s: /sysplexd/counters,SYS1  ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("per-second rates from the next sample on\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COUNTER    PER-SEC\nrx_pkts          0\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sysplex::ops
