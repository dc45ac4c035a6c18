#pragma once
// core/api_key_service.h: global, personal and project API keys (spec endpoints.md §4.4-4.5,
// semantics.md §1.2). Keys are stored hashed (SecurityService::CreateKey): the secret is in
// the creation response only; every later read carries "key": null and never the hash.

#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "core/security_service.h"
#include "storage/metadata_store.h"

namespace dss::core {

class ApiKeyService {
 public:
  ApiKeyService(storage::MetadataStore& store, SecurityService& security);

  // --- Global keys (callers are global admins; the dispatcher checks) ---
  /// Every global key, ordered by id. Thread-safe.
  std::vector<Json> ListGlobal() const;
  /// Creates a global key from {label, description, globalPermissions?, groups?, projects?,
  /// dssUserForImpersonation?, expiresOn?}. Returns the definition with the secret in `key`
  /// and `messages: {error: false, messages: []}`. Throws ApiError(kBadRequest) naming the
  /// field for invalid input, ApiError(kGroupNotFound)/ApiError(kUserNotFound) for unknown
  /// referenced groups/users. Thread-safe.
  Json CreateGlobal(const auth::Principal& who, const Json& body);
  /// Throws ApiError(kApiKeyNotFound). Thread-safe.
  Json GetGlobal(const std::string& id) const;
  /// Looks a global key up by its secret (legacy route). Throws ApiError(kApiKeyNotFound).
  Json GetGlobalBySecret(const std::string& secret) const;
  /// Replaces the editable fields; `key`/`hash`/`id`/`type` cannot change (ApiError
  /// kBadRequest when a different value is sent). Throws ApiError(kApiKeyNotFound).
  void UpdateGlobal(const std::string& id, const Json& body);
  void DeleteGlobal(const std::string& id);

  // --- Personal keys ---
  /// Keys of `login` (or of every user when `login` is empty), ordered by id.
  std::vector<Json> ListPersonal(const std::string& login) const;
  /// Creates a personal key of `owner_login` from {label, description, expiresOn?}. Throws
  /// ApiError(kUserNotFound), ApiError(kBadRequest) when `owner_login` is empty.
  Json CreatePersonal(const auth::Principal& who, const std::string& owner_login, const Json& body);
  /// The key `id` if `who` owns it or is an admin; otherwise ApiError(kApiKeyNotFound) (a
  /// non-owner cannot tell someone else's key from a missing one). Thread-safe.
  Json GetPersonal(const auth::Principal& who, const std::string& id) const;
  void UpdatePersonal(const auth::Principal& who, const std::string& id, const Json& body);
  void DeletePersonal(const auth::Principal& who, const std::string& id);
  /// Removes every personal key of `login` inside `txn` (user deletion).
  static void DeleteKeysOfUser(storage::Txn& txn, const std::string& login);

  // --- Project keys (callers are project admins of `project_key`) ---
  std::vector<Json> ListProject(const std::string& project_key) const;
  /// Creates a key valid only on `project_key` from {label, description, projectPrivileges?
  /// (flags object), privileges? (READ_CONF...), expiresOn?}. Throws ApiError(kBadRequest).
  Json CreateProject(const auth::Principal& who, const std::string& project_key, const Json& body);
  Json GetProject(const std::string& project_key, const std::string& id) const;
  void UpdateProject(const std::string& project_key, const std::string& id, const Json& body);
  void DeleteProject(const std::string& project_key, const std::string& id);

  /// The public form of a stored key: no hash, "key": null. Pure.
  static Json Public(const Json& stored);

 private:
  Json Load(const std::string& id, const std::string& type) const;
  void Update(const std::string& id, const std::string& type, const Json& body,
              const std::function<void(const Json& body, Json& def)>& apply);
  void Remove(const std::string& id, const std::string& type);

  storage::MetadataStore& store_;
  SecurityService& security_;
};

}  // namespace dss::core
