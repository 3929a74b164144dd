// Test support: real etcd members (Debian's etcd-server) on free loopback ports, with their data
// in one temporary directory; stopping, killing and restarting members for failover tests.
#pragma once

#include "control/layer_guard.h"

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"

namespace sysplex::store::testing {

struct EtcdClusterOptions {
  int members = 1;
  int heartbeat_ms = 0;    // 0: etcd's default (100)
  int election_ms = 0;     // 0: etcd's default (1000)
  std::chrono::milliseconds start_timeout{15000};
};

// The destructor stops every member (SIGTERM, SIGKILL after 3 s) and removes the directory, so a
// failing test leaves nothing behind. Members also get SIGKILL if the thread that started them
// dies (PR_SET_PDEATHSIG follows the forking thread): start and restart from one long-lived thread.
class EtcdCluster {
 public:
  // Starts the members and waits until every one answers with a leader known. Fails with the
  // member's log tail if one exits or does not get healthy in time.
  static Result<std::unique_ptr<EtcdCluster>> start(EtcdClusterOptions options = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  std::string endpoint(int member) const;
  std::vector<std::string> endpoints() const;
  bool running(int member) const { return members_[member].pid > 0; }

  void kill(int member);              // SIGKILL, reaped
  Status stop(int member);            // SIGTERM, SIGKILL after 3 s
  Status restart(int member);         // same flags and data dir; waits until healthy
  Status wait_healthy(int member, std::chrono::milliseconds timeout);
  // The index of the member the running ones agree leads.
  Result<int> leader(std::chrono::milliseconds timeout);
  std::string log_tail(int member, size_t lines = 20) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    pid_t pid = -1;
  };
  EtcdCluster(EtcdClusterOptions options, std::string dir);
  Status launch(int member);
  Status start_all();
  std::vector<std::string> arguments(int member) const;

  EtcdClusterOptions options_;
  std::string dir_;
  std::string token_;
  std::vector<Member> members_;
};

}  // namespace sysplex::store::testing
