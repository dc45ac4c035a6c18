#pragma once
// core/project_service.h: projects — creation rules, summaries, deletion, timeline.

#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

class SecurityService;

class ProjectService {
 public:
  ProjectService(storage::MetadataStore& store, SecurityService& security);

  /// Summaries of the projects `who` may read (readProjectContent or readDashboards), ordered
  /// by key; when `tags` is not empty, only projects carrying at least one of them.
  /// Thread-safe.
  std::vector<Json> List(const auth::Principal& who, const std::vector<std::string>& tags) const;

  /// Creates a project from the client's body {projectKey, name, owner?, description?,
  /// permissions?, tags?, settings?}. Throws ApiError(kInvalidProjectKey) for a key outside
  /// [A-Za-z0-9_], ApiError(kConflict) when the key exists, ApiError(kBadRequest) for a
  /// missing name or wrongly typed field. Thread-safe.
  Json Create(const auth::Principal& who, const Json& body, const std::string& folder_id);

  /// The project's summary. Throws ApiError(kProjectNotFound).
  Json GetSummary(const std::string& project_key) const;

  /// Records a timeline item ({action, objectType, objectId, user...}) for the project.
  void RecordTimeline(storage::Txn& txn, const std::string& project_key, const std::string& user,
                      const std::string& action, const std::string& object_type,
                      const std::string& object_id);

  /// Validates a project key: non-empty, [A-Za-z0-9_]. Throws ApiError(kInvalidProjectKey).
  static void ValidateKey(const std::string& key);

 private:
  storage::MetadataStore& store_;
  SecurityService& security_;
};

}  // namespace dss::core
