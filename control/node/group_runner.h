#pragma once
#include "control/layer_guard.h"
// The node's group thread: runs the ownership state machine (membership, DVIPA ownership over the
// store) on its own thread, so store round trips and outages never stall the control loop. The
// control thread hands it inputs (peers heard, readiness, idleness) and requests, and takes back
// the actions to carry out; the machine's state is copied out for displays.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/profile.h"
#include "config/result.h"
#include "control/ownership/member.h"
#include "control/store/store.h"

namespace sysplex::node {

class GroupRunner {
 public:
  // Builds the state machine over `store` (which must outlive the runner) and starts stepping it
  // every `step_ms` on the monotonic clock `clock_ms`.
  static Result<std::unique_ptr<GroupRunner>> start(const config::Profile& profile, store::Store& store, uint32_t step_ms,
                                                    std::function<uint64_t()> clock_ms);
  // Stops the thread; does not leave (as a crash would not: the lease expires, backups take over).
  ~GroupRunner();
  GroupRunner(const GroupRunner&) = delete;
  GroupRunner& operator=(const GroupRunner&) = delete;

  // ---- control thread ----
  // The machine takes its first step only once armed: the node arms it after listening to the
  // group channel for a failure-detection window, so a newcomer knows who is alive before it
  // judges anyone's silence.
  void arm();
  bool armed() const { return armed_.load(std::memory_order_relaxed); }
  // What the next steps see (its requests are ignored: use request()).
  void set_inputs(ownership::Inputs in);
  // Queued for the next step; the future holds the machine's reply.
  std::future<Status> request(ownership::Request r);
  std::vector<ownership::Action> take_actions();
  // Store work for the group thread (SA records, sequence leases): `task` runs there, after the
  // machine's step, and returns what the control thread does with the outcome; take_done() hands
  // those back. The control thread never waits on the store.
  using Done = std::function<void()>;
  using Task = std::function<Done(store::Store&)>;
  void post(Task task);
  std::vector<Done> take_done();
  ownership::GroupState state() const;
  uint64_t incarnation() const { return incarnation_.load(std::memory_order_relaxed); }

 private:
  GroupRunner(std::unique_ptr<ownership::GroupMember> m, store::Store& store, uint32_t step_ms,
              std::function<uint64_t()> clock)
      : member_(std::move(m)), store_(store), step_ms_(step_ms), clock_(std::move(clock)) {}
  void run_tasks(std::unique_lock<std::mutex>& lock);
  void run();

  std::unique_ptr<ownership::GroupMember> member_;
  store::Store& store_;
  std::vector<Task> tasks_;
  std::vector<Done> done_;
  uint32_t step_ms_;
  std::function<uint64_t()> clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  ownership::Inputs inputs_;
  uint64_t inputs_at_ms_ = 0;             // when the control thread last set them
  static constexpr uint64_t kFreshMs = 30;
  std::vector<std::pair<ownership::Request, std::promise<Status>>> requests_;
  std::vector<ownership::Action> actions_;
  ownership::GroupState state_;
  std::atomic<uint64_t> incarnation_{0};
  bool stop_ = false;
  std::atomic<bool> armed_{false};
  std::thread thread_;
};

}  // namespace sysplex::node
