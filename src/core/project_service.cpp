#include "core/project_service.h"

#include <algorithm>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"
#include "core/security_service.h"

namespace dss::core {

ProjectService::ProjectService(storage::MetadataStore& store, SecurityService& security)
    : store_(store), security_(security) {}

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

Json ProjectService::GetSummary(const std::string& project_key) const {
  auto doc = store_.Get(kKindProject, project_key, kProjectDocId);
  if (!doc)
    throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
  const Json& p = *doc->data;
  Json s = Json::object();
  s["projectKey"] = project_key;
  s["name"] = p.value("name", project_key);
  s["owner"] = p.value("owner", "");
  s["shortDesc"] = p.value("shortDesc", "");
  s["description"] = p.value("description", "");
  s["tags"] = p.value("tags", Json::array());
  s["projectStatus"] = p.value("projectStatus", "");
  s["creationTag"] = p.value("creationTag", Json::object());
  s["versionTag"] = {
      {"versionNumber", doc->version},
      {"lastModifiedBy", {{"login", p.value("lastModifiedBy", p.value("owner", ""))}}},
      {"lastModifiedOn", doc->modified_ms}};
  return s;
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
  Json permissions = body.contains("permissions") && !body["permissions"].is_null()
                         ? body["permissions"]
                         : Json::array();
  if (!permissions.is_array()) throw ApiError::BadRequest("Field 'permissions' must be an array");
  for (const auto& e : permissions) auth::ProjectPermsFromJson(e);  // validates flag types
  Json tags = body.contains("tags") && !body["tags"].is_null() ? body["tags"] : Json::array();
  if (!tags.is_array()) throw ApiError::BadRequest("Field 'tags' must be an array");
  for (const auto& t : tags)
    if (!t.is_string()) throw ApiError::BadRequest("Field 'tags' must be an array of strings");
  std::string description = GetString(body, "description");

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
  p["folderId"] = folder_id.empty() ? "ROOT" : folder_id;
  if (body.contains("settings") && body["settings"].is_object()) p["settings"] = body["settings"];

  store_.Transact([&](storage::Txn& txn) {
    // Keys are unique whatever their case, as DSS's UI upper-cases them.
    for (const auto& d : store_.ListAll(kKindProject))
      if (d.scope == key || IEquals(d.scope, key))
        throw ApiError(ErrorCode::kConflict, "Project '" + key + "' already exists");
    if (txn.Get(kKindProject, key, kProjectDocId))
      throw ApiError(ErrorCode::kConflict, "Project '" + key + "' already exists");
    txn.Put(kKindProject, key, kProjectDocId, p);
    RecordTimeline(txn, key, who.AuthIdentifier(), "PROJECT_CREATE", "PROJECT", key);
  });
  return GetSummary(key);
}

void ProjectService::RecordTimeline(storage::Txn& txn, const std::string& project_key,
                                    const std::string& user, const std::string& action,
                                    const std::string& object_type, const std::string& object_id) {
  Json item = {{"action", action}, {"objectType", object_type}, {"objectId", object_id},
               {"user", user},     {"time", NowMs()},           {"projectKey", project_key}};
  txn.AppendEvent("timeline", project_key, item);
}

}  // namespace dss::core
