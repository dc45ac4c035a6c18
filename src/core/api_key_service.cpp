#include "core/api_key_service.h"

#include "auth/credentials.h"
#include "common/api_error.h"
#include "common/clock.h"

namespace dss::core {

namespace {

[[noreturn]] void NoSuchKey(const std::string& id) {
  throw ApiError(ErrorCode::kApiKeyNotFound, "API key '" + id + "' does not exist");
}

std::string Str(const Json& body, const char* field) {
  return GetString(body, field);
}

// expiresOn: epoch ms, 0 / null = never.
int64_t ExpiresOn(const Json& body) {
  if (!body.contains("expiresOn") || body["expiresOn"].is_null()) return 0;
  if (!body["expiresOn"].is_number_integer() || body["expiresOn"].get<int64_t>() < 0)
    throw ApiError::BadRequest("Field 'expiresOn' must be a non-negative integer (epoch ms)");
  return body["expiresOn"].get<int64_t>();
}

Json ValidatedProjects(const Json& body) {
  Json out = Json::object();
  if (!body.contains("projects") || body["projects"].is_null()) return out;
  if (!body["projects"].is_object())
    throw ApiError::BadRequest("Field 'projects' must be an object {projectKey: permissions}");
  for (auto it = body["projects"].begin(); it != body["projects"].end(); ++it) {
    if (!it.value().is_object())
      throw ApiError::BadRequest("Field 'projects." + it.key() + "' must be an object");
    auth::ProjectPermsFromJson(it.value());
    if (it.value().contains("privileges") && !it.value()["privileges"].is_null()) {
      if (!it.value()["privileges"].is_array())
        throw ApiError::BadRequest("Field 'projects." + it.key() + ".privileges' must be an array");
      for (const auto& p : it.value()["privileges"])
        if (!p.is_string() || auth::ProjectPermFromKeyPrivilege(p.get<std::string>()) == 0)
          throw ApiError::BadRequest("Field 'projects." + it.key() +
                                     ".privileges' has an unknown privilege " + p.dump());
    }
    out[it.key()] = it.value();
  }
  return out;
}

Json ValidatedGroups(storage::Txn& txn, const Json& body) {
  if (!body.contains("groups") || body["groups"].is_null()) return nullptr;
  if (!body["groups"].is_array())
    throw ApiError::BadRequest("Field 'groups' must be an array of group names");
  for (const auto& g : body["groups"]) {
    if (!g.is_string()) throw ApiError::BadRequest("Field 'groups' must be an array of strings");
    if (!txn.Get(kKindGroup, "", g.get<std::string>()))
      throw ApiError(ErrorCode::kGroupNotFound,
                     "Group '" + g.get<std::string>() + "' does not exist");
  }
  return body["groups"];
}

// Project permission flags from {projectPrivileges: {flags}} and/or {privileges: [NAMES]}.
auth::ProjectPerms ProjectKeyPerms(const Json& body) {
  auth::ProjectPerms perms = 0;
  if (body.contains("projectPrivileges") && !body["projectPrivileges"].is_null()) {
    if (!body["projectPrivileges"].is_object())
      throw ApiError::BadRequest("Field 'projectPrivileges' must be an object of flags");
    perms |= auth::ProjectPermsFromJson(body["projectPrivileges"]);
  }
  if (body.contains("privileges") && !body["privileges"].is_null()) {
    if (!body["privileges"].is_array())
      throw ApiError::BadRequest("Field 'privileges' must be an array such as [\"READ_CONF\"]");
    for (const auto& p : body["privileges"]) {
      auth::ProjectPerms f =
          p.is_string() ? auth::ProjectPermFromKeyPrivilege(p.get<std::string>()) : 0;
      if (!f) throw ApiError::BadRequest("Field 'privileges' has an unknown privilege " + p.dump());
      perms |= f;
    }
  }
  return auth::CloseProjectPerms(perms);
}

void CheckImmutable(const Json& body, const Json& stored) {
  if (body.contains("key") && !body["key"].is_null()) {
    if (!body["key"].is_string() ||
        auth::HashSecret(body["key"].get<std::string>()) != stored.value("hash", ""))
      throw ApiError::BadRequest("Field 'key' cannot be changed");
  }
  if (body.contains("hash") && !body["hash"].is_null() && body["hash"] != stored.value("hash", ""))
    throw ApiError::BadRequest("Field 'hash' cannot be changed");
  for (const char* f : {"id", "type", "user", "projectKey"})
    if (body.contains(f) && !body[f].is_null() && stored.contains(f) && body[f] != stored[f])
      throw ApiError::BadRequest(std::string("Field '") + f + "' cannot be changed");
}

void ApplyCommon(const Json& body, Json& def) {
  def["label"] = Str(body, "label");
  def["description"] = Str(body, "description");
  int64_t exp = ExpiresOn(body);
  def["expiresOn"] = exp;
  if (body.contains("expiry")) def["expiry"] = body["expiry"];
  if (!def.contains("expiry")) def["expiry"] = nullptr;
}

}  // namespace

ApiKeyService::ApiKeyService(storage::MetadataStore& store, SecurityService& security)
    : store_(store), security_(security) {}

Json ApiKeyService::Public(const Json& stored) {
  Json out = Json::object();
  out["id"] = stored.value("id", "");
  out["key"] = nullptr;
  for (auto it = stored.begin(); it != stored.end(); ++it)
    if (it.key() != "hash" && it.key() != "key" && it.key() != "id") out[it.key()] = it.value();
  return out;
}

Json ApiKeyService::Load(const std::string& id, const std::string& type) const {
  auto d = store_.Get(kKindApiKey, "", id);
  if (!d || d->data->value("type", "GLOBAL") != type) NoSuchKey(id);
  return *d->data;
}

void ApiKeyService::Update(const std::string& id, const std::string& type, const Json& body,
                           const std::function<void(const Json&, Json&)>& apply) {
  RequireObject(body, "API key definition");
  store_.Transact([&](storage::Txn& txn) {
    auto d = txn.Get(kKindApiKey, "", id);
    if (!d || d->data->value("type", "GLOBAL") != type) NoSuchKey(id);
    Json def = *d->data;
    CheckImmutable(body, def);
    ApplyCommon(body, def);
    apply(body, def);
    txn.Put(kKindApiKey, "", id, def);
  });
}

void ApiKeyService::Remove(const std::string& id, const std::string& type) {
  store_.Transact([&](storage::Txn& txn) {
    auto d = txn.Get(kKindApiKey, "", id);
    if (!d || d->data->value("type", "GLOBAL") != type) NoSuchKey(id);
    txn.Delete(kKindApiKeyHash, "", d->data->value("hash", ""));
    txn.Delete(kKindApiKey, "", id);
  });
}

// --- Global ---

std::vector<Json> ApiKeyService::ListGlobal() const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindApiKey, ""))
    if (d.data->value("type", "GLOBAL") == "GLOBAL") out.push_back(Public(*d.data));
  return out;
}

Json ApiKeyService::CreateGlobal(const auth::Principal& who, const Json& body) {
  RequireObject(body, "API key definition");
  Json def = Json::object();
  def["type"] = "GLOBAL";
  ApplyCommon(body, def);
  def["createdBy"] = who.AuthIdentifier();
  Json gp = body.value("globalPermissions", Json::object());
  if (gp.is_null()) gp = Json::object();
  if (!gp.is_object()) throw ApiError::BadRequest("Field 'globalPermissions' must be an object");
  def["globalPermissions"] = auth::GlobalPermsToJson(auth::GlobalPermsFromJson(gp));
  def["projects"] = ValidatedProjects(body);
  std::string impersonate = Str(body, "dssUserForImpersonation");
  std::string secret;
  store_.Transact([&](storage::Txn& txn) {
    def["groups"] = ValidatedGroups(txn, body);
    if (!impersonate.empty() && !txn.Get(kKindUser, "", impersonate))
      throw ApiError(ErrorCode::kUserNotFound, "User '" + impersonate + "' does not exist");
    def["dssUserForImpersonation"] = impersonate.empty() ? Json(nullptr) : Json(impersonate);
    secret = security_.CreateKey(txn, def);
  });
  Json out = Public(def);
  out["key"] = secret;
  out["messages"] = {{"error", false}, {"warning", false}, {"messages", Json::array()}};
  return out;
}

Json ApiKeyService::GetGlobal(const std::string& id) const {
  return Public(Load(id, "GLOBAL"));
}

Json ApiKeyService::GetGlobalBySecret(const std::string& secret) const {
  auto idx = store_.Get(kKindApiKeyHash, "", auth::HashSecret(secret));
  if (!idx) throw ApiError(ErrorCode::kApiKeyNotFound, "No global API key with this secret");
  auto d = store_.Get(kKindApiKey, "", idx->data->value("id", ""));
  if (!d || d->data->value("type", "GLOBAL") != "GLOBAL")
    throw ApiError(ErrorCode::kApiKeyNotFound, "No global API key with this secret");
  return Public(*d->data);
}

void ApiKeyService::UpdateGlobal(const std::string& id, const Json& body) {
  Update(id, "GLOBAL", body, [&](const Json& b, Json& def) {
    if (b.contains("globalPermissions") && !b["globalPermissions"].is_null()) {
      if (!b["globalPermissions"].is_object())
        throw ApiError::BadRequest("Field 'globalPermissions' must be an object");
      def["globalPermissions"] =
          auth::GlobalPermsToJson(auth::GlobalPermsFromJson(b["globalPermissions"]));
    }
    if (b.contains("projects")) def["projects"] = ValidatedProjects(b);
    if (b.contains("groups")) {
      Json groups = nullptr;
      if (!b["groups"].is_null()) {
        if (!b["groups"].is_array())
          throw ApiError::BadRequest("Field 'groups' must be an array of group names");
        for (const auto& g : b["groups"])
          if (!g.is_string() || !store_.Get(kKindGroup, "", g.get<std::string>()))
            throw ApiError(ErrorCode::kGroupNotFound, "Group " + g.dump() + " does not exist");
        groups = b["groups"];
      }
      def["groups"] = groups;
    }
    if (b.contains("dssUserForImpersonation")) {
      std::string u = Str(b, "dssUserForImpersonation");
      if (!u.empty() && !store_.Get(kKindUser, "", u))
        throw ApiError(ErrorCode::kUserNotFound, "User '" + u + "' does not exist");
      def["dssUserForImpersonation"] = u.empty() ? Json(nullptr) : Json(u);
    }
  });
}

void ApiKeyService::DeleteGlobal(const std::string& id) {
  Remove(id, "GLOBAL");
}

// --- Personal ---

std::vector<Json> ApiKeyService::ListPersonal(const std::string& login) const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindApiKey, ""))
    if (d.data->value("type", "GLOBAL") == "PERSONAL" &&
        (login.empty() || d.data->value("user", "") == login))
      out.push_back(Public(*d.data));
  return out;
}

Json ApiKeyService::CreatePersonal(const auth::Principal& who, const std::string& owner_login,
                                   const Json& body) {
  RequireObject(body, "API key definition");
  if (owner_login.empty())
    throw ApiError::BadRequest(
        "Personal API keys belong to a user: this caller is not a user (use field 'user' on "
        "/admin/personal-api-keys/)");
  Json def = Json::object();
  def["type"] = "PERSONAL";
  def["user"] = owner_login;
  ApplyCommon(body, def);
  def["createdBy"] = who.AuthIdentifier();
  std::string secret;
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Get(kKindUser, "", owner_login))
      throw ApiError(ErrorCode::kUserNotFound, "User '" + owner_login + "' does not exist");
    secret = security_.CreateKey(txn, def);
  });
  Json out = Public(def);
  out["key"] = secret;
  return out;
}

Json ApiKeyService::GetPersonal(const auth::Principal& who, const std::string& id) const {
  Json def = Load(id, "PERSONAL");
  if (!who.IsAdmin() && (who.login.empty() || def.value("user", "") != who.login)) NoSuchKey(id);
  return Public(def);
}

void ApiKeyService::UpdatePersonal(const auth::Principal& who, const std::string& id,
                                   const Json& body) {
  GetPersonal(who, id);
  Update(id, "PERSONAL", body, [](const Json&, Json&) {});
}

void ApiKeyService::DeletePersonal(const auth::Principal& who, const std::string& id) {
  GetPersonal(who, id);
  Remove(id, "PERSONAL");
}

void ApiKeyService::DeleteKeysOfUser(storage::Txn& txn, const std::string& login) {
  for (const auto& d : txn.List(kKindApiKey, ""))
    if (d.data->value("type", "GLOBAL") == "PERSONAL" && d.data->value("user", "") == login) {
      txn.Delete(kKindApiKeyHash, "", d.data->value("hash", ""));
      txn.Delete(kKindApiKey, "", d.id);
    }
}

// --- Project ---

std::vector<Json> ApiKeyService::ListProject(const std::string& project_key) const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindApiKey, ""))
    if (d.data->value("type", "GLOBAL") == "PROJECT" &&
        d.data->value("projectKey", "") == project_key)
      out.push_back(Public(*d.data));
  return out;
}

Json ApiKeyService::CreateProject(const auth::Principal& who, const std::string& project_key,
                                  const Json& body) {
  RequireObject(body, "API key definition");
  Json def = Json::object();
  def["type"] = "PROJECT";
  def["projectKey"] = project_key;
  ApplyCommon(body, def);
  def["createdBy"] = who.AuthIdentifier();
  auth::ProjectPerms perms = ProjectKeyPerms(body);
  Json flags = Json::object();
  auth::ProjectPermsToJson(perms, flags);
  def["projectPrivileges"] = flags;
  def["projects"] = Json{{project_key, flags}};
  std::string secret;
  store_.Transact([&](storage::Txn& txn) {
    auto project = txn.Get(kKindProject, project_key, kProjectDocId);
    if (!project)
      throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
    // Binds the key to this incarnation of the project: a project deleted and re-created
    // under the same key does not inherit old keys (see SecurityService::Authenticate).
    def["projectCreatedOn"] = project->created_ms;
    secret = security_.CreateKey(txn, def);
  });
  Json out = Public(def);
  out["key"] = secret;
  return out;
}

Json ApiKeyService::GetProject(const std::string& project_key, const std::string& id) const {
  Json def = Load(id, "PROJECT");
  if (def.value("projectKey", "") != project_key) NoSuchKey(id);
  return Public(def);
}

void ApiKeyService::UpdateProject(const std::string& project_key, const std::string& id,
                                  const Json& body) {
  GetProject(project_key, id);
  Update(id, "PROJECT", body, [&](const Json& b, Json& def) {
    if (!b.contains("projectPrivileges") && !b.contains("privileges")) return;
    Json flags = Json::object();
    auth::ProjectPermsToJson(ProjectKeyPerms(b), flags);
    def["projectPrivileges"] = flags;
    def["projects"] = Json{{project_key, flags}};
  });
}

void ApiKeyService::DeleteProject(const std::string& project_key, const std::string& id) {
  GetProject(project_key, id);
  Remove(id, "PROJECT");
}

}  // namespace dss::core
