#include "jobs/run_state.h"

namespace dss::jobs {

namespace {
constexpr RunState kAll[] = {RunState::kNotStarted, RunState::kComputingDeps, RunState::kWaiting,
                             RunState::kRunning,    RunState::kDone,          RunState::kFailed,
                             RunState::kAborted,    RunState::kSkipped};
}  // namespace

const char* RunStateName(RunState s) {
  switch (s) {
    case RunState::kNotStarted:
      return "NOT_STARTED";
    case RunState::kComputingDeps:
      return "COMPUTING_DEPS";
    case RunState::kWaiting:
      return "WAITING";
    case RunState::kRunning:
      return "RUNNING";
    case RunState::kDone:
      return "DONE";
    case RunState::kFailed:
      return "FAILED";
    case RunState::kAborted:
      return "ABORTED";
    case RunState::kSkipped:
      return "SKIPPED";
  }
  return "NOT_STARTED";
}

std::optional<RunState> ParseRunState(std::string_view name) {
  for (RunState s : kAll)
    if (name == RunStateName(s)) return s;
  return std::nullopt;
}

bool IsTerminal(RunState s) {
  return s == RunState::kDone || s == RunState::kFailed || s == RunState::kAborted ||
         s == RunState::kSkipped;
}

}  // namespace dss::jobs
