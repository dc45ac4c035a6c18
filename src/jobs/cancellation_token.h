#pragma once
// jobs/cancellation_token.h: the abort signal of one job, shared by its activities.

#include <atomic>
#include <functional>
#include <map>
#include <mutex>

namespace dss::jobs {

/// Set once, never reset. Hooks let a blocked activity be woken: they interrupt DuckDB,
/// cancel a PostgreSQL query or kill a child process. Thread-safe.
class CancellationToken {
 public:
  /// Sets the flag and runs every registered hook once (on the calling thread). Idempotent.
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  /// Registers `hook`, run by Cancel; runs it at once when already cancelled. Returns an id
  /// for RemoveHook. `hook` must not throw and must not call back into this token.
  int AddHook(std::function<void()> hook);
  /// Unregisters; when a Cancel is running the hook, waits for it to return, so that the
  /// resources the hook touches may be freed right after this call.
  void RemoveHook(int id);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;  // held while hooks run, which is what makes RemoveHook safe
  std::map<int, std::function<void()>> hooks_;
  int next_id_ = 1;
};

}  // namespace dss::jobs
