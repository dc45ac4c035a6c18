#pragma once
// core/job_service.h: jobs — building Flow outputs (spec endpoints.md §2.3, §3.6;
// semantics.md §7).
//
// POST plans the job synchronously (so a bad request fails with a clear error and nothing is
// created), persists it ("job"/PROJ/ID), and hands its activities to the scheduler. Every
// state change is persisted; logs go to DATA_DIR/jobs/PROJ/JOB_ID/{output,<activity>}.log.
// A job found unfinished at start-up (the server died) is marked FAILED.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth/principal.h"
#include "common/json.h"
#include "core/flow_planner.h"
#include "core/recipe_executor.h"
#include "jobs/job_run.h"
#include "jobs/scheduler.h"

namespace dss::core {

class Services;

inline constexpr const char* kKindJob = "job";

class JobService {
 public:
  /// Marks jobs left unfinished by a previous process FAILED. Throws ApiError(kInternal) when
  /// the store cannot be read.
  JobService(Services& services, std::shared_ptr<RecipeExecutorRegistry> executors);
  /// Shutdown().
  ~JobService();

  /// Starts a job from a DSS job definition ({type, outputs:[{id, type, projectKey,
  /// partition}], ...}; null type/projectKey default to DATASET / `project`). Returns the
  /// job's definition (with `id`). Throws what FlowPlanner::Plan throws. Thread-safe.
  Json Start(const auth::Principal& who, const std::string& project, const Json& def);
  /// Job list items of a project, newest first, at most `limit` (≤ 0 = all). Thread-safe.
  Json List(const std::string& project, long long limit) const;
  /// The job status; when `wait_ms` > 0 and the job is unfinished, first waits up to that
  /// long for any state change. Throws ApiError(kJobNotFound). Thread-safe.
  Json Status(const std::string& project, const std::string& id, long long wait_ms) const;
  /// The job log, or one activity's log. Throws ApiError(kJobNotFound), kNotFound for an
  /// unknown activity.
  std::string Log(const std::string& project, const std::string& id,
                  const std::string& activity) const;
  /// Aborts a running job (no-op when finished). Returns a confirmation message.
  /// Throws ApiError(kJobNotFound).
  Json Abort(const auth::Principal& who, const std::string& project, const std::string& id);
  /// Blocks until the job is finished or `timeout_ms` passed; returns its state name.
  std::string WaitFinished(const std::string& project, const std::string& id,
                           long long timeout_ms) const;

  /// Aborts the running jobs of a project (it is being deleted) and waits up to `timeout_ms`
  /// for them to end. Thread-safe.
  void AbortProjectJobs(const std::string& project, long long timeout_ms);

  /// The URL child processes use to reach this server; set once listening.
  void SetBackendUrl(const std::string& url);
  /// Aborts running jobs and stops the workers. Idempotent.
  void Shutdown();
  /// The number of jobs marked FAILED at start-up.
  int recovered() const { return recovered_; }

 private:
  struct Live;
  int RecoverInterrupted();
  int MaxRunningActivities() const;
  void OnChange(const std::shared_ptr<Live>& live, const jobs::JobStatus& s);
  std::string NewJobId(const std::string& project, const std::string& base) const;
  std::string JobDir(const std::string& project, const std::string& id) const;
  Json LoadDoc(const std::string& project, const std::string& id) const;

  Services& svc_;
  std::shared_ptr<RecipeExecutorRegistry> executors_;
  FlowPlanner planner_;
  std::unique_ptr<jobs::Scheduler> scheduler_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Live>> live_;  // "PROJ/ID" → unfinished job
  std::string backend_url_;
  mutable std::atomic<int> cached_limit_{5};
  mutable std::atomic<int64_t> limit_read_ms_{0};
  int recovered_ = 0;
};

/// The status JSON of a persisted job document (what GET .../jobs/{id}/ returns).
Json JobStatusJson(const Json& doc);

}  // namespace dss::core
