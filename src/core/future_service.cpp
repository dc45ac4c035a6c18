#include "core/future_service.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"

namespace dss::core {

void FutureContext::CheckAborted() const {
  if (aborted_.load()) throw ApiError(ErrorCode::kAborted, "Future " + id_ + " was aborted");
}

void FutureContext::SetProgress(const std::string& name, int64_t cur, int64_t target,
                                const std::string& unit) {
  Json s = {{"name", name}, {"cur", cur}, {"target", target}, {"unit", unit}};
  std::lock_guard<std::mutex> lock(mu_);
  progress_ = Json::array({s});
}

void FutureContext::OnAbort(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!aborted_.load()) {
      on_abort_ = std::move(fn);
      return;
    }
  }
  if (fn) fn();
}

void FutureContext::RequestAbort() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (aborted_.exchange(true)) return;
    fn = std::move(on_abort_);
    on_abort_ = nullptr;
  }
  if (fn) fn();
}

FutureService::FutureService(FutureOptions options) : options_(options) {
  int n = options_.workers > 0 ? options_.workers : 1;
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Worker(); });
}

FutureService::~FutureService() {
  std::vector<std::shared_ptr<FutureContext>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, e] : entries_)
      if (!Ended(e->phase)) running.push_back(e->ctx);
  }
  for (auto& c : running) c->RequestAbort();
  work_cv_.notify_all();
  state_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

Json FutureService::Start(const auth::Principal& owner, const std::string& project_key,
                          const std::string& description, Task task) {
  FutureSpec spec;
  spec.project_key = project_key;
  spec.description = description;
  return Start(owner, std::move(spec), std::move(task));
}

Json FutureService::Start(const auth::Principal& owner, FutureSpec spec, Task task) {
  auto e = std::make_shared<Entry>();
  e->id = RandomToken(12);
  e->owner = owner.AuthIdentifier();
  e->spec = std::move(spec);
  e->task = std::move(task);
  e->ctx = std::shared_ptr<FutureContext>(new FutureContext(e->id));
  e->start_ms = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  CollectGarbageLocked(e->start_ms);
  if (stopping_) throw ApiError(ErrorCode::kUnavailable, "The server is shutting down");
  if (queue_.size() >= options_.max_queued)
    throw ApiError(ErrorCode::kUnavailable,
                   "Too many long-running tasks queued (" + std::to_string(queue_.size()) + ")");
  entries_[e->id] = e;
  queue_.push_back(e);
  work_cv_.notify_one();
  return StateLocked(*e, false);
}

void FutureService::Worker() {
  while (true) {
    EntryPtr e;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      e = queue_.front();
      queue_.pop_front();
      if (e->ctx->IsAborted() || stopping_) {
        // Aborted while queued: it never runs.
        e->phase = Phase::kAborted;
        e->end_ms = NowMs();
        e->task = nullptr;
        state_cv_.notify_all();
        continue;
      }
      e->phase = Phase::kRunning;
      e->run_start_ms = NowMs();
    }
    RunEntry(e);
  }
}

void FutureService::RunEntry(const EntryPtr& e) {
  Json result;
  std::optional<ApiError> error;
  try {
    result = e->task(*e->ctx);
  } catch (const ApiError& ex) {
    error = ex;
  } catch (const std::exception& ex) {
    error = ApiError::Internal(std::string("Task failed: ") + ex.what());
  } catch (...) {
    error = ApiError::Internal("Task failed with an unknown error");
  }
  std::lock_guard<std::mutex> lock(mu_);
  e->end_ms = NowMs();
  e->task = nullptr;  // release captured resources now
  if (!error) {
    e->phase = Phase::kDone;
    e->result = std::move(result);
  } else if (e->ctx->IsAborted() || error->code() == ErrorCode::kAborted) {
    e->phase = Phase::kAborted;
    e->error = ApiError(ErrorCode::kAborted, "Future " + e->id + " was aborted");
  } else {
    e->phase = Phase::kFailed;
    e->error = std::move(error);
    log::Warn(
        "future failed",
        Json{{"jobId", e->id}, {"jobDisplayName", e->spec.description}, {"error", e->error->what()}}
            .dump());
  }
  state_cv_.notify_all();
}

void FutureService::CollectGarbageLocked(int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = *it->second;
    if (Ended(e.phase) && now_ms - e.end_ms > options_.retention_ms)
      it = entries_.erase(it);
    else
      ++it;
  }
}

FutureService::EntryPtr FutureService::FindVisibleLocked(const std::string& id,
                                                         const auth::Principal& who) const {
  auto it = entries_.find(id);
  if (it == entries_.end())
    throw ApiError(ErrorCode::kNotFound, "Future '" + id + "' does not exist (or has expired)");
  if (!who.IsAdmin() && it->second->owner != who.AuthIdentifier())
    throw ApiError::Forbidden("Future '" + id + "' belongs to another user");
  return it->second;
}

Json FutureService::StateLocked(const Entry& e, bool with_result) const {
  int64_t now = NowMs();
  bool ended = Ended(e.phase);
  Json s = Json::object();
  s["jobId"] = e.id;
  s["hasResult"] = e.phase == Phase::kDone;
  s["alive"] = !ended;
  s["aborted"] = e.phase == Phase::kAborted || e.ctx->IsAborted();
  s["state"] = e.phase == Phase::kQueued    ? "QUEUED"
               : e.phase == Phase::kRunning ? "RUNNING"
               : e.phase == Phase::kDone    ? "DONE"
               : e.phase == Phase::kFailed  ? "FAILED"
                                            : "ABORTED";
  s["jobDisplayName"] = e.spec.description;
  s["owner"] = e.owner;
  s["projectKey"] = e.spec.project_key;
  s["startTime"] = e.start_ms;
  s["runningTime"] = e.run_start_ms == 0 ? 0 : (ended ? e.end_ms : now) - e.run_start_ms;
  if (ended) s["endTime"] = e.end_ms;
  {
    std::lock_guard<std::mutex> lock(e.ctx->mu_);
    s["progress"] = {{"states", e.ctx->progress_}};
  }
  if (!e.spec.payload.is_null()) s["payload"] = e.spec.payload;
  if (e.error)
    s["unexpectedFailure"] = {{"errorType", std::string(ErrorTypeOf(e.error->code()))},
                              {"message", e.error->what()},
                              {"detailedMessage", e.error->detailed_message()},
                              {"code", std::string(CodeStringOf(e.error->code()))}};
  if (with_result && e.phase == Phase::kDone) s["result"] = e.result;
  return s;
}

void FutureService::ThrowFailure(const Entry& e) {
  throw *e.error;
}

Json FutureService::Get(const std::string& id, const auth::Principal& who, bool peek,
                        int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  CollectGarbageLocked(NowMs());
  EntryPtr e = FindVisibleLocked(id, who);
  if (wait_ms > 0)
    state_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                       [&] { return Ended(e->phase) || stopping_; });
  if ((e->phase == Phase::kFailed || e->phase == Phase::kAborted) && e->error) ThrowFailure(*e);
  return StateLocked(*e, !peek);
}

void FutureService::Abort(const std::string& id, const auth::Principal& who) {
  std::shared_ptr<FutureContext> ctx;
  {
    std::lock_guard<std::mutex> lock(mu_);
    EntryPtr e = FindVisibleLocked(id, who);
    if (Ended(e->phase)) return;
    ctx = e->ctx;
    if (e->phase == Phase::kQueued) {
      // Settle it now rather than when a worker dequeues it, so pollers stop at once.
      for (auto it = queue_.begin(); it != queue_.end(); ++it)
        if ((*it)->id == id) {
          queue_.erase(it);
          break;
        }
      e->phase = Phase::kAborted;
      e->end_ms = NowMs();
      e->task = nullptr;
      e->error = ApiError(ErrorCode::kAborted, "Future " + id + " was aborted");
      state_cv_.notify_all();
    }
  }
  ctx->RequestAbort();  // outside the lock: the callback may block briefly
}

std::vector<Json> FutureService::List(const auth::Principal& who, bool all_users,
                                      bool with_scenarios, bool with_not_scenarios) {
  if (all_users && !who.IsAdmin())
    throw ApiError::Forbidden("Only administrators may list the futures of all users");
  std::lock_guard<std::mutex> lock(mu_);
  CollectGarbageLocked(NowMs());
  std::vector<const Entry*> picked;
  for (const auto& [id, e] : entries_) {
    if (Ended(e->phase)) continue;
    if (!all_users && e->owner != who.AuthIdentifier()) continue;
    if (e->spec.scenario ? !with_scenarios : !with_not_scenarios) continue;
    picked.push_back(e.get());
  }
  std::sort(picked.begin(), picked.end(), [](const Entry* a, const Entry* b) {
    return a->start_ms != b->start_ms ? a->start_ms < b->start_ms : a->id < b->id;
  });
  std::vector<Json> out;
  for (const Entry* e : picked) out.push_back(StateLocked(*e, false));
  return out;
}

Json FutureService::WaitResult(const std::string& id, const auth::Principal& who,
                               int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  EntryPtr e = FindVisibleLocked(id, who);
  auto done = [&] { return Ended(e->phase) || stopping_; };
  if (timeout_ms > 0) {
    if (!state_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done))
      throw ApiError(ErrorCode::kTimeout, "Future " + id + " did not finish within " +
                                              std::to_string(timeout_ms) + " ms");
  } else {
    state_cv_.wait(lock, done);
  }
  if (!Ended(e->phase)) throw ApiError(ErrorCode::kUnavailable, "The server is shutting down");
  if (e->error) ThrowFailure(*e);
  return e->result;
}

Json FutureService::StartMaybeWait(const auth::Principal& owner, FutureSpec spec, Task task,
                                   bool wait) {
  Json state = Start(owner, std::move(spec), std::move(task));
  if (!wait) return state;
  Json result = WaitResult(state["jobId"].get<std::string>(), owner);
  return Json{{"hasResult", true}, {"result", std::move(result)}};
}

size_t FutureService::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace dss::core
