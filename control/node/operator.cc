// Operator commands, carried out on the control thread: group membership (join, leave) and test
// aids for failure drills (hold-buffers, release-buffers: take mbufs out of the node's own pool to
// drive it into the constrained state sysplex autonomics reacts to).
#include <rte_mbuf.h>

#include <algorithm>
#include <future>

#include "control/node/group_runner.h"

#include "control/node/node.h"

namespace sysplex::node {

Result<std::string> Node::operator_command(const std::string& verb, const std::vector<std::string>& args,
                                           std::chrono::milliseconds timeout) {
  auto c = std::make_shared<Command>();
  c->verb = verb;
  c->args = args;
  std::unique_lock<std::mutex> lock(commands_mu_);
  commands_.push_back(c);
  if (!commands_cv_.wait_for(lock, timeout, [&] { return c->outcome.has_value(); }))
    return make_error(Errc::kUnavailable, "node " + name() + " did not carry out '" + verb + "' within " +
                                              std::to_string(timeout.count()) + " ms (is its control loop stuck?)");
  return *c->outcome;
}

void Node::run_operator_commands() {
  std::deque<std::shared_ptr<Command>> todo;
  {
    std::lock_guard<std::mutex> lock(commands_mu_);
    todo.swap(commands_);
  }
  bool done = false;
  for (auto& c : todo) {
    if (group_ && is_group_verb(c->verb)) {  // answered when the group thread has stepped
      Result<ownership::Request> r = group_request(c->verb, c->args);
      if (r) {
        c->pending = group_->request(*r);
        c->deadline_ms = clock_() + kGroupReplyMs;
        waiting_.push_back(c);
        continue;
      }
      finish_command(*c, r.error());
    } else {
      finish_command(*c, carry_out(c->verb, c->args));
    }
    done = true;
  }
  done |= collect_group_replies();
  if (done) commands_cv_.notify_all();
}

bool Node::collect_group_replies() {
  bool done = false;
  uint64_t now = clock_();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    Command& c = **it;
    if (c.pending->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      Status st = c.pending->get();
      finish_command(c, st ? Result<std::string>(c.verb + " accepted") : Result<std::string>(st.error()));
    } else if (now >= c.deadline_ms) {
      finish_command(c, make_error(Errc::kUnavailable, "the group thread did not answer '" + c.verb + "' within " +
                                                           std::to_string(kGroupReplyMs) + " ms (is the store reachable?)"));
    } else {
      ++it;
      continue;
    }
    done = true;
    it = waiting_.erase(it);
  }
  return done;
}

void Node::finish_command(Command& c, Result<std::string> r) {
  note("operator " + c.verb + (r ? ": " + *r : " failed: " + r.error().message));
  std::lock_guard<std::mutex> lock(commands_mu_);
  c.outcome = std::move(r);
}

// hold-buffers N: takes N more mbufs out of the pool (at most what it has left); release-buffers
// gives every held one back.
Result<std::string> Node::hold_buffers(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].empty() || args[0].find_first_not_of("0123456789") != std::string::npos)
    return make_error(Errc::kInvalidArgument, "hold-buffers takes a number of mbufs, e.g. hold-buffers 6000");
  unsigned long n = std::stoul(args[0].substr(0, 9));
  unsigned got = 0;
  for (; got < n; ++got) {
    rte_mbuf* m = rte_pktmbuf_alloc(engine_->pool());
    if (!m) break;
    held_.push_back(m);
  }
  return std::to_string(got) + " mbufs held (" + std::to_string(held_.size()) + " in all); pool " +
         std::to_string(engine_->pool_in_use()) + "/" + std::to_string(engine_->pool_size()) + " in use";
}

bool Node::is_group_verb(const std::string& verb) {
  return verb == "join" || verb == "leave" || verb == "deactivate" || verb == "reactivate" || verb == "quiesce" ||
         verb == "resume";
}

// With a group, membership and DVIPA commands are the group thread's (VARY TCPIP,,SYSPLEX and
// VARY TCPIP,,DEACTIVATE/REACTIVATE on z/OS); the reply is the ownership machine's.
Result<ownership::Request> Node::group_request(const std::string& verb, const std::vector<std::string>& args) const {
  bool takes_dvipa = verb == "deactivate" || verb == "reactivate";
  if (args.size() != (takes_dvipa ? 1u : 0u))
    return make_error(Errc::kInvalidArgument, verb + (takes_dvipa ? " takes one DVIPA, e.g. " + verb + " 198.18.1.50" : " takes no arguments"));
  std::optional<IpAddr> dvipa = takes_dvipa ? parse_ip(args[0]) : std::nullopt;
  if (takes_dvipa && !dvipa) return make_error(Errc::kInvalidArgument, "'" + args[0] + "' is not an address");
  if (takes_dvipa && std::none_of(dist_->activations().begin(), dist_->activations().end(),
                                  [&](const distributor::DvipaActivation& a) { return a.dvipa.addr == *dvipa; }))
    return make_error(Errc::kNotFound, to_string(*dvipa) + " is not a DVIPA this node defines or backs up");
  if (verb == "join") return ownership::Request::join();
  if (verb == "leave") return ownership::Request::leave(ownership::LeaveCause::kOperator);
  if (verb == "quiesce") return ownership::Request::quiesce();
  if (verb == "resume") return ownership::Request::resume();
  return verb == "deactivate" ? ownership::Request::deactivate(*dvipa) : ownership::Request::reactivate(*dvipa);
}

Result<std::string> Node::carry_out(const std::string& verb, const std::vector<std::string>& args) {
  if (is_group_verb(verb) && verb != "join" && verb != "leave")
    return make_error(Errc::kFailedPrecondition, verb + " needs a group (GROUP ... KEYFILE in the profile)");
  if (verb == "leave" || verb == "join") {
    if (!args.empty()) return make_error(Errc::kInvalidArgument, verb + " takes no arguments");
    bool leave = verb == "leave";
    if (leave != in_group_) return std::string(leave ? "not in the group" : "already in the group");
    request_group(leave ? GroupRequest::kLeave : GroupRequest::kJoin, "operator");
    return std::string(leave ? "left the group" : "joined the group");
  }
  if (verb == "hold-buffers") return hold_buffers(args);
  if (verb == "capture") return capture_command(args);
  if (verb == "release-buffers") {
    size_t n = held_.size();
    for (rte_mbuf* m : held_) rte_pktmbuf_free(m);
    held_.clear();
    return std::to_string(n) + " mbufs released";
  }
  return make_error(Errc::kInvalidArgument, "unknown command '" + verb +
                                                "'; one of: join, leave, deactivate DVIPA, reactivate DVIPA, quiesce, resume, "
                                                "hold-buffers N, release-buffers, capture SPI [COUNT] [FILE] | stop");
}

}  // namespace sysplex::node
