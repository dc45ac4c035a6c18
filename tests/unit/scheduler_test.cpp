// Scheduler and activity-graph behaviour with test activities: concurrency limit,
// parallelism, dependency order, failure propagation, abort.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/api_error.h"
#include "jobs/job_run.h"
#include "jobs/scheduler.h"

using namespace dss;
using namespace dss::jobs;
using namespace std::chrono_literals;

namespace {

struct Probe {
  std::atomic<int> now{0}, peak{0}, runs{0};
  std::mutex mu;
  std::vector<std::string> order;
};

class SleepActivity : public Activity {
 public:
  SleepActivity(Probe& p, std::chrono::milliseconds d) : p_(p), d_(d) {}
  void Run(ActivityContext& ctx) override {
    int n = ++p_.now;
    int prev = p_.peak.load();
    while (n > prev && !p_.peak.compare_exchange_weak(prev, n)) {
    }
    {
      std::lock_guard l(p_.mu);
      p_.order.push_back(ctx.activity_id());
    }
    ctx.Log("sleeping");
    std::this_thread::sleep_for(d_);
    --p_.now;
    ++p_.runs;
  }

 private:
  Probe& p_;
  std::chrono::milliseconds d_;
};

class FailActivity : public Activity {
 public:
  void Run(ActivityContext&) override {
    throw ApiError(ErrorCode::kSqlError, "boom in test", "detailed boom");
  }
};

// Blocks until interrupted through the context's hook.
class BlockingActivity : public Activity {
 public:
  explicit BlockingActivity(std::atomic<bool>& started, std::atomic<bool>& interrupted)
      : started_(started), interrupted_(interrupted) {}
  void Run(ActivityContext& ctx) override {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    ActivityContext::InterruptGuard guard(ctx, [&] {
      interrupted_ = true;
      std::lock_guard l(mu);
      woken = true;
      cv.notify_all();
    });
    started_ = true;
    std::unique_lock l(mu);
    cv.wait_for(l, 10s, [&] { return woken; });
    ctx.ThrowIfAborted();
  }

 private:
  std::atomic<bool>& started_;
  std::atomic<bool>& interrupted_;
};

ActivitySpec Spec(std::string id, std::vector<std::string> deps, std::unique_ptr<Activity> a) {
  ActivitySpec s;
  s.id = std::move(id);
  s.depends_on = std::move(deps);
  s.activity = std::move(a);
  return s;
}

const ActivityStatus& Find(const JobStatus& s, const std::string& id) {
  for (const auto& a : s.activities)
    if (a.id == id) return a;
  throw std::runtime_error("no activity " + id);
}

}  // namespace

TEST(SchedulerTest, ConcurrencyLimitRespectedAndReached) {
  Probe p;
  Scheduler sched([] { return 3; });
  std::vector<ActivitySpec> specs;
  for (int i = 0; i < 10; ++i)
    specs.push_back(Spec("a" + std::to_string(i), {}, std::make_unique<SleepActivity>(p, 40ms)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), JobRunHooks{});
  sched.Submit(job);
  ASSERT_TRUE(job->WaitFinished(10s));
  EXPECT_EQ(job->Snapshot().state, RunState::kDone);
  EXPECT_EQ(p.runs, 10);
  EXPECT_EQ(p.peak, 3);
  EXPECT_LE(sched.peak_running(), 3);
}

TEST(SchedulerTest, LimitIsGlobalAcrossJobs) {
  Probe p;
  Scheduler sched([] { return 2; });
  std::vector<std::shared_ptr<JobRun>> jobs;
  for (int j = 0; j < 4; ++j) {
    std::vector<ActivitySpec> specs;
    for (int i = 0; i < 3; ++i)
      specs.push_back(Spec("a" + std::to_string(i), {}, std::make_unique<SleepActivity>(p, 20ms)));
    jobs.push_back(
        std::make_shared<JobRun>("J" + std::to_string(j), std::move(specs), JobRunHooks{}));
    sched.Submit(jobs.back());
  }
  for (auto& j : jobs) ASSERT_TRUE(j->WaitFinished(10s));
  EXPECT_EQ(p.runs, 12);
  EXPECT_EQ(p.peak, 2);
}

TEST(SchedulerTest, IndependentActivitiesRunInParallel) {
  Probe p;
  Scheduler sched([] { return 5; });
  std::vector<ActivitySpec> specs;
  for (int i = 0; i < 4; ++i)
    specs.push_back(Spec("a" + std::to_string(i), {}, std::make_unique<SleepActivity>(p, 300ms)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), JobRunHooks{});
  auto t0 = std::chrono::steady_clock::now();
  sched.Submit(job);
  ASSERT_TRUE(job->WaitFinished(10s));
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(p.peak, 4);
  EXPECT_LT(ms, 900);  // sequential would take 1200 ms
}

TEST(SchedulerTest, DependenciesRunInOrder) {
  Probe p;
  Scheduler sched([] { return 5; });
  std::vector<ActivitySpec> specs;
  // Listed out of order on purpose: c needs b needs a.
  specs.push_back(Spec("c", {"b"}, std::make_unique<SleepActivity>(p, 5ms)));
  specs.push_back(Spec("a", {}, std::make_unique<SleepActivity>(p, 30ms)));
  specs.push_back(Spec("b", {"a"}, std::make_unique<SleepActivity>(p, 5ms)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), JobRunHooks{});
  sched.Submit(job);
  ASSERT_TRUE(job->WaitFinished(10s));
  ASSERT_EQ(p.order.size(), 3u);
  EXPECT_EQ(p.order[0], "a");
  EXPECT_EQ(p.order[1], "b");
  EXPECT_EQ(p.order[2], "c");
  auto s = job->Snapshot();
  EXPECT_LE(Find(s, "a").end_ms, Find(s, "b").start_ms);
}

TEST(SchedulerTest, FailureSkipsDependentsAndFailsJob) {
  Probe p;
  Scheduler sched([] { return 5; });
  std::vector<ActivitySpec> specs;
  specs.push_back(Spec("a", {}, std::make_unique<FailActivity>()));
  specs.push_back(Spec("b", {"a"}, std::make_unique<SleepActivity>(p, 5ms)));
  specs.push_back(Spec("c", {"b"}, std::make_unique<SleepActivity>(p, 5ms)));
  specs.push_back(Spec("d", {}, std::make_unique<SleepActivity>(p, 50ms)));
  std::mutex mu;
  std::vector<std::string> job_log;
  JobRunHooks hooks;
  hooks.log = [&](const std::string& a, std::string_view line) {
    std::lock_guard l(mu);
    job_log.push_back(a + ":" + std::string(line));
  };
  auto job = std::make_shared<JobRun>("J", std::move(specs), hooks);
  sched.Submit(job);
  ASSERT_TRUE(job->WaitFinished(10s));
  auto s = job->Snapshot();
  EXPECT_EQ(s.state, RunState::kFailed);
  ASSERT_TRUE(s.failure);
  EXPECT_EQ(s.failure->message, "boom in test");
  EXPECT_EQ(s.failure->detailed_message, "detailed boom");
  EXPECT_EQ(s.failure->error_type, "com.dataiku.dip.exceptions.ExternalProcessFailedException");
  EXPECT_EQ(Find(s, "a").state, RunState::kFailed);
  EXPECT_EQ(Find(s, "b").state, RunState::kSkipped);
  EXPECT_EQ(Find(s, "c").state, RunState::kSkipped);
  EXPECT_EQ(Find(s, "d").state, RunState::kDone);  // independent work carries on
  EXPECT_EQ(p.runs, 1);
  bool logged = false;
  for (auto& l : job_log) logged = logged || l.find("a FAILED: boom in test") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST(SchedulerTest, AbortInterruptsRunningAndStopsQueued) {
  Probe p;
  Scheduler sched([] { return 1; });
  std::atomic<bool> started{false}, interrupted{false};
  std::vector<ActivitySpec> specs;
  specs.push_back(Spec("block", {}, std::make_unique<BlockingActivity>(started, interrupted)));
  specs.push_back(Spec("queued", {}, std::make_unique<SleepActivity>(p, 5ms)));
  specs.push_back(Spec("after", {"block"}, std::make_unique<SleepActivity>(p, 5ms)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), JobRunHooks{});
  sched.Submit(job);
  for (int i = 0; i < 500 && !started; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(started);
  auto s0 = job->Snapshot();
  EXPECT_EQ(Find(s0, "block").state, RunState::kRunning);
  EXPECT_EQ(Find(s0, "queued").state, RunState::kWaiting);  // limit 1: waits for a slot
  EXPECT_EQ(Find(s0, "after").state, RunState::kNotStarted);
  auto t0 = std::chrono::steady_clock::now();
  job->Abort("user abort");
  ASSERT_TRUE(job->WaitFinished(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(interrupted);
  auto s = job->Snapshot();
  EXPECT_EQ(s.state, RunState::kAborted);
  EXPECT_EQ(Find(s, "block").state, RunState::kAborted);
  EXPECT_EQ(Find(s, "queued").state, RunState::kAborted);
  EXPECT_EQ(Find(s, "after").state, RunState::kAborted);
  EXPECT_EQ(p.runs, 0);
  job->Abort("again");  // idempotent
  EXPECT_EQ(job->Snapshot().state, RunState::kAborted);
}

TEST(SchedulerTest, CycleAndUnknownDependencyRejected) {
  Probe p;
  std::vector<ActivitySpec> specs;
  specs.push_back(Spec("a", {"c"}, std::make_unique<SleepActivity>(p, 1ms)));
  specs.push_back(Spec("b", {"a"}, std::make_unique<SleepActivity>(p, 1ms)));
  specs.push_back(Spec("c", {"b"}, std::make_unique<SleepActivity>(p, 1ms)));
  try {
    JobRun j("J", std::move(specs), JobRunHooks{});
    FAIL() << "cycle accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos);
  }
  std::vector<ActivitySpec> specs2;
  specs2.push_back(Spec("a", {"zz"}, std::make_unique<SleepActivity>(p, 1ms)));
  EXPECT_THROW(JobRun("J", std::move(specs2), JobRunHooks{}), ApiError);
  std::vector<ActivitySpec> specs3;
  specs3.push_back(Spec("a", {}, std::make_unique<SleepActivity>(p, 1ms)));
  specs3.push_back(Spec("a", {}, std::make_unique<SleepActivity>(p, 1ms)));
  EXPECT_THROW(JobRun("J", std::move(specs3), JobRunHooks{}), ApiError);
}

TEST(SchedulerTest, EmptyJobIsDoneAtOnce) {
  Scheduler sched([] { return 5; });
  auto job = std::make_shared<JobRun>("J", std::vector<ActivitySpec>{}, JobRunHooks{});
  sched.Submit(job);
  EXPECT_TRUE(job->WaitFinished(0ms));
  EXPECT_EQ(job->Snapshot().state, RunState::kDone);
}

TEST(SchedulerTest, ObserverSeesIncreasingRevisionsEndingTerminal) {
  Probe p;
  Scheduler sched([] { return 4; });
  std::mutex mu;
  std::vector<JobStatus> seen;
  JobRunHooks hooks;
  hooks.on_change = [&](const JobStatus& s) {
    std::lock_guard l(mu);
    seen.push_back(s);
  };
  std::vector<ActivitySpec> specs;
  for (int i = 0; i < 6; ++i)
    specs.push_back(Spec("a" + std::to_string(i), {}, std::make_unique<SleepActivity>(p, 5ms)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), hooks);
  sched.Submit(job);
  ASSERT_TRUE(job->WaitFinished(10s));
  sched.Shutdown();
  std::lock_guard l(mu);
  ASSERT_FALSE(seen.empty());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LE(seen[i - 1].revision, seen[i].revision);
  EXPECT_EQ(seen.back().state, RunState::kDone);
}

TEST(SchedulerTest, ShutdownAbortsRunningJobs) {
  std::atomic<bool> started{false}, interrupted{false};
  auto sched = std::make_unique<Scheduler>([] { return 2; });
  std::vector<ActivitySpec> specs;
  specs.push_back(Spec("block", {}, std::make_unique<BlockingActivity>(started, interrupted)));
  auto job = std::make_shared<JobRun>("J", std::move(specs), JobRunHooks{});
  sched->Submit(job);
  for (int i = 0; i < 500 && !started; ++i) std::this_thread::sleep_for(5ms);
  sched.reset();
  EXPECT_TRUE(interrupted);
  EXPECT_EQ(job->Snapshot().state, RunState::kAborted);
}
