#pragma once
// jobs/activity.h: the unit of work the scheduler runs. The pool knows nothing about
// recipes: a recipe run is one Activity implementation among others.

#include <functional>
#include <string>
#include <string_view>

#include "jobs/cancellation_token.h"

namespace dss::jobs {

/// What a running activity may use: its log, the abort flag, and an interrupt hook.
/// Used by one activity thread; Log is thread-safe (a child-process reader may share it).
class ActivityContext {
 public:
  using LogSink = std::function<void(std::string_view line)>;

  ActivityContext(std::string activity_id, LogSink log, CancellationToken& token)
      : activity_id_(std::move(activity_id)), log_(std::move(log)), token_(token) {}

  const std::string& activity_id() const { return activity_id_; }
  /// Appends one line (no trailing newline needed) to the activity log.
  void Log(std::string_view line) const {
    if (log_) log_(line);
  }
  /// True once the job was aborted.
  bool Aborted() const { return token_.cancelled(); }
  /// Throws ApiError(kAborted) when the job was aborted.
  void ThrowIfAborted() const;

  /// While alive, `interrupt` is called (from the aborting thread) when the job is aborted,
  /// at once if it already was. The destructor waits for a running call to return, so the
  /// interrupted resource may be destroyed right after the guard.
  class InterruptGuard {
   public:
    InterruptGuard(const ActivityContext& ctx, std::function<void()> interrupt)
        : token_(ctx.token_), id_(token_.AddHook(std::move(interrupt))) {}
    ~InterruptGuard() {
      if (id_ != 0) token_.RemoveHook(id_);
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

   private:
    CancellationToken& token_;
    int id_;
  };

 private:
  std::string activity_id_;
  LogSink log_;
  CancellationToken& token_;
};

class Activity {
 public:
  virtual ~Activity() = default;
  /// Does the work. Returns normally on success; throws (preferably dss::ApiError, whose
  /// errorType and messages become the job's unexpectedFailure) on failure. After an abort
  /// it should return or throw promptly; the activity then ends ABORTED.
  virtual void Run(ActivityContext& ctx) = 0;
};

}  // namespace dss::jobs
