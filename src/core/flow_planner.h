#pragma once
// core/flow_planner.h: turns a job request (outputs + build mode) into the recipe runs to do,
// from the Flow (recipe documents' inputs and outputs). Each recipe × output partition is
// one planned run; runs depend on the runs of the recipes producing their inputs.
//
// Build modes (semantics.md §7):
//  - NON_RECURSIVE_FORCED_BUILD: only the recipes producing the requested outputs.
//  - RECURSIVE_FORCED_BUILD: those and every upstream recipe.
//  - RECURSIVE_BUILD ("smart"): upstream recipes whose outputs are out of date — never built,
//    recipe changed, output definition changed, an input changed since the last build, or an
//    upstream recipe runs in this job.
//  - RECURSIVE_MISSING_ONLY_BUILD: upstream recipes whose outputs were never built.
// A dataset whose flowOptions.rebuildBehavior is EXPLICIT or WRITE_PROTECT stops the
// recursion; WRITE_PROTECT datasets are never built, even when requested.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

/// Store kind of the record a successful run leaves per output ("build_record"/PROJ/NAME).
inline constexpr const char* kKindBuildRecord = "build_record";

/// A reference to a Flow object of a project: a dataset name or a managed folder id.
struct FlowRef {
  std::string project_key;
  std::string id;
  std::string type;  // "DATASET" or "MANAGED_FOLDER"
  bool operator<(const FlowRef& o) const {
    return std::tie(project_key, id) < std::tie(o.project_key, o.id);
  }
};

struct PlannedRun {
  std::string activity_id;  // compute_<first output>_<partition>
  std::string recipe_name;
  std::string recipe_type;
  std::string partition;  // "NP" when the outputs are not partitioned
  Json recipe;            // the recipe document
  std::string payload;    // script / SQL / visual JSON text
  std::vector<FlowRef> inputs, outputs;
  std::vector<std::string> depends_on;  // activity ids
  std::string reason;                   // why it runs ("forced", "input X changed"...)
  /// Fingerprint of the recipe (document + payload versions) for the build record.
  std::string recipe_fingerprint;
};

struct JobPlan {
  std::string type;              // the normalised job type
  Json outputs;                  // normalised requested outputs [{type, id, projectKey, partition}]
  std::vector<PlannedRun> runs;  // in dependency order
};

class FlowPlanner {
 public:
  /// `runnable` says whether a recipe type has an executor. `data_signature` (optional) gives
  /// a signature of data the store does not version (files of uploaded or connection-path
  /// datasets; "" when none), so that a smart build sees them change.
  FlowPlanner(storage::MetadataStore& store, std::function<bool(const std::string&)> runnable,
              std::function<std::string(const FlowRef&)> data_signature = {});

  /// Plans a job of `project` from the job definition body. Throws ApiError: kBadRequest for
  /// a bad type, outputs missing/not an array, an output of an unsupported type or another
  /// project, a write-protected output, an output no recipe produces, a recipe type dssd
  /// cannot run, or a cycle in the Flow (the message lists the recipes); kDatasetNotFound /
  /// kNotFound for an unknown output. Thread-safe (reads only).
  JobPlan Plan(const std::string& project, const Json& def) const;

  /// The current fingerprint of a Flow object's data and definition ("missing" when it does
  /// not exist). Thread-safe.
  std::string Fingerprint(const FlowRef& ref) const;
  /// The definition version of an object (0 when missing).
  int64_t DefinitionVersion(const FlowRef& ref) const;
  /// Records that `run` built its outputs from inputs whose fingerprints were `inputs`.
  void RecordBuild(const PlannedRun& run, const std::map<std::string, std::string>& inputs,
                   const std::string& job_id) const;

 private:
  storage::MetadataStore& store_;
  std::function<bool(const std::string&)> runnable_;
  std::function<std::string(const FlowRef&)> data_signature_;
};

/// "PROJ.id": the key of a ref in build records.
std::string FlowRefKey(const FlowRef& ref);

/// Parses "PROJ.name" / "name" into a ref of `project` (type resolved from the store).
FlowRef ParseFlowRef(storage::MetadataStore& store, const std::string& project,
                     const std::string& ref);

}  // namespace dss::core
