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
                            rte_mempool* pool, const std::vector<std::string>& addrs,
                            const std::vector<std::string>& routes, uint16_t queues) {
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
  if (rte_eth_dev_configure(port, queues, queues, &conf) != 0)
    return make_error(Errc::kUnavailable, "cannot configure TAP " + ifname + " with " + std::to_string(queues) + " queues");
  for (uint16_t q = 0; q < queues; ++q)
    if (rte_eth_rx_queue_setup(port, q, 512, socket, nullptr, pool) != 0 || rte_eth_tx_queue_setup(port, q, 512, socket, nullptr) != 0)
      return make_error(Errc::kUnavailable, "cannot set up queue " + std::to_string(q) + " of TAP " + ifname);
  if (rte_eth_dev_start(port) != 0) return make_error(Errc::kUnavailable, "cannot start TAP " + ifname);
  std::string conf_dir = "net.ipv4.conf." + ifname + ".";
  for (const char* kv : {"arp_announce=2", "arp_ignore=1", "rp_filter=0"})
    if (Status st = run_command({"sysctl", "-qw", conf_dir + kv}); !st) return st.error();
  if (Status st = run_command({"ip", "link", "set", "dev", ifname, "up"}); !st) return st.error();
  for (const auto& a : addrs)
    if (Status st = tap_address(ifname, a, true); !st) return st.error();
  for (const auto& r : routes) {
    std::vector<std::string> argv = {"ip", "route", "replace"};
    for (size_t b = 0, e; b < r.size(); b = e + 1) {
      e = r.find(' ', b);
      if (e == std::string::npos) e = r.size();
      if (e > b) argv.push_back(r.substr(b, e - b));
    }
    argv.insert(argv.end(), {"dev", ifname});
    if (Status st = run_command(argv); !st) return st.error();
  }
  return port;
}

Status tap_address(const std::string& ifname, const std::string& addr, bool add) {
  std::vector<std::string> argv = {"ip", "addr", add ? "replace" : "del", addr, "dev", ifname};
  if (add && addr.find(':') != std::string::npos) argv.push_back("nodad");
  return run_command(argv);
}

}  // namespace sysplex::node
