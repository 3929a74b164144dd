#include "control/ops/telemetry_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "config/test_temp_dir.h"
#include "control/ops/telemetry_client_fake_server.h"

namespace sysplex::ops {
namespace {

using Mode = FakeTelemetryServer::Mode;
constexpr std::chrono::milliseconds kShort{100};

class TelemetryClientTest : public ::testing::Test {
 protected:
  std::string socket_path() const { return (dir_.path() / "dpdk_telemetry.v2").string(); }
  config::TempDir dir_;
};

TEST_F(TelemetryClientTest, ReadsTheGreetingAndAnswersACommand) {
  FakeTelemetryServer server(socket_path());
  server.reply("/ethdev/list", Json::array({0, 1}));
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->greeting().version, "DPDK 22.11.0");
  EXPECT_EQ(client->greeting().pid, ::getpid());
  EXPECT_EQ(client->greeting().max_output_len, FakeTelemetryServer::kMaxOutputLen);
  Result<Json> data = client->query("/ethdev/list");
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, Json::array({0, 1}));
  EXPECT_EQ(server.received(), std::vector<std::string>{"/ethdev/list"});
}

TEST_F(TelemetryClientTest, SendsParametersAndKeepsTheServersKeyOrder) {
  FakeTelemetryServer server(socket_path());
  server.on("/sysplexd/pool,SYS1", R"({"/sysplexd/pool": {"mbufs": 8, "in_use": 2, "a": 1}})");
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  Result<Json> data = client->query("/sysplexd/pool,SYS1");
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(data->dump(), R"({"mbufs":8,"in_use":2,"a":1})");
}

TEST_F(TelemetryClientTest, ManyQueriesShareOneConnection) {
  FakeTelemetryServer server(socket_path());
  server.reply("/a", 1);
  server.reply("/b", 2);
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*client->query("/a"), 1);
    EXPECT_EQ(*client->query("/b"), 2);
  }
  EXPECT_EQ(server.received().size(), 6u);
}

TEST_F(TelemetryClientTest, NullReplyIsNotFound) {
  FakeTelemetryServer server(socket_path());
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  Result<Json> data = client->query("/nothing,here");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, Errc::kNotFound);
  EXPECT_EQ(data.error().message,
            "no data for '/nothing,here': DPDK answers null when a command is unknown or refuses its parameter");
}

TEST_F(TelemetryClientTest, ReplyForAnotherCommandIsRefused) {
  FakeTelemetryServer server(socket_path());
  server.on("/a", R"({"/b": 1})");
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  Result<Json> data = client->query("/a");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().message, R"(the reply to '/a' is not {"/a": ...}: '{"/b": 1}')");
}

TEST_F(TelemetryClientTest, CommandsMustStartWithASlashAndFitDpdksLimit) {
  FakeTelemetryServer server(socket_path());
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  Result<Json> bare = client->query("ethdev/list");
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().message, "telemetry commands start with '/' (for example /ethdev/list), not 'ethdev/list'");
  Result<Json> long_name = client->query("/" + std::string(55, 'x') + ",p");
  ASSERT_FALSE(long_name.ok());
  EXPECT_NE(long_name.error().message.find("longer than DPDK accepts (55 characters)"), std::string::npos);
  EXPECT_TRUE(client->query("/" + std::string(54, 'x') + ",p").error().code == Errc::kNotFound);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(TelemetryClientTest, MissingSocketSaysSo) {
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message,
            "no telemetry socket at " + socket_path() + " (is the DPDK process running, with telemetry enabled?)");
}

TEST_F(TelemetryClientTest, StaleSocketSaysNothingListens) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path().c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message, "nothing is listening on " + socket_path() +
                                        ": the process that created it has exited (remove " + dir_.path().string() +
                                        " if it is not coming back)");
}

TEST_F(TelemetryClientTest, ServerAtItsClientLimitIsExplained) {
  FakeTelemetryServer server(socket_path(), Mode::kCloseAtOnce);
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message, socket_path() +
                                        " closed the connection at once: DPDK telemetry serves at most 10 clients at "
                                        "a time; close some (watch loops, telemetry scripts)");
}

TEST_F(TelemetryClientTest, ForeignGreetingIsRefused) {
  FakeTelemetryServer server(socket_path(), Mode::kBadGreeting);
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message, socket_path() + " is not a DPDK v2 telemetry socket: it greeted with 'hello'");
}

TEST_F(TelemetryClientTest, SilentServerTimesOut) {
  FakeTelemetryServer server(socket_path(), Mode::kSilent);
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path(), kShort);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto start = std::chrono::steady_clock::now();
  Result<Json> data = client->query("/ethdev/list");
  ASSERT_FALSE(data.ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, kShort);
  EXPECT_EQ(data.error().message,
            "no reply to '/ethdev/list' from " + socket_path() + " within 100 ms (is the DPDK process stuck?)");
}

TEST_F(TelemetryClientTest, ReplyLongerThanAnnouncedIsAnError) {
  FakeTelemetryServer server(socket_path(), Mode::kNormal, 32);
  server.reply("/big", std::string(100, 'x'));
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  Result<Json> data = client->query("/big");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().message, "the reply to '/big' is longer than the 32 bytes the server announced; it was cut");
}

TEST_F(TelemetryClientTest, ServerGoneMidSessionIsReported) {
  auto server = std::make_unique<FakeTelemetryServer>(socket_path());
  Result<TelemetryClient> client = TelemetryClient::connect(socket_path());
  ASSERT_TRUE(client.ok()) << client.error().message;
  server.reset();
  Result<Json> data = client->query("/ethdev/list");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, Errc::kUnavailable);
  EXPECT_NE(data.error().message.find("(did the process exit?)"), std::string::npos) << data.error().message;
}

TEST_F(TelemetryClientTest, OverlongSocketPathIsRefused) {
  Result<TelemetryClient> client = TelemetryClient::connect("/" + std::string(120, 'p'));
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message.find("is longer than a unix socket allows (107 bytes)"), std::string::npos);
}

}  // namespace
}  // namespace sysplex::ops
