#include "engine/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

#include "common/api_error.h"

namespace dss::engine {

namespace {

long long SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr long long kKillGraceMs = 2000;

}  // namespace

ChildProcess::ChildProcess(const ProcessSpec& spec) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    throw ApiError::Internal("pipe failed: " + std::string(strerror(errno)));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw ApiError::Internal("pipe failed: " + std::string(strerror(errno)));
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> argv, envp;
  argv.push_back(const_cast<char*>(spec.program.c_str()));
  for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    throw ApiError::Internal("fork failed: " + std::string(strerror(e)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM in every thread
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    closefrom(3);
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
      const char msg[] = "dssd: cannot enter the working directory\n";
      ssize_t ignored = write(2, msg, sizeof msg - 1);
      (void)ignored;
      _exit(127);
    }
    execve(spec.program.c_str(), argv.data(), envp.data());
    const char msg[] = "dssd: cannot execute the program: ";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    const char* why = strerror(errno);
    ignored = write(2, why, strlen(why));
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(127);
  }
  pid_ = pid;
  setpgid(pid, pid);  // also from the parent, so Kill works even before the child ran
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

ChildProcess::~ChildProcess() {
  bool reaped;
  {
    std::lock_guard lock(mu_);
    reaped = reaped_;
  }
  if (!reaped && pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void ChildProcess::Kill() {
  std::lock_guard lock(mu_);
  if (reaped_ || pid_ <= 0) return;
  if (!killed_) {
    killed_ = true;
    kill_time_ms_ = SteadyMs();
    kill(-pid_, SIGTERM);
  }
}

ProcessResult ChildProcess::Wait(const std::function<void(std::string_view, bool)>& on_line) {
  ProcessResult result;
  std::deque<std::string> tail;
  size_t tail_bytes = 0;
  std::string buf[2];
  int fds[2] = {out_fd_, err_fd_};
  auto emit = [&](int which, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (which == 1) {
      tail.emplace_back(line);
      tail_bytes += line.size();
      while (tail.size() > 40 || (tail_bytes > 8192 && tail.size() > 1)) {
        tail_bytes -= tail.front().size();
        tail.pop_front();
      }
    }
    if (on_line) on_line(line, which == 1);
  };
  bool sigkilled = false;
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd p[2];
    int n = 0;
    int map[2];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        p[n] = {fds[i], POLLIN, 0};
        map[n++] = i;
      }
    }
    int r = poll(p, n, 200);
    {
      // A process that ignores SIGTERM (or whose children keep the pipes open) is killed.
      std::lock_guard lock(mu_);
      if (killed_ && !sigkilled && SteadyMs() - kill_time_ms_ > kKillGraceMs) {
        kill(-pid_, SIGKILL);
        sigkilled = true;
      }
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < n; ++k) {
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int i = map[k];
      char chunk[65536];
      ssize_t got = read(fds[i], chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        if (!buf[i].empty()) emit(i, buf[i]);
        buf[i].clear();
        fds[i] = -1;
        continue;
      }
      buf[i].append(chunk, static_cast<size_t>(got));
      size_t start = 0;
      for (size_t nl; (nl = buf[i].find('\n', start)) != std::string::npos; start = nl + 1)
        emit(i, std::string_view(buf[i]).substr(start, nl - start));
      buf[i].erase(0, start);
      // A single enormous line is flushed in pieces rather than buffered without bound.
      if (buf[i].size() > (1 << 20)) {
        emit(i, buf[i]);
        buf[i].clear();
      }
    }
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  {
    std::lock_guard lock(mu_);
    reaped_ = true;
    result.killed = killed_;
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  for (const auto& l : tail) {
    result.stderr_tail += l;
    result.stderr_tail += '\n';
  }
  return result;
}

}  // namespace dss::engine
