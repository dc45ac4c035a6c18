#pragma once
// core/recipe_executor.h: how one planned recipe run is executed inside a job activity. One
// executor per family of recipe types (code recipes, SQL recipes, visual recipes); the job
// service picks one by recipe type and wraps it in a jobs::Activity.

#include <map>
#include <memory>
#include <string>

#include "core/flow_planner.h"
#include "jobs/activity.h"

namespace dss::core {

class Services;

/// Everything an executor needs to know about the run.
struct RecipeRunEnv {
  const PlannedRun& run;
  std::string project_key;
  std::string job_id;
  std::string login;        // the user the job runs as
  std::string backend_url;  // http://127.0.0.1:PORT
  std::string work_dir;     // a private directory for this activity (exists)
  Services& services;
  std::string staging = "";  // token under which the activity's managed writes are staged
};

class RecipeExecutor {
 public:
  virtual ~RecipeExecutor() = default;
  /// Runs the recipe to completion, writing its outputs. Throws ApiError on failure (its
  /// message becomes the job's unexpectedFailure); must return promptly once ctx is aborted.
  virtual void Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) = 0;
};

/// Recipe type → executor. Filled once at start-up, then read-only (thread-safe reads).
class RecipeExecutorRegistry {
 public:
  void Register(const std::string& recipe_type, std::shared_ptr<RecipeExecutor> executor);
  /// nullptr when no executor handles the type.
  RecipeExecutor* Find(const std::string& recipe_type) const;

 private:
  std::map<std::string, std::shared_ptr<RecipeExecutor>> by_type_;
};

}  // namespace dss::core
