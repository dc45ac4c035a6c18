#include "jobs/scheduler.h"

#include <algorithm>

#include "common/api_error.h"

namespace dss::jobs {

Scheduler::Scheduler(std::function<int()> max_running) : max_running_(std::move(max_running)) {}

Scheduler::~Scheduler() {
  Shutdown();
}

int Scheduler::LimitLocked() const {
  return std::max(1, max_running_ ? max_running_() : 5);
}

int Scheduler::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

int Scheduler::peak_running() const {
  std::lock_guard lock(mu_);
  return peak_;
}

void Scheduler::EnqueueLocked(const std::shared_ptr<JobRun>& job,
                              const std::vector<size_t>& ready) {
  for (size_t i : ready) queue_.push_back({job, i});
  // Threads are created on demand up to the limit; idle ones are reused.
  size_t available = threads_.size() - std::min(threads_.size(), static_cast<size_t>(running_));
  size_t limit = static_cast<size_t>(LimitLocked());
  while (!stop_ && available < queue_.size() && threads_.size() < limit) {
    threads_.emplace_back([this] { Worker(); });
    ++available;
  }
  cv_.notify_all();
}

void Scheduler::Submit(std::shared_ptr<JobRun> job) {
  {
    std::lock_guard lock(mu_);
    if (stop_) throw ApiError(ErrorCode::kUnavailable, "The server is shutting down");
    std::erase_if(jobs_, [](const std::weak_ptr<JobRun>& w) { return w.expired(); });
    jobs_.push_back(job);
  }
  std::vector<size_t> ready = job->Start();
  std::lock_guard lock(mu_);
  EnqueueLocked(job, ready);
}

void Scheduler::Worker() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || (!queue_.empty() && running_ < LimitLocked()); });
    if (queue_.empty()) {
      if (stop_) return;
      continue;
    }
    if (!stop_ && running_ >= LimitLocked()) continue;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    peak_ = std::max(peak_, running_);
    lock.unlock();
    std::vector<size_t> ready = item.job->RunActivity(item.idx);
    lock.lock();
    --running_;
    EnqueueLocked(item.job, ready);
  }
}

void Scheduler::Shutdown() {
  std::vector<std::shared_ptr<JobRun>> live;
  {
    std::lock_guard lock(mu_);
    if (stop_ && threads_.empty()) return;
    stop_ = true;
    for (auto& w : jobs_)
      if (auto j = w.lock()) live.push_back(j);
  }
  for (auto& j : live) j->Abort("The server is shutting down");
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

}  // namespace dss::jobs
