#pragma once
// engine/child_process.h: a child process (Python or shell recipe) whose stdout and stderr are
// read line by line, and which can be killed from another thread (job abort).

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dss::engine {

struct ProcessSpec {
  std::string program;            // absolute path
  std::vector<std::string> args;  // argv[1..]
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::string cwd;                // working directory ("" = inherit)
};

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int signal = 0;       // the signal that ended it, 0 otherwise
  bool killed = false;  // Kill() was called
  /// The last lines of stderr (at most ~40 lines / 8 KiB), for error messages.
  std::string stderr_tail;
};

/// One child in its own process group, stdin from /dev/null, killed with the parent thread
/// (PR_SET_PDEATHSIG) so that a crashed server leaves no recipe running.
class ChildProcess {
 public:
  /// Starts the process. Throws ApiError(kInternal) when it cannot be spawned (fork/pipe
  /// failure); a program that cannot be executed exits with status 127 and says why on stderr.
  explicit ChildProcess(const ProcessSpec& spec);
  /// Kills and reaps the process if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Reads both streams until they close, calling `on_line` for each line (without the
  /// newline; stderr lines flagged), then reaps the process. Call once, from one thread.
  ProcessResult Wait(const std::function<void(std::string_view line, bool is_stderr)>& on_line);
  /// Kills the whole process group (SIGTERM, then SIGKILL after a grace period in Wait).
  /// Thread-safe; no-op once reaped.
  void Kill();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::mutex mu_;
  bool reaped_ = false;
  bool killed_ = false;
  long long kill_time_ms_ = 0;
};

}  // namespace dss::engine
