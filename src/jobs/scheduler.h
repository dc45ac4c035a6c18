#pragma once
// jobs/scheduler.h: the worker pool that runs the activities of every job under one global
// concurrency limit (DSS's "max running activities", default 5).

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "jobs/job_run.h"

namespace dss::jobs {

class Scheduler {
 public:
  /// `max_running` gives the current limit; it is read whenever a slot is considered, so a
  /// settings change applies to the next activity. Values < 1 count as 1. It must be cheap and
  /// must not call into the scheduler.
  explicit Scheduler(std::function<int()> max_running);
  /// Shutdown().
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Starts `job`: its ready activities are queued (WAITING) in submission order behind those
  /// of earlier jobs. Throws ApiError(kUnavailable) after Shutdown. Thread-safe.
  void Submit(std::shared_ptr<JobRun> job);
  /// Aborts every job still running, waits for the worker threads to end. Idempotent.
  void Shutdown();

  /// Activities running now / the most ever running at once (for tests and metrics).
  int running() const;
  int peak_running() const;

 private:
  struct Item {
    std::shared_ptr<JobRun> job;
    size_t idx;
  };
  void Worker();
  int LimitLocked() const;
  void EnqueueLocked(const std::shared_ptr<JobRun>& job, const std::vector<size_t>& ready);

  std::function<int()> max_running_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::vector<std::thread> threads_;
  std::vector<std::weak_ptr<JobRun>> jobs_;
  int running_ = 0;
  int peak_ = 0;
  bool stop_ = false;
};

}  // namespace dss::jobs
