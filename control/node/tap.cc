#include "control/node/tap.h"

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <spawn.h>
#include <sys/wait.h>

#include "config/net.h"

extern char** environ;

namespace sysplex::node {

Status run_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  std::string line;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
    line += (line.empty() ? "" : " ") + a;
  }
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return make_error(Errc::kUnavailable, "cannot run '" + line + "' (is iproute2 installed?)");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error(Errc::kUnavailable, "'" + line + "' failed");
  return ok_status();
}

Result<uint16_t> create_tap(const std::string& node, const std::string& ifname, const std::array<uint8_t, 6>& mac,
                            rte_mempool* pool, const std::vector<std::string>& addrs) {
  MacAddr m{mac};
  std::string vdev = "net_tap_" + node;
  std::string args = vdev + ",iface=" + ifname + ",mac=" + to_string(m);
  if (rte_dev_probe(args.c_str()) != 0)
    return make_error(Errc::kUnavailable, "cannot create TAP " + ifname + " (needs /dev/net/tun and CAP_NET_ADMIN)");
  uint16_t port = 0;
  if (rte_eth_dev_get_port_by_name(vdev.c_str(), &port) != 0)
    return make_error(Errc::kInternal, "TAP " + ifname + " created but its port is missing");
  rte_eth_conf conf{};
  int socket = rte_eth_dev_socket_id(port);
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 || rte_eth_rx_queue_setup(port, 0, 512, socket, nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(port, 0, 512, socket, nullptr) != 0 || rte_eth_dev_start(port) != 0)
    return make_error(Errc::kUnavailable, "cannot start TAP " + ifname);
  if (Status st = run_command({"ip", "link", "set", "dev", ifname, "up"}); !st) return st.error();
  for (const auto& a : addrs)
    if (Status st = run_command({"ip", "addr", "replace", a, "dev", ifname}); !st) return st.error();
  return port;
}

}  // namespace sysplex::node
