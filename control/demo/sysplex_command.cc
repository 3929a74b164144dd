// The demo's process-level operator verbs: kill and revive are carried out by the stepping thread
// (they stop and start polling a node), drain is the node's own leave.
#include "control/demo/sysplex.h"

#include <chrono>

namespace sysplex::demo {

namespace {

constexpr auto kCommandWait = std::chrono::seconds(5);

bool is_process_verb(const std::string& verb) {
  return verb == "kill" || verb == "revive" || verb == "restart" || verb == "drain";
}

}  // namespace

std::optional<Result<std::string>> Sysplex::command(const std::string& node, const std::string& verb,
                                                    const std::vector<std::string>& args) {
  std::optional<size_t> i = index_of(node);
  if (!i) return std::nullopt;
  bool down = killed(*i);
  if (!is_process_verb(verb)) {
    if (down)
      return make_error(Errc::kFailedPrecondition, node + " is down (killed); `sysplexctl -n " + node + " revive` brings it back");
    if (verb == "join" || verb == "leave")  // the node carries it out; the view times what follows
      record("operator " + verb + " for " + node, node + " was asked to " + verb);
    return std::nullopt;
  }
  if (!args.empty()) return make_error(Errc::kInvalidArgument, verb + " takes no arguments");
  if (verb == "drain") return drain(*i);
  auto p = std::make_unique<Pending>();
  p->node = *i;
  p->verb = verb;
  std::future<Result<std::string>> done = p->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(p));
  }
  if (done.wait_for(kCommandWait) != std::future_status::ready)
    return make_error(Errc::kUnavailable, "the demo did not carry out '" + verb + "' within 5 s (is its loop stuck?)");
  return done.get();
}

// A planned outage: the node leaves the group, its DVIPAs go to their backups at once (no lease to
// wait out) and it stops serving as a target; `join` brings it back.
Result<std::string> Sysplex::drain(size_t i) {
  std::string name = members_[i].node->name();
  record(name + " drained (operator leave): its DVIPAs go to their backups", name + " was drained");
  Result<std::string> r = members_[i].node->operator_command("leave", {});
  if (!r) return r;
  return name + " is leaving the group; `sysplexctl -n " + name + " join` brings it back";
}

void Sysplex::run_pending() {
  std::vector<std::unique_ptr<Pending>> todo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    todo.swap(pending_);
  }
  for (auto& p : todo) {
    std::string name = members_[p->node].node->name();
    Status st = p->verb == "kill" ? kill(p->node) : revive(p->node);
    if (!st) {
      p->done.set_value(st.error());
    } else if (p->verb == "kill") {
      p->done.set_value(name + " killed; its backup takes over once its heartbeats are missed");
    } else {
      p->done.set_value(name + " revived; it joins the group again");
    }
  }
}

}  // namespace sysplex::demo
