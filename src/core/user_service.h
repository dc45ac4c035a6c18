#pragma once
// core/user_service.h: users (spec endpoints.md §4.1). Passwords are stored salted and hashed
// and never returned; user secrets and credential passwords are masked in every response.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

class UserService {
 public:
  explicit UserService(storage::MetadataStore& store);

  /// Validates a login or group name: non-empty, at most 200 characters, no '/', '\\',
  /// control characters or surrounding spaces. Throws ApiError(kInvalidName) naming `what`.
  static void ValidateName(const std::string& name, const std::string& what);
  /// "sha256$<salt>$<hex>" for `password`. Thread-safe.
  static std::string HashPassword(const std::string& password);
  /// Whether `password` matches a HashPassword result (constant-time compare).
  static bool CheckPassword(const std::string& password, const std::string& stored);

  /// Admin listing: summaries, or full (masked) settings when `include_settings`. Thread-safe.
  std::vector<Json> List(bool include_settings) const;
  /// Full settings of `login`, secrets masked. Throws ApiError(kUserNotFound).
  Json Get(const std::string& login) const;
  /// {login, displayName, groups, email, enabled} (the non-admin view).
  Json Info(const std::string& login) const;
  std::vector<Json> ListInfo() const;

  /// Creates a user from {login, password?, displayName, email, groups, userProfile,
  /// sourceType, enabled?...}. Throws ApiError(kInvalidName), ApiError(kConflict),
  /// ApiError(kGroupNotFound), ApiError(kBadRequest) naming the field. Thread-safe.
  Json Create(const Json& body);
  /// Replaces the writable settings of `login` (the GET shape, possibly edited). A non-empty
  /// `password` sets a new password; masked secrets keep their stored values. Throws
  /// ApiError(kUserNotFound) and the Create errors. Returns the masked settings.
  Json Update(const std::string& login, const Json& body);
  /// Deletes `login`, its personal API keys, and its project permission entries stay (DSS
  /// keeps them). Refuses to delete the caller unless `allow_self`. Throws
  /// ApiError(kUserNotFound), ApiError(kBadRequest).
  void Delete(const auth::Principal& who, const std::string& login, bool allow_self);

  /// Bulk variants: never throw for one bad item; return [{login, status, error}].
  Json BulkCreate(const Json& items);
  Json BulkUpdate(const Json& items);
  Json BulkDelete(const auth::Principal& who, const Json& logins, bool allow_self);

  /// Own settings of the caller (masked). Throws ApiError(kBadRequest) when the caller is not a
  /// user (a global key without an associated user), ApiError(kUserNotFound).
  Json GetOwn(const auth::Principal& who) const;
  /// Saves own settings: displayName, email, preferences, userProperties, secrets,
  /// credentials, password. Changing groups, userProfile, enabled or adminProperties is
  /// refused with ApiError(kForbidden).
  void UpdateOwn(const auth::Principal& who, const Json& body);

  /// Records that `login` was authenticated now (for /activity). Thread-safe, cheap.
  void RecordActivity(const std::string& login);
  /// {login, lastSuccessfulLogin, lastFailedLogin, lastSessionActivity} (epoch ms, 0 = never
  /// since this server started). Throws ApiError(kUserNotFound).
  Json Activity(const std::string& login) const;
  std::vector<Json> ListActivity(bool enabled_only) const;

 private:
  Json Normalise(const std::string& login, const Json& body, const Json* previous,
                 storage::Txn& txn) const;

  storage::MetadataStore& store_;
  mutable std::mutex activity_mu_;
  std::map<std::string, int64_t> last_activity_;
};

}  // namespace dss::core
