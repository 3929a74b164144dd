#include "control/demo/sysplex_run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <thread>

#include "control/demo/view.h"
#include "control/ops/telemetry.h"
#include "dataplane/engine/eal.h"

namespace sysplex::demo {

namespace {

// Every node is polled by the main lcore's loop, which sleeps this long between passes: a few
// thousand packets a second need no busy core on a small machine.
constexpr auto kPassSleep = std::chrono::microseconds(200);

// --demo tour: the drills a newcomer would type, on a timer.
struct TourStep {
  uint64_t at_ms;
  const char* node;
  const char* verb;
};
constexpr TourStep kTour[] = {
    {10000, "N1", "kill"}, {25000, "N1", "revive"}, {40000, "N1", "drain"}, {50000, "N1", "join"}};

// A verb as sysplexctl would send it: the demo's own first, else the node's (it blocks until the
// stepping thread has run it, so it runs on a thread of its own).
Result<std::string> operate(Sysplex& s, const std::string& node, const std::string& verb) {
  if (auto r = s.command(node, verb, {})) return std::move(*r);
  return s.node(*s.index_of(node)).operator_command(verb, {});
}

class Tour {
 public:
  void step(Sysplex& s, uint64_t now_ms) {
    if (running_.valid() && running_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      Result<std::string> r = running_.get();
      s.record("tour: " + (r ? *r : "failed: " + r.error().message));
    }
    if (next_ >= std::size(kTour) || now_ms < kTour[next_].at_ms || running_.valid()) return;
    const TourStep& t = kTour[next_++];
    s.record(std::string("tour: sysplexctl -n ") + t.node + " " + t.verb);
    running_ = std::async(std::launch::async, [&s, t] { return operate(s, t.node, t.verb); });
  }
  ~Tour() {
    if (running_.valid()) running_.wait();
  }

 private:
  size_t next_ = 0;
  std::future<Result<std::string>> running_;
};

void print_frame(LiveView& view, const Sysplex& s, bool tty) {
  std::vector<std::string> lines = view.table(s);
  if (!tty) {
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    std::printf("\n");
    std::fflush(stdout);
    return;
  }
  lines.push_back("");
  lines.push_back("recent:");
  for (auto& e : view.recent(s, 10)) lines.push_back("  " + e);
  lines.push_back("");
  for (auto& h : view.hint(s)) lines.push_back(h);
  std::string frame = "\033[H";
  for (const auto& l : lines) frame += l + "\033[K\n";
  std::fputs((frame + "\033[J").c_str(), stdout);
  std::fflush(stdout);
}

void print_summary(LiveView& view, const Sysplex& s) {
  std::printf("\n");
  for (const auto& l : view.table(s)) std::printf("%s\n", l.c_str());
  std::printf("\nevents:\n");
  for (const auto& e : s.events()) std::printf("  %s %s\n", at_text(e.at_ms).c_str(), e.text.c_str());
  std::fflush(stdout);
}

void loop(Sysplex& s, const config::Options& opts, const std::string& ctl, std::atomic<bool>& stop) {
  bool tty = isatty(STDOUT_FILENO);
  bool tour_on = opts.demo == "tour";
  LiveView view(ctl);
  Tour tour;
  if (opts.status_line && !tty)
    for (const auto& h : view.hint(s)) std::printf("%s\n", h.c_str());
  if (opts.status_line && tty) std::fputs("\033[2J", stdout);
  uint64_t next_frame = 0, next_events = 0;
  while (!stop.load()) {
    s.step();
    uint64_t now = s.now_ms();
    if (tour_on) tour.step(s, now);
    if (opts.status_line && !tty && now >= next_events) {
      for (const auto& e : view.new_events(s)) std::printf("%s\n", e.c_str());
      next_events = now + 100;
    }
    if (opts.status_line && now >= next_frame) {
      print_frame(view, s, tty);
      next_frame = now + (tty ? 1000 : 5000);
    }
    if (opts.run_seconds && now >= uint64_t(opts.run_seconds) * 1000) stop.store(true);
    std::this_thread::sleep_for(kPassSleep);
  }
  if (opts.status_line) print_summary(view, s);
}

bool has_flag(const std::vector<std::string>& args, std::initializer_list<const char*> flags) {
  for (const auto& a : args)
    for (const char* f : flags)
      if (a.rfind(f, 0) == 0) return true;
  return false;
}

}  // namespace

int run_sysplex(const config::Options& opts, const std::string& ctl, std::atomic<bool>& stop) {
  std::vector<std::string> args = opts.eal_args;
  if (!has_flag(args, {"-l", "--lcores", "-c"})) args.push_back("-l0");  // one lcore polls all three nodes
  // Each node's snapshot holds an IPv4 FIB whose first level alone is 64 MB, and a rebuild holds
  // two until the grace period ends: three nodes need more than the single node's 512 MB.
  if (!has_flag(args, {"-m", "--socket-mem"})) args.push_back("-m1024");
  auto eal = dp::eal_init(dp::eal_args_with_defaults(args, "DEMO", opts.telemetry, opts.log_level));
  if (!eal) {
    std::cerr << "sysplexd: " << eal.error().message << "\n";
    return 1;
  }
  int rc = 0;
  {
    auto s = Sysplex::create();
    if (!s) {
      std::cerr << "sysplexd: cannot start the sysplex demo: " << s.error().message << "\n";
      rc = 1;
    } else {
      Sysplex& plex = **s;
      ops::set_process_command([&plex](const std::string& node, const std::string& verb, const std::vector<std::string>& a) {
        return plex.command(node, verb, a);
      });
      ops::register_telemetry(plex.nodes());
      loop(plex, opts, ctl, stop);
      ops::set_process_command(nullptr);
    }
  }
  dp::eal_cleanup(*eal);
  return rc;
}

}  // namespace sysplex::demo
