#pragma once
// core/project_service.h: projects — creation rules, summaries, metadata, settings,
// permissions, variables, tags, timeline, interest and deletion.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

class SecurityService;

/// Store kinds owned by this service (scope = project key).
inline constexpr const char* kKindProjectSettings = "project_settings";    // id "settings"
inline constexpr const char* kKindProjectVariables = "project_variables";  // id "variables"
inline constexpr const char* kKindProjectTags = "project_tags";            // id "tags"
/// One document per user who starred or watches the project: id = login,
/// data {starred: bool, watching: bool}.
inline constexpr const char* kKindProjectInterest = "project_interest";
/// Event kind of the project timeline (scope = project key).
inline constexpr const char* kEventTimeline = "timeline";
/// Instance variables (admin area, settings_service): kind "settings", scope "", id
/// "variables"; data is the variables object itself.
inline constexpr const char* kKindInstanceVariables = "settings";
inline constexpr const char* kInstanceVariablesId = "variables";
/// Project folders (project_folder_service): referenced here to validate ?projectFolderId=.
inline constexpr const char* kKindProjectFolder = "project_folder";
inline constexpr const char* kRootFolderId = "ROOT";

/// The query flags of DELETE /projects/{projectKey}.
struct ProjectDeletionOptions {
  bool clear_managed_datasets = false;
  bool clear_output_managed_folders = false;
  bool clear_job_and_scenario_logs = true;
};

/// Called while the project still exists (read its metadata freely; do not write). Returns
/// the paths to remove once the project's metadata is gone. Throwing aborts the deletion
/// before anything changed.
using ProjectDeletionHook = std::function<std::vector<std::filesystem::path>(
    const std::string& project_key, const ProjectDeletionOptions& options)>;

class ProjectService {
 public:
  ProjectService(storage::MetadataStore& store, SecurityService& security,
                 storage::DataDir data_dir);

  /// Summaries of the projects `who` may read (readProjectContent or readDashboards), ordered
  /// by key; when `tags` is not empty, only projects carrying at least one of them.
  /// Thread-safe.
  std::vector<Json> List(const auth::Principal& who, const std::vector<std::string>& tags) const;

  /// Serialised JSON array of List(who, tags): the hot path of GET /projects/. Summaries are
  /// cached per project document version, so unchanged projects are not re-serialised.
  /// Thread-safe.
  std::string ListJsonText(const auth::Principal& who, const std::vector<std::string>& tags) const;

  /// Creates a project from the client's body {projectKey, name, owner?, description?,
  /// permissions?, tags?, settings?} in folder `folder_id` ("" = ROOT). Throws
  /// ApiError(kInvalidProjectKey) for a key outside [A-Za-z0-9_], ApiError(kConflict) when
  /// the key exists, ApiError(kBadRequest) for a missing name or wrongly typed field,
  /// ApiError(kNotFound) for an unknown folder. Thread-safe.
  Json Create(const auth::Principal& who, const Json& body, const std::string& folder_id);

  /// The project's summary. Throws ApiError(kProjectNotFound).
  Json GetSummary(const std::string& project_key) const;

  /// Deletes the project: runs every deletion hook (planning phase), removes every metadata
  /// document and event of the project in one transaction, then removes the paths the hooks
  /// returned. Returns the finished future state {hasResult: true, result: {...}} (no jobId:
  /// the work is done before the reply). Throws ApiError(kProjectNotFound). Thread-safe.
  Json Delete(const auth::Principal& who, const std::string& project_key,
              const ProjectDeletionOptions& options);

  /// Registers a hook run on every project deletion (see ProjectDeletionHook). Call at
  /// start-up; thread-safe.
  void AddDeletionHook(std::string name, ProjectDeletionHook hook);

  /// {label, description, shortDesc, tags, custom: {kv}, checklists: {checklists}, customFields}.
  /// Throws ApiError(kProjectNotFound).
  Json GetMetadata(const std::string& project_key) const;
  /// Replaces the metadata. Throws ApiError(kBadRequest) naming a wrongly typed field.
  void SetMetadata(const auth::Principal& who, const std::string& project_key, const Json& body);

  /// The project params object (settings, exposedObjects, ... — never permissions).
  Json GetSettings(const std::string& project_key) const;
  /// Replaces the params object, keeping unknown fields. Returns {"warnings": [...]} listing
  /// unknown top-level fields. Throws ApiError(kBadRequest) naming a wrongly typed known field.
  Json SetSettings(const auth::Principal& who, const std::string& project_key, const Json& body);

  /// {owner, permissions: [{group|user, flags...}]}.
  Json GetPermissions(const std::string& project_key) const;
  /// Throws ApiError(kBadRequest) for a malformed entry, ApiError(kUserNotFound) for an
  /// unknown owner.
  void SetPermissions(const auth::Principal& who, const std::string& project_key, const Json& body);

  /// {standard: {...}, local: {...}}.
  Json GetVariables(const std::string& project_key) const;
  /// Throws ApiError(kBadRequest) unless both `standard` and `local` are objects.
  void SetVariables(const auth::Principal& who, const std::string& project_key, const Json& body);
  /// Instance variables overridden by project standard then local ones. When `typed` is
  /// false every value is rendered as a string (JSON text for non-strings).
  Json ResolvedVariables(const std::string& project_key, bool typed) const;

  /// {"tags": {name: {color}}}: the project's tag definitions, completed with every tag the
  /// project carries.
  Json GetTags(const std::string& project_key) const;
  /// Accepts {"tags": {name: {color?}}} or the bare {name: {color?}} map.
  void SetTags(const auth::Principal& who, const std::string& project_key, const Json& body);

  /// {allContributors, items (newest first, at most item_count), createdBy, createdOn,
  /// lastModifiedBy, lastModifiedOn}.
  Json GetTimeline(const std::string& project_key, int item_count) const;

  /// {starCount, watchCount} from the interest documents.
  Json GetInterest(const std::string& project_key) const;

  /// Records a timeline item ({action, objectType, objectId, user, time}) in `txn`. Every
  /// project mutation (in any area) calls it in the transaction that makes the change.
  void RecordTimeline(storage::Txn& txn, const std::string& project_key, const std::string& user,
                      const std::string& action, const std::string& object_type,
                      const std::string& object_id);

  /// Validates a project key: non-empty, [A-Za-z0-9_]. Throws ApiError(kInvalidProjectKey).
  static void ValidateKey(const std::string& key);

  /// The default project params object (what GET settings returns for a new project).
  static Json DefaultSettings(const std::string& project_key);

 private:
  storage::Document RequireProjectDoc(const std::string& project_key) const;
  /// Reads the project doc in `txn`, applies `fn` to a copy and writes it back.
  void UpdateProjectDoc(storage::Txn& txn, const std::string& project_key,
                        const std::function<void(Json&)>& fn);

  storage::MetadataStore& store_;
  SecurityService& security_;
  storage::DataDir data_dir_;

  mutable std::mutex hooks_mu_;
  std::vector<std::pair<std::string, ProjectDeletionHook>> hooks_;

  // Serialised summaries keyed by project key, valid for one stored document. Holding the
  // document's data pointer keeps its address from being reused, so pointer equality means
  // "same document content".
  struct CachedSummary {
    std::shared_ptr<const Json> data;
    int64_t version = -1;
    int64_t modified_ms = -1;
    std::string text;
  };
  mutable std::atomic<size_t> last_list_bytes_{0};  // to size the next list reply at once
  mutable std::mutex cache_mu_;
  mutable std::map<std::string, CachedSummary> summary_cache_;
};

}  // namespace dss::core
