#include "core/project_service.h"

#include <algorithm>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strings.h"
#include "core/security_service.h"

namespace dss::core {

namespace {

constexpr const char* kSettingsId = "settings";
constexpr const char* kVariablesId = "variables";
constexpr const char* kTagsId = "tags";

Json FieldOr(const Json& obj, const char* field, Json def) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return def;
  return *it;
}

// Checks one {group|user, flags...} entry: exactly one non-empty principal, every other
// key a known boolean flag. Returns the entry normalised with every flag present.
Json NormalisePermissionEntry(const Json& e, size_t index) {
  std::string where = "permissions[" + std::to_string(index) + "]";
  if (!e.is_object()) throw ApiError::BadRequest("Field '" + where + "' must be an object");
  bool has_group = e.contains("group") && !e["group"].is_null();
  bool has_user = e.contains("user") && !e["user"].is_null();
  if (has_group == has_user)
    throw ApiError::BadRequest("Field '" + where + "' must name exactly one of 'group' or 'user'");
  const char* who = has_group ? "group" : "user";
  if (!e[who].is_string() || e[who].get<std::string>().empty())
    throw ApiError::BadRequest("Field '" + where + "." + who + "' must be a non-empty string");
  Json out = Json::object();
  out[who] = e[who];
  for (auto it = e.begin(); it != e.end(); ++it) {
    if (it.key() == "group" || it.key() == "user") continue;
    bool known = false;
    for (const auto& [flag, name] : auth::ProjectPermNames()) known |= it.key() == name;
    if (!known)
      throw ApiError::BadRequest("Unknown permission flag '" + it.key() + "' in '" + where + "'");
    if (!it.value().is_boolean() && !it.value().is_null())
      throw ApiError::BadRequest("Field '" + where + "." + it.key() + "' must be a boolean");
  }
  auth::ProjectPermsToJson(auth::ProjectPermsFromJson(e), out);
  return out;
}

Json NormalisePermissions(const Json& entries) {
  if (!entries.is_array()) throw ApiError::BadRequest("Field 'permissions' must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < entries.size(); ++i)
    out.push_back(NormalisePermissionEntry(entries[i], i));
  return out;
}

Json RequireStringArray(const Json& v, const std::string& field) {
  if (v.is_null()) return Json::array();
  if (!v.is_array())
    throw ApiError::BadRequest("Field '" + field + "' must be an array of strings");
  for (const auto& t : v)
    if (!t.is_string())
      throw ApiError::BadRequest("Field '" + field + "' must be an array of strings");
  return v;
}

void ExpectType(const Json& obj, const char* field, Json::value_t type, const std::string& path) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return;
  bool ok = it->type() == type ||
            (type == Json::value_t::number_integer && it->is_number_integer()) ||
            (type == Json::value_t::number_float && it->is_number());
  if (!ok) {
    const char* name = type == Json::value_t::object    ? "an object"
                       : type == Json::value_t::array   ? "an array"
                       : type == Json::value_t::string  ? "a string"
                       : type == Json::value_t::boolean ? "a boolean"
                                                        : "a number";
    throw ApiError::BadRequest("Field '" + path + field + "' must be " + name);
  }
}

void ExpectEnum(const Json& obj, const char* field, std::initializer_list<const char*> values,
                const std::string& path) {
  ExpectType(obj, field, Json::value_t::string, path);
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return;
  std::string v = *it;
  std::string allowed;
  for (const char* a : values) {
    if (v == a) return;
    allowed += (allowed.empty() ? "" : ", ") + std::string(a);
  }
  throw ApiError::BadRequest("Field '" + path + field + "' must be one of " + allowed + ", got '" +
                             v + "'");
}

// Validates the known parts of the params object; unknown fields are left alone.
void ValidateSettings(const Json& body) {
  using T = Json::value_t;
  ExpectType(body, "projectKey", T::string, "");
  ExpectType(body, "projectStatus", T::string, "");
  ExpectType(body, "settings", T::object, "");
  ExpectType(body, "exposedObjects", T::object, "");
  if (body.contains("settings") && body["settings"].is_object()) {
    const Json& s = body["settings"];
    ExpectType(s, "codeEnvs", T::object, "settings.");
    if (s.contains("codeEnvs") && s["codeEnvs"].is_object()) {
      for (const char* lang : {"python", "r"}) {
        std::string p = std::string("settings.codeEnvs.");
        ExpectType(s["codeEnvs"], lang, T::object, p);
        if (!s["codeEnvs"].contains(lang) || !s["codeEnvs"][lang].is_object()) continue;
        const Json& ce = s["codeEnvs"][lang];
        std::string q = p + lang + ".";
        ExpectEnum(ce, "mode", {"USE_BUILTIN_MODE", "INHERIT", "EXPLICIT_ENV"}, q);
        ExpectType(ce, "envName", T::string, q);
        ExpectType(ce, "useBuiltinEnv", T::boolean, q);
      }
    }
    ExpectType(s, "container", T::object, "settings.");
    if (s.contains("container") && s["container"].is_object()) {
      ExpectEnum(s["container"], "containerMode", {"NONE", "INHERIT", "EXPLICIT_CONTAINER"},
                 "settings.container.");
      ExpectType(s["container"], "containerConf", T::string, "settings.container.");
    }
    for (const char* c : {"cluster", "k8sCluster"}) {
      ExpectType(s, c, T::object, "settings.");
      if (!s.contains(c) || !s[c].is_object()) continue;
      std::string q = std::string("settings.") + c + ".";
      ExpectEnum(s[c], "clusterMode", {"INHERIT", "EXPLICIT_CLUSTER"}, q);
      ExpectType(s[c], "clusterId", T::string, q);
      ExpectType(s[c], "defaultClusterId", T::string, q);
    }
  }
  if (body.contains("exposedObjects") && body["exposedObjects"].is_object()) {
    const Json& eo = body["exposedObjects"];
    ExpectType(eo, "objects", T::array, "exposedObjects.");
    if (eo.contains("objects") && eo["objects"].is_array()) {
      for (size_t i = 0; i < eo["objects"].size(); ++i) {
        const Json& o = eo["objects"][i];
        std::string q = "exposedObjects.objects[" + std::to_string(i) + "]";
        if (!o.is_object()) throw ApiError::BadRequest("Field '" + q + "' must be an object");
        q += ".";
        ExpectType(o, "type", T::string, q);
        ExpectType(o, "localName", T::string, q);
        ExpectType(o, "rules", T::array, q);
        if (o.contains("rules") && o["rules"].is_array())
          for (size_t j = 0; j < o["rules"].size(); ++j) {
            std::string r = q + "rules[" + std::to_string(j) + "]";
            if (!o["rules"][j].is_object())
              throw ApiError::BadRequest("Field '" + r + "' must be an object");
            ExpectType(o["rules"][j], "targetProject", T::string, r + ".");
          }
      }
    }
  }
}

// A stable colour for a tag without a definition, so GET tags is deterministic.
std::string DefaultTagColor(const std::string& tag) {
  static const char* kPalette[] = {"#1ac2ab", "#0f6d82", "#ff7f0e", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  size_t h = std::hash<std::string>{}(tag);
  return kPalette[h % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

void RemovePathQuietly(const std::filesystem::path& p, Json& messages, Json& removed) {
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return;
  std::filesystem::remove_all(p, ec);
  if (ec) {
    messages.push_back({{"severity", "WARNING"},
                        {"isFatal", false},
                        {"code", "WARN_PROJECT_DELETE_FILES"},
                        {"title", "Could not remove files"},
                        {"message", "Could not remove " + p.string() + ": " + ec.message()}});
  } else {
    removed.push_back(p.string());
  }
}

}  // namespace

ProjectService::ProjectService(storage::MetadataStore& store, SecurityService& security,
                               storage::DataDir data_dir)
    : store_(store), security_(security), data_dir_(std::move(data_dir)) {
  // Per-project directories whose layout is fixed by the data dir (DESIGN.md): logs, and the
  // whole managed-datasets tree of the project. Areas with finer rules add their own hooks.
  AddDeletionHook("logs-and-managed-datasets",
                  [this](const std::string& key, const ProjectDeletionOptions& o) {
                    std::vector<std::filesystem::path> paths;
                    if (o.clear_job_and_scenario_logs) {
                      paths.push_back(data_dir_.JobsDir() / key);
                      paths.push_back(data_dir_.ScenariosDir() / key);
                    }
                    if (o.clear_managed_datasets) {
                      paths.push_back(data_dir_.ManagedDatasetsDir() / key);
                      paths.push_back(data_dir_.UploadsDir() / key);
                    }
                    if (o.clear_output_managed_folders) {
                      // A managed folder is an output when some recipe of the project writes into
                      // it.
                      std::set<std::string> outputs;
                      for (const auto& r : store_.List("recipe", key)) {
                        const Json& d = *r.data;
                        if (!d.contains("outputs") || !d["outputs"].is_object()) continue;
                        for (const auto& [role, v] : d["outputs"].items()) {
                          if (!v.is_object() || !v.contains("items") || !v["items"].is_array())
                            continue;
                          for (const auto& item : v["items"])
                            if (item.is_object() && item.contains("ref") && item["ref"].is_string())
                              outputs.insert(item["ref"].get<std::string>());
                        }
                      }
                      for (const auto& f : store_.List("managed_folder", key))
                        if (outputs.count(f.id))
                          paths.push_back(data_dir_.ManagedFoldersDir() / key / f.id);
                    }
                    return paths;
                  });
}

void ProjectService::ValidateKey(const std::string& key) {
  if (key.empty())
    throw ApiError(ErrorCode::kInvalidProjectKey, "Missing required field 'projectKey'");
  if (key.size() > 120)
    throw ApiError(ErrorCode::kInvalidProjectKey, "Project key '" + key + "' is too long");
  for (char c : key)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_'))
      throw ApiError(ErrorCode::kInvalidProjectKey,
                     "Invalid project key '" + key + "': only letters, digits and '_' are allowed");
}

Json ProjectService::DefaultSettings(const std::string& project_key) {
  Json code_env = {{"mode", "INHERIT"}, {"useBuiltinEnv", true}};
  return {{"projectKey", project_key},
          {"projectStatus", ""},
          {"settings",
           {{"codeEnvs", {{"python", code_env}, {"r", code_env}}},
            {"container", {{"containerMode", "INHERIT"}}},
            {"cluster", {{"clusterMode", "INHERIT"}}},
            {"k8sCluster", {{"clusterMode", "INHERIT"}}}}},
          {"exposedObjects", {{"objects", Json::array()}}}};
}

storage::Document ProjectService::RequireProjectDoc(const std::string& project_key) const {
  auto doc = store_.Get(kKindProject, project_key, kProjectDocId);
  if (!doc)
    throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
  return *doc;
}

void ProjectService::UpdateProjectDoc(storage::Txn& txn, const std::string& project_key,
                                      const std::function<void(Json&)>& fn) {
  auto doc = txn.Get(kKindProject, project_key, kProjectDocId);
  if (!doc)
    throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
  Json p = *doc->data;
  fn(p);
  txn.Put(kKindProject, project_key, kProjectDocId, std::move(p));
}

std::vector<Json> ProjectService::List(const auth::Principal& who,
                                       const std::vector<std::string>& tags) const {
  std::vector<Json> out;
  for (const auto& doc : store_.ListAll(kKindProject)) {
    const Json& p = *doc.data;
    std::string key = doc.scope;
    auth::ProjectPerms perms = security_.ProjectPermsOf(who, key);
    if (!(perms & (auth::kReadProjectContent | auth::kReadDashboards))) continue;
    if (!tags.empty()) {
      bool any = false;
      if (p.contains("tags") && p["tags"].is_array())
        for (const auto& t : p["tags"])
          any |= t.is_string() &&
                 std::find(tags.begin(), tags.end(), t.get<std::string>()) != tags.end();
      if (!any) continue;
    }
    out.push_back(GetSummary(key));
  }
  return out;
}

namespace {
Json SummaryOf(const storage::Document& doc) {
  const Json& p = *doc.data;
  Json s = Json::object();
  s["projectKey"] = doc.scope;
  s["name"] = p.value("name", doc.scope);
  s["owner"] = p.value("owner", "");
  s["shortDesc"] = p.value("shortDesc", "");
  s["description"] = p.value("description", "");
  s["tags"] = p.value("tags", Json::array());
  s["projectStatus"] = p.value("projectStatus", "");
  s["creationTag"] = p.value("creationTag", Json::object());
  s["versionTag"] = {
      {"versionNumber", doc.version},
      {"lastModifiedBy", {{"login", p.value("lastModifiedBy", p.value("owner", ""))}}},
      {"lastModifiedOn", doc.modified_ms}};
  return s;
}
}  // namespace

std::string ProjectService::ListJsonText(const auth::Principal& who,
                                         const std::vector<std::string>& tags) const {
  std::string out;
  out.reserve(last_list_bytes_.load(std::memory_order_relaxed) + 64);
  out.push_back('[');
  bool first = true;
  static const Json kNone = Json::array();
  static const std::string kNoOwner;
  for (const auto& doc : store_.ListAll(kKindProject)) {
    const Json& p = *doc.data;
    if (!who.IsAdmin()) {
      auto pit = p.find("permissions");
      auto oit = p.find("owner");
      const std::string& owner =
          oit != p.end() && oit->is_string() ? oit->get_ref<const std::string&>() : kNoOwner;
      auth::ProjectPerms perms =
          auth::EffectiveProjectPerms(who, doc.scope, owner, pit != p.end() ? *pit : kNone);
      if (!(perms & (auth::kReadProjectContent | auth::kReadDashboards))) continue;
    }
    if (!tags.empty()) {
      bool any = false;
      if (p.contains("tags") && p["tags"].is_array())
        for (const auto& t : p["tags"])
          any |= t.is_string() &&
                 std::find(tags.begin(), tags.end(), t.get<std::string>()) != tags.end();
      if (!any) continue;
    }
    if (!first) out.push_back(',');
    first = false;
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto& c = summary_cache_[doc.scope];
      if (c.data != doc.data || c.version != doc.version || c.modified_ms != doc.modified_ms) {
        c.text = SummaryOf(doc).dump(-1, ' ', false, Json::error_handler_t::replace);
        c.data = doc.data;
        c.version = doc.version;
        c.modified_ms = doc.modified_ms;
      }
      out += c.text;
    }
  }
  out.push_back(']');
  last_list_bytes_.store(out.size(), std::memory_order_relaxed);
  return out;
}

Json ProjectService::GetSummary(const std::string& project_key) const {
  return SummaryOf(RequireProjectDoc(project_key));
}

Json ProjectService::Create(const auth::Principal& who, const Json& body,
                            const std::string& folder_id) {
  RequireObject(body, "Project creation body");
  std::string key = GetString(body, "projectKey");
  ValidateKey(key);
  std::string name = GetString(body, "name");
  if (name.empty()) throw ApiError::BadRequest("Missing required field 'name'");
  std::string owner = GetString(body, "owner");
  if (owner.empty()) owner = who.AuthIdentifier();
  Json permissions = NormalisePermissions(FieldOr(body, "permissions", Json::array()));
  Json tags = RequireStringArray(FieldOr(body, "tags", Json::array()), "tags");
  std::string description = GetString(body, "description");
  Json settings = DefaultSettings(key);
  if (body.contains("settings") && !body["settings"].is_null()) {
    if (!body["settings"].is_object())
      throw ApiError::BadRequest("Field 'settings' must be an object");
    Json given = body["settings"];
    // The client passes either the params object or its `settings` sub-object.
    Json params = given.contains("settings") ? given : Json{{"settings", given}};
    ValidateSettings(params);
    for (auto& [k, v] : params.items()) {
      if (k == "settings" && v.is_object())
        MergeInto(settings["settings"], v);
      else if (k != "permissions" && k != "projectKey")
        settings[k] = v;
    }
  }
  std::string folder = folder_id.empty() ? kRootFolderId : folder_id;

  int64_t now = NowMs();
  Json p = Json::object();
  p["projectKey"] = key;
  p["name"] = name;
  p["owner"] = owner;
  p["description"] = description;
  p["shortDesc"] = GetString(body, "shortDesc");
  p["tags"] = tags;
  p["permissions"] = permissions;
  p["projectStatus"] = "";
  p["creationTag"] = {{"versionNumber", 0},
                      {"lastModifiedBy", {{"login", who.AuthIdentifier()}}},
                      {"lastModifiedOn", now}};
  p["lastModifiedBy"] = who.AuthIdentifier();
  p["folderId"] = folder;

  store_.Transact([&](storage::Txn& txn) {
    if (folder != kRootFolderId && !txn.Get(kKindProjectFolder, "", folder))
      throw ApiError::NotFound("Project folder '" + folder + "' does not exist");
    // Keys are unique whatever their case, as DSS's UI upper-cases them.
    for (const auto& d : store_.ListAll(kKindProject))
      if (d.scope == key || IEquals(d.scope, key))
        throw ApiError(ErrorCode::kConflict, "Project '" + key + "' already exists");
    if (txn.Get(kKindProject, key, kProjectDocId))
      throw ApiError(ErrorCode::kConflict, "Project '" + key + "' already exists");
    txn.Put(kKindProject, key, kProjectDocId, p);
    txn.Put(kKindProjectSettings, key, kSettingsId, settings);
    RecordTimeline(txn, key, who.AuthIdentifier(), "PROJECT_CREATE", "PROJECT", key);
  });
  return GetSummary(key);
}

void ProjectService::AddDeletionHook(std::string name, ProjectDeletionHook hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  hooks_.emplace_back(std::move(name), std::move(hook));
}

Json ProjectService::Delete(const auth::Principal& who, const std::string& project_key,
                            const ProjectDeletionOptions& options) {
  int64_t start = NowMs();
  RequireProjectDoc(project_key);
  std::vector<std::pair<std::string, ProjectDeletionHook>> hooks;
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    hooks = hooks_;
  }
  // Planning: hooks read the project's metadata; a failure here leaves everything intact.
  std::vector<std::filesystem::path> paths;
  for (const auto& [name, hook] : hooks) {
    for (auto& p : hook(project_key, options)) {
      // Never let a hook's path escape the data directory.
      auto rel = p.lexically_relative(data_dir_.root());
      if (rel.empty() || *rel.begin() == ".." || rel == ".")
        throw ApiError::Internal("Deletion hook '" + name +
                                 "' returned a path outside the data dir");
      paths.push_back(std::move(p));
    }
  }
  int removed_docs = 0;
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Get(kKindProject, project_key, kProjectDocId))
      throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
    removed_docs = txn.DeleteScope(project_key);
  });
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    summary_cache_.erase(project_key);
  }
  Json messages = Json::array();
  Json removed = Json::array();
  for (const auto& p : paths) RemovePathQuietly(p, messages, removed);
  log::Info("project deleted",
            Json{{"projectKey", project_key}, {"by", who.AuthIdentifier()}, {"docs", removed_docs}}
                .dump());
  bool warning = !messages.empty();
  Json result = {{"success", true},
                 {"projectKey", project_key},
                 {"deletedMetadataObjects", removed_docs},
                 {"deletedPaths", removed},
                 {"messages", messages},
                 {"anyMessage", !messages.empty()},
                 {"warning", warning},
                 {"error", false}};
  int64_t end = NowMs();
  return {{"hasResult", true},
          {"alive", false},
          {"aborted", false},
          {"jobDisplayName", "Delete project " + project_key},
          {"owner", who.AuthIdentifier()},
          {"startTime", start},
          {"runningTime", end - start},
          {"progress", {{"states", Json::array()}}},
          {"result", result}};
}

Json ProjectService::GetMetadata(const std::string& project_key) const {
  const Json& p = *RequireProjectDoc(project_key).data;
  Json m = FieldOr(p, "metadataExtra", Json::object());
  Json out = Json::object();
  out["label"] = p.value("name", project_key);
  out["description"] = p.value("description", "");
  out["shortDesc"] = p.value("shortDesc", "");
  out["tags"] = p.value("tags", Json::array());
  out["custom"] = FieldOr(p, "custom", Json{{"kv", Json::object()}});
  out["checklists"] = FieldOr(p, "checklists", Json{{"checklists", Json::array()}});
  out["customFields"] = FieldOr(p, "customFields", Json::object());
  for (auto& [k, v] : m.items())
    if (!out.contains(k)) out[k] = v;
  return out;
}

void ProjectService::SetMetadata(const auth::Principal& who, const std::string& project_key,
                                 const Json& body) {
  using T = Json::value_t;
  RequireObject(body, "Project metadata");
  ExpectType(body, "label", T::string, "");
  ExpectType(body, "description", T::string, "");
  ExpectType(body, "shortDesc", T::string, "");
  Json tags = RequireStringArray(FieldOr(body, "tags", Json::array()), "tags");
  ExpectType(body, "custom", T::object, "");
  ExpectType(body, "checklists", T::object, "");
  ExpectType(body, "customFields", T::object, "");
  Json custom = FieldOr(body, "custom", Json{{"kv", Json::object()}});
  if (!custom.contains("kv") || custom["kv"].is_null()) custom["kv"] = Json::object();
  if (!custom["kv"].is_object()) throw ApiError::BadRequest("Field 'custom.kv' must be an object");
  Json checklists = FieldOr(body, "checklists", Json{{"checklists", Json::array()}});
  if (!checklists.contains("checklists") || checklists["checklists"].is_null())
    checklists["checklists"] = Json::array();
  if (!checklists["checklists"].is_array())
    throw ApiError::BadRequest("Field 'checklists.checklists' must be an array");
  for (size_t i = 0; i < checklists["checklists"].size(); ++i)
    if (!checklists["checklists"][i].is_object())
      throw ApiError::BadRequest("Field 'checklists.checklists[" + std::to_string(i) +
                                 "]' must be an object");
  if (body.contains("label") && body["label"].is_string() &&
      body["label"].get<std::string>().empty())
    throw ApiError::BadRequest("Field 'label' must not be empty");
  Json extra = Json::object();
  for (auto& [k, v] : body.items())
    if (k != "label" && k != "description" && k != "shortDesc" && k != "tags" && k != "custom" &&
        k != "checklists" && k != "customFields")
      extra[k] = v;
  store_.Transact([&](storage::Txn& txn) {
    UpdateProjectDoc(txn, project_key, [&](Json& p) {
      if (body.contains("label") && body["label"].is_string()) p["name"] = body["label"];
      p["description"] = GetString(body, "description");
      p["shortDesc"] = GetString(body, "shortDesc");
      p["tags"] = tags;
      p["custom"] = custom;
      p["checklists"] = checklists;
      p["customFields"] = FieldOr(body, "customFields", Json::object());
      p["metadataExtra"] = extra;
      p["lastModifiedBy"] = who.AuthIdentifier();
    });
    RecordTimeline(txn, project_key, who.AuthIdentifier(), "PROJECT_METADATA_CHANGE", "PROJECT",
                   project_key);
  });
}

Json ProjectService::GetSettings(const std::string& project_key) const {
  RequireProjectDoc(project_key);
  auto doc = store_.Get(kKindProjectSettings, project_key, kSettingsId);
  return doc ? *doc->data : DefaultSettings(project_key);
}

Json ProjectService::SetSettings(const auth::Principal& who, const std::string& project_key,
                                 const Json& body) {
  RequireObject(body, "Project settings");
  ValidateSettings(body);
  if (body.contains("projectKey") && body["projectKey"].is_string() &&
      body["projectKey"] != project_key)
    throw ApiError::BadRequest("Field 'projectKey' ('" + body["projectKey"].get<std::string>() +
                               "') does not match the project '" + project_key + "'");
  static const std::set<std::string> kKnown = {"projectKey", "projectStatus", "settings",
                                               "exposedObjects"};
  Json warnings = Json::array();
  Json stored = Json::object();
  for (auto& [k, v] : body.items()) {
    if (k == "permissions") {
      warnings.push_back(
          "Field 'permissions' is not part of the project settings and was "
          "ignored: use /projects/" +
          project_key + "/permissions");
      continue;
    }
    if (!kKnown.count(k)) warnings.push_back("Unknown field '" + k + "' was kept as is");
    stored[k] = v;
  }
  stored["projectKey"] = project_key;
  store_.Transact([&](storage::Txn& txn) {
    UpdateProjectDoc(txn, project_key, [&](Json& p) {
      if (stored.contains("projectStatus") && stored["projectStatus"].is_string())
        p["projectStatus"] = stored["projectStatus"];
      p["lastModifiedBy"] = who.AuthIdentifier();
    });
    txn.Put(kKindProjectSettings, project_key, kSettingsId, stored);
    RecordTimeline(txn, project_key, who.AuthIdentifier(), "PROJECT_SETTINGS_CHANGE", "PROJECT",
                   project_key);
  });
  return {{"warnings", warnings}};
}

Json ProjectService::GetPermissions(const std::string& project_key) const {
  const Json& p = *RequireProjectDoc(project_key).data;
  Json entries = Json::array();
  for (const auto& e : FieldOr(p, "permissions", Json::array())) {
    Json out = Json::object();
    if (e.contains("group")) out["group"] = e["group"];
    if (e.contains("user")) out["user"] = e["user"];
    auth::ProjectPermsToJson(auth::ProjectPermsFromJson(e), out);
    entries.push_back(out);
  }
  return {{"owner", p.value("owner", "")}, {"permissions", entries}};
}

void ProjectService::SetPermissions(const auth::Principal& who, const std::string& project_key,
                                    const Json& body) {
  RequireObject(body, "Project permissions");
  ExpectType(body, "owner", Json::value_t::string, "");
  Json entries = NormalisePermissions(FieldOr(body, "permissions", Json::array()));
  std::string owner = GetString(body, "owner");
  store_.Transact([&](storage::Txn& txn) {
    if (!owner.empty() && !txn.Get(kKindUser, "", owner))
      throw ApiError(ErrorCode::kUserNotFound,
                     "Field 'owner': user '" + owner + "' does not exist");
    UpdateProjectDoc(txn, project_key, [&](Json& p) {
      if (!owner.empty()) p["owner"] = owner;
      p["permissions"] = entries;
      p["lastModifiedBy"] = who.AuthIdentifier();
    });
    RecordTimeline(txn, project_key, who.AuthIdentifier(), "PROJECT_PERMISSIONS_CHANGE", "PROJECT",
                   project_key);
  });
}

Json ProjectService::GetVariables(const std::string& project_key) const {
  RequireProjectDoc(project_key);
  auto doc = store_.Get(kKindProjectVariables, project_key, kVariablesId);
  if (!doc) return {{"standard", Json::object()}, {"local", Json::object()}};
  return *doc->data;
}

void ProjectService::SetVariables(const auth::Principal& who, const std::string& project_key,
                                  const Json& body) {
  RequireObject(body, "Project variables");
  for (const char* k : {"standard", "local"})
    if (!body.contains(k) || !body[k].is_object())
      throw ApiError::BadRequest(std::string("Field '") + k +
                                 "' is required and must be an object");
  for (auto& [k, v] : body.items())
    if (k != "standard" && k != "local")
      throw ApiError::BadRequest("Unknown field '" + k +
                                 "': variables have only 'standard' and 'local'");
  Json stored = {{"standard", body["standard"]}, {"local", body["local"]}};
  store_.Transact([&](storage::Txn& txn) {
    UpdateProjectDoc(txn, project_key,
                     [&](Json& p) { p["lastModifiedBy"] = who.AuthIdentifier(); });
    txn.Put(kKindProjectVariables, project_key, kVariablesId, stored);
    RecordTimeline(txn, project_key, who.AuthIdentifier(), "PROJECT_VARIABLES_CHANGE", "PROJECT",
                   project_key);
  });
}

Json ProjectService::ResolvedVariables(const std::string& project_key, bool typed) const {
  Json vars = GetVariables(project_key);
  Json out = Json::object();
  if (auto inst = store_.Get(kKindInstanceVariables, "", kInstanceVariablesId))
    if (inst->data->is_object()) MergeInto(out, *inst->data);
  MergeInto(out, vars["standard"]);
  MergeInto(out, vars["local"]);
  if (!typed)
    for (auto& [k, v] : out.items())
      if (!v.is_string()) v = v.dump();
  return out;
}

Json ProjectService::GetTags(const std::string& project_key) const {
  const Json& p = *RequireProjectDoc(project_key).data;
  Json defs = Json::object();
  if (auto doc = store_.Get(kKindProjectTags, project_key, kTagsId)) defs = *doc->data;
  for (const auto& t : FieldOr(p, "tags", Json::array()))
    if (t.is_string() && !defs.contains(t.get<std::string>()))
      defs[t.get<std::string>()] = {{"color", DefaultTagColor(t)}};
  return {{"tags", defs}};
}

void ProjectService::SetTags(const auth::Principal& who, const std::string& project_key,
                             const Json& body) {
  RequireObject(body, "Project tags");
  Json defs = body.contains("tags") && body.size() == 1 ? body["tags"] : body;
  if (defs.is_null()) defs = Json::object();
  if (!defs.is_object())
    throw ApiError::BadRequest("Field 'tags' must be an object mapping tag names to {color}");
  for (auto& [name, def] : defs.items()) {
    if (name.empty()) throw ApiError::BadRequest("Tag names must not be empty");
    if (!def.is_object())
      throw ApiError::BadRequest("Tag '" + name + "' must be an object like {\"color\": \"#...\"}");
    ExpectType(def, "color", Json::value_t::string, "tags." + name + ".");
  }
  store_.Transact([&](storage::Txn& txn) {
    UpdateProjectDoc(txn, project_key,
                     [&](Json& p) { p["lastModifiedBy"] = who.AuthIdentifier(); });
    txn.Put(kKindProjectTags, project_key, kTagsId, defs);
    RecordTimeline(txn, project_key, who.AuthIdentifier(), "PROJECT_TAGS_CHANGE", "PROJECT",
                   project_key);
  });
}

Json ProjectService::GetTimeline(const std::string& project_key, int item_count) const {
  if (item_count < 0) throw ApiError::BadRequest("Parameter 'itemCount' must not be negative");
  const Json& p = *RequireProjectDoc(project_key).data;
  // Every event is read for the contributor list; timelines are small per project.
  auto events = store_.ListEvents(kEventTimeline, project_key, 1 << 30);
  Json items = Json::array();
  std::vector<std::string> contributors;
  for (const auto& e : events) {
    if (static_cast<int>(items.size()) < item_count) items.push_back(e.data);
    std::string user = e.data.value("user", "");
    if (!user.empty() &&
        std::find(contributors.begin(), contributors.end(), user) == contributors.end())
      contributors.push_back(user);
  }
  Json all = Json::array();
  for (const auto& login : contributors) {
    std::string display = login;
    if (auto u = store_.Get(kKindUser, "", login)) display = u->data->value("displayName", login);
    all.push_back({{"login", login}, {"displayName", display}});
  }
  const Json& ct = FieldOr(p, "creationTag", Json::object());
  std::string created_by = ct.contains("lastModifiedBy") && ct["lastModifiedBy"].is_object()
                               ? ct["lastModifiedBy"].value("login", "")
                               : p.value("owner", "");
  int64_t created_on = ct.value("lastModifiedOn", static_cast<int64_t>(0));
  std::string last_by = created_by;
  int64_t last_on = created_on;
  if (!events.empty()) {
    last_by = events.front().data.value("user", last_by);
    last_on = events.front().data.value("time", last_on);
  }
  return {{"allContributors", all},    {"items", items},
          {"createdBy", created_by},   {"createdOn", created_on},
          {"lastModifiedBy", last_by}, {"lastModifiedOn", last_on}};
}

Json ProjectService::GetInterest(const std::string& project_key) const {
  RequireProjectDoc(project_key);
  int stars = 0, watches = 0;
  for (const auto& d : store_.List(kKindProjectInterest, project_key)) {
    stars += d.data->value("starred", false) ? 1 : 0;
    watches += d.data->value("watching", false) ? 1 : 0;
  }
  return {{"starCount", stars}, {"watchCount", watches}};
}

void ProjectService::RecordTimeline(storage::Txn& txn, const std::string& project_key,
                                    const std::string& user, const std::string& action,
                                    const std::string& object_type, const std::string& object_id) {
  Json item = {{"action", action}, {"objectType", object_type}, {"objectId", object_id},
               {"user", user},     {"time", NowMs()},           {"projectKey", project_key}};
  txn.AppendEvent(kEventTimeline, project_key, item);
}

}  // namespace dss::core
