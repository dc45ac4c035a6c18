#pragma once
// core/connection_service.h: instance connections (Filesystem and PostgreSQL) — validation,
// secret masking, the two built-in filesystem connections, and the internal accessors other
// services (datasets, SQL, managed folders) use to reach the data.

#include <filesystem>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

/// Store kind of a connection: "connection" / "" / name. The data is the full definition,
/// secrets included (the store is the server's private state).
inline constexpr const char* kKindConnection = "connection";
inline constexpr const char* kBuiltinManagedDatasets = "filesystem_managed";
inline constexpr const char* kBuiltinManagedFolders = "filesystem_folders";
/// What GET routes show instead of a stored secret. A PUT that sends it back (or omits the
/// field) keeps the stored secret.
inline constexpr const char* kMaskedSecret = "**********";

class ConnectionService {
 public:
  ConnectionService(storage::MetadataStore& store, storage::DataDir data_dir);

  /// Creates the built-in connections when missing (filesystem_managed rooted at
  /// DATA_DIR/managed_datasets, filesystem_folders at DATA_DIR/managed_folders). Idempotent.
  /// Throws ApiError(kInternal) on a store failure. Thread-safe.
  void EnsureBuiltins();

  /// GET /admin/connections/: object keyed by name; each item has name, id, type, label,
  /// description, params (secrets masked) and the usage flags. Thread-safe.
  Json ListForAdmin() const;
  /// Names of the connections `who` may use, optionally only of `type` ("" or "all" = any),
  /// sorted. Thread-safe.
  std::vector<std::string> UsableNames(const auth::Principal& who, const std::string& type) const;
  /// The definition as the admin GET shows it (secrets masked). Throws
  /// ApiError(kConnectionDoesNotExist). Thread-safe.
  Json GetForAdmin(const std::string& name) const;
  /// GET /connections/{name}/info: {name, type, params (no secrets), resolvedParams, ...}.
  /// Throws ApiError(kConnectionDoesNotExist), ApiError(kForbidden) when `who` may not read
  /// the connection's details. Thread-safe.
  Json Info(const auth::Principal& who, const std::string& name) const;

  /// Creates a connection from the client's body {name, type, params, description, usableBy,
  /// allowedGroups, ...}. Throws ApiError(kInvalidName) for a bad name, ApiError(kConflict)
  /// when it exists, ApiError(kInvalidConnection) naming the parameter for invalid params.
  /// Returns the masked definition. Thread-safe.
  Json Create(const auth::Principal& who, const Json& body);
  /// Replaces the definition of `name` (the body is what GET returned, possibly edited;
  /// masked or missing secrets keep the stored ones). Renaming is refused. Same errors as
  /// Create plus ApiError(kConnectionDoesNotExist). Returns the masked definition.
  Json Update(const std::string& name, const Json& body);
  /// Deletes `name`. Throws ApiError(kConnectionDoesNotExist), ApiError(kBadRequest) for a
  /// built-in connection. Thread-safe.
  void Delete(const std::string& name);

  /// The full stored definition, secrets in clear — for engines only, never for a response.
  /// Throws ApiError(kConnectionDoesNotExist). Thread-safe.
  Json GetDefinition(const std::string& name) const;
  /// Root directory of a Filesystem connection. Throws ApiError(kConnectionDoesNotExist), or
  /// ApiError(kInvalidConnection) when `name` is not a Filesystem connection. Thread-safe.
  std::filesystem::path FilesystemRoot(const std::string& name) const;

  /// Whether a parameter holds a secret (its name contains "password" or "secret", any case).
  static bool IsSecretParam(const std::string& param_name);
  /// A copy of `def` with every secret replaced by kMaskedSecret (or removed when empty).
  static Json Masked(const Json& def);

 private:
  Json Normalise(const std::string& name, const Json& body, const Json* previous) const;

  storage::MetadataStore& store_;
  storage::DataDir data_dir_;
};

}  // namespace dss::core
