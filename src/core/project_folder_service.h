#pragma once
// core/project_folder_service.h: the project folder tree (DSS "project folders").
//
// Folders are documents kind "project_folder", scope "", id = folder id, data
// {id, name, parentId, owner, permissions: [{group|user, read, writeContents, admin}]}.
// ROOT always exists (stored only once its settings are changed). A project's folder is the
// "folderId" field of its project document; a project without one is in ROOT.

#include <string>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

class SecurityService;

class ProjectFolderService {
 public:
  ProjectFolderService(storage::MetadataStore& store, SecurityService& security);

  /// Folder JSON {id, name, parentId, childrenIds, projectKeys}; projectKeys lists only the
  /// projects `who` may read, childrenIds only the folders `who` may read. Throws
  /// ApiError(kNotFound) for an unknown folder, ApiError(kForbidden) when `who` may not read
  /// it. Thread-safe (as every method).
  Json Get(const auth::Principal& who, const std::string& folder_id) const;

  /// Creates a child folder named `name` (unique among its siblings) owned by `who`.
  /// Returns the new folder JSON. Throws ApiError(kBadRequest) for an empty name,
  /// ApiError(kConflict) for a duplicate, ApiError(kForbidden) without writeContents on the
  /// parent.
  Json CreateChild(const auth::Principal& who, const std::string& parent_id,
                   const std::string& name);

  /// Deletes an empty folder (no child folder, no project). Throws ApiError(kBadRequest) for
  /// ROOT or a non-empty folder.
  void Delete(const auth::Principal& who, const std::string& folder_id);

  /// {name, owner, permissions}. Requires folder admin.
  Json GetSettings(const auth::Principal& who, const std::string& folder_id) const;
  /// Replaces {name, owner, permissions}. Throws ApiError(kBadRequest) for bad fields,
  /// ApiError(kUserNotFound) for an unknown owner, ApiError(kConflict) for a sibling name clash.
  void SetSettings(const auth::Principal& who, const std::string& folder_id, const Json& body);

  /// Moves a folder under `destination`. Throws ApiError(kBadRequest) for ROOT or a cycle.
  void MoveFolder(const auth::Principal& who, const std::string& folder_id,
                  const std::string& destination);
  /// Moves a project from `folder_id` to `destination`. Requires project admin and
  /// writeContents on the destination. Throws ApiError(kBadRequest) when the project is not in
  /// `folder_id`.
  void MoveProject(const auth::Principal& who, const std::string& folder_id,
                   const std::string& project_key, const std::string& destination);

  /// The folder holding the project (ROOT when never placed).
  Json Locate(const auth::Principal& who, const std::string& project_key) const;

  /// The folder a project created from `folder_id` lands in: the nearest folder from
  /// `folder_id` up to ROOT where `who` may write; ROOT as a last resort.
  Json DefaultForProjectCreation(const auth::Principal& who, const std::string& folder_id) const;

  /// Throws unless `who` may create a project in `folder_id` ("" = ROOT):
  /// ApiError(kNotFound) for an unknown folder, ApiError(kForbidden) otherwise.
  void RequireCanCreateProjectIn(const auth::Principal& who, const std::string& folder_id) const;

 private:
  enum Level { kNone = 0, kRead = 1, kWrite = 2, kFolderAdmin = 3 };
  /// The stored folder or the implicit ROOT; throws ApiError(kNotFound).
  Json Load(const std::string& folder_id) const;
  Level LevelOf(const auth::Principal& who, const Json& folder) const;
  void Require(const auth::Principal& who, const Json& folder, Level level) const;
  Json ToJson(const auth::Principal& who, const Json& folder) const;

  storage::MetadataStore& store_;
  SecurityService& security_;
};

}  // namespace dss::core
