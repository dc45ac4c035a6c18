#pragma once
// jobs/job_run.h: one job's activity graph and the states of its activities.
//
// The graph is fixed at construction (validated: unique ids, known dependencies, no cycle).
// The Scheduler moves activities through NOT_STARTED → WAITING (ready, queued for a slot) →
// RUNNING → DONE | FAILED | ABORTED; a failure skips every transitive dependent (SKIPPED)
// while independent activities carry on; an abort stops everything not yet running. The job
// ends DONE, FAILED (first failure kept) or ABORTED once every activity is terminal.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/activity.h"
#include "jobs/cancellation_token.h"
#include "jobs/run_state.h"

namespace dss::jobs {

struct ActivitySpec {
  std::string id;
  std::vector<std::string> depends_on;  // ids of activities of the same job
  std::unique_ptr<Activity> activity;
};

/// An error as DSS reports it (unexpectedFailure).
struct Failure {
  std::string error_type;
  std::string message;
  std::string detailed_message;
};

struct ActivityStatus {
  std::string id;
  std::vector<std::string> depends_on;
  RunState state = RunState::kNotStarted;
  int64_t start_ms = 0;  // 0 until RUNNING
  int64_t end_ms = 0;    // 0 until terminal
  std::optional<Failure> failure;
};

struct JobStatus {
  int64_t revision = 0;  // increases with every change
  RunState state = RunState::kNotStarted;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool abort_requested = false;
  std::optional<Failure> failure;          // the first failure, or the abort
  std::vector<ActivityStatus> activities;  // in construction order
};

struct JobRunHooks {
  /// Log line of an activity (`activity_id`) or of the job itself (empty id). May be called
  /// from several threads at once.
  std::function<void(const std::string& activity_id, std::string_view line)> log;
  /// Called after every change with the new status; calls are serialised and see
  /// increasing revisions. Must not call back into the JobRun's mutating methods.
  std::function<void(const JobStatus&)> on_change;
};

class JobRun {
 public:
  /// Throws ApiError(kBadRequest) for a duplicate or empty id, an unknown dependency, a
  /// missing activity object, or a dependency cycle (the message names the activities).
  JobRun(std::string id, std::vector<ActivitySpec> specs, JobRunHooks hooks);
  JobRun(const JobRun&) = delete;
  JobRun& operator=(const JobRun&) = delete;

  const std::string& id() const { return id_; }
  /// A consistent copy of the current states. Thread-safe.
  JobStatus Snapshot() const;
  /// Requests an abort: interrupts running activities (their hooks run on this thread),
  /// marks every not-yet-running activity ABORTED. The job ends ABORTED when the running
  /// ones return. Idempotent; thread-safe.
  void Abort(const std::string& reason);
  /// Waits until the job is terminal or `timeout` passes. Returns whether it is terminal.
  bool WaitFinished(std::chrono::milliseconds timeout) const;

  // Scheduler side (thread-safe).
  /// Job → RUNNING; returns the activities now ready (they are WAITING). A job without
  /// activities ends DONE here.
  std::vector<size_t> Start();
  /// Runs activity `idx` (WAITING) on the calling thread, unless the job was aborted; records
  /// the outcome and returns the activities that became ready.
  std::vector<size_t> RunActivity(size_t idx);
  const std::string& activity_id(size_t idx) const { return nodes_[idx].id; }

 private:
  struct Node {
    std::string id;
    std::vector<std::string> depends_on;
    std::unique_ptr<Activity> activity;
    std::vector<size_t> deps, dependents;
    RunState state = RunState::kNotStarted;
    int64_t start_ms = 0, end_ms = 0;
    std::optional<Failure> failure;
  };
  void Log(const std::string& activity_id, std::string_view line);
  void Notify();
  // Requires mu_. Ends the job when every activity is terminal; returns whether it did.
  bool MaybeFinishLocked();
  void SkipDependentsLocked(size_t idx);
  std::vector<size_t> CollectReadyLocked(const std::vector<size_t>& candidates);

  const std::string id_;
  JobRunHooks hooks_;
  CancellationToken token_;
  std::vector<Node> nodes_;
  mutable std::mutex mu_;
  mutable std::condition_variable finished_cv_;
  int64_t revision_ = 0;
  RunState state_ = RunState::kNotStarted;
  int64_t start_ms_ = 0, end_ms_ = 0;
  bool abort_requested_ = false;
  std::optional<Failure> failure_;
  std::mutex notify_mu_;  // serialises on_change calls
};

/// The Failure describing an exception (ApiError keeps its errorType and messages).
Failure FailureFromException(const std::exception& e);

}  // namespace dss::jobs
