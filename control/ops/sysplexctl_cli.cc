// watch blocks SIGINT/SIGTERM and waits for them with sigtimedwait instead of sleeping: Ctrl-C ends
// the loop between frames without a handler, a global flag or an EINTR in the middle of a query.
#include "control/ops/sysplexctl_cli.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <vector>

#include "control/ops/sysplexctl_options.h"

namespace sysplex::ops {
namespace {

using Clock = std::chrono::steady_clock;

// Clears a terminal and homes the cursor, as watch(1) does between frames.
constexpr std::string_view kClearScreen = "\033[H\033[2J";

int fail(const CtlEnv& env, const Error& e, int code = kExitFailure) {
  env.err << "sysplexctl: " << e.message << "\n";
  return code;
}

std::string known_displays() {
  std::vector<std::string> names;
  for (const Display& d : displays()) names.emplace_back(d.name);
  return comma_list(names);
}

// DPDK answers null both for an unknown command and for one that refused its parameter; by now the
// node is known to exist, so null means this sysplexd has no such display.
Error explain_null(const std::string& socket_path, const std::string& command, const Error& e) {
  if (e.code != Errc::kNotFound) return e;
  std::string name = command.substr(0, command.find(','));
  std::string hint = command.starts_with("/sysplexd/") ? "is it sysplexd, and as new as sysplexctl? " : "";
  return make_error(e.code, socket_path + " has no " + name + " command (" + hint +
                                "`sysplexctl raw /` lists what it serves; sysplexctl's displays are " +
                                known_displays() + ")");
}

Result<std::string> telemetry_command_for(TelemetryClient& client, const CtlOptions& o, const Display* display) {
  if (o.command == "raw") return o.raw_command;
  if (display != nullptr && !display->per_node) return telemetry_command(o.command, "", o.args);
  std::string nodes_command = telemetry_command("nodes", "");
  Result<Json> nodes = client.query(nodes_command);
  if (!nodes) return explain_null(client.socket_path(), nodes_command, nodes.error());
  Result<std::string> node = choose_node(*nodes, o.node);
  if (!node) return node.error();
  if (display != nullptr && display->op) {
    std::vector<std::string> words{o.command};
    words.insert(words.end(), o.args.begin(), o.args.end());
    return telemetry_command("op", *node, words);
  }
  return telemetry_command(o.command, *node, o.args);
}

Result<std::string> render(const CtlOptions& o, const Display* display, const Json& data) {
  if (o.json) return compact_json(data);
  return format_display(display, data);
}

int show_once(TelemetryClient& client, const CtlOptions& o, const Display* display, const std::string& command,
              const CtlEnv& env) {
  Result<Json> data = client.query(command);
  if (!data) return fail(env, explain_null(client.socket_path(), command, data.error()));
  Result<std::string> text = render(o, display, *data);
  if (!text) return fail(env, text.error());
  env.out << *text;
  return display && display->op && member(*data, "ok") != "yes" ? kExitFailure : kExitOk;
}

// Holds SIGINT and SIGTERM blocked while alive, so they can only end a watch between frames.
class InterruptWait {
 public:
  InterruptWait() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &saved_);
  }
  ~InterruptWait() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  InterruptWait(const InterruptWait&) = delete;
  InterruptWait& operator=(const InterruptWait&) = delete;

  // True when interrupted before `deadline`.
  bool until(Clock::time_point deadline) const {
    for (;;) {
      auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
      timespec ts{time_t(secs.count()), long(std::chrono::nanoseconds(left - secs).count())};
      if (sigtimedwait(&set_, nullptr, &ts) > 0) return true;
      if (errno == EAGAIN) return false;
      // EINTR: another signal (a stop and continue, say); wait out the rest.
    }
  }

 private:
  sigset_t set_{};
  sigset_t saved_{};
};

std::string watch_header(const CtlOptions& o, const std::string& command) {
  char clock[16] = "";
  std::time_t now = std::time(nullptr);
  std::tm local{};
  if (localtime_r(&now, &local) != nullptr) std::strftime(clock, sizeof(clock), "%H:%M:%S", &local);
  char every[32];
  std::snprintf(every, sizeof(every), "%g", o.interval_s);
  return "every " + std::string(every) + "s: " + command + "  " + clock + "\n\n";
}

Result<std::string> watch_frame(const CtlOptions& o, const Display* display, const std::string& command,
                                const std::optional<Sample>& previous, const Sample& current, bool tty) {
  if (o.json) return compact_json(current.data);
  Result<std::string> text = format_display(display, current.data);
  if (!text) return text.error();
  std::string separator = tty ? std::string(kClearScreen) : previous ? "\n" : "";
  return separator + watch_header(o, command) + *text + watch_rates(display, previous, current);
}

int run_watch(TelemetryClient& client, const CtlOptions& o, const Display* display, const std::string& command,
              const CtlEnv& env) {
  InterruptWait interrupt;
  auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.interval_s));
  std::optional<Sample> previous;
  for (Clock::time_point next = Clock::now();;) {
    Result<Json> data = client.query(command);
    if (!data) return fail(env, explain_null(client.socket_path(), command, data.error()));
    Sample current{std::move(*data), Clock::now()};
    Result<std::string> frame = watch_frame(o, display, command, previous, current, env.out_is_tty);
    if (!frame) return fail(env, frame.error());
    env.out << *frame << std::flush;
    previous = std::move(current);
    next = std::max(next + interval, Clock::now());
    if (interrupt.until(next)) return kExitOk;
  }
}

}  // namespace

Result<std::string> choose_node(const Json& nodes_reply, const std::string& wanted) {
  Result<const Json*> list = array_member(nodes_reply, "nodes");
  if (!list) return make_error(Errc::kInternal, "/sysplexd/nodes replied without a 'nodes' list");
  std::vector<std::string> names;
  for (const Json& n : **list)
    if (n.is_string()) names.push_back(n.get<std::string>());
  if (!wanted.empty() && std::find(names.begin(), names.end(), wanted) != names.end()) return wanted;
  if (!wanted.empty())
    return make_error(Errc::kNotFound, "node " + wanted + " is not in this sysplexd" +
                                           (names.empty() ? std::string(", which runs no node yet") : "; it runs " + comma_list(names)));
  if (names.size() == 1) return names.front();
  if (names.empty()) return make_error(Errc::kUnavailable, "this sysplexd runs no node yet (is it still starting?)");
  return make_error(Errc::kInvalidArgument, "this sysplexd runs " + std::to_string(names.size()) + " nodes (" +
                                                comma_list(names) + "); choose one with -n NODE");
}

std::string watch_rates(const Display* display, const std::optional<Sample>& previous, const Sample& current) {
  if (display == nullptr || display->rate_keys.empty()) return "";
  if (!previous) return "\nper-second rates from the next sample on\n";
  double seconds = std::chrono::duration<double>(current.at - previous->at).count();
  return "\n" + rates_table(previous->data, current.data, seconds, display->rate_keys);
}

int run_sysplexctl(int argc, const char* const* argv, const CtlEnv& env) {
  Result<CtlOptions> o = parse_ctl_options(argc, argv);
  if (!o) return fail(env, o.error(), kExitUsage);
  if (o->help) {
    env.out << o->help_text;
    return kExitOk;
  }
  Result<std::string> path = find_telemetry_socket(o->where, env.runtime_dir);
  if (!path) return fail(env, path.error());
  Result<TelemetryClient> client = TelemetryClient::connect(*path, env.timeout);
  if (!client) return fail(env, client.error());
  const Display* display = find_display(o->command);
  Result<std::string> command = telemetry_command_for(*client, *o, display);
  if (!command) return fail(env, command.error());
  return o->watch ? run_watch(*client, *o, display, *command, env) : show_once(*client, *o, display, *command, env);
}

}  // namespace sysplex::ops
