#include "core/flow_planner.h"

#include <functional>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"

namespace dss::core {

namespace {

constexpr const char* kKindDataset = "dataset";
constexpr const char* kKindFolder = "managed_folder";
constexpr const char* kKindRecipe = "recipe";
constexpr const char* kKindRecipePayload = "recipe_payload";
constexpr const char* kKindDatasetState = "dataset_state";

const char* KindOf(const FlowRef& r) {
  return r.type == "MANAGED_FOLDER" ? kKindFolder : kKindDataset;
}

std::string SafeIdPart(const std::string& s) {
  std::string out;
  for (char c : s)
    out += (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return out;
}

/// The payload document holds the text either as a string or as {"payload": "..."}.
std::string PayloadText(const Json& data) {
  if (data.is_string()) return data.get<std::string>();
  if (data.is_object() && data.contains("payload")) {
    const Json& p = data["payload"];
    return p.is_string() ? p.get<std::string>() : p.dump();
  }
  return data.is_null() ? "" : data.dump();
}

std::vector<std::string> RoleRefs(const Json& roles) {
  std::vector<std::string> out;
  if (!roles.is_object()) return out;
  for (const auto& [role, v] : roles.items()) {
    if (!v.is_object() || !v.contains("items") || !v["items"].is_array()) continue;
    for (const auto& item : v["items"])
      if (item.is_object() && item.contains("ref") && item["ref"].is_string())
        out.push_back(item["ref"].get<std::string>());
  }
  return out;
}

bool IsPartitioned(const Json& def) {
  if (!def.is_object() || !def.contains("partitioning")) return false;
  const Json& p = def["partitioning"];
  return p.is_object() && p.contains("dimensions") && p["dimensions"].is_array() &&
         !p["dimensions"].empty();
}

std::string RebuildBehavior(const Json& def) {
  if (!def.is_object() || !def.contains("flowOptions") || !def["flowOptions"].is_object())
    return "NORMAL";
  const Json& fo = def["flowOptions"];
  return fo.contains("rebuildBehavior") && fo["rebuildBehavior"].is_string()
             ? fo["rebuildBehavior"].get<std::string>()
             : "NORMAL";
}

std::string RefKey(const FlowRef& r) {
  return FlowRefKey(r);
}

}  // namespace

std::string FlowRefKey(const FlowRef& ref) {
  return ref.project_key + "." + ref.id;
}

FlowRef ParseFlowRef(storage::MetadataStore& store, const std::string& project,
                     const std::string& ref) {
  FlowRef r;
  auto dot = ref.find('.');
  if (dot != std::string::npos) {
    r.project_key = ref.substr(0, dot);
    r.id = ref.substr(dot + 1);
  } else {
    r.project_key = project;
    r.id = ref;
  }
  r.type = store.Get(kKindDataset, r.project_key, r.id)  ? "DATASET"
           : store.Get(kKindFolder, r.project_key, r.id) ? "MANAGED_FOLDER"
                                                         : "DATASET";
  return r;
}

FlowPlanner::FlowPlanner(storage::MetadataStore& store,
                         std::function<bool(const std::string&)> runnable,
                         std::function<std::string(const FlowRef&)> data_signature)
    : store_(store), runnable_(std::move(runnable)), data_signature_(std::move(data_signature)) {}

int64_t FlowPlanner::DefinitionVersion(const FlowRef& ref) const {
  auto doc = store_.Get(KindOf(ref), ref.project_key, ref.id);
  return doc ? doc->version : 0;
}

std::string FlowPlanner::Fingerprint(const FlowRef& ref) const {
  auto doc = store_.Get(KindOf(ref), ref.project_key, ref.id);
  if (!doc) return "missing";
  std::string fp = "d" + std::to_string(doc->version);
  if (auto st = store_.Get(kKindDatasetState, ref.project_key, ref.id)) {
    fp += ".v" + std::to_string(st->data->value("currentVersion", static_cast<int64_t>(0)));
  }
  if (auto rec = store_.Get(kKindBuildRecord, ref.project_key, ref.id)) {
    // Outputs of non-versioned storage (SQL tables, folders) change when they are rebuilt.
    fp += ".b" + std::to_string(rec->version);
  }
  if (data_signature_) {
    std::string sig = data_signature_(ref);
    if (!sig.empty()) fp += ".f" + sig;
  }
  return fp;
}

void FlowPlanner::RecordBuild(const PlannedRun& run,
                              const std::map<std::string, std::string>& inputs,
                              const std::string& job_id) const {
  store_.Transact([&](storage::Txn& txn) {
    for (const auto& out : run.outputs) {
      auto def = txn.Get(KindOf(out), out.project_key, out.id);
      Json rec = {{"recipe", run.recipe_name},
                  {"recipeFingerprint", run.recipe_fingerprint},
                  {"outputDefinitionVersion", def ? def->version : 0},
                  {"inputs", Json(inputs)},
                  {"jobId", job_id},
                  {"partition", run.partition},
                  {"builtOn", NowMs()}};
      txn.Put(kKindBuildRecord, out.project_key, out.id, rec);
    }
  });
}

JobPlan FlowPlanner::Plan(const std::string& project, const Json& def) const {
  RequireObject(def, "job definition");
  JobPlan plan;
  plan.type = GetString(def, "type", "NON_RECURSIVE_FORCED_BUILD");
  static const std::set<std::string> kTypes = {"NON_RECURSIVE_FORCED_BUILD", "RECURSIVE_BUILD",
                                               "RECURSIVE_FORCED_BUILD",
                                               "RECURSIVE_MISSING_ONLY_BUILD"};
  if (!kTypes.count(plan.type))
    throw ApiError::BadRequest("Invalid job type '" + plan.type +
                               "': expected NON_RECURSIVE_FORCED_BUILD, RECURSIVE_BUILD, "
                               "RECURSIVE_FORCED_BUILD or RECURSIVE_MISSING_ONLY_BUILD");
  if (!def.contains("outputs") || !def["outputs"].is_array() || def["outputs"].empty())
    throw ApiError::BadRequest("Job definition field 'outputs' must be a non-empty array");

  // The Flow: which recipe produces each object.
  std::map<std::string, storage::Document> recipes;
  std::map<std::string, std::string> producer;  // ref key -> recipe name
  for (auto& doc : store_.List(kKindRecipe, project)) {
    for (const auto& ref : RoleRefs(doc.data->value("outputs", Json::object()))) {
      FlowRef r = ParseFlowRef(store_, project, ref);
      producer[RefKey(r)] = doc.id;
    }
    recipes.emplace(doc.id, doc);
  }

  // Requested outputs.
  std::vector<std::pair<FlowRef, std::vector<std::string>>> requested;
  plan.outputs = Json::array();
  for (const auto& o : def["outputs"]) {
    RequireObject(o, "job output");
    std::string id = RequireString(o, "id");
    std::string type = GetString(o, "type", "DATASET");
    std::string pk = GetString(o, "projectKey", project);
    if (type != "DATASET" && type != "MANAGED_FOLDER")
      throw ApiError::BadRequest("Job output '" + id + "' has type " + type +
                                 ": only DATASET and MANAGED_FOLDER outputs can be built");
    if (pk != project)
      throw ApiError::BadRequest("Job output '" + pk + "." + id +
                                 "' belongs to another project: start the job in project " + pk);
    FlowRef ref{pk, id, type};
    auto doc = store_.Get(KindOf(ref), pk, id);
    if (!doc) {
      if (type == "DATASET")
        throw ApiError(ErrorCode::kDatasetNotFound,
                       "Dataset '" + id + "' does not exist in project " + pk);
      throw ApiError::NotFound("Managed folder '" + id + "' does not exist in project " + pk);
    }
    if (RebuildBehavior(*doc->data) == "WRITE_PROTECT")
      throw ApiError::BadRequest("'" + id +
                                 "' is write-protected (flowOptions.rebuildBehavior = "
                                 "WRITE_PROTECT) and cannot be built");
    if (!producer.count(RefKey(ref)))
      throw ApiError::BadRequest("'" + id +
                                 "' is not the output of any recipe: there is nothing to build");
    std::vector<std::string> parts;
    std::string spec = GetString(o, "partition", "");
    if (IsPartitioned(*doc->data) && !spec.empty() && spec != "NP") {
      for (auto& p : Split(spec, ','))
        if (!Trim(p).empty()) parts.push_back(Trim(p));
    }
    if (parts.empty()) parts.push_back("NP");
    plan.outputs.push_back({{"type", type},
                            {"id", id},
                            {"projectKey", pk},
                            {"partition", spec.empty() ? Json() : Json(spec)}});
    requested.emplace_back(ref, parts);
  }

  const bool recursive = plan.type != "NON_RECURSIVE_FORCED_BUILD";
  struct Node {
    std::string recipe;
    std::set<std::string> upstream;  // recipe names this one waits for (in the plan or not)
    std::vector<FlowRef> inputs, outputs;
    std::set<std::string> partitions;
    bool visited = false;
  };
  std::map<std::string, Node> nodes;
  std::vector<std::string> order;  // post-order: upstream first
  std::set<std::string> requested_recipes;
  std::set<std::string> requested_keys;
  for (auto& [ref, parts] : requested) requested_keys.insert(RefKey(ref));

  // Depth-first over the Flow, upstream first; `stack` detects cycles.
  std::vector<std::string> stack;
  std::function<void(const std::string&, const std::vector<std::string>&, bool)> visit =
      [&](const std::string& name, const std::vector<std::string>& parts, bool recurse) {
        for (size_t i = 0; i < stack.size(); ++i) {
          if (stack[i] == name) {
            std::string cyc;
            for (size_t j = i; j < stack.size(); ++j) cyc += stack[j] + " -> ";
            throw ApiError::BadRequest("The Flow has a cycle: " + cyc + name +
                                       ": a recipe cannot (indirectly) consume its own output");
          }
        }
        Node& n = nodes[name];
        for (auto& p : parts) n.partitions.insert(p);
        if (n.visited) return;
        n.visited = true;
        n.recipe = name;
        const Json& r = *recipes.at(name).data;
        std::string type = r.value("type", "");
        if (!runnable_(type))
          throw ApiError::BadRequest("Recipe '" + name + "' has type '" + type +
                                     "', which dssd cannot run");
        for (const auto& ref : RoleRefs(r.value("outputs", Json::object())))
          n.outputs.push_back(ParseFlowRef(store_, project, ref));
        std::vector<std::string> ins = RoleRefs(r.value("inputs", Json::object()));
        // Join-like recipes created by the client list their inputs in virtualInputs only.
        stack.push_back(name);
        for (const auto& ref : ins) {
          FlowRef in = ParseFlowRef(store_, project, ref);
          n.inputs.push_back(in);
          auto pit = producer.find(RefKey(in));
          if (pit == producer.end()) continue;  // a source
          // Cycles are errors whatever the build mode.
          bool on_stack = false;
          for (auto& s : stack) on_stack = on_stack || s == pit->second;
          if (on_stack) visit(pit->second, parts, false);
          if (!recurse) continue;
          auto idoc = store_.Get(KindOf(in), in.project_key, in.id);
          std::string behavior = idoc ? RebuildBehavior(*idoc->data) : "NORMAL";
          if ((behavior == "EXPLICIT" || behavior == "WRITE_PROTECT") &&
              !requested_keys.count(RefKey(in)))
            continue;
          std::vector<std::string> up_parts = {"NP"};
          if (idoc && IsPartitioned(*idoc->data)) up_parts = parts;
          nodes[name].upstream.insert(pit->second);
          visit(pit->second, up_parts, true);
        }
        stack.pop_back();
        order.push_back(name);
      };
  for (auto& [ref, parts] : requested) {
    const std::string& rname = producer.at(RefKey(ref));
    requested_recipes.insert(rname);
    visit(rname, parts, recursive);
  }

  // Decide which recipes run.
  std::set<std::string> runs;
  std::map<std::string, std::string> reasons;
  for (const auto& name : order) {
    Node& n = nodes[name];
    std::string reason;
    if (plan.type == "NON_RECURSIVE_FORCED_BUILD" || plan.type == "RECURSIVE_FORCED_BUILD") {
      reason = "forced build";
    } else if (plan.type == "RECURSIVE_MISSING_ONLY_BUILD") {
      for (const auto& out : n.outputs)
        if (reason.empty() && !store_.Get(kKindBuildRecord, out.project_key, out.id)) {
          auto st = store_.Get(kKindDatasetState, out.project_key, out.id);
          if (!st || st->data->value("currentVersion", static_cast<int64_t>(0)) == 0)
            reason = "'" + out.id + "' is missing";
        }
    } else {  // RECURSIVE_BUILD
      for (const auto& up : n.upstream)
        if (reason.empty() && runs.count(up)) reason = "upstream recipe '" + up + "' runs";
      const auto& rdoc = recipes.at(name);
      auto pdoc = store_.Get(kKindRecipePayload, project, name);
      std::string rfp =
          "r" + std::to_string(rdoc.version) + ".p" + std::to_string(pdoc ? pdoc->version : 0);
      for (const auto& out : n.outputs) {
        if (!reason.empty()) break;
        auto rec = store_.Get(kKindBuildRecord, out.project_key, out.id);
        if (!rec) {
          reason = "'" + out.id + "' was never built";
          break;
        }
        const Json& d = *rec->data;
        if (d.value("recipe", "") != name || d.value("recipeFingerprint", "") != rfp) {
          reason = "recipe '" + name + "' changed since '" + out.id + "' was built";
          break;
        }
        if (d.value("outputDefinitionVersion", static_cast<int64_t>(-1)) !=
            DefinitionVersion(out)) {
          reason = "the definition of '" + out.id + "' changed";
          break;
        }
        Json ins = d.value("inputs", Json::object());
        for (const auto& in : n.inputs) {
          std::string key = RefKey(in);
          if (!ins.contains(key) || ins[key] != Fingerprint(in)) {
            reason = "input '" + in.id + "' changed";
            break;
          }
        }
      }
    }
    if (!reason.empty()) {
      runs.insert(name);
      reasons[name] = reason;
    }
  }

  // One run per recipe x partition, upstream first.
  std::map<std::string, std::vector<std::string>> activity_ids;  // recipe -> its activities
  for (const auto& name : order) {
    if (!runs.count(name)) continue;
    Node& n = nodes[name];
    const auto& rdoc = recipes.at(name);
    auto pdoc = store_.Get(kKindRecipePayload, project, name);
    std::vector<std::string> parts(n.partitions.begin(), n.partitions.end());
    bool partitioned_output = false;
    for (const auto& out : n.outputs) {
      auto od = store_.Get(KindOf(out), out.project_key, out.id);
      partitioned_output = partitioned_output || (od && IsPartitioned(*od->data));
    }
    if (!partitioned_output) parts = {"NP"};
    std::string base = n.outputs.empty() ? name : n.outputs.front().id;
    for (const auto& part : parts) {
      PlannedRun run;
      run.activity_id = "compute_" + SafeIdPart(base) + "_" + SafeIdPart(part);
      run.recipe_name = name;
      run.recipe = *rdoc.data;
      run.recipe_type = run.recipe.value("type", "");
      run.payload = pdoc ? PayloadText(*pdoc->data) : "";
      run.partition = part;
      run.inputs = n.inputs;
      run.outputs = n.outputs;
      run.reason = reasons[name];
      run.recipe_fingerprint =
          "r" + std::to_string(rdoc.version) + ".p" + std::to_string(pdoc ? pdoc->version : 0);
      for (const auto& up : n.upstream)
        for (const auto& a : activity_ids[up]) run.depends_on.push_back(a);
      activity_ids[name].push_back(run.activity_id);
      plan.runs.push_back(std::move(run));
    }
  }
  return plan;
}

}  // namespace dss::core
