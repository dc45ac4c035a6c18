#pragma once
// core/future_service.h: long-running tasks ("futures", spec endpoints.md §2.2, semantics.md
// §10). A task runs on a small worker pool; clients poll GET /futures/{id} until the state has
// `hasResult`. A failed or aborted future answers GET with an HTTP error (the official client
// checks no failure field and would otherwise poll forever).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/principal.h"
#include "common/api_error.h"
#include "common/json.h"

namespace dss::core {

class FutureService;

/// What a running task sees of its future. Thread-safe: the task calls it from its worker
/// while GET/DELETE read it from request threads.
class FutureContext {
 public:
  /// The future id (jobId).
  const std::string& id() const { return id_; }
  /// True once an abort was requested. Never throws.
  bool IsAborted() const { return aborted_.load(); }
  /// Throws ApiError(kAborted) once an abort was requested: tasks call this between units of
  /// work so that DELETE /futures/{id} stops them.
  void CheckAborted() const;
  /// Reports progress as one state {name, cur, target, unit}; target 0 = unknown.
  void SetProgress(const std::string& name, int64_t cur, int64_t target,
                   const std::string& unit = "");
  /// Registers a callback run (once, from the aborting thread) when an abort is requested, to
  /// interrupt blocking work (a DuckDB query, a child process). Runs at once if already
  /// aborted. Must not throw.
  void OnAbort(std::function<void()> fn);

 private:
  friend class FutureService;
  explicit FutureContext(std::string id) : id_(std::move(id)) {}
  void RequestAbort();

  std::string id_;
  std::atomic<bool> aborted_{false};
  mutable std::mutex mu_;
  Json progress_ = Json::array();
  std::function<void()> on_abort_;
};

struct FutureOptions {
  int workers = 4;
  /// Finished futures stay readable this long, then are forgotten.
  int64_t retention_ms = 60 * 60 * 1000;
  /// Queue bound: Start throws ApiError(kUnavailable) beyond it.
  size_t max_queued = 1000;
};

/// What a future is about; shown in its state.
struct FutureSpec {
  std::string project_key;  // may be empty (instance-level tasks)
  std::string description;  // jobDisplayName
  Json payload;             // reported as `payload` when not null (scenario futures)
  bool scenario = false;    // listed by withScenarios rather than withNotScenarios
};

class FutureService {
 public:
  using Task = std::function<Json(FutureContext&)>;

  explicit FutureService(FutureOptions options = {});
  /// Aborts every task, waits for the workers to end.
  ~FutureService();
  FutureService(const FutureService&) = delete;
  FutureService& operator=(const FutureService&) = delete;

  /// Queues `task` owned by `owner` and returns its state at once:
  /// {jobId, hasResult: false, alive: true, ...}. The task's return value becomes `result`;
  /// an exception it throws makes the future FAILED (an ApiError keeps its code, anything else
  /// becomes kInternal). Throws ApiError(kUnavailable) when the queue is full. Thread-safe.
  Json Start(const auth::Principal& owner, FutureSpec spec, Task task);
  Json Start(const auth::Principal& owner, const std::string& project_key,
             const std::string& description, Task task);

  /// The state of future `id` as `who` may see it: `result` only when done and not `peek`.
  /// When `wait_ms` > 0, first waits up to that long for the future to end (long poll).
  /// Throws ApiError(kNotFound) for an unknown (or garbage-collected) id, kForbidden when
  /// `who` is neither its owner nor an admin, and — once the future has ended — the task's
  /// error for a FAILED future, ApiError(kAborted) for an ABORTED one. Thread-safe.
  Json Get(const std::string& id, const auth::Principal& who, bool peek, int64_t wait_ms = 0);

  /// Requests an abort: a queued task never runs, a running one stops at its next
  /// CheckAborted. A finished future is left unchanged. Throws as Get for unknown/forbidden.
  /// Thread-safe.
  void Abort(const std::string& id, const auth::Principal& who);

  /// States of the futures still alive (queued or running), oldest first. `all_users` lists
  /// every owner's (ApiError(kForbidden) unless `who` is admin); otherwise only `who`'s.
  /// Thread-safe.
  std::vector<Json> List(const auth::Principal& who, bool all_users, bool with_scenarios,
                         bool with_not_scenarios);

  /// Waits until future `id` ends, then returns its result or throws its error (as Get).
  /// For routes whose `wait=true` returns the result inline. Throws ApiError(kTimeout) when
  /// `timeout_ms` (> 0) passes first. Thread-safe.
  Json WaitResult(const std::string& id, const auth::Principal& who, int64_t timeout_ms = 0);

  /// Starts a task and, when `wait`, blocks for it and returns {hasResult: true, result} with no
  /// jobId (the synchronous answer the client accepts); otherwise returns the state as Start.
  /// Throws the task's error when waiting and it fails.
  Json StartMaybeWait(const auth::Principal& owner, FutureSpec spec, Task task, bool wait);

  /// Number of futures kept in memory (alive + retained). For tests and metrics.
  size_t Size() const;

 private:
  enum class Phase { kQueued, kRunning, kDone, kFailed, kAborted };
  struct Entry {
    std::string id;
    std::string owner;
    FutureSpec spec;
    Task task;
    std::shared_ptr<FutureContext> ctx;
    Phase phase = Phase::kQueued;
    int64_t start_ms = 0, run_start_ms = 0, end_ms = 0;
    Json result;
    std::optional<ApiError> error;
  };
  using EntryPtr = std::shared_ptr<Entry>;

  void Worker();
  void RunEntry(const EntryPtr& e);
  void CollectGarbageLocked(int64_t now_ms);
  EntryPtr FindVisibleLocked(const std::string& id, const auth::Principal& who) const;
  Json StateLocked(const Entry& e, bool with_result) const;
  static bool Ended(Phase p) {
    return p == Phase::kDone || p == Phase::kFailed || p == Phase::kAborted;
  }
  [[noreturn]] static void ThrowFailure(const Entry& e);

  FutureOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // workers wait for queued entries
  std::condition_variable state_cv_;  // waiters wait for entries to end
  std::map<std::string, EntryPtr> entries_;
  std::deque<EntryPtr> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dss::core
