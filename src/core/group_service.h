#pragma once
// core/group_service.h: groups and their global permission flags (spec endpoints.md §4.2).
// SecurityService::PrincipalForUser reads the flags (auth::GlobalPermNames) from the group
// documents this service writes.

#include <string>
#include <vector>

#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

class GroupService {
 public:
  explicit GroupService(storage::MetadataStore& store);

  /// Every group definition, ordered by name. Thread-safe.
  std::vector<Json> List() const;
  /// Throws ApiError(kGroupNotFound). Thread-safe.
  Json Get(const std::string& name) const;
  /// Creates a group from {name, description, sourceType, <permission flags>...}. Throws
  /// ApiError(kInvalidName), ApiError(kConflict), ApiError(kBadRequest) naming a non-boolean
  /// flag. Returns the definition. Thread-safe.
  Json Create(const Json& body);
  /// Replaces the definition (renaming refused). Throws ApiError(kGroupNotFound) and the
  /// Create errors. Thread-safe.
  Json Update(const std::string& name, const Json& body);
  /// Deletes the group and removes it from every user and group-based key, in one
  /// transaction. Throws ApiError(kGroupNotFound). Thread-safe.
  void Delete(const std::string& name);

 private:
  static Json Normalise(const std::string& name, const Json& body, const Json* previous);

  storage::MetadataStore& store_;
};

}  // namespace dss::core
