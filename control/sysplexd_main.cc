// sysplexd: one node per process (or, for the demos, a node with emulated hosts, or a one-host
// sysplex of three). Parses options and the profile, starts EAL, the node and its workers, runs the
// control loop until signalled.
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "config/options.h"
#include "config/profile_parser.h"
#include "config/profile_print.h"
#include "control/demo/demo.h"
#include "control/demo/sysplex_run.h"
#include "control/node/node.h"
#include "control/ops/telemetry.h"
#include "dataplane/engine/eal.h"

namespace {

using namespace sysplex;

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only process-wide flag

void on_signal(int) { g_stop.store(true); }

struct WorkerArg {
  dp::Engine* engine;
  unsigned slot;
};

int worker_main(void* p) {
  auto* a = static_cast<WorkerArg*>(p);
  a->engine->run_worker(a->slot, g_stop);
  return 0;
}

int check_profile(const std::string& path) {
  auto outcome = config::parse_profile_file(path);
  if (!outcome) {
    std::cerr << outcome.error_text();
    return 1;
  }
  std::cout << config::normalise(outcome.profile());
  return 0;
}

// The demo's traffic: the client pings the node and streams UDP through it to the server's network.
struct DemoTraffic {
  std::unique_ptr<demo::Host> client, server;
  std::array<uint8_t, 6> gw_mac{};
  uint64_t last_ping_ms = 0;

  bool start(node::Node& n) {
    client = std::make_unique<demo::Host>("wire:demo0:b", *parse_ip("198.18.1.2"), n.engine().pool());
    server = std::make_unique<demo::Host>("wire:demo1:b", *parse_ip("198.18.2.2"), n.engine().pool());
    gw_mac = n.engine().ports()[0].mac;
    return client->start() && server->start();
  }
  void step(uint64_t now_ms) {
    client->send_udp(*parse_ip("198.19.0.10"), gw_mac, 32);
    if (now_ms - last_ping_ms >= 200) {
      client->send_ping(*parse_ip("198.18.1.1"), gw_mac);
      last_ping_ms = now_ms;
    }
    client->poll();
    server->poll();
  }
};

struct Rates {
  dp::CounterTotals last;
  uint64_t last_ms = 0;
};

void print_status(node::Node& n, Rates& r, uint64_t now_ms, const DemoTraffic* demo, bool tty) {
  dp::CounterTotals t = n.engine().totals();
  double secs = double(now_ms - r.last_ms) / 1000.0;
  auto rate = [&](uint64_t a, uint64_t b) { return secs > 0 ? double(a - b) / secs / 1000.0 : 0.0; };
  char line[256];
  int len = std::snprintf(line, sizeof line, "%s rx %.1f kpps  fwd %.1f kpps  punt %.1f kpps  drop %.1f kpps  pool %u/%u",
                          n.name().c_str(), rate(t.rx_pkts, r.last.rx_pkts), rate(t.forwarded, r.last.forwarded),
                          rate(t.punted, r.last.punted), rate(t.dropped(), r.last.dropped()), n.engine().pool_in_use(),
                          n.engine().pool_size());
  if (demo)
    std::snprintf(line + len, sizeof line - size_t(len), "  | server got %llu udp, client got %llu echo replies",
                  (unsigned long long)demo->server->udp_received(), (unsigned long long)demo->client->echo_replies());
  std::printf(tty ? "\r%s\033[K" : "%s\n", line);
  std::fflush(stdout);
  r.last = t;
  r.last_ms = now_ms;
}

int run(const config::Options& opts, const config::Profile& profile) {
  auto eal = dp::eal_init(dp::eal_args_with_defaults(opts.eal_args, profile.node_name, opts.telemetry, opts.log_level));
  if (!eal) {
    std::cerr << "sysplexd: " << eal.error().message << "\n";
    return 1;
  }
  unsigned workers = std::min<unsigned>(profile.workers, unsigned(eal->worker_lcores.size()));
  if (workers == 0) {
    std::cerr << "sysplexd: no worker lcore (give EAL at least two lcores, e.g. --eal \"-l 0-1\")\n";
    dp::eal_cleanup(*eal);
    return 1;
  }
  int rc = 0;
  {
    node::NodeOptions no;
    no.keylog = opts.log_level == "keylog";
    auto node = node::Node::create(profile, workers, no);
    if (!node) {
      std::cerr << "sysplexd: " << node.error().message << "\n";
      dp::eal_cleanup(*eal);
      return 1;
    }
    node::Node& n = **node;
    ops::register_telemetry({&n});
    DemoTraffic demo;
    if (!opts.demo.empty() && !demo.start(n)) {
      std::cerr << "sysplexd: cannot start the demo hosts\n";
      rc = 1;
    }
    std::vector<WorkerArg> args(workers);
    for (unsigned w = 0; w < workers && rc == 0; ++w) {
      args[w] = WorkerArg{&n.engine(), w};
      n.engine().set_worker_lcore(w, eal->worker_lcores[w]);
      rte_eal_remote_launch(worker_main, &args[w], eal->worker_lcores[w]);
    }
    bool tty = isatty(STDOUT_FILENO);
    Rates rates{n.engine().totals(), node::steady_ms()};
    uint64_t start = node::steady_ms();
    while (rc == 0 && !g_stop.load()) {
      uint64_t now = node::steady_ms();
      n.poll();
      if (!opts.demo.empty()) demo.step(now);
      if (opts.status_line && now - rates.last_ms >= (tty ? 1000u : 5000u))
        print_status(n, rates, now, opts.demo.empty() ? nullptr : &demo, tty);
      if (opts.run_seconds && now - start >= uint64_t(opts.run_seconds) * 1000) g_stop.store(true);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    n.shutdown();  // releases its DVIPAs to the backups at once instead of at lease expiry
    g_stop.store(true);
    rte_eal_mp_wait_lcore();
    if (opts.status_line) print_status(n, rates, node::steady_ms(), opts.demo.empty() ? nullptr : &demo, false);
  }
  dp::eal_cleanup(*eal);
  return rc;
}

// How the demo's hints spell sysplexctl: beside this sysplexd when it was started by a path.
std::string sysplexctl_beside(const std::string& argv0) {
  size_t slash = argv0.rfind('/');
  return slash == std::string::npos ? "sysplexctl" : argv0.substr(0, slash + 1) + "sysplexctl";
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = config::parse_options(argc, argv);
  if (!opts) {
    std::cerr << "sysplexd: " << opts.error().message << "\n";
    return 2;
  }
  if (opts->help) {
    std::cout << opts->help_text;
    return 0;
  }
  if (opts->check) return check_profile(opts->profile);
  if (opts->demo == "sysplex" || opts->demo == "tour") {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    return demo::run_sysplex(*opts, sysplexctl_beside(argv[0]), g_stop);
  }
  if (!opts->demo.empty() && opts->demo != "single") {
    std::cerr << "sysplexd: no demo named '" << opts->demo << "' (sysplex, tour or single)\n";
    return 2;
  }
  auto profile = opts->demo.empty() ? config::parse_profile_file(opts->profile)
                                    : config::parse_profile_text(demo::kSingleProfile, "<embedded:single>");
  if (!profile) {
    std::cerr << profile.error_text();
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return run(*opts, profile.profile());
}
