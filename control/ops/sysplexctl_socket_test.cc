#include "control/ops/sysplexctl_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "config/test_temp_dir.h"

namespace sysplex::ops {
namespace {

class SysplexctlSocketTest : public ::testing::Test {
 protected:
  // A runtime directory as DPDK leaves it: <prefix>/dpdk_telemetry.v2, a socket file.
  std::string add_process(const std::string& prefix) {
    std::filesystem::create_directories(dir_.path() / prefix);
    std::string path = (dir_.path() / prefix / "dpdk_telemetry.v2").string();
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << path;
    ::close(fd);
    return path;
  }
  std::string find(const SocketChoice& choice) const {
    Result<std::string> r = find_telemetry_socket(choice, dir_.path());
    return r.ok() ? *r : "error: " + r.error().message;
  }
  std::string runtime() const { return dir_.path().string(); }

  config::TempDir dir_;
};

TEST_F(SysplexctlSocketTest, TheOnlySysplexdIsFound) {
  std::string sys1 = add_process("sysplex-SYS1");
  add_process("rte");
  std::filesystem::create_directories(dir_.path() / "sysplex-GONE");   // no socket: telemetry was off
  EXPECT_EQ(find({}), sys1);
}

TEST_F(SysplexctlSocketTest, NoneRunning) {
  add_process("rte");
  EXPECT_EQ(find({}), "error: no sysplexd telemetry socket under " + runtime() +
                          " (is sysplexd running? it needs telemetry enabled)");
}

TEST_F(SysplexctlSocketTest, NoRuntimeDirectoryIsNoneRunning) {
  Result<std::string> r = find_telemetry_socket({}, dir_.path() / "absent");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

TEST_F(SysplexctlSocketTest, SeveralRunningAreListed) {
  add_process("sysplex-SYS2");
  add_process("sysplex-SYS1");
  EXPECT_EQ(find({}), "error: 2 sysplexd processes are running; choose one with --prefix: sysplex-SYS1, sysplex-SYS2");
}

TEST_F(SysplexctlSocketTest, APrefixNamesItsSocket) {
  add_process("sysplex-SYS1");
  std::string testpmd = add_process("rte");
  EXPECT_EQ(find({.prefix = "rte"}), testpmd);
}

TEST_F(SysplexctlSocketTest, AMissingPrefixListsThoseThere) {
  add_process("sysplex-SYS1");
  add_process("rte");
  EXPECT_EQ(find({.prefix = "sysplex-SYS9"}),
            "error: no telemetry socket for file prefix sysplex-SYS9 (" + runtime() +
                "/sysplex-SYS9/dpdk_telemetry.v2); file prefixes with a telemetry socket: rte, sysplex-SYS1");
  std::filesystem::remove_all(dir_.path() / "rte");
  std::filesystem::remove_all(dir_.path() / "sysplex-SYS1");
  EXPECT_EQ(find({.prefix = "x"}), "error: no telemetry socket for file prefix x (" + runtime() +
                                       "/x/dpdk_telemetry.v2); no DPDK process has a telemetry socket under " + runtime());
}

TEST_F(SysplexctlSocketTest, APrefixIsADirectoryNameNotAPath) {
  EXPECT_EQ(find({.prefix = "../etc"}),
            "error: --prefix '../etc' is not a directory name under " + runtime() + "; give a path with --socket PATH");
}

TEST_F(SysplexctlSocketTest, AnExplicitSocketIsUsedAsGiven) {
  add_process("sysplex-SYS1");
  EXPECT_EQ(find({.socket = "/elsewhere/t.sock"}), "/elsewhere/t.sock");
}

TEST_F(SysplexctlSocketTest, PrefixesAreSortedAndNeedASocket) {
  add_process("b");
  add_process("a");
  std::filesystem::create_directories(dir_.path() / "c");
  EXPECT_EQ(telemetry_prefixes(dir_.path()), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace sysplex::ops
