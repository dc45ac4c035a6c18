#include "core/recipe_service.h"

#include <algorithm>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"
#include "core/dataset_service.h"
#include "core/flow_service.h"
#include "core/project_service.h"

namespace dss::core {

namespace {

constexpr const char* kRecipe = "recipe";
constexpr const char* kDataset = "dataset";
constexpr const char* kFolder = "managed_folder";

void RequireProject(storage::Txn& txn, const std::string& project) {
  if (!txn.Get("project", project, "project"))
    throw ApiError(ErrorCode::kProjectNotFound, "Project does not exist: " + project);
}

Json LoadRecipe(storage::Txn& txn, const std::string& project, const std::string& name) {
  auto doc = txn.Get(kRecipe, project, name);
  if (!doc)
    throw ApiError(ErrorCode::kRecipeNotFound, "Recipe does not exist: " + project + "." + name);
  return *doc->data;
}

std::string LoadPayload(storage::Txn& txn, const std::string& project, const std::string& name) {
  auto doc = txn.Get(kKindRecipePayload, project, name);
  if (!doc) return "";
  return doc->data->value("payload", "");
}

// (project, name) of a ref that is "name" or "PROJECT.name".
std::pair<std::string, std::string> SplitRef(const std::string& project, const std::string& ref) {
  auto dot = ref.find('.');
  if (dot != std::string::npos && dot > 0) return {ref.substr(0, dot), ref.substr(dot + 1)};
  return {project, ref};
}

std::optional<Json> FindDataset(storage::Txn& txn, const std::string& project,
                                const std::string& ref) {
  auto [pk, n] = SplitRef(project, ref);
  auto doc = txn.Get(kDataset, pk, n);
  if (doc) return *doc->data;
  return std::nullopt;
}

bool ObjectExists(storage::Txn& txn, const std::string& project, const std::string& ref) {
  auto [pk, n] = SplitRef(project, ref);
  return txn.Get(kDataset, pk, n) || txn.Get(kFolder, pk, n);
}

std::vector<std::string> RoleRefs(const Json& recipe, const char* side) {
  std::vector<std::string> out;
  Json roles = recipe.value(side, Json::object());
  if (!roles.is_object()) return out;
  for (auto& [role, r] : roles.items())
    if (r.is_object())
      for (const auto& it : r.value("items", Json::array()))
        if (it.is_object() && it.contains("ref") && it["ref"].is_string())
          out.push_back(it["ref"].get<std::string>());
  return out;
}

// Checks and completes inputs/outputs: {role: {items: [{ref, deps|appendMode}]}}.
Json NormaliseRoles(const Json& roles, const char* side) {
  if (roles.is_null()) return Json::object();
  if (!roles.is_object())
    throw ApiError::BadRequest("Field '" + std::string(side) + "' must be an object");
  Json out = roles;
  for (auto& [role, r] : out.items()) {
    std::string where = std::string(side) + "." + role;
    if (!r.is_object()) throw ApiError::BadRequest("Field '" + where + "' must be an object");
    if (!r.contains("items") || r["items"].is_null()) r["items"] = Json::array();
    if (!r["items"].is_array())
      throw ApiError::BadRequest("Field '" + where + ".items' must be an array");
    for (auto& it : r["items"]) {
      if (!it.is_object() || !it.contains("ref") || !it["ref"].is_string() ||
          it["ref"].get<std::string>().empty())
        throw ApiError::BadRequest("Every item of '" + where + ".items' needs a non-empty 'ref'");
      if (std::string(side) == "inputs" && !it.contains("deps")) it["deps"] = Json::array();
      if (std::string(side) == "outputs" && !it.contains("appendMode")) it["appendMode"] = false;
    }
  }
  return out;
}

Json Off() {
  return {{"enabled", false}, {"uiData", {{"mode", "&&"}, {"conditions", Json::array()}}}};
}

// The payload a freshly created visual recipe gets: every array the client appends to.
Json DefaultPayload(const std::string& type, const Json& cs, const std::vector<Json>& in_schemas) {
  size_t n = in_schemas.size();
  if (type == "grouping") {
    Json keys = Json::array();
    if (cs.contains("groupKey") && cs["groupKey"].is_string() &&
        !cs["groupKey"].get<std::string>().empty())
      keys.push_back({{"column", cs["groupKey"]}});
    return {{"keys", keys},
            {"values", Json::array()},
            {"globalCount", false},
            {"preFilter", Off()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()},
            {"outputColumnNameOverrides", Json::object()},
            {"customAggregates", Json::array()}};
  }
  if (type == "window")
    return {{"windows", Json::array({{{"enablePartitioning", false},
                                      {"partitioningColumns", Json::array()},
                                      {"enableOrdering", false},
                                      {"orders", Json::array()},
                                      {"enableLimits", false}}})},
            {"values", Json::array()},
            {"preFilter", Off()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  if (type == "join") {
    Json vis = Json::array(), joins = Json::array();
    for (size_t i = 0; i < n; ++i)
      vis.push_back({{"index", i},
                     {"preFilter", Off()},
                     {"computedColumns", Json::array()},
                     {"outputColumnsSelectionMode", "AUTO_NON_CONFLICTING"}});
    // Like DSS, propose equality conditions on the columns the inputs share.
    for (size_t i = 1; i < n; ++i) {
      Json on = Json::array();
      for (const auto& a : in_schemas[0])
        for (const auto& b : in_schemas[i])
          if (a.value("name", "") == b.value("name", "") && !a.value("name", "").empty())
            on.push_back({{"type", "EQ"},
                          {"column1", {{"name", a["name"]}, {"table", 0}}},
                          {"column2", {{"name", b["name"]}, {"table", i}}}});
      joins.push_back(
          {{"table1", 0}, {"table2", i}, {"type", "LEFT"}, {"conditionsMode", "AND"}, {"on", on}});
    }
    return {{"virtualInputs", vis},
            {"joins", joins},
            {"selectedColumns", Json::array()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  }
  if (type == "vstack") {
    Json vis = Json::array();
    for (size_t i = 0; i < n; ++i)
      vis.push_back({{"index", i}, {"preFilter", Off()}, {"columnsMatch", Json::array()}});
    return {{"virtualInputs", vis},
            {"mode", "UNION"},
            {"selectedColumns", Json::array()},
            {"addOriginColumn", false},
            {"originColumnName", "original_dataset"},
            {"postFilter", Off()}};
  }
  if (type == "sort")
    return {{"orders", Json::array()}, {"rowNumber", false}, {"rank", false},
            {"denseRank", false},      {"preFilter", Off()}, {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  if (type == "topn")
    return {{"keys", Json::array()},
            {"orders", Json::array()},
            {"firstRows", 10},
            {"lastRows", 0},
            {"retrievedColumns", Json::array()},
            {"preFilter", Off()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  if (type == "distinct")
    return {{"keys", Json::array()},
            {"globalCount", false},
            {"preFilter", Off()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  if (type == "sampling")
    return {
        {"selection", {{"samplingMethod", "FULL"}, {"maxRecords", 10000}, {"targetRatio", 0.02}}},
        {"filter", Off()}};
  if (type == "split")
    return {{"splitMode", "FILTERS"},       {"filterSplits", Json::array()},
            {"valueSplits", Json::array()}, {"randomSplits", Json::array()},
            {"rangeSplits", Json::array()}, {"defaultOutputIndex", 0}};
  if (type == "pivot")
    return {{"explicitIdentifiers", Json::array()},
            {"pivots", Json::array({{{"keyColumns", Json::array()},
                                     {"valueLimit", "TOP_N"},
                                     {"topnLimit", 20},
                                     {"minOccLimit", 0},
                                     {"explicitValues", Json::array()},
                                     {"globalCount", true},
                                     {"valuesColumns", Json::array()}}})},
            {"preFilter", Off()},
            {"computedColumns", Json::array()},
            {"postFilter", Off()}};
  if (type == "shaker") return {{"steps", Json::array()}};
  return Json::object();
}

bool Supported(const std::string& type) {
  return engine::RecipeCompiler::IsCompilable(type) || engine::RecipeCompiler::IsCode(type);
}

std::string SchemaKey(const Json& cols) {
  std::string s;
  for (const auto& c : cols) s += c.value("name", "") + ":" + c.value("type", "") + ";";
  return s;
}

// The compiler's view of input `ref` with schema columns `cols` (a table named after it).
engine::Relation TableRelation(const engine::SqlDialect& dialect, const std::string& ref,
                               const Json& cols) {
  engine::Relation rel;
  rel.is_table = true;
  rel.sql = dialect.Ident(ref);
  for (const auto& c : cols)
    rel.columns.push_back({c.value("name", ""), c.value("type", "string")});
  return rel;
}

Json ColumnsJson(const std::vector<engine::Column>& cols) {
  Json out = Json::array();
  for (const auto& c : cols) out.push_back({{"name", c.name}, {"type", c.type}});
  return out;
}

}  // namespace

RecipeService::RecipeService(storage::MetadataStore& store, DatasetService& datasets,
                             ProjectService& projects)
    : store_(store), datasets_(datasets), projects_(projects) {}

void RecipeService::ValidateName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 200;
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!ok)
    throw ApiError(ErrorCode::kInvalidName,
                   "Invalid recipe name '" + name + "': use 1 to 200 of A-Z a-z 0-9 _ -");
}

std::vector<Json> RecipeService::List(const std::string& project) const {
  std::vector<Json> out;
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    for (const auto& d : txn.List(kRecipe, project)) out.push_back(*d.data);
  });
  return out;
}

std::vector<engine::CompiledOutput> RecipeService::CompileStored(
    storage::Txn& txn, const std::string& project, const Json& recipe, const std::string& payload,
    bool for_validation, bool* schemas_known, int expected_depth) const {
  engine::CompileRequest req;
  req.recipe = recipe;
  req.payload = payload;
  *schemas_known = true;
  auto dialect = engine::SqlDialect::DuckDB();
  for (const auto& ref : RoleRefs(recipe, "inputs")) {
    auto ds = FindDataset(txn, project, ref);
    Json cols = !ds ? Json::array()
                : expected_depth >= 0
                    ? ExpectedColumns(txn, project, ref, expected_depth)
                    : ds->value("schema", Json::object()).value("columns", Json::array());
    if (!ds || !cols.is_array() || cols.empty()) {
      *schemas_known = false;
      return {};
    }
    req.inputs[ref] = TableRelation(dialect, ref, cols);
  }
  engine::RecipeCompiler rc(dialect);
  if (for_validation)
    for (const auto& p : rc.Probes(req)) req.probed[p.key] = {"v"};
  return rc.Compile(req);
}

Json RecipeService::ExpectedColumns(storage::Txn& txn, const std::string& project,
                                    const std::string& ref, int depth) const {
  auto ds = FindDataset(txn, project, ref);
  if (!ds) return Json::array();
  Json stored = ds->value("schema", Json::object()).value("columns", Json::array());
  constexpr int kMaxDepth = 32;  // the Flow is acyclic; this only bounds the work
  if (depth >= kMaxDepth || ref.find('.') != std::string::npos) return stored;
  for (const auto& r : txn.List(kRecipe, project)) {
    const Json& recipe = *r.data;
    auto outs = RoleRefs(recipe, "outputs");
    if (std::find(outs.begin(), outs.end(), ref) == outs.end()) continue;
    std::string type = recipe.value("type", "");
    if (!engine::RecipeCompiler::IsCompilable(type) || type == "pivot") return stored;
    try {
      bool known = false;
      auto outs = CompileStored(txn, project, recipe, LoadPayload(txn, project, r.id),
                                /*for_validation=*/true, &known, depth + 1);
      for (const auto& o : outs)
        if (known && o.ref == ref && !o.columns.empty()) return ColumnsJson(o.columns);
    } catch (const ApiError&) {
      // The upstream recipe does not compile (yet): its build will say so.
    }
    return stored;
  }
  return stored;
}

Json RecipeService::Create(const auth::Principal& who, const std::string& project,
                           const Json& body) {
  RequireObject(body, "request body");
  if (!body.contains("recipePrototype") || !body["recipePrototype"].is_object())
    throw ApiError::BadRequest("Field 'recipePrototype' must be an object");
  Json proto = body["recipePrototype"];
  Json cs = body.value("creationSettings", Json::object());
  if (cs.is_null()) cs = Json::object();
  if (!cs.is_object()) throw ApiError::BadRequest("Field 'creationSettings' must be an object");
  std::string type = RequireString(proto, "type");
  if (type == "prepare") type = "shaker";
  if (!Supported(type)) throw ApiError::BadRequest("Recipe type '" + type + "' is not supported");

  Json recipe = proto;
  recipe["type"] = type;
  recipe["projectKey"] = project;
  recipe["inputs"] = NormaliseRoles(proto.value("inputs", Json::object()), "inputs");
  recipe["outputs"] = NormaliseRoles(proto.value("outputs", Json::object()), "outputs");
  if (cs.contains("virtualInputs") && cs["virtualInputs"].is_array() &&
      !cs["virtualInputs"].empty()) {
    Json items = recipe["inputs"].value("main", Json::object()).value("items", Json::array());
    for (const auto& v : cs["virtualInputs"]) {
      std::string ref = v.is_string()   ? v.get<std::string>()
                        : v.is_object() ? GetString(v, "ref")
                                        : "";
      if (ref.empty())
        throw ApiError::BadRequest("Every creationSettings.virtualInputs entry needs a ref");
      items.push_back({{"ref", ref}, {"deps", Json::array()}});
    }
    recipe["inputs"]["main"] = {{"items", items}};
  }
  for (const char* k : {"tags"})
    if (!recipe.contains(k) || !recipe[k].is_array()) recipe[k] = Json::array();
  if (!recipe.contains("params") || !recipe["params"].is_object())
    recipe["params"] = Json::object();
  if (engine::RecipeCompiler::IsCode(type) && !recipe["params"].contains("envSelection"))
    recipe["params"]["envSelection"] = {{"envMode", "INHERIT"}};
  for (const char* k : {"description", "shortDesc"})
    if (!recipe.contains(k)) recipe[k] = "";
  if (!recipe.contains("customMeta")) recipe["customMeta"] = {{"kv", Json::object()}};
  recipe["neverBuilt"] = true;
  Json tag = {{"versionNumber", 0},
              {"lastModifiedBy", {{"login", who.AuthIdentifier()}}},
              {"lastModifiedOn", NowMs()}};
  recipe["versionTag"] = tag;
  recipe["creationTag"] = tag;

  bool create_outputs = cs.value("createOutputDataset", Json(false)).is_boolean() &&
                        cs.value("createOutputDataset", false);
  if (cs.value("createOutputFolder", Json(false)).is_boolean() &&
      cs.value("createOutputFolder", false))
    throw ApiError::BadRequest(
        "Creating a managed folder as a recipe output is not supported; create the folder first");
  auto inputs = RoleRefs(recipe, "inputs");
  auto outputs = RoleRefs(recipe, "outputs");
  std::string explicit_name =
      proto.contains("name") && proto["name"].is_string() ? proto["name"].get<std::string>() : "";
  if (!explicit_name.empty()) ValidateName(explicit_name);

  // Phase 1: every check that needs no write, so a refusal changes nothing.
  std::vector<std::string> to_create;
  std::vector<Json> in_schemas;
  std::string name;
  auto check = [&](storage::Txn& txn, bool final_pass) {
    RequireProject(txn, project);
    in_schemas.clear();
    for (const auto& ref : inputs) {
      if (!ObjectExists(txn, project, ref))
        throw ApiError(ErrorCode::kDatasetNotFound, "Input dataset does not exist: " + ref);
      in_schemas.push_back(ExpectedColumns(txn, project, ref, 0));
    }
    if (!final_pass) to_create.clear();
    for (const auto& ref : outputs) {
      if (ObjectExists(txn, project, ref)) continue;
      if (SplitRef(project, ref).first != project)
        throw ApiError(ErrorCode::kDatasetNotFound, "Output dataset does not exist: " + ref);
      if (!create_outputs || final_pass)
        throw ApiError(ErrorCode::kDatasetNotFound, "Output dataset does not exist: " + ref +
                                                        " (set createOutputDataset to create it)");
      DatasetService::ValidateName(ref);
      to_create.push_back(ref);
    }
    if (!explicit_name.empty()) {
      name = explicit_name;
      if (txn.Get(kRecipe, project, name))
        throw ApiError::Conflict("Recipe already exists: " + project + "." + name);
    } else {
      std::string base = outputs.empty() ? type : "compute_" + SplitRef(project, outputs[0]).second;
      name = base;
      for (int i = 1; txn.Get(kRecipe, project, name) || txn.Get(kDataset, project, name); ++i)
        name = base + "_" + std::to_string(i);
    }
    if (txn.Get(kDataset, project, name) || txn.Get(kFolder, project, name))
      throw ApiError::Conflict("A dataset or folder is already named '" + name +
                               "': Flow node names must be unique");
    recipe["name"] = name;
    FlowService::CheckRecipeFits(txn, project, name, recipe);
  };
  store_.Transact([&](storage::Txn& txn) { check(txn, false); });

  // Phase 2: the output datasets, through the dataset service (its own transactions).
  Json ods = cs.value("outputDatasetSettings", Json::object());
  if (!ods.is_object()) ods = Json::object();
  std::vector<std::string> created;
  try {
    for (const auto& ref : to_create) {
      Json settings = Json::object();
      settings["connectionId"] = ods.value("connectionId", Json("filesystem_managed"));
      if (settings["connectionId"].is_null()) settings["connectionId"] = "filesystem_managed";
      for (const char* k : {"typeOptionId", "specificSettings", "partitioningOptionId"})
        if (ods.contains(k) && !ods[k].is_null()) settings[k] = ods[k];
      datasets_.CreateManaged(who, project, {{"name", ref}, {"creationSettings", settings}});
      created.push_back(ref);
    }
    // Phase 3: the recipe itself.
    std::string payload;
    if (cs.value("rawCreation", false) && cs.contains("rawPayload") && cs["rawPayload"].is_string())
      payload = cs["rawPayload"].get<std::string>();
    else if (engine::RecipeCompiler::IsCode(type))
      payload =
          cs.contains("script") && cs["script"].is_string() ? cs["script"].get<std::string>() : "";
    else
      payload = DefaultPayload(type, cs, in_schemas).dump(2);
    store_.Transact([&](storage::Txn& txn) {
      check(txn, true);
      txn.Put(kRecipe, project, name, recipe);
      txn.Put(kKindRecipePayload, project, name, {{"payload", payload}});
      projects_.RecordTimeline(txn, project, who.AuthIdentifier(), "RECIPE_CREATE", "RECIPE", name);
    });
  } catch (...) {
    for (const auto& ref : created) {
      try {
        datasets_.Delete(who, project, ref, true);
      } catch (...) {
      }
    }
    throw;
  }
  return {{"name", name}};
}

Json RecipeService::Get(const std::string& project, const std::string& name) const {
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    out = {{"recipe", LoadRecipe(txn, project, name)},
           {"payload", LoadPayload(txn, project, name)}};
  });
  return out;
}

Json RecipeService::Save(const auth::Principal& who, const std::string& project,
                         const std::string& name, const Json& body) {
  RequireObject(body, "request body");
  if (!body.contains("recipe") || !body["recipe"].is_object())
    throw ApiError::BadRequest("Field 'recipe' must be an object");
  Json recipe = body["recipe"];
  std::string payload;
  if (body.contains("payload")) {
    if (body["payload"].is_string())
      payload = body["payload"].get<std::string>();
    else if (body["payload"].is_object() || body["payload"].is_array())
      payload = body["payload"].dump(2);
    else if (!body["payload"].is_null())
      throw ApiError::BadRequest("Field 'payload' must be a string");
  }
  static const std::set<std::string> kKnown = {"type",
                                               "name",
                                               "projectKey",
                                               "inputs",
                                               "outputs",
                                               "params",
                                               "tags",
                                               "description",
                                               "shortDesc",
                                               "customMeta",
                                               "customFields",
                                               "checklists",
                                               "versionTag",
                                               "creationTag",
                                               "neverBuilt",
                                               "optionalDependencies",
                                               "redispatchPartitioning",
                                               "maxRunningActivities",
                                               "variables",
                                               "dkuProperties",
                                               "zone",
                                               "labels"};
  Json warnings = Json::array();
  for (auto& [k, v] : recipe.items())
    if (!kKnown.count(k)) warnings.push_back("Unknown field 'recipe." + k + "' kept as sent");
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    Json old = LoadRecipe(txn, project, name);
    std::string type = recipe.value("type", old.value("type", ""));
    if (type != old.value("type", ""))
      throw ApiError::BadRequest("The type of recipe '" + name + "' cannot change (" +
                                 old.value("type", "") + " to " + type + ")");
    recipe["type"] = type;
    recipe["name"] = name;
    recipe["projectKey"] = project;
    recipe["inputs"] = NormaliseRoles(recipe.value("inputs", Json::object()), "inputs");
    recipe["outputs"] = NormaliseRoles(recipe.value("outputs", Json::object()), "outputs");
    for (const char* side : {"inputs", "outputs"})
      for (const auto& ref : RoleRefs(recipe, side))
        if (!ObjectExists(txn, project, ref))
          throw ApiError(ErrorCode::kDatasetNotFound,
                         std::string(side == std::string("inputs") ? "Input" : "Output") +
                             " dataset does not exist: " + ref);
    FlowService::CheckRecipeFits(txn, project, name, recipe);
    if (engine::RecipeCompiler::IsCompilable(type)) {
      bool known = false;
      CompileStored(txn, project, recipe, payload, true, &known, /*expected_depth=*/0);
    }
    Json tag = {
        {"versionNumber", old.value("versionTag", Json::object()).value("versionNumber", 0) + 1},
        {"lastModifiedBy", {{"login", who.AuthIdentifier()}}},
        {"lastModifiedOn", NowMs()}};
    recipe["versionTag"] = tag;
    txn.Put(kRecipe, project, name, recipe);
    txn.Put(kKindRecipePayload, project, name, {{"payload", payload}});
    projects_.RecordTimeline(txn, project, who.AuthIdentifier(), "RECIPE_SAVE", "RECIPE", name);
  });
  return {{"warnings", warnings}};
}

void RecipeService::Delete(const auth::Principal& who, const std::string& project,
                           const std::string& name) {
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    LoadRecipe(txn, project, name);
    txn.Delete(kRecipe, project, name);
    txn.Delete(kKindRecipePayload, project, name);
    FlowService::ForgetObject(txn, project, "RECIPE", name);
    projects_.RecordTimeline(txn, project, who.AuthIdentifier(), "RECIPE_DELETE", "RECIPE", name);
  });
}

void RecipeService::Rename(const auth::Principal& who, const std::string& project,
                           const std::string& old_name, const std::string& new_name) {
  ValidateName(new_name);
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    Json r = LoadRecipe(txn, project, old_name);
    if (old_name == new_name) return;
    if (txn.Get(kRecipe, project, new_name))
      throw ApiError::Conflict("Recipe already exists: " + project + "." + new_name);
    if (txn.Get(kDataset, project, new_name) || txn.Get(kFolder, project, new_name))
      throw ApiError::Conflict("A dataset or folder is already named '" + new_name + "'");
    std::string payload = LoadPayload(txn, project, old_name);
    r["name"] = new_name;
    txn.Delete(kRecipe, project, old_name);
    txn.Delete(kKindRecipePayload, project, old_name);
    txn.Put(kRecipe, project, new_name, r);
    txn.Put(kKindRecipePayload, project, new_name, {{"payload", payload}});
    FlowService::RenameObject(txn, project, "RECIPE", old_name, new_name);
    projects_.RecordTimeline(txn, project, who.AuthIdentifier(), "RECIPE_RENAME", "RECIPE",
                             new_name);
  });
}

Json RecipeService::GetMetadata(const std::string& project, const std::string& name) const {
  Json r = Get(project, name)["recipe"];
  return {{"label", name},
          {"description", r.value("description", "")},
          {"shortDesc", r.value("shortDesc", "")},
          {"tags", r.value("tags", Json::array())},
          {"custom", r.value("customMeta", Json{{"kv", Json::object()}})},
          {"checklists", r.value("checklists", Json{{"checklists", Json::array()}})}};
}

Json RecipeService::SetMetadata(const auth::Principal& who, const std::string& project,
                                const std::string& name, const Json& meta) {
  RequireObject(meta, "metadata");
  if (meta.contains("tags") && !meta["tags"].is_array())
    throw ApiError::BadRequest("Field 'tags' must be an array");
  if (meta.contains("custom") && !meta["custom"].is_object())
    throw ApiError::BadRequest("Field 'custom' must be an object");
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    Json r = LoadRecipe(txn, project, name);
    if (meta.contains("description")) r["description"] = GetString(meta, "description");
    if (meta.contains("shortDesc")) r["shortDesc"] = GetString(meta, "shortDesc");
    if (meta.contains("tags")) r["tags"] = meta["tags"];
    if (meta.contains("custom")) r["customMeta"] = meta["custom"];
    if (meta.contains("checklists")) r["checklists"] = meta["checklists"];
    txn.Put(kRecipe, project, name, r);
    projects_.RecordTimeline(txn, project, who.AuthIdentifier(), "RECIPE_METADATA_CHANGE", "RECIPE",
                             name);
  });
  return GetMetadata(project, name);
}

Json RecipeService::Status(const std::string& project, const std::string& name) const {
  Json messages = Json::array();
  std::string engine_type = "DSS";
  bool sql_possible = false;
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    Json r = LoadRecipe(txn, project, name);
    std::string type = r.value("type", "");
    // In-database execution needs every input and output on one PostgreSQL connection.
    std::set<std::string> conns;
    bool all_pg = true;
    for (const char* side : {"inputs", "outputs"})
      for (const auto& ref : RoleRefs(r, side)) {
        auto ds = FindDataset(txn, project, ref);
        if (!ds || ds->value("type", "") != "PostgreSQL") {
          all_pg = false;
          continue;
        }
        conns.insert(ds->value("params", Json::object()).value("connection", ""));
      }
    sql_possible = all_pg && conns.size() == 1 && engine::RecipeCompiler::IsCompilable(type);
    if (type == "sql_query" || type == "sql_script")
      engine_type = "SQL";
    else if (sql_possible)
      engine_type = "SQL";
    if (engine::RecipeCompiler::IsCompilable(type)) {
      bool known = false;
      try {
        CompileStored(txn, project, r, LoadPayload(txn, project, name), true, &known);
        if (!known)
          messages.push_back(
              {{"severity", "WARNING"},
               {"isFatal", false},
               {"code", "WARN_RECIPE_INPUT_SCHEMA_UNKNOWN"},
               {"title", "Input schema unknown"},
               {"message", "An input has no schema yet: the recipe cannot be checked"},
               {"details", ""}});
      } catch (const ApiError& e) {
        messages.push_back({{"severity", "ERROR"},
                            {"isFatal", true},
                            {"code", std::string(CodeStringOf(e.code()))},
                            {"title", "Invalid recipe"},
                            {"message", e.what()},
                            {"details", e.detailed_message()}});
      }
    }
  });
  Json engines = Json::array();
  engines.push_back({{"type", "DSS"},
                     {"label", "Local stream (DuckDB)"},
                     {"statusWarnLevel", "OK"},
                     {"isSelectable", true}});
  engines.push_back({{"type", "SQL"},
                     {"label", "In-database (SQL)"},
                     {"statusWarnLevel", sql_possible || engine_type == "SQL" ? "OK" : "ERROR"},
                     {"isSelectable", sql_possible || engine_type == "SQL"}});
  std::string max = "INFO";
  for (const auto& m : messages)
    if (m["severity"] == "ERROR")
      max = "ERROR";
    else if (m["severity"] == "WARNING" && max != "ERROR")
      max = "WARNING";
  Json all = {{"messages", messages}};
  if (!messages.empty()) all["maxSeverity"] = max;
  return {{"selectedEngine", {{"type", engine_type}, {"recommended", true}}},
          {"engines", engines},
          {"allMessagesForFrontend", all}};
}

Json RecipeService::SchemaUpdate(const std::string& project, const std::string& name) const {
  Json computables = Json::array();
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    Json r = LoadRecipe(txn, project, name);
    if (!engine::RecipeCompiler::IsCompilable(r.value("type", ""))) return;
    bool known = false;
    auto outs = CompileStored(txn, project, r, LoadPayload(txn, project, name), false, &known,
                              /*expected_depth=*/0);
    if (!known)
      throw ApiError(
          ErrorCode::kInvalidRecipe,
          "An input of recipe '" + name + "' has no schema: the output schema cannot be computed");
    for (const auto& o : outs) {
      auto ds = FindDataset(txn, project, o.ref);
      if (!ds) continue;
      Json cur = ds->value("schema", Json::object()).value("columns", Json::array());
      Json next = ColumnsJson(o.columns);
      if (SchemaKey(cur) == SchemaKey(next)) continue;
      computables.push_back(
          {{"type", "DATASET"},
           {"id", o.ref},
           {"datasetName", o.ref},
           {"newSchema", {{"columns", next}}},
           {"oldSchema", {{"columns", cur}}},
           {"incompatibilities", Json::array({"Output schema differs from the recipe's"})}});
    }
  });
  return {{"totalIncompatibilities", computables.size()}, {"computables", computables}};
}

Json RecipeService::UpdateOutputSchema(const auth::Principal& who, const std::string& project,
                                       const std::string& name, const Json& body) {
  RequireObject(body, "request body");
  std::string type = GetString(body, "computableType", "DATASET");
  if (type != "DATASET")
    throw ApiError::BadRequest("Only DATASET computables are supported, not " + type);
  std::string id = RequireString(body, "computableId");
  if (!body.contains("newSchema") || !body["newSchema"].is_object())
    throw ApiError::BadRequest("Field 'newSchema' must be an object");
  Json r = Get(project, name)["recipe"];
  bool is_output = false;
  for (const auto& ref : RoleRefs(r, "outputs")) is_output = is_output || ref == id;
  if (!is_output)
    throw ApiError::BadRequest("'" + id + "' is not an output of recipe '" + name + "'");
  Json schema = body["newSchema"];
  DatasetService::ValidateSchema(schema);
  return datasets_.SetSchema(who, project, id, schema);
}

engine::CompileRequest RecipeService::CompileRequestFor(
    const std::string& project, const std::string& name,
    const std::function<std::string(const std::string&)>& table_of) const {
  engine::CompileRequest req;
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    req.recipe = LoadRecipe(txn, project, name);
    req.payload = LoadPayload(txn, project, name);
    for (const auto& ref : RoleRefs(req.recipe, "inputs")) {
      auto ds = FindDataset(txn, project, ref);
      if (!ds) throw ApiError(ErrorCode::kDatasetNotFound, "Input dataset does not exist: " + ref);
      engine::Relation rel;
      rel.sql = table_of(ref);
      rel.is_table = true;
      for (const auto& c : ds->value("schema", Json::object()).value("columns", Json::array()))
        rel.columns.push_back({c.value("name", ""), c.value("type", "string")});
      req.inputs[ref] = rel;
    }
  });
  return req;
}

}  // namespace dss::core
