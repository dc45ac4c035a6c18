#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include "auth/principal.h"
#include "common/api_error.h"
#include "core/future_service.h"

using namespace dss;
using core::FutureContext;
using core::FutureService;

namespace {

auth::Principal User(const std::string& login, bool admin = false) {
  auth::Principal p;
  p.login = login;
  if (admin) p.global = auth::kGlobalAdmin;
  return p;
}

// Polls like the client's DSSFuture.wait_for_result, returning the final state or the error.
Json PollUntilEnded(FutureService& svc, const std::string& id, const auth::Principal& who) {
  for (int i = 0; i < 2000; ++i) {
    Json s = svc.Get(id, who, false);
    if (s["hasResult"].get<bool>()) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "future " << id << " never ended";
  return Json();
}

ErrorCode CodeOfGet(FutureService& svc, const std::string& id, const auth::Principal& who) {
  try {
    svc.Get(id, who, false);
  } catch (const ApiError& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // sentinel: no error
}

}  // namespace

TEST(FutureService, StartReturnsStateAtOnceThenResult) {
  FutureService svc;
  auto alice = User("alice");
  std::latch go(1);
  Json st = svc.Start(alice, "P", "compute", [&](FutureContext& ctx) {
    go.wait();
    ctx.SetProgress("rows", 5, 10, "ROWS");
    return Json{{"answer", 42}};
  });
  ASSERT_TRUE(st["jobId"].is_string());
  EXPECT_FALSE(st["hasResult"].get<bool>());
  EXPECT_TRUE(st["alive"].get<bool>());
  EXPECT_FALSE(st.contains("result"));
  EXPECT_EQ(st["projectKey"], "P");
  EXPECT_EQ(st["jobDisplayName"], "compute");
  std::string id = st["jobId"];
  EXPECT_FALSE(svc.Get(id, alice, false)["hasResult"].get<bool>());
  go.count_down();
  Json done = PollUntilEnded(svc, id, alice);
  EXPECT_EQ(done["result"]["answer"], 42);
  EXPECT_FALSE(done["alive"].get<bool>());
  EXPECT_EQ(done["progress"]["states"][0]["cur"], 5);
  // peek leaves the result out but still says it is there.
  Json peek = svc.Get(id, alice, true);
  EXPECT_TRUE(peek["hasResult"].get<bool>());
  EXPECT_FALSE(peek.contains("result"));
}

TEST(FutureService, FailureIsAnErrorWithTheTaskCode) {
  FutureService svc;
  auto u = User("u");
  std::string id = svc.Start(u, "P", "bad", [](FutureContext&) -> Json {
    throw ApiError(ErrorCode::kDatasetNotFound, "dataset does not exist: P.x");
  })["jobId"];
  EXPECT_THROW(svc.WaitResult(id, u, 5000), ApiError);
  try {
    svc.Get(id, u, false);
    FAIL() << "a failed future must answer with an error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDatasetNotFound);
    EXPECT_NE(std::string(e.what()).find("P.x"), std::string::npos);
  }
  // Peeking also reports it, so no caller polls forever.
  EXPECT_THROW(svc.Get(id, u, true), ApiError);

  std::string id2 = svc.Start(
      u, "P", "crash", [](FutureContext&) -> Json { throw std::runtime_error("boom"); })["jobId"];
  EXPECT_THROW(svc.WaitResult(id2, u, 5000), ApiError);
  EXPECT_EQ(CodeOfGet(svc, id2, u), ErrorCode::kInternal);
}

TEST(FutureService, AbortStopsRunningTaskAtNextCheck) {
  FutureService svc;
  auto u = User("u");
  std::atomic<int> iterations{0};
  std::latch started(1);
  std::string id = svc.Start(u, "P", "loop", [&](FutureContext& ctx) -> Json {
    started.count_down();
    while (true) {
      ctx.CheckAborted();
      iterations++;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  })["jobId"];
  started.wait();
  svc.Abort(id, u);
  EXPECT_THROW(svc.WaitResult(id, u, 5000), ApiError);
  EXPECT_EQ(CodeOfGet(svc, id, u), ErrorCode::kAborted);
  int after = iterations.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(iterations.load(), after);  // it really stopped
  // Aborting again (or a finished future) is harmless.
  EXPECT_NO_THROW(svc.Abort(id, u));
}

TEST(FutureService, AbortCallbackInterruptsBlockingWork) {
  FutureService svc;
  auto u = User("u");
  std::mutex m;
  std::condition_variable cv;
  bool interrupted = false;
  std::latch started(1);
  std::string id = svc.Start(u, "P", "blocking", [&](FutureContext& ctx) -> Json {
    ctx.OnAbort([&] {
      std::lock_guard<std::mutex> l(m);
      interrupted = true;
      cv.notify_all();
    });
    started.count_down();
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return interrupted; });
    ctx.CheckAborted();
    return Json("never");
  })["jobId"];
  started.wait();
  svc.Abort(id, u);
  EXPECT_THROW(svc.WaitResult(id, u, 5000), ApiError);
  EXPECT_EQ(CodeOfGet(svc, id, u), ErrorCode::kAborted);
}

TEST(FutureService, QueuedTaskAbortedNeverRuns) {
  core::FutureOptions o;
  o.workers = 1;
  FutureService svc(o);
  auto u = User("u");
  std::latch release(1);
  std::string blocker = svc.Start(u, "P", "blocker", [&](FutureContext&) {
    release.wait();
    return Json(1);
  })["jobId"];
  std::atomic<bool> ran{false};
  std::string queued = svc.Start(u, "P", "queued", [&](FutureContext&) {
    ran = true;
    return Json(2);
  })["jobId"];
  svc.Abort(queued, u);
  EXPECT_EQ(CodeOfGet(svc, queued, u), ErrorCode::kAborted);
  release.count_down();
  EXPECT_EQ(svc.WaitResult(blocker, u, 5000), Json(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(ran.load());
}

TEST(FutureService, ManyConcurrentFuturesAllComplete) {
  core::FutureOptions o;
  o.workers = 3;
  FutureService svc(o);
  auto u = User("u");
  std::atomic<int> running{0}, peak{0};
  std::vector<std::string> ids;
  std::mutex ids_mu;
  std::vector<std::thread> starters;
  for (int t = 0; t < 4; ++t)
    starters.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        int v = t * 100 + i;
        std::string id = svc.Start(u, "P", "n", [&, v](FutureContext&) {
          int now = ++running;
          int p = peak.load();
          while (now > p && !peak.compare_exchange_weak(p, now)) {
          }
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          --running;
          return Json(v);
        })["jobId"];
        std::lock_guard<std::mutex> l(ids_mu);
        ids.push_back(id);
      }
    });
  for (auto& t : starters) t.join();
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 100u);
  std::set<int> values;
  for (const auto& id : ids) values.insert(svc.WaitResult(id, u, 10000).get<int>());
  EXPECT_EQ(values.size(), 100u);
  EXPECT_LE(peak.load(), 3);  // the pool bounds concurrency
}

TEST(FutureService, VisibilityAndListing) {
  FutureService svc;
  auto alice = User("alice"), bob = User("bob"), admin = User("admin", true);
  std::latch release(1);
  std::string a = svc.Start(alice, "P", "a", [&](FutureContext&) {
    release.wait();
    return Json(1);
  })["jobId"];
  core::FutureSpec spec;
  spec.project_key = "P";
  spec.description = "scenario";
  spec.scenario = true;
  spec.payload = Json{{"scenarioId", "S1"}};
  std::string b = svc.Start(bob, spec, [&](FutureContext&) {
    release.wait();
    return Json(2);
  })["jobId"];

  EXPECT_EQ(CodeOfGet(svc, a, bob), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOfGet(svc, "nope", alice), ErrorCode::kNotFound);
  EXPECT_THROW(svc.Abort(a, bob), ApiError);
  EXPECT_NO_THROW(svc.Get(a, admin, true));

  auto la = svc.List(alice, false, true, true);
  ASSERT_EQ(la.size(), 1u);
  EXPECT_EQ(la[0]["jobId"], a);
  EXPECT_THROW(svc.List(alice, true, true, true), ApiError);
  EXPECT_EQ(svc.List(admin, true, true, true).size(), 2u);
  auto scen = svc.List(admin, true, true, false);
  ASSERT_EQ(scen.size(), 1u);
  EXPECT_EQ(scen[0]["payload"]["scenarioId"], "S1");
  EXPECT_EQ(svc.List(admin, true, false, true).size(), 1u);

  release.count_down();
  svc.WaitResult(a, alice, 5000);
  svc.WaitResult(b, bob, 5000);
  EXPECT_TRUE(svc.List(admin, true, true, true).empty());  // only alive futures are listed
}

TEST(FutureService, FinishedFuturesAreCollectedAfterRetention) {
  core::FutureOptions o;
  o.retention_ms = 50;
  FutureService svc(o);
  auto u = User("u");
  std::string id = svc.Start(u, "P", "x", [](FutureContext&) { return Json(1); })["jobId"];
  EXPECT_EQ(svc.WaitResult(id, u, 5000), Json(1));
  EXPECT_NO_THROW(svc.Get(id, u, false));
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(CodeOfGet(svc, id, u), ErrorCode::kNotFound);
  EXPECT_EQ(svc.Size(), 0u);
}

TEST(FutureService, StartMaybeWaitAndLongPoll) {
  FutureService svc;
  auto u = User("u");
  Json sync = svc.StartMaybeWait(
      u, {"P", "sync", Json(), false},
      [](FutureContext&) {
        return Json{{"ok", true}};
      },
      true);
  EXPECT_FALSE(sync.contains("jobId"));
  EXPECT_TRUE(sync["hasResult"].get<bool>());
  EXPECT_TRUE(sync["result"]["ok"].get<bool>());
  EXPECT_THROW(svc.StartMaybeWait(
                   u, {"P", "fails", Json(), false},
                   [](FutureContext&) -> Json { throw ApiError::BadRequest("no"); }, true),
               ApiError);

  std::string id = svc.Start(u, "P", "slow", [](FutureContext&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return Json(7);
  })["jobId"];
  Json s = svc.Get(id, u, false, 5000);  // long poll returns as soon as it ends
  EXPECT_TRUE(s["hasResult"].get<bool>());
  EXPECT_EQ(s["result"], 7);
  EXPECT_THROW(
      svc.WaitResult(svc.Start(u, "P", "forever",
                               [](FutureContext& c) -> Json {
                                 while (true) {
                                   c.CheckAborted();
                                   std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                 }
                               })["jobId"],
                     u, 30),
      ApiError);
}

TEST(FutureService, DestructorAbortsRunningTasks) {
  std::atomic<bool> saw_abort{false};
  {
    FutureService svc;
    auto u = User("u");
    std::latch started(1);
    svc.Start(u, "P", "loop", [&](FutureContext& ctx) -> Json {
      started.count_down();
      while (!ctx.IsAborted()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      saw_abort = true;
      return Json();
    });
    started.wait();
  }
  EXPECT_TRUE(saw_abort.load());
}
