#pragma once
// jobs/run_state.h: the states of jobs and activities, with DSS's exact names.

#include <optional>
#include <string_view>

namespace dss::jobs {

/// DSS ActivityState. A job uses NOT_STARTED, COMPUTING_DEPS, RUNNING and ends in DONE,
/// FAILED or ABORTED; activities also use WAITING (queued for a slot) and SKIPPED (an
/// upstream activity failed).
enum class RunState {
  kNotStarted,
  kComputingDeps,
  kWaiting,
  kRunning,
  kDone,
  kFailed,
  kAborted,
  kSkipped,
};

/// "NOT_STARTED", "RUNNING", ... Never throws.
const char* RunStateName(RunState s);
/// Inverse of RunStateName; nullopt for an unknown name.
std::optional<RunState> ParseRunState(std::string_view name);
/// DONE, FAILED, ABORTED, SKIPPED.
bool IsTerminal(RunState s);

}  // namespace dss::jobs
