#include "jobs/job_run.h"

#include <map>

#include "common/api_error.h"
#include "common/clock.h"

namespace dss::jobs {

Failure FailureFromException(const std::exception& e) {
  if (auto* api = dynamic_cast<const ApiError*>(&e)) {
    return {std::string(ErrorTypeOf(api->code())), api->what(), api->detailed_message()};
  }
  return {"java.lang.RuntimeException", e.what(), e.what()};
}

JobRun::JobRun(std::string id, std::vector<ActivitySpec> specs, JobRunHooks hooks)
    : id_(std::move(id)), hooks_(std::move(hooks)) {
  std::map<std::string, size_t> index;
  nodes_.reserve(specs.size());
  for (auto& s : specs) {
    if (s.id.empty()) throw ApiError::BadRequest("Job " + id_ + ": an activity has no id");
    if (!s.activity)
      throw ApiError::BadRequest("Job " + id_ + ": activity " + s.id + " has no work");
    if (!index.emplace(s.id, nodes_.size()).second)
      throw ApiError::BadRequest("Job " + id_ + ": duplicate activity id " + s.id);
    Node n;
    n.id = std::move(s.id);
    n.depends_on = std::move(s.depends_on);
    n.activity = std::move(s.activity);
    nodes_.push_back(std::move(n));
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (const auto& d : nodes_[i].depends_on) {
      auto it = index.find(d);
      if (it == index.end())
        throw ApiError::BadRequest("Job " + id_ + ": activity " + nodes_[i].id +
                                   " depends on unknown activity " + d);
      nodes_[i].deps.push_back(it->second);
      nodes_[it->second].dependents.push_back(i);
    }
  }
  // Kahn's algorithm: whatever cannot be ordered is on (or behind) a cycle.
  std::vector<size_t> indegree(nodes_.size());
  std::vector<size_t> queue;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    indegree[i] = nodes_[i].deps.size();
    if (indegree[i] == 0) queue.push_back(i);
  }
  size_t ordered = 0;
  while (!queue.empty()) {
    size_t i = queue.back();
    queue.pop_back();
    ++ordered;
    for (size_t d : nodes_[i].dependents)
      if (--indegree[d] == 0) queue.push_back(d);
  }
  if (ordered != nodes_.size()) {
    std::string names;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (indegree[i] != 0) names += (names.empty() ? "" : ", ") + nodes_[i].id;
    throw ApiError::BadRequest("Job " + id_ + ": dependency cycle between activities " + names);
  }
}

JobStatus JobRun::Snapshot() const {
  std::lock_guard lock(mu_);
  JobStatus s;
  s.revision = revision_;
  s.state = state_;
  s.start_ms = start_ms_;
  s.end_ms = end_ms_;
  s.abort_requested = abort_requested_;
  s.failure = failure_;
  s.activities.reserve(nodes_.size());
  for (const auto& n : nodes_) {
    s.activities.push_back({n.id, n.depends_on, n.state, n.start_ms, n.end_ms, n.failure});
  }
  return s;
}

void JobRun::Log(const std::string& activity_id, std::string_view line) {
  if (hooks_.log) hooks_.log(activity_id, line);
}

void JobRun::Notify() {
  if (!hooks_.on_change) return;
  // Taking the snapshot under notify_mu_ makes the last call always carry the latest state.
  std::lock_guard lock(notify_mu_);
  hooks_.on_change(Snapshot());
}

bool JobRun::WaitFinished(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return finished_cv_.wait_for(lock, timeout, [&] {
    return state_ == RunState::kDone || state_ == RunState::kFailed || state_ == RunState::kAborted;
  });
}

std::vector<size_t> JobRun::CollectReadyLocked(const std::vector<size_t>& candidates) {
  std::vector<size_t> ready;
  for (size_t c : candidates) {
    Node& n = nodes_[c];
    if (n.state != RunState::kNotStarted) continue;
    bool all_done = true;
    for (size_t d : n.deps) all_done = all_done && nodes_[d].state == RunState::kDone;
    if (!all_done) continue;
    n.state = RunState::kWaiting;
    ready.push_back(c);
  }
  return ready;
}

std::vector<size_t> JobRun::Start() {
  std::vector<size_t> ready;
  {
    std::lock_guard lock(mu_);
    if (state_ != RunState::kNotStarted) return {};
    ++revision_;
    start_ms_ = NowMs();
    state_ = RunState::kRunning;
    if (abort_requested_) {
      MaybeFinishLocked();
    } else {
      std::vector<size_t> all(nodes_.size());
      for (size_t i = 0; i < all.size(); ++i) all[i] = i;
      ready = CollectReadyLocked(all);
      MaybeFinishLocked();
    }
  }
  Log("", "Job " + id_ + " started with " + std::to_string(nodes_.size()) + " activities");
  Notify();
  return ready;
}

void JobRun::SkipDependentsLocked(size_t idx) {
  for (size_t d : nodes_[idx].dependents) {
    Node& n = nodes_[d];
    if (n.state != RunState::kNotStarted) continue;
    n.state = RunState::kSkipped;
    n.end_ms = NowMs();
    SkipDependentsLocked(d);
  }
}

bool JobRun::MaybeFinishLocked() {
  for (const auto& n : nodes_)
    if (!IsTerminal(n.state)) return false;
  if (state_ != RunState::kRunning) return false;
  bool any_failed = false;
  for (const auto& n : nodes_) any_failed = any_failed || n.state == RunState::kFailed;
  state_ = abort_requested_ ? RunState::kAborted : any_failed ? RunState::kFailed : RunState::kDone;
  end_ms_ = NowMs();
  finished_cv_.notify_all();
  return true;
}

std::vector<size_t> JobRun::RunActivity(size_t idx) {
  Node& n = nodes_[idx];
  bool aborted_before_start = false;
  {
    std::lock_guard lock(mu_);
    if (n.state != RunState::kWaiting) return {};  // aborted while queued
    if (token_.cancelled()) {
      aborted_before_start = true;
      n.state = RunState::kAborted;
      n.end_ms = NowMs();
      ++revision_;
      MaybeFinishLocked();
      n.activity.reset();
    } else {
      n.state = RunState::kRunning;
      n.start_ms = NowMs();
      ++revision_;
    }
  }
  if (aborted_before_start) {
    Notify();
    return {};
  }
  Notify();
  Log("", "Activity " + n.id + " started");
  std::optional<Failure> failure;
  {
    ActivityContext ctx(
        n.id, [this, &n](std::string_view line) { Log(n.id, line); }, token_);
    try {
      n.activity->Run(ctx);
    } catch (const std::exception& e) {
      failure = FailureFromException(e);
    } catch (...) {
      failure = Failure{"java.lang.RuntimeException", "unknown error", "unknown error"};
    }
  }
  // Free the activity's resources (connections, buffers) before reporting.
  n.activity.reset();
  std::vector<size_t> ready;
  RunState final_state;
  bool finished;
  {
    std::lock_guard lock(mu_);
    n.end_ms = NowMs();
    if (failure && token_.cancelled()) {
      n.state = RunState::kAborted;
      n.failure = failure;
    } else if (failure) {
      n.state = RunState::kFailed;
      n.failure = failure;
      if (!failure_) failure_ = failure;
      SkipDependentsLocked(idx);
    } else {
      n.state = RunState::kDone;
      if (!abort_requested_) ready = CollectReadyLocked(n.dependents);
    }
    final_state = n.state;
    ++revision_;
    finished = MaybeFinishLocked();
  }
  std::string line = "Activity " + n.id + " " + RunStateName(final_state);
  if (failure) line += ": " + failure->message;
  Log("", line);
  if (finished) {
    JobStatus s = Snapshot();
    Log("", std::string("Job ") + RunStateName(s.state));
  }
  Notify();
  return ready;
}

void JobRun::Abort(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (abort_requested_ || IsTerminal(state_) || state_ == RunState::kAborted) return;
    abort_requested_ = true;
    if (!failure_) {
      failure_ = Failure{std::string(ErrorTypeOf(ErrorCode::kAborted)), reason, reason};
    }
  }
  Log("", "Abort requested: " + reason);
  token_.Cancel();  // outside mu_: hooks may block briefly (process kill, query cancel)
  {
    std::lock_guard lock(mu_);
    for (auto& n : nodes_) {
      if (n.state == RunState::kNotStarted || n.state == RunState::kWaiting) {
        n.state = RunState::kAborted;
        n.end_ms = NowMs();
      }
    }
    ++revision_;
    MaybeFinishLocked();
  }
  Notify();
}

}  // namespace dss::jobs
