#include "control/node/group_runner.h"

#include <algorithm>
#include <chrono>

namespace sysplex::node {

Result<std::unique_ptr<GroupRunner>> GroupRunner::start(const config::Profile& profile, store::Store& store,
                                                        uint32_t step_ms, std::function<uint64_t()> clock_ms) {
  auto m = ownership::GroupMember::create(profile, store);
  if (!m) return m.error();
  std::unique_ptr<GroupRunner> r(new GroupRunner(std::move(*m), store, step_ms, std::move(clock_ms)));
  r->state_ = r->member_->state();
  r->thread_ = std::thread([p = r.get()] { p->run(); });
  return r;
}

GroupRunner::~GroupRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [req, promise] : requests_) promise.set_value(make_error(Errc::kUnavailable, "the node is stopping"));
}

void GroupRunner::arm() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    armed_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_all();
}

void GroupRunner::set_inputs(ownership::Inputs in) {
  std::lock_guard<std::mutex> lock(mu_);
  in.requests.clear();
  inputs_ = std::move(in);
  inputs_at_ms_ = clock_();
}

std::future<Status> GroupRunner::request(ownership::Request r) {
  std::promise<Status> p;
  std::future<Status> f = p.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.emplace_back(r, std::move(p));
  }
  wake_.notify_all();  // a request is stepped at once, not at the next period
  return f;
}

void GroupRunner::post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_all();
}

std::vector<GroupRunner::Done> GroupRunner::take_done() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(done_, {});
}

void GroupRunner::run_tasks(std::unique_lock<std::mutex>& lock) {
  while (!tasks_.empty() && !stop_) {
    std::vector<Task> todo = std::exchange(tasks_, {});
    lock.unlock();
    std::vector<Done> finished;
    for (auto& t : todo)
      if (Done d = t(store_)) finished.push_back(std::move(d));
    lock.lock();
    for (auto& d : finished) done_.push_back(std::move(d));
  }
}

std::vector<ownership::Action> GroupRunner::take_actions() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(actions_, {});
}

ownership::GroupState GroupRunner::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

// One step per period (or at once when a request arrives); the store calls inside step() run with
// no lock held, so the control thread never waits on the store.
void GroupRunner::run() {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [&] { return stop_ || armed_.load(std::memory_order_relaxed); });
  while (!stop_) {
    ownership::Inputs in = inputs_;
    uint64_t now = clock_();
    // Silence counts only while the control thread listens: inputs older than a step or two
    // (the control loop was descheduled or busy) move every peer's last heartbeat forward by
    // their age, so a stall here is never taken for a peer's failure.
    if (now > inputs_at_ms_ + kFreshMs)
      for (auto& [name, p] : in.peers)
        if (p.last_heard_ms) p.last_heard_ms = std::min(now, p.last_heard_ms + (now - inputs_at_ms_));
    std::vector<std::promise<Status>> promises;
    for (auto& [req, promise] : requests_) {
      in.requests.push_back(req);
      promises.push_back(std::move(promise));
    }
    requests_.clear();
    lock.unlock();
    ownership::StepResult r = member_->step(now, in);
    lock.lock();
    actions_.insert(actions_.end(), r.actions.begin(), r.actions.end());
    for (size_t i = 0; i < promises.size(); ++i)
      promises[i].set_value(i < r.replies.size() ? r.replies[i] : make_error(Errc::kInternal, "no reply from the group"));
    state_ = member_->state();
    incarnation_.store(member_->incarnation(), std::memory_order_relaxed);
    run_tasks(lock);
    wake_.wait_for(lock, std::chrono::milliseconds(step_ms_), [&] { return stop_ || !requests_.empty() || !tasks_.empty(); });
  }
}

}  // namespace sysplex::node
