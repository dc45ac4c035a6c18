#pragma once
// core/dataset_service.h: dataset definitions — creation of every supported type, settings,
// schema, metadata, usages, rename and deletion (endpoints.md §3.3.1–§3.3.2). Definitions are
// stored as documents "dataset"/PROJECT/NAME holding the full DSS dataset JSON.

#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

inline constexpr const char* kKindDataset = "dataset";
inline constexpr const char* kKindRecipe = "recipe";

class ManagedDataStore;

/// Thread-safe: every method reads or writes the store in one transaction.
class DatasetService {
 public:
  DatasetService(const storage::DataDir& dir, storage::MetadataStore& store,
                 ManagedDataStore& data);

  /// Definitions of a project's datasets, ordered by name; with `tags`, only those carrying
  /// one of them. Throws ApiError(kProjectNotFound).
  std::vector<Json> List(const std::string& project, const std::vector<std::string>& tags) const;

  /// Creates a dataset from a POST .../datasets/ body {name, type, params, formatType?,
  /// formatParams?, schema?, partitioning?...}. Supported types: Filesystem, UploadedFiles,
  /// FilesInFolder, PostgreSQL, Inline. Throws ApiError(kInvalidName) for a bad name,
  /// kConflict when it exists, kInvalidConfig naming the field for bad type/params/format,
  /// kConnectionNotFound for an unknown connection. Returns the definition.
  Json Create(const auth::Principal& who, const std::string& project, const Json& body);

  /// Creates a managed dataset from {name, creationSettings:{connectionId, specificSettings:
  /// {formatOptionId}, formatOptionId?, partitioningOptionId?}}. Same errors as Create.
  Json CreateManaged(const auth::Principal& who, const std::string& project, const Json& body);

  /// The definition. Throws ApiError(kDatasetNotFound).
  Json Get(const std::string& project, const std::string& name) const;
  /// Replaces the definition (name/projectKey from the URL win; `type` may not change).
  /// Returns {"warnings": [...]} listing unknown top-level fields (kept as sent).
  /// Throws kDatasetNotFound, kInvalidConfig.
  Json Save(const auth::Principal& who, const std::string& project, const std::string& name,
            const Json& body);

  Json GetSchema(const std::string& project, const std::string& name) const;
  /// Validates {columns:[{name, type}...]} (types: string, tinyint, smallint, int, bigint,
  /// float, double, boolean, date, dateonly, datetimenotz, array, map, object, geopoint,
  /// geometry). Returns the stored schema. Throws kInvalidConfig naming the column.
  Json SetSchema(const auth::Principal& who, const std::string& project, const std::string& name,
                 const Json& schema);
  Json GetMetadata(const std::string& project, const std::string& name) const;
  Json SetMetadata(const auth::Principal& who, const std::string& project, const std::string& name,
                   const Json& meta);
  /// {dataset, lastBuild?, currentVersion...}.
  Json Info(const std::string& project, const std::string& name) const;
  /// Recipes reading or writing the dataset.
  Json Usages(const std::string& project, const std::string& name) const;
  /// Renames a dataset, its data and the references of the project's recipes.
  void Rename(const auth::Principal& who, const std::string& project, const std::string& old_name,
              const std::string& new_name);
  /// Deletes the definition; with `drop_data`, managed data and uploaded files too.
  void Delete(const auth::Principal& who, const std::string& project, const std::string& name,
              bool drop_data);

  /// Validates a whole definition (type, params, format, schema, partitioning).
  /// Throws ApiError(kInvalidConfig / kConnectionNotFound) naming the field.
  void Validate(const std::string& project, const Json& def) const;
  /// Validates a schema object. Throws kInvalidConfig.
  static void ValidateSchema(const Json& schema);
  /// Throws ApiError(kInvalidName) unless `name` is 1..200 of [A-Za-z0-9_-].
  static void ValidateName(const std::string& name);
  /// The connection's type ("Filesystem", "PostgreSQL"...) and root for file connections.
  /// Built-ins: filesystem_managed, filesystem_folders. Throws kConnectionNotFound.
  Json ResolveConnection(const std::string& name) const;

 private:
  /// Throws kInvalidConfig unless `params.connection` names a connection of `type`
  /// (kConnectionNotFound for an unknown one).
  void RequireConnectionOfType(const Json& params, const std::string& type) const;
  Json Stamp(const auth::Principal& who, Json def, bool creation) const;
  void RequireProject(const std::string& project) const;
  Json Insert(const auth::Principal& who, const std::string& project, Json def);

  storage::DataDir dir_;
  storage::MetadataStore& store_;
  ManagedDataStore& data_;
};

}  // namespace dss::core
