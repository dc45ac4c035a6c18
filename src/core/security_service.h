#pragma once
// core/security_service.h: authentication (API keys, tickets, impersonation) and the
// permission checks every route goes through.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/credentials.h"
#include "auth/principal.h"
#include "storage/metadata_store.h"

namespace dss::core {

/// Store kinds owned by this service.
inline constexpr const char* kKindApiKey = "api_key";
inline constexpr const char* kKindApiKeyHash = "api_key_hash";
inline constexpr const char* kKindUser = "user";
inline constexpr const char* kKindGroup = "group";
/// A project's main document: kind "project", scope = project key, id "project". It holds the
/// summary fields, the owner and the permission entries.
inline constexpr const char* kKindProject = "project";
inline constexpr const char* kProjectDocId = "project";

class SecurityService {
 public:
  explicit SecurityService(storage::MetadataStore& store);

  /// Resolves credentials (and an optional X-DKU-ProxyUser login) to a principal.
  /// Throws ApiError(kUnauthenticated) for missing, unknown, malformed or expired
  /// credentials; ApiError(kForbidden) when a non-admin asks to impersonate;
  /// ApiError(kUserNotFound) when the impersonated user does not exist. Thread-safe.
  auth::Principal Authenticate(const auth::Credentials& creds, const std::string& proxy_user);

  /// The principal of user `login` (groups and global permissions from its groups).
  /// Throws ApiError(kUserNotFound). Thread-safe.
  auth::Principal PrincipalForUser(const std::string& login) const;

  /// Effective permissions of `who` on project `project_key` (0 when it does not exist).
  auth::ProjectPerms ProjectPermsOf(const auth::Principal& who,
                                    const std::string& project_key) const;

  /// Throws unless `who` holds every flag of `needed` on the project: ApiError(kProjectNotFound)
  /// for an unknown project when the caller is a global admin, ApiError(kForbidden) otherwise
  /// (so that non-admins cannot probe which projects exist). Thread-safe.
  void RequireProject(const auth::Principal& who, const std::string& project_key,
                      auth::ProjectPerms needed) const;
  /// Throws ApiError(kForbidden) unless `who` is a global admin.
  void RequireAdmin(const auth::Principal& who) const;
  /// Throws ApiError(kForbidden) unless `who` holds the global permission.
  void RequireGlobal(const auth::Principal& who, auth::GlobalPerm perm) const;

  /// Issues an internal ticket acting as `login` (child processes of jobs). Managed-dataset
  /// writes made with it are staged under `staging` when non-empty (see ManagedDataStore).
  /// Tickets live in memory and end with the server or RevokeTicket. Thread-safe.
  std::string IssueTicket(const std::string& login, const std::string& project_key,
                          const std::string& staging = "");
  void RevokeTicket(const std::string& ticket);

  /// Creates a key document and its hash index in `txn`; returns the secret. `def` holds the
  /// key's definition (type, label, permissions...), completed with id/createdOn/hash.
  std::string CreateKey(storage::Txn& txn, Json& def);

 private:
  storage::MetadataStore& store_;
  mutable std::mutex tickets_mu_;
  struct Ticket {
    std::string login, project_key, staging;
  };
  std::map<std::string, Ticket> tickets_;
};

}  // namespace dss::core
