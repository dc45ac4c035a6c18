#include "core/security_service.h"

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"

namespace dss::core {

using auth::Principal;

SecurityService::SecurityService(storage::MetadataStore& store) : store_(store) {}

Principal SecurityService::PrincipalForUser(const std::string& login) const {
  auto user = store_.Get(kKindUser, "", login);
  if (!user) throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
  const Json& u = *user->data;
  if (!u.value("enabled", true))
    throw ApiError(ErrorCode::kUnauthenticated, "User '" + login + "' is disabled");
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.login = login;
  if (u.contains("groups") && u["groups"].is_array()) {
    for (const auto& g : u["groups"]) {
      if (!g.is_string()) continue;
      p.groups.push_back(g.get<std::string>());
      auto group = store_.Get(kKindGroup, "", g.get<std::string>());
      if (group) p.global |= auth::GlobalPermsFromJson(*group->data);
    }
  }
  p.global = auth::CloseGlobalPerms(p.global);
  return p;
}

Principal SecurityService::Authenticate(const auth::Credentials& creds,
                                        const std::string& proxy_user) {
  using K = auth::Credentials::Kind;
  if (creds.kind == K::kNone)
    throw ApiError(ErrorCode::kUnauthenticated,
                   "No credentials: send an API key with HTTP Basic or Bearer authentication");
  if (creds.kind == K::kMalformed)
    throw ApiError(ErrorCode::kUnauthenticated, "Malformed Authorization header");
  Principal p;
  if (creds.kind == K::kTicket) {
    Ticket t;
    {
      std::lock_guard<std::mutex> lock(tickets_mu_);
      auto it = tickets_.find(creds.secret);
      if (it == tickets_.end())
        throw ApiError(ErrorCode::kUnauthenticated, "Invalid or expired API ticket");
      t = it->second;
    }
    p = PrincipalForUser(t.login);
    p.kind = Principal::Kind::kTicket;
    p.staging = t.staging;
  } else {
    std::string hash = auth::HashSecret(creds.secret);
    auto idx = store_.Get(kKindApiKeyHash, "", hash);
    // A key just created by another process (dsscli) must work at once.
    if (!idx && store_.RefreshIfChanged()) idx = store_.Get(kKindApiKeyHash, "", hash);
    if (!idx) throw ApiError(ErrorCode::kUnauthenticated, "Invalid API key");
    std::string id = idx->data->value("id", "");
    auto key = store_.Get(kKindApiKey, "", id);
    if (!key) throw ApiError(ErrorCode::kUnauthenticated, "Invalid API key");
    const Json& k = *key->data;
    int64_t expires = k.value("expiresOn", static_cast<int64_t>(0));
    if (expires > 0 && expires <= NowMs())
      throw ApiError(ErrorCode::kUnauthenticated, "API key '" + id + "' has expired");
    std::string type = k.value("type", "GLOBAL");
    if (type == "PERSONAL") {
      p = PrincipalForUser(k.value("user", ""));
      p.kind = Principal::Kind::kPersonalKey;
    } else {
      p.kind = type == "PROJECT" ? Principal::Kind::kProjectKey : Principal::Kind::kGlobalKey;
      if (k.contains("dssUserForImpersonation") && k["dssUserForImpersonation"].is_string())
        p.login = k["dssUserForImpersonation"].get<std::string>();
      if (type == "PROJECT") {
        p.project_scope = k.value("projectKey", "");
        // A project key dies with its project, even if the key name is reused later.
        auto project = store_.Get(kKindProject, p.project_scope, kProjectDocId);
        if (!project ||
            (k.contains("projectCreatedOn") && k["projectCreatedOn"] != Json(project->created_ms)))
          throw ApiError(ErrorCode::kUnauthenticated,
                         "API key '" + id + "' belongs to a project that no longer exists");
      } else {
        p.global = auth::CloseGlobalPerms(
            auth::GlobalPermsFromJson(k.value("globalPermissions", Json::object())));
        if (k.contains("groups") && k["groups"].is_array()) {
          for (const auto& g : k["groups"]) {
            if (!g.is_string()) continue;
            p.groups.push_back(g.get<std::string>());
            auto group = store_.Get(kKindGroup, "", g.get<std::string>());
            if (group) p.global |= auth::GlobalPermsFromJson(*group->data);
          }
          p.global = auth::CloseGlobalPerms(p.global);
        }
      }
      if (k.contains("projects") && k["projects"].is_object()) {
        for (auto it = k["projects"].begin(); it != k["projects"].end(); ++it) {
          auth::ProjectPerms perms = auth::ProjectPermsFromJson(it.value());
          if (it.value().contains("privileges") && it.value()["privileges"].is_array())
            for (const auto& priv : it.value()["privileges"])
              if (priv.is_string())
                perms |= auth::ProjectPermFromKeyPrivilege(priv.get<std::string>());
          p.project_grants[it.key()] = auth::CloseProjectPerms(perms);
        }
      }
    }
    p.key_id = id;
  }
  if (!proxy_user.empty()) {
    if (!p.IsAdmin())
      throw ApiError(ErrorCode::kForbidden, "Only administrators may impersonate other users");
    std::string key_id = p.key_id;
    p = PrincipalForUser(proxy_user);
    p.key_id = key_id;
  }
  return p;
}

auth::ProjectPerms SecurityService::ProjectPermsOf(const Principal& who,
                                                   const std::string& project_key) const {
  auto project = store_.Get(kKindProject, project_key, kProjectDocId);
  if (!project) return 0;
  const Json& p = *project->data;
  std::string owner = p.value("owner", "");
  static const Json kNone = Json::array();
  const Json& entries = p.contains("permissions") ? p["permissions"] : kNone;
  return auth::EffectiveProjectPerms(who, project_key, owner, entries);
}

void SecurityService::RequireProject(const Principal& who, const std::string& project_key,
                                     auth::ProjectPerms needed) const {
  bool exists = store_.Get(kKindProject, project_key, kProjectDocId).has_value();
  if (!exists) {
    if (who.IsAdmin())
      throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project_key + "' does not exist");
    throw ApiError(ErrorCode::kForbidden, "Failed to read project permissions of '" + project_key +
                                              "' (unknown project or no access)");
  }
  auth::ProjectPerms have = ProjectPermsOf(who, project_key);
  if ((have & needed) != needed) {
    std::string missing;
    for (const auto& [flag, name] : auth::ProjectPermNames())
      if ((needed & flag) && !(have & flag))
        missing += (missing.empty() ? "" : ", ") + std::string(name);
    throw ApiError(ErrorCode::kForbidden,
                   "Not allowed on project '" + project_key + "': requires " + missing);
  }
}

void SecurityService::RequireAdmin(const Principal& who) const {
  if (!who.IsAdmin())
    throw ApiError(ErrorCode::kForbidden, "Action requires global administrator rights");
}

void SecurityService::RequireGlobal(const Principal& who, auth::GlobalPerm perm) const {
  if ((who.global & perm) == 0) {
    std::string name;
    for (const auto& [flag, n] : auth::GlobalPermNames())
      if (flag == perm) name = n;
    throw ApiError(ErrorCode::kForbidden, "Action requires the global permission '" + name + "'");
  }
}

std::string SecurityService::IssueTicket(const std::string& login, const std::string& project_key,
                                         const std::string& staging) {
  std::string t = "tkt-" + RandomToken(40);
  std::lock_guard<std::mutex> lock(tickets_mu_);
  tickets_[t] = Ticket{login, project_key, staging};
  return t;
}

void SecurityService::RevokeTicket(const std::string& ticket) {
  std::lock_guard<std::mutex> lock(tickets_mu_);
  tickets_.erase(ticket);
}

std::string SecurityService::CreateKey(storage::Txn& txn, Json& def) {
  std::string secret = auth::NewKeySecret();
  std::string id = RandomToken(16);
  std::string hash = auth::HashSecret(secret);
  def["id"] = id;
  if (!def.contains("createdOn")) def["createdOn"] = NowMs();
  def["hash"] = hash;
  txn.Put(kKindApiKey, "", id, def);
  txn.Put(kKindApiKeyHash, "", hash, Json{{"id", id}});
  return secret;
}

}  // namespace dss::core
