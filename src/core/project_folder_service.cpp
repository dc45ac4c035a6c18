#include "core/project_folder_service.h"

#include <algorithm>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "core/project_service.h"
#include "core/security_service.h"

namespace dss::core {

namespace {

std::string FolderOf(const Json& project) {
  auto it = project.find("folderId");
  if (it == project.end() || !it->is_string() || it->get<std::string>().empty())
    return kRootFolderId;
  return *it;
}

Json NormaliseFolderPermissions(const Json& entries) {
  if (entries.is_null()) return Json::array();
  if (!entries.is_array()) throw ApiError::BadRequest("Field 'permissions' must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < entries.size(); ++i) {
    const Json& e = entries[i];
    std::string where = "permissions[" + std::to_string(i) + "]";
    if (!e.is_object()) throw ApiError::BadRequest("Field '" + where + "' must be an object");
    bool has_group = e.contains("group") && !e["group"].is_null();
    bool has_user = e.contains("user") && !e["user"].is_null();
    if (has_group == has_user)
      throw ApiError::BadRequest("Field '" + where +
                                 "' must name exactly one of 'group' or 'user'");
    const char* who = has_group ? "group" : "user";
    if (!e[who].is_string() || e[who].get<std::string>().empty())
      throw ApiError::BadRequest("Field '" + where + "." + who + "' must be a non-empty string");
    Json n = {{who, e[who]}, {"read", false}, {"writeContents", false}, {"admin", false}};
    for (auto& [k, v] : e.items()) {
      if (k == "group" || k == "user") continue;
      if (k != "read" && k != "writeContents" && k != "admin")
        throw ApiError::BadRequest("Unknown folder permission flag '" + k + "' in '" + where + "'");
      if (v.is_null()) continue;
      if (!v.is_boolean())
        throw ApiError::BadRequest("Field '" + where + "." + k + "' must be a boolean");
      n[k] = v;
    }
    out.push_back(n);
  }
  return out;
}

void ValidateFolderName(const std::string& name) {
  if (name.empty()) throw ApiError::BadRequest("Folder name must not be empty");
  if (name.find('/') != std::string::npos)
    throw ApiError::BadRequest("Folder name '" + name + "' must not contain '/'");
  if (name.size() > 200) throw ApiError::BadRequest("Folder name is too long");
}

}  // namespace

ProjectFolderService::ProjectFolderService(storage::MetadataStore& store, SecurityService& security)
    : store_(store), security_(security) {}

Json ProjectFolderService::Load(const std::string& folder_id) const {
  if (auto d = store_.Get(kKindProjectFolder, "", folder_id)) return *d->data;
  if (folder_id == kRootFolderId)
    return {{"id", kRootFolderId},
            {"name", "/"},
            {"parentId", nullptr},
            {"owner", "admin"},
            {"permissions", Json::array()}};
  throw ApiError::NotFound("Project folder '" + folder_id + "' does not exist");
}

ProjectFolderService::Level ProjectFolderService::LevelOf(const auth::Principal& who,
                                                          const Json& folder) const {
  if (who.IsAdmin()) return kFolderAdmin;
  int level = kNone;
  std::string id = folder.value("id", "");
  if (id == kRootFolderId) {
    level = (who.global & auth::kMayCreateProjects) ? kWrite : kRead;
  }
  // Grants on a folder apply to its whole subtree.
  Json f = folder;
  for (int depth = 0; depth < 1000; ++depth) {
    if (!who.login.empty() && f.value("owner", "") == who.login) return kFolderAdmin;
    for (const auto& e : f.value("permissions", Json::array())) {
      bool applies = false;
      if (e.contains("user") && e["user"].is_string() && !who.login.empty() &&
          e["user"] == who.login)
        applies = true;
      if (e.contains("group") && e["group"].is_string())
        applies |= std::find(who.groups.begin(), who.groups.end(), e["group"].get<std::string>()) !=
                   who.groups.end();
      if (!applies) continue;
      if (e.value("admin", false)) level = std::max<int>(level, kFolderAdmin);
      if (e.value("writeContents", false)) level = std::max<int>(level, kWrite);
      if (e.value("read", false)) level = std::max<int>(level, kRead);
    }
    auto parent = f.find("parentId");
    if (parent == f.end() || !parent->is_string()) break;
    try {
      f = Load(*parent);
    } catch (const ApiError&) {
      break;
    }
  }
  return static_cast<Level>(level);
}

void ProjectFolderService::Require(const auth::Principal& who, const Json& folder,
                                   Level level) const {
  if (LevelOf(who, folder) >= level) return;
  const char* what = level == kRead ? "read" : level == kWrite ? "write into" : "administer";
  throw ApiError::Forbidden(std::string("Not allowed to ") + what + " project folder '" +
                            folder.value("id", "") + "'");
}

Json ProjectFolderService::ToJson(const auth::Principal& who, const Json& folder) const {
  std::string id = folder.value("id", "");
  Json children = Json::array();
  for (const auto& d : store_.List(kKindProjectFolder, "")) {
    const Json& c = *d.data;
    if (c.contains("parentId") && c["parentId"] == id && LevelOf(who, c) >= kRead)
      children.push_back(d.id);
  }
  Json projects = Json::array();
  for (const auto& d : store_.ListAll(kKindProject)) {
    if (FolderOf(*d.data) != id) continue;
    auth::ProjectPerms perms = security_.ProjectPermsOf(who, d.scope);
    if (perms & (auth::kReadProjectContent | auth::kReadDashboards)) projects.push_back(d.scope);
  }
  Json out = Json::object();
  out["id"] = id;
  out["name"] = folder.value("name", id);
  out["parentId"] = folder.contains("parentId") ? folder["parentId"] : Json(nullptr);
  out["childrenIds"] = children;
  out["projectKeys"] = projects;
  return out;
}

Json ProjectFolderService::Get(const auth::Principal& who, const std::string& folder_id) const {
  Json f = Load(folder_id);
  Require(who, f, kRead);
  return ToJson(who, f);
}

Json ProjectFolderService::CreateChild(const auth::Principal& who, const std::string& parent_id,
                                       const std::string& name) {
  ValidateFolderName(name);
  std::string id;
  store_.Transact([&](storage::Txn& txn) {
    Json parent = Load(parent_id);
    Require(who, parent, kWrite);
    for (const auto& d : txn.List(kKindProjectFolder, ""))
      if (d.data->value("parentId", Json()) == parent_id && d.data->value("name", "") == name)
        throw ApiError::Conflict("Project folder '" + parent_id + "' already has a child named '" +
                                 name + "'");
    do {
      id = RandomToken(10);
    } while (txn.Get(kKindProjectFolder, "", id) || id == kRootFolderId);
    Json f = {{"id", id},
              {"name", name},
              {"parentId", parent_id},
              {"owner", who.AuthIdentifier()},
              {"permissions", Json::array()},
              {"createdOn", NowMs()}};
    txn.Put(kKindProjectFolder, "", id, f);
  });
  return ToJson(who, Load(id));
}

void ProjectFolderService::Delete(const auth::Principal& who, const std::string& folder_id) {
  if (folder_id == kRootFolderId)
    throw ApiError::BadRequest("The root project folder cannot be deleted");
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindProjectFolder, "", folder_id);
    if (!doc) throw ApiError::NotFound("Project folder '" + folder_id + "' does not exist");
    Require(who, *doc->data, kFolderAdmin);
    for (const auto& d : txn.List(kKindProjectFolder, ""))
      if (d.data->value("parentId", Json()) == folder_id)
        throw ApiError::BadRequest("Project folder '" + folder_id +
                                   "' is not empty: it has child folders");
    // Transactions are serialised, so this committed view cannot change underneath us.
    for (const auto& d : store_.ListAll(kKindProject))
      if (FolderOf(*d.data) == folder_id)
        throw ApiError::BadRequest("Project folder '" + folder_id +
                                   "' is not empty: it holds projects");
    txn.Delete(kKindProjectFolder, "", folder_id);
  });
}

Json ProjectFolderService::GetSettings(const auth::Principal& who,
                                       const std::string& folder_id) const {
  Json f = Load(folder_id);
  Require(who, f, kFolderAdmin);
  return {{"name", f.value("name", "")},
          {"owner", f.value("owner", "")},
          {"permissions", f.value("permissions", Json::array())}};
}

void ProjectFolderService::SetSettings(const auth::Principal& who, const std::string& folder_id,
                                       const Json& body) {
  RequireObject(body, "Project folder settings");
  std::string name = GetString(body, "name");
  std::string owner = GetString(body, "owner");
  Json perms = NormaliseFolderPermissions(body.contains("permissions") ? body["permissions"]
                                                                       : Json(nullptr));
  store_.Transact([&](storage::Txn& txn) {
    Json f = Load(folder_id);
    Require(who, f, kFolderAdmin);
    if (body.contains("name") && !body["name"].is_null()) {
      if (folder_id == kRootFolderId && name != f.value("name", ""))
        throw ApiError::BadRequest("The root project folder cannot be renamed");
      ValidateFolderName(name);
      for (const auto& d : txn.List(kKindProjectFolder, ""))
        if (d.id != folder_id && d.data->value("parentId", Json()) == f["parentId"] &&
            d.data->value("name", "") == name)
          throw ApiError::Conflict("A sibling project folder is already named '" + name + "'");
      f["name"] = name;
    }
    if (!owner.empty()) {
      if (!txn.Get(kKindUser, "", owner))
        throw ApiError(ErrorCode::kUserNotFound,
                       "Field 'owner': user '" + owner + "' does not exist");
      f["owner"] = owner;
    }
    if (body.contains("permissions")) f["permissions"] = perms;
    txn.Put(kKindProjectFolder, "", folder_id, f);
  });
}

void ProjectFolderService::MoveFolder(const auth::Principal& who, const std::string& folder_id,
                                      const std::string& destination) {
  if (folder_id == kRootFolderId)
    throw ApiError::BadRequest("The root project folder cannot be moved");
  if (destination.empty()) throw ApiError::BadRequest("Missing query parameter 'destination'");
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindProjectFolder, "", folder_id);
    if (!doc) throw ApiError::NotFound("Project folder '" + folder_id + "' does not exist");
    Json f = *doc->data;
    Json dest = Load(destination);
    Require(who, f, kFolderAdmin);
    Require(who, dest, kWrite);
    // No cycles: the destination must not be the folder itself or one of its descendants.
    Json cur = dest;
    for (int depth = 0; depth < 10000; ++depth) {
      if (cur.value("id", "") == folder_id)
        throw ApiError::BadRequest("Cannot move project folder '" + folder_id +
                                   "' into itself or one of its descendants");
      auto p = cur.find("parentId");
      if (p == cur.end() || !p->is_string()) break;
      cur = Load(*p);
    }
    std::string name = f.value("name", "");
    for (const auto& d : txn.List(kKindProjectFolder, ""))
      if (d.id != folder_id && d.data->value("parentId", Json()) == destination &&
          d.data->value("name", "") == name)
        throw ApiError::Conflict("Project folder '" + destination +
                                 "' already has a child named '" + name + "'");
    f["parentId"] = destination;
    txn.Put(kKindProjectFolder, "", folder_id, f);
  });
}

void ProjectFolderService::MoveProject(const auth::Principal& who, const std::string& folder_id,
                                       const std::string& project_key,
                                       const std::string& destination) {
  if (destination.empty()) throw ApiError::BadRequest("Missing query parameter 'destination'");
  security_.RequireProject(who, project_key, auth::kAdmin);
  Json dest = Load(destination);
  Require(who, dest, kWrite);
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindProject, project_key, kProjectDocId);
    if (!doc)
      throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
    Json p = *doc->data;
    if (FolderOf(p) != folder_id)
      throw ApiError::BadRequest("Project '" + project_key + "' is not in project folder '" +
                                 folder_id + "'");
    if (destination != kRootFolderId && !txn.Get(kKindProjectFolder, "", destination))
      throw ApiError::NotFound("Project folder '" + destination + "' does not exist");
    p["folderId"] = destination;
    p["lastModifiedBy"] = who.AuthIdentifier();
    txn.Put(kKindProject, project_key, kProjectDocId, p);
    Json item = {{"action", "PROJECT_MOVE"},
                 {"objectType", "PROJECT"},
                 {"objectId", project_key},
                 {"user", who.AuthIdentifier()},
                 {"time", NowMs()},
                 {"projectKey", project_key},
                 {"details", {{"from", folder_id}, {"to", destination}}}};
    txn.AppendEvent(kEventTimeline, project_key, item);
  });
}

Json ProjectFolderService::Locate(const auth::Principal& who,
                                  const std::string& project_key) const {
  security_.RequireProject(who, project_key, auth::kReadProjectContent);
  auto doc = store_.Get(kKindProject, project_key, kProjectDocId);
  if (!doc)
    throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
  std::string folder = FolderOf(*doc->data);
  Json f;
  try {
    f = Load(folder);
  } catch (const ApiError&) {
    f = Load(kRootFolderId);  // a dangling reference means ROOT
  }
  return ToJson(who, f);
}

Json ProjectFolderService::DefaultForProjectCreation(const auth::Principal& who,
                                                     const std::string& folder_id) const {
  Json f = Load(folder_id);
  Require(who, f, kRead);
  for (int depth = 0; depth < 10000; ++depth) {
    if (LevelOf(who, f) >= kWrite) return ToJson(who, f);
    auto p = f.find("parentId");
    if (p == f.end() || !p->is_string()) break;
    f = Load(*p);
  }
  return ToJson(who, Load(kRootFolderId));
}

void ProjectFolderService::RequireCanCreateProjectIn(const auth::Principal& who,
                                                     const std::string& folder_id) const {
  if (folder_id.empty() || folder_id == kRootFolderId) return;  // route access already checked
  Require(who, Load(folder_id), kWrite);
}

}  // namespace dss::core
