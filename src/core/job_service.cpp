#include "core/job_service.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/log.h"
#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/managed_data_store.h"
#include "core/security_service.h"
#include "core/services.h"
#include "core/settings_service.h"

namespace dss::core {

namespace fs = std::filesystem;

namespace {

constexpr long long kMaxWaitMs = 60'000;

bool IsTerminalName(const std::string& s) {
  return s == "DONE" || s == "FAILED" || s == "ABORTED" || s == "SKIPPED";
}
std::string ToLowerState(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '_' ? ' ' : static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsJobTerminalName(const std::string& s) {
  return s == "DONE" || s == "FAILED" || s == "ABORTED";
}

Json FailureJson(const jobs::Failure& f) {
  return {{"errorType", f.error_type},
          {"message", f.message},
          {"detailedMessage", f.detailed_message},
          {"detailedMessageHTML", f.detailed_message},
          {"stackTraceStr", ""}};
}

/// "2015-09-28T09-17-37.455" (DSS job id timestamp, UTC).
std::string IdTimestamp(int64_t ms) {
  std::string s = IsoUtc(ms);  // 2015-09-28T09:17:37.455Z
  s.pop_back();
  std::replace(s.begin(), s.end(), ':', '-');
  return s;
}

/// "[2015/09/28-09:17:37.455]" (DSS job log line prefix, UTC).
std::string LogTimestamp() {
  std::string s = IsoUtc(NowMs());  // 2015-09-28T09:17:37.455Z
  s.pop_back();
  std::replace(s.begin(), s.begin() + 10, '-', '/');
  s[10] = '-';
  return "[" + s + "]";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json RefsJson(const std::vector<FlowRef>& refs) {
  Json a = Json::array();
  for (const auto& r : refs)
    a.push_back({{"type", r.type}, {"projectKey", r.project_key}, {"id", r.id}});
  return a;
}

/// The log files of one job: output.log (every line, prefixed by the activity) and one file
/// per activity. Thread-safe.
class JobLogs {
 public:
  explicit JobLogs(fs::path dir) : dir_(std::move(dir)) {}
  ~JobLogs() {
    for (auto& [name, f] : files_)
      if (f) fclose(f);
  }
  void Write(const std::string& activity, std::string_view line) {
    std::string ts = LogTimestamp();
    std::lock_guard lock(mu_);
    if (FILE* f = File("output")) {
      fprintf(f, "%s [%s] %.*s\n", ts.c_str(), activity.empty() ? "job" : activity.c_str(),
              static_cast<int>(line.size()), line.data());
      fflush(f);
    }
    if (!activity.empty())
      if (FILE* f = File(activity)) {
        fprintf(f, "%s %.*s\n", ts.c_str(), static_cast<int>(line.size()), line.data());
        fflush(f);
      }
  }

 private:
  FILE* File(const std::string& name) {
    auto it = files_.find(name);
    if (it != files_.end()) return it->second;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    FILE* f = fopen((dir_ / (name + ".log")).c_str(), "ae");
    files_[name] = f;
    return f;
  }
  fs::path dir_;
  std::mutex mu_;
  std::map<std::string, FILE*> files_;
};

/// One recipe run as a job activity: runs the executor, then records the build for smart
/// rebuilds.
class RecipeActivity : public jobs::Activity {
 public:
  RecipeActivity(Services& svc, const FlowPlanner& planner, RecipeExecutor& executor,
                 PlannedRun run, std::string project, std::string job_id, std::string login,
                 std::string backend_url, fs::path work_dir)
      : svc_(svc),
        planner_(planner),
        executor_(executor),
        run_(std::move(run)),
        project_(std::move(project)),
        job_id_(std::move(job_id)),
        login_(std::move(login)),
        backend_url_(std::move(backend_url)),
        work_dir_(std::move(work_dir)) {}

  void Run(jobs::ActivityContext& ctx) override {
    ctx.Log("Running recipe " + run_.recipe_name + " (type " + run_.recipe_type + ", partition " +
            run_.partition + "): " + run_.reason);
    std::map<std::string, std::string> inputs;
    for (const auto& in : run_.inputs) inputs[FlowRefKey(in)] = planner_.Fingerprint(in);
    std::error_code ec;
    fs::create_directories(work_dir_, ec);
    if (ec) throw ApiError::Internal("Cannot create " + work_dir_.string() + ": " + ec.message());
    // Every managed write of the activity (its engine's, or a code recipe's through the API)
    // is staged under this token and published only when the whole activity succeeds.
    std::string staging = job_id_ + "/" + run_.recipe_name + "/" + run_.partition;
    RecipeRunEnv env{run_,         project_,           job_id_, login_,
                     backend_url_, work_dir_.string(), svc_,    staging};
    auto schemas = OutputSchemas();
    try {
      executor_.Execute(env, ctx);
      ctx.ThrowIfAborted();
    } catch (...) {
      // A failed activity keeps its outputs' previous versions; their schemas too (a Python
      // recipe may have set one through write_with_schema before failing).
      for (const auto& o : run_.outputs)
        if (o.type == "DATASET") svc_.managed_data().DiscardStaged(o.project_key, o.id, staging);
      RestoreOutputSchemas(schemas, ctx);
      throw;
    }
    for (const auto& o : run_.outputs)
      if (o.type == "DATASET") svc_.managed_data().PublishStaged(o.project_key, o.id, staging);
    planner_.RecordBuild(run_, inputs, job_id_);
    ctx.Log("Recipe " + run_.recipe_name + " done");
  }

 private:
  /// The schema of each dataset output (null when it has none).
  std::map<std::string, Json> OutputSchemas() const {
    std::map<std::string, Json> out;
    for (const auto& o : run_.outputs) {
      if (o.type != "DATASET") continue;
      auto doc = svc_.store().Get(kKindDataset, o.project_key, o.id);
      if (doc) out[FlowRefKey(o)] = doc->data->value("schema", Json());
    }
    return out;
  }

  void RestoreOutputSchemas(const std::map<std::string, Json>& before,
                            jobs::ActivityContext& ctx) const {
    for (const auto& o : run_.outputs) {
      auto it = before.find(FlowRefKey(o));
      if (it == before.end()) continue;
      try {
        bool restored = false;
        svc_.store().Transact([&](storage::Txn& txn) {
          auto doc = txn.Get(kKindDataset, o.project_key, o.id);
          if (!doc || doc->data->value("schema", Json()) == it->second) return;
          Json d = *doc->data;
          if (it->second.is_null())
            d.erase("schema");
          else
            d["schema"] = it->second;
          txn.Put(kKindDataset, o.project_key, o.id, d);
          restored = true;
        });
        if (restored) ctx.Log("Schema of '" + o.id + "' put back as it was before the recipe ran");
      } catch (const std::exception& e) {
        // The recipe's own error is what the user needs; this one only goes to the log.
        ctx.Log("Could not put back the schema of '" + o.id + "': " + e.what());
      }
    }
  }

  Services& svc_;
  const FlowPlanner& planner_;
  RecipeExecutor& executor_;
  PlannedRun run_;
  std::string project_, job_id_, login_, backend_url_;
  fs::path work_dir_;
};

}  // namespace

struct JobService::Live {
  std::string project, id;
  Json def;
  Json activities;  // activityId → static info (recipe, partition, reason, inputs, outputs)
  std::shared_ptr<jobs::JobRun> run;
  int64_t revision = -1;
};

JobService::JobService(Services& services, std::shared_ptr<RecipeExecutorRegistry> executors)
    : svc_(services),
      executors_(std::move(executors)),
      planner_(
          services.store(),
          [reg = executors_](const std::string& type) { return reg->Find(type) != nullptr; },
          [&services](const FlowRef& ref) {
            return ref.type == "DATASET"
                       ? services.dataset_data().ExternalDataSignature(ref.project_key, ref.id)
                       : std::string();
          }) {
  recovered_ = RecoverInterrupted();
  scheduler_ = std::make_unique<jobs::Scheduler>([this] { return MaxRunningActivities(); });
}

JobService::~JobService() {
  Shutdown();
}

void JobService::Shutdown() {
  if (scheduler_) scheduler_->Shutdown();
}

void JobService::SetBackendUrl(const std::string& url) {
  std::lock_guard lock(mu_);
  backend_url_ = url;
}

int JobService::MaxRunningActivities() const {
  // Called by the scheduler under its lock: re-read the settings at most once a second.
  int64_t now = NowMs();
  if (now - limit_read_ms_.load() > 1000) {
    limit_read_ms_ = now;
    try {
      cached_limit_ = std::max(1, svc_.settings().MaxRunningActivities());
    } catch (const std::exception& e) {
      log::Warn("cannot read maxRunningActivities", Json{{"error", e.what()}}.dump());
    }
  }
  return cached_limit_.load();
}

std::string JobService::JobDir(const std::string& project, const std::string& id) const {
  return (svc_.data_dir().JobsDir() / project / id).string();
}

int JobService::RecoverInterrupted() {
  int n = 0;
  for (const auto& doc : svc_.store().ListAll(kKindJob)) {
    const Json& d = *doc.data;
    std::string state = d.value("state", "");
    if (IsJobTerminalName(state)) continue;
    Json fixed = d;
    int64_t now = NowMs();
    std::string msg = "The job was interrupted: the server stopped while it was " +
                      ToLowerState(state) + " (dssd restarted). Start the job again.";
    jobs::Failure f{std::string(ErrorTypeOf(ErrorCode::kJobInterrupted)), msg, msg};
    fixed["state"] = "FAILED";
    fixed["endTime"] = now;
    fixed["unexpectedFailure"] = FailureJson(f);
    if (fixed.contains("activities") && fixed["activities"].is_array()) {
      for (auto& a : fixed["activities"]) {
        std::string as = a.value("state", "NOT_STARTED");
        if (IsTerminalName(as)) continue;
        if (as == "RUNNING") {
          a["state"] = "FAILED";
          a["firstFailure"] = FailureJson(f);
        } else {
          a["state"] = "SKIPPED";
        }
        a["endTime"] = now;
      }
    }
    svc_.store().Put(kKindJob, doc.scope, doc.id, fixed);
    JobLogs logs(JobDir(doc.scope, doc.id));
    logs.Write("", msg);
    log::Warn("job marked FAILED at start-up",
              Json{{"project", doc.scope}, {"job", doc.id}}.dump());
    ++n;
  }
  return n;
}

std::string JobService::NewJobId(const std::string& project, const std::string& base) const {
  std::string id = base + "_" + IdTimestamp(NowMs());
  std::string candidate = id;
  for (int i = 2;
       live_.count(project + "/" + candidate) || svc_.store().Get(kKindJob, project, candidate);
       ++i)
    candidate = id + "_" + std::to_string(i);
  return candidate;
}

Json JobService::Start(const auth::Principal& who, const std::string& project, const Json& body) {
  JobPlan plan = planner_.Plan(project, body);

  const Json& first = plan.outputs.at(0);
  std::string part = first["partition"].is_string() ? first["partition"].get<std::string>() : "NP";
  std::string base = "build_" + first["id"].get<std::string>() + "_";
  for (char c : part)
    base += (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';

  std::string login = who.login;
  if (login.empty()) {
    // Global keys without a user act as the project owner inside recipe processes.
    if (auto p = svc_.store().Get(kKindProject, project, kProjectDocId))
      login = p->data->value("owner", "");
  }

  auto live = std::make_shared<Live>();
  live->project = project;
  std::shared_ptr<JobLogs> logs;
  std::string backend;
  {
    std::lock_guard lock(mu_);
    backend = backend_url_;
    live->id = NewJobId(project, base);
    int64_t now = NowMs();
    Json outs = Json::array();
    for (const auto& o : plan.outputs) {
      Json x = o;
      x["targetDataset"] = o["id"];
      x["targetDatasetProjectKey"] = o["projectKey"];
      x["targetPartition"] = o["partition"].is_null() ? Json("NP") : o["partition"];
      outs.push_back(x);
    }
    live->def = {{"id", live->id},
                 {"name", base.substr(0, base.size())},
                 {"type", plan.type},
                 {"projectKey", project},
                 {"initiator", who.AuthIdentifier()},
                 {"initiationTimestamp", now},
                 {"triggeredFrom", "API"},
                 {"outputs", outs},
                 {"refreshHiveMetastore", GetBool(body, "refreshHiveMetastore", false)},
                 {"autoUpdateSchemaBeforeEachRecipeRun",
                  GetBool(body, "autoUpdateSchemaBeforeEachRecipeRun", false)},
                 {"mailNotification", false},
                 {"refreshIntermediateMirrors", true},
                 {"refreshTargetMirrors", true}};
    // Reserve the id: the document exists before the lock is released.
    Json activities = Json::array();
    live->activities = Json::object();
    for (const auto& r : plan.runs) {
      Json info = {{"activityId", r.activity_id},
                   {"recipeName", r.recipe_name},
                   {"recipeType", r.recipe_type},
                   {"partition", r.partition},
                   {"reason", r.reason},
                   {"inputs", RefsJson(r.inputs)},
                   {"outputs", RefsJson(r.outputs)},
                   {"dependsOn", r.depends_on}};
      live->activities[r.activity_id] = info;
      Json a = info;
      a["state"] = "NOT_STARTED";
      a["startTime"] = 0;
      a["endTime"] = 0;
      activities.push_back(a);
    }
    Json doc = {{"def", live->def}, {"state", "NOT_STARTED"}, {"startTime", 0},
                {"endTime", 0},     {"revision", 0},          {"activities", activities}};
    svc_.store().Put(kKindJob, project, live->id, doc);
    live_[project + "/" + live->id] = live;
  }
  fs::path dir = JobDir(project, live->id);
  logs = std::make_shared<JobLogs>(dir);
  logs->Write("", "Job " + live->id + " (" + plan.type + ") requested by " + who.AuthIdentifier() +
                      ": " + std::to_string(plan.runs.size()) + " activities");
  for (const auto& r : plan.runs)
    logs->Write("", "Planned " + r.activity_id + ": recipe " + r.recipe_name + " — " + r.reason);

  std::vector<jobs::ActivitySpec> specs;
  for (auto& r : plan.runs) {
    RecipeExecutor* exec = executors_->Find(r.recipe_type);
    jobs::ActivitySpec s;
    s.id = r.activity_id;
    s.depends_on = r.depends_on;
    fs::path work = dir / "work" / r.activity_id;
    s.activity = std::make_unique<RecipeActivity>(svc_, planner_, *exec, r, project, live->id,
                                                  login, backend, work);
    specs.push_back(std::move(s));
  }
  jobs::JobRunHooks hooks;
  hooks.log = [logs](const std::string& a, std::string_view line) { logs->Write(a, line); };
  std::weak_ptr<Live> weak = live;
  hooks.on_change = [this, weak](const jobs::JobStatus& s) {
    if (auto l = weak.lock()) OnChange(l, s);
  };
  try {
    live->run = std::make_shared<jobs::JobRun>(live->id, std::move(specs), hooks);
    scheduler_->Submit(live->run);
  } catch (...) {
    std::lock_guard lock(mu_);
    live_.erase(project + "/" + live->id);
    svc_.store().Delete(kKindJob, project, live->id);
    throw;
  }
  return live->def;
}

void JobService::OnChange(const std::shared_ptr<Live>& live, const jobs::JobStatus& s) {
  Json activities = Json::array();
  for (const auto& a : s.activities) {
    Json x = live->activities.contains(a.id) ? live->activities[a.id] : Json{{"activityId", a.id}};
    x["state"] = jobs::RunStateName(a.state);
    x["startTime"] = a.start_ms;
    x["endTime"] = a.end_ms;
    if (a.failure) x["firstFailure"] = FailureJson(*a.failure);
    activities.push_back(std::move(x));
  }
  Json doc = {{"def", live->def},        {"state", jobs::RunStateName(s.state)},
              {"startTime", s.start_ms}, {"endTime", s.end_ms},
              {"revision", s.revision},  {"activities", activities}};
  if (s.failure) doc["unexpectedFailure"] = FailureJson(*s.failure);
  try {
    svc_.store().Put(kKindJob, live->project, live->id, doc);
  } catch (const std::exception& e) {
    log::Error("cannot persist job state", Json{{"job", live->id}, {"error", e.what()}}.dump());
  }
  std::lock_guard lock(mu_);
  live->revision = s.revision;
  if (s.state == jobs::RunState::kDone || s.state == jobs::RunState::kFailed ||
      s.state == jobs::RunState::kAborted)
    live_.erase(live->project + "/" + live->id);
  changed_.notify_all();
}

Json JobService::LoadDoc(const std::string& project, const std::string& id) const {
  auto doc = svc_.store().Get(kKindJob, project, id);
  if (!doc)
    throw ApiError(ErrorCode::kJobNotFound,
                   "Job '" + id + "' does not exist in project " + project);
  return *doc->data;
}

Json JobService::Status(const std::string& project, const std::string& id,
                        long long wait_ms) const {
  if (wait_ms > 0) {
    std::string key = project + "/" + id;
    std::unique_lock lock(mu_);
    auto it = live_.find(key);
    if (it != live_.end()) {
      int64_t seen = it->second->revision;
      changed_.wait_for(lock, std::chrono::milliseconds(std::min(wait_ms, kMaxWaitMs)), [&] {
        auto j = live_.find(key);
        return j == live_.end() || j->second->revision != seen;
      });
    }
  }
  return JobStatusJson(LoadDoc(project, id));
}

std::string JobService::WaitFinished(const std::string& project, const std::string& id,
                                     long long timeout_ms) const {
  std::string key = project + "/" + id;
  {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return !live_.count(key); });
  }
  return LoadDoc(project, id).value("state", "");
}

Json JobService::List(const std::string& project, long long limit) const {
  auto docs = svc_.store().List(kKindJob, project);
  std::vector<const storage::Document*> sorted;
  for (const auto& d : docs) sorted.push_back(&d);
  auto ts = [](const storage::Document* d) {
    const Json& j = *d->data;
    return j.contains("def") ? j["def"].value("initiationTimestamp", static_cast<int64_t>(0))
                             : static_cast<int64_t>(0);
  };
  std::stable_sort(sorted.begin(), sorted.end(), [&](auto* a, auto* b) {
    if (ts(a) != ts(b)) return ts(a) > ts(b);
    return a->id > b->id;
  });
  Json out = Json::array();
  for (auto* d : sorted) {
    if (limit > 0 && static_cast<long long>(out.size()) >= limit) break;
    const Json& j = *d->data;
    std::string state = j.value("state", "");
    Json item = {{"def", j.value("def", Json::object())},   {"state", state},
                 {"stableState", IsJobTerminalName(state)}, {"startTime", j.value("startTime", 0)},
                 {"endTime", j.value("endTime", 0)},        {"warningsCount", 0}};
    if (j.contains("unexpectedFailure") && state != "DONE")
      item["unexpectedFailure"] = j["unexpectedFailure"];
    out.push_back(item);
  }
  return out;
}

std::string JobService::Log(const std::string& project, const std::string& id,
                            const std::string& activity) const {
  Json doc = LoadDoc(project, id);
  fs::path dir = JobDir(project, id);
  if (activity.empty()) return ReadFile(dir / "output.log");
  bool known = false;
  if (doc.contains("activities") && doc["activities"].is_array())
    for (const auto& a : doc["activities"]) known = known || a.value("activityId", "") == activity;
  if (!known) throw ApiError::NotFound("Job '" + id + "' has no activity '" + activity + "'");
  return ReadFile(dir / (activity + ".log"));
}

Json JobService::Abort(const auth::Principal& who, const std::string& project,
                       const std::string& id) {
  std::shared_ptr<Live> live;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(project + "/" + id);
    if (it != live_.end()) live = it->second;
  }
  if (!live) {
    Json doc = LoadDoc(project, id);
    return {{"msg", "Job " + id + " is already finished (" + doc.value("state", "") + ")"},
            {"aborted", false}};
  }
  live->run->Abort("Job aborted by " + who.AuthIdentifier());
  return {{"msg", "Job " + id + " aborted"}, {"aborted", true}};
}

void JobService::AbortProjectJobs(const std::string& project, long long timeout_ms) {
  std::vector<std::shared_ptr<Live>> lives;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, l] : live_)
      if (l->project == project) lives.push_back(l);
  }
  for (auto& l : lives) l->run->Abort("The project " + project + " is being deleted");
  for (auto& l : lives) l->run->WaitFinished(std::chrono::milliseconds(timeout_ms));
}

Json JobStatusJson(const Json& doc) {
  std::string state = doc.value("state", "NOT_STARTED");
  Json def = doc.value("def", Json::object());
  Json base = {{"def", def},
               {"state", state},
               {"jobId", def.value("id", "")},
               {"initiationTimestamp", def.value("initiationTimestamp", 0)},
               {"startTime", doc.value("startTime", 0)},
               {"endTime", doc.value("endTime", 0)},
               {"stableState", IsJobTerminalName(state)},
               {"warningsCount", 0}};
  if (doc.contains("unexpectedFailure") && state != "DONE")
    base["unexpectedFailure"] = doc["unexpectedFailure"];
  std::map<std::string, int> counts = {{"NOT_STARTED", 0}, {"COMPUTING_DEPS", 0}, {"WAITING", 0},
                                       {"RUNNING", 0},     {"DONE", 0},           {"FAILED", 0},
                                       {"ABORTED", 0},     {"SKIPPED", 0}};
  Json activities = Json::object();
  int total = 0;
  if (doc.contains("activities") && doc["activities"].is_array()) {
    for (const auto& a : doc["activities"]) {
      std::string s = a.value("state", "NOT_STARTED");
      counts[s]++;
      ++total;
      Json x = a;
      int64_t st = a.value("startTime", static_cast<int64_t>(0));
      int64_t en = a.value("endTime", static_cast<int64_t>(0));
      x["totalTime"] = st > 0 ? ((en > 0 ? en : NowMs()) - st) : 0;
      activities[a.value("activityId", "")] = x;
    }
  }
  Json global = {{"done", counts["DONE"]},
                 {"failed", counts["FAILED"]},
                 {"running", counts["RUNNING"]},
                 {"notStarted", counts["NOT_STARTED"]},
                 {"waiting", counts["WAITING"]},
                 {"computingDeps", counts["COMPUTING_DEPS"]},
                 {"aborted", counts["ABORTED"]},
                 {"skipped", counts["SKIPPED"]},
                 {"total", total},
                 {"warnings", 0}};
  int finished = counts["DONE"] + counts["FAILED"] + counts["ABORTED"] + counts["SKIPPED"];
  Json progress = {
      {"finished", finished},
      {"total", total},
      {"percent", total == 0 ? (IsJobTerminalName(state) ? 100 : 0) : finished * 100 / total}};
  return {{"baseStatus", base},
          {"globalState", global},
          {"activities", activities},
          {"progress", progress}};
}

}  // namespace dss::core
