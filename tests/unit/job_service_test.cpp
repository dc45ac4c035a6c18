// JobService end to end below HTTP: planning from recipe documents, build modes (smart
// rebuild, EXPLICIT), failures, abort, restart recovery, with real shell/Python processes.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/api_error.h"
#include "common/crypto.h"
#include "core/job_service.h"
#include "core/services.h"
#include "engine/duckdb_engine.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

using namespace dss;
namespace fs = std::filesystem;

namespace {

class JobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dssd-jobs-" + RandomToken(8));
    Open();
    auto& st = svc_->store();
    st.Put(
        "user", "", "admin",
        Json{{"login", "admin"}, {"groups", Json::array({"administrators"})}, {"enabled", true}});
    st.Put("group", "", "administrators", Json{{"name", "administrators"}, {"admin", true}});
    st.Put("project", "P", "project", Json{{"projectKey", "P"}, {"name", "P"}, {"owner", "admin"}});
    who_.login = "admin";
    who_.global = auth::kGlobalAdmin;
  }
  void TearDown() override {
    svc_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }
  void Open() {
    storage::DataDir dd(dir_);
    dd.EnsureLayout();
    engine_ = std::make_unique<engine::DuckEngine>(engine::DuckOptions{});
    core::ServicesOptions o;
    svc_ = std::make_unique<core::Services>(
        dd, storage::OpenSqliteMetadataStore(dd.MetadataFile().string()), *engine_, o);
  }
  void Dataset(const std::string& name, Json extra = Json::object()) {
    Json d = {{"name", name}, {"projectKey", "P"}, {"type", "Filesystem"}};
    for (auto& [k, v] : extra.items()) d[k] = v;
    svc_->store().Put("dataset", "P", name, d);
  }
  void Recipe(const std::string& name, const std::string& type, std::vector<std::string> ins,
              std::vector<std::string> outs, const std::string& payload) {
    Json in = Json::array(), out = Json::array();
    for (auto& i : ins) in.push_back({{"ref", i}});
    for (auto& o : outs) out.push_back({{"ref", o}, {"appendMode", false}});
    svc_->store().Put("recipe", "P", name,
                      Json{{"name", name},
                           {"projectKey", "P"},
                           {"type", type},
                           {"inputs", {{"main", {{"items", in}}}}},
                           {"outputs", {{"main", {{"items", out}}}}}});
    svc_->store().Put("recipe_payload", "P", name, Json{{"payload", payload}});
  }
  Json Build(const std::string& out, const std::string& type) {
    Json def = {
        {"type", type},
        {"outputs",
         Json::array(
             {{{"id", out}, {"type", nullptr}, {"projectKey", nullptr}, {"partition", nullptr}}})}};
    return svc_->jobs().Start(who_, "P", def);
  }
  Json Wait(const Json& def) {
    std::string id = def["id"];
    std::string state = svc_->jobs().WaitFinished("P", id, 30000);
    EXPECT_TRUE(state == "DONE" || state == "FAILED" || state == "ABORTED") << state;
    return svc_->jobs().Status("P", id, 0);
  }
  static std::vector<std::string> Activities(const Json& status) {
    std::vector<std::string> out;
    for (auto& [id, a] : status["activities"].items()) out.push_back(a["recipeName"]);
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<engine::DuckEngine> engine_;
  std::unique_ptr<core::Services> svc_;
  auth::Principal who_;
};

}  // namespace

TEST_F(JobServiceTest, ShellRecipeRunsToDoneWithLogAndStatusShape) {
  Dataset("a");
  Dataset("b");
  Recipe("r1", "shell", {"a"}, {"b"},
         "echo hello from $DKU_RECIPE_NAME in $DKU_CURRENT_PROJECT_KEY\n");
  Json def = Build("b", "NON_RECURSIVE_FORCED_BUILD");
  std::string id = def["id"];
  EXPECT_EQ(id.rfind("build_b_NP_", 0), 0u) << id;
  Json s = Wait(def);
  EXPECT_EQ(s["baseStatus"]["state"], "DONE");
  EXPECT_EQ(s["baseStatus"]["def"]["id"], id);
  EXPECT_EQ(s["baseStatus"]["def"]["outputs"][0]["targetDataset"], "b");
  EXPECT_EQ(s["baseStatus"]["def"]["outputs"][0]["type"], "DATASET");
  EXPECT_FALSE(s["baseStatus"].contains("unexpectedFailure"));
  EXPECT_EQ(s["globalState"]["done"], 1);
  EXPECT_EQ(s["globalState"]["total"], 1);
  ASSERT_TRUE(s["activities"].contains("compute_b_NP"));
  const Json& a = s["activities"]["compute_b_NP"];
  EXPECT_EQ(a["state"], "DONE");
  EXPECT_GT(a["startTime"].get<int64_t>(), 0);
  EXPECT_GE(a["endTime"].get<int64_t>(), a["startTime"].get<int64_t>());
  std::string log = svc_->jobs().Log("P", id, "compute_b_NP");
  EXPECT_NE(log.find("hello from r1 in P"), std::string::npos) << log;
  EXPECT_NE(svc_->jobs().Log("P", id, "").find("hello from r1"), std::string::npos);
  EXPECT_THROW(svc_->jobs().Log("P", id, "nope"), ApiError);
  Json list = svc_->jobs().List("P", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["def"]["id"], id);
  EXPECT_EQ(list[0]["state"], "DONE");
}

TEST_F(JobServiceTest, FailureCarriesStderrAndSkipsDownstream) {
  Dataset("a");
  Dataset("b");
  Dataset("c");
  Recipe("r1", "shell", {"a"}, {"b"}, "echo some output\necho 'bad thing happened' >&2\nexit 3\n");
  Recipe("r2", "shell", {"b"}, {"c"}, "echo never\n");
  Json s = Wait(Build("c", "RECURSIVE_FORCED_BUILD"));
  EXPECT_EQ(s["baseStatus"]["state"], "FAILED");
  const Json& f = s["baseStatus"]["unexpectedFailure"];
  EXPECT_NE(f["message"].get<std::string>().find("bad thing happened"), std::string::npos) << f;
  EXPECT_EQ(f["errorType"], "com.dataiku.dip.exceptions.ExternalProcessFailedException");
  EXPECT_NE(f["detailedMessage"].get<std::string>().find("exited with code 3"), std::string::npos);
  EXPECT_EQ(s["activities"]["compute_b_NP"]["state"], "FAILED");
  EXPECT_EQ(s["activities"]["compute_c_NP"]["state"], "SKIPPED");
  EXPECT_EQ(s["globalState"]["failed"], 1);
  EXPECT_EQ(s["globalState"]["skipped"], 1);
}

TEST_F(JobServiceTest, PythonRecipeExceptionFailsJob) {
  Dataset("a");
  Dataset("b");
  Recipe("py", "python", {"a"}, {"b"},
         "import sys\nprint('starting')\nraise ValueError('the answer is not 42')\n");
  Json def = Build("b", "NON_RECURSIVE_FORCED_BUILD");
  Json s = Wait(def);
  EXPECT_EQ(s["baseStatus"]["state"], "FAILED");
  EXPECT_NE(s["baseStatus"]["unexpectedFailure"]["message"].get<std::string>().find(
                "ValueError: the answer is not 42"),
            std::string::npos)
      << s["baseStatus"]["unexpectedFailure"];
  std::string log = svc_->jobs().Log("P", def["id"], "compute_b_NP");
  EXPECT_NE(log.find("starting"), std::string::npos);
  EXPECT_NE(log.find("Traceback"), std::string::npos);
}

TEST_F(JobServiceTest, AbortKillsTheProcess) {
  Dataset("a");
  Dataset("b");
  Recipe("slow", "shell", {"a"}, {"b"}, "echo started\nsleep 60\necho finished\n");
  Json def = Build("b", "NON_RECURSIVE_FORCED_BUILD");
  std::string id = def["id"];
  for (int i = 0; i < 200; ++i) {
    if (svc_->jobs().Log("P", id, "compute_b_NP").find("started") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto t0 = std::chrono::steady_clock::now();
  Json r = svc_->jobs().Abort(who_, "P", id);
  EXPECT_TRUE(r["aborted"].get<bool>());
  Json s = Wait(def);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(s["baseStatus"]["state"], "ABORTED");
  EXPECT_EQ(s["activities"]["compute_b_NP"]["state"], "ABORTED");
  EXPECT_EQ(svc_->jobs().Log("P", id, "compute_b_NP").find("finished"), std::string::npos);
  EXPECT_FALSE(svc_->jobs().Abort(who_, "P", id)["aborted"].get<bool>());
}

TEST_F(JobServiceTest, SmartRebuildRunsOnlyWhatIsOutOfDate) {
  for (auto n : {"a", "b", "c", "d", "e"}) Dataset(n);
  Recipe("r1", "shell", {"a"}, {"b"}, "true\n");
  Recipe("r2", "shell", {"b"}, {"c"}, "true\n");
  Recipe("r3", "shell", {"c"}, {"d"}, "true\n");
  Recipe("side", "shell", {"a"}, {"e"}, "true\n");
  Json s1 = Wait(Build("d", "RECURSIVE_BUILD"));
  EXPECT_EQ(s1["baseStatus"]["state"], "DONE");
  EXPECT_EQ(Activities(s1), (std::vector<std::string>{"r1", "r2", "r3"}));
  // Dependencies are honoured: r1 ends before r2 starts.
  EXPECT_LE(s1["activities"]["compute_b_NP"]["endTime"].get<int64_t>(),
            s1["activities"]["compute_c_NP"]["startTime"].get<int64_t>());

  Json s2 = Wait(Build("d", "RECURSIVE_BUILD"));
  EXPECT_EQ(s2["baseStatus"]["state"], "DONE");
  EXPECT_TRUE(Activities(s2).empty());

  Recipe("r2", "shell", {"b"}, {"c"}, "echo changed\n");  // upstream recipe changed
  Json s3 = Wait(Build("d", "RECURSIVE_BUILD"));
  EXPECT_EQ(Activities(s3), (std::vector<std::string>{"r2", "r3"}));

  Dataset("d", {{"description", "edited"}});  // the output's definition changed
  Json s4 = Wait(Build("d", "RECURSIVE_BUILD"));
  EXPECT_EQ(Activities(s4), (std::vector<std::string>{"r3"}));

  // Rebuilding b alone makes c and d out of date.
  Wait(Build("b", "NON_RECURSIVE_FORCED_BUILD"));
  Json s5 = Wait(Build("d", "RECURSIVE_BUILD"));
  EXPECT_EQ(Activities(s5), (std::vector<std::string>{"r2", "r3"}));

  Json s6 = Wait(Build("d", "RECURSIVE_FORCED_BUILD"));
  EXPECT_EQ(Activities(s6), (std::vector<std::string>{"r1", "r2", "r3"}));
  Json s7 = Wait(Build("d", "NON_RECURSIVE_FORCED_BUILD"));
  EXPECT_EQ(Activities(s7), (std::vector<std::string>{"r3"}));
  Json s8 = Wait(Build("d", "RECURSIVE_MISSING_ONLY_BUILD"));
  EXPECT_TRUE(Activities(s8).empty());
}

TEST_F(JobServiceTest, ExplicitAndWriteProtectedDatasetsStopRecursion) {
  Dataset("a");
  Dataset("b", {{"flowOptions", {{"rebuildBehavior", "EXPLICIT"}}}});
  Dataset("c");
  Dataset("w", {{"flowOptions", {{"rebuildBehavior", "WRITE_PROTECT"}}}});
  Recipe("r1", "shell", {"a"}, {"b"}, "true\n");
  Recipe("r2", "shell", {"b"}, {"c"}, "true\n");
  Recipe("r3", "shell", {"c"}, {"w"}, "true\n");
  Json s = Wait(Build("c", "RECURSIVE_FORCED_BUILD"));
  EXPECT_EQ(Activities(s), (std::vector<std::string>{"r2"}));
  Json s2 = Wait(Build("b", "RECURSIVE_FORCED_BUILD"));  // explicit request builds it
  EXPECT_EQ(Activities(s2), (std::vector<std::string>{"r1"}));
  try {
    Build("w", "NON_RECURSIVE_FORCED_BUILD");
    FAIL() << "write-protected output built";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("write-protected"), std::string::npos);
  }
}

TEST_F(JobServiceTest, BadRequestsAreRejectedAndCreateNothing) {
  Dataset("src");
  Dataset("x");
  Dataset("y");
  Recipe("rx", "shell", {"y"}, {"x"}, "true\n");
  Recipe("ry", "shell", {"x"}, {"y"}, "true\n");
  auto status_of = [&](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const ApiError& e) {
      return std::make_pair(e.status(), std::string(e.what()));
    }
    return std::make_pair(0, std::string());
  };
  auto [st1, m1] = status_of([&] { Build("nope", "NON_RECURSIVE_FORCED_BUILD"); });
  EXPECT_EQ(st1, 404);
  EXPECT_NE(m1.find("nope"), std::string::npos);
  auto [st2, m2] = status_of([&] { Build("src", "NON_RECURSIVE_FORCED_BUILD"); });
  EXPECT_EQ(st2, 400);
  EXPECT_NE(m2.find("not the output of any recipe"), std::string::npos);
  auto [st3, m3] = status_of([&] { Build("x", "RECURSIVE_FORCED_BUILD"); });
  EXPECT_EQ(st3, 400);
  EXPECT_NE(m3.find("cycle"), std::string::npos) << m3;
  auto [st4, m4] = status_of([&] { Build("x", "SOMETIMES_BUILD"); });
  EXPECT_EQ(st4, 400);
  auto [st5, m5] = status_of([&] { svc_->jobs().Start(who_, "P", Json{{"outputs", 3}}); });
  EXPECT_EQ(st5, 400);
  EXPECT_NE(m5.find("outputs"), std::string::npos);
  EXPECT_EQ(svc_->jobs().List("P", 0).size(), 0u);
  auto [st6, m6] = status_of([&] { svc_->jobs().Status("P", "build_nothing", 0); });
  EXPECT_EQ(st6, 404);
}

TEST_F(JobServiceTest, JobRunningAtStartupIsMarkedFailed) {
  Dataset("a");
  Dataset("b");
  Recipe("slow", "shell", {"a"}, {"b"}, "sleep 60\n");
  Json def = Build("b", "NON_RECURSIVE_FORCED_BUILD");
  std::string id = def["id"];
  // Simulate a crash: the document says RUNNING when the next process starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Json doc = *svc_->store().Get("job", "P", id)->data;
  svc_.reset();
  storage::DataDir dd(dir_);
  {
    auto store = storage::OpenSqliteMetadataStore(dd.MetadataFile().string());
    doc["state"] = "RUNNING";
    doc["activities"][0]["state"] = "RUNNING";
    store->Put("job", "P", id, doc);
  }
  Open();
  Json s = svc_->jobs().Status("P", id, 0);
  EXPECT_EQ(s["baseStatus"]["state"], "FAILED");
  EXPECT_NE(
      s["baseStatus"]["unexpectedFailure"]["message"].get<std::string>().find("server stopped"),
      std::string::npos);
  EXPECT_EQ(s["activities"]["compute_b_NP"]["state"], "FAILED");
  EXPECT_EQ(svc_->jobs().recovered(), 1);
}

TEST_F(JobServiceTest, LongPollReturnsOnChange) {
  Dataset("a");
  Dataset("b");
  Recipe("r", "shell", {"a"}, {"b"}, "sleep 0.3\n");
  Json def = Build("b", "NON_RECURSIVE_FORCED_BUILD");
  std::string id = def["id"];
  auto t0 = std::chrono::steady_clock::now();
  std::string state;
  int polls = 0;
  do {
    state = svc_->jobs().Status("P", id, 5000)["baseStatus"]["state"];
    ++polls;
  } while (state != "DONE" && polls < 50);
  EXPECT_EQ(state, "DONE");
  EXPECT_LT(polls, 10);  // woke on changes, not by spinning
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}
