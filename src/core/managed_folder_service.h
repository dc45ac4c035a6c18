#pragma once
// core/managed_folder_service.h: managed folders (spec endpoints.md §3.4) — definitions in the
// metadata store ("managed_folder" / KEY / id) and contents on a Filesystem connection
// (default filesystem_folders = DATA_DIR/managed_folders, path ${projectKey}/${odbId}).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/data_dir.h"
#include "storage/file_store.h"
#include "storage/metadata_store.h"

namespace dss::core {

inline constexpr const char* kKindManagedFolder = "managed_folder";

class ConnectionService;
class SecurityService;
class FutureService;
class ProjectService;

/// Where uploaded bytes come from (the api layer wires a multipart part to it).
struct UploadSource {
  /// Reads up to n content bytes; 0 at the end. May throw (client gone, malformed body).
  std::function<size_t(char*, size_t)> read;
  /// Called once the content was read and before the file becomes visible: throws to cancel
  /// (e.g. the multipart body lacks its closing boundary). May be empty.
  std::function<void()> finish;
};

/// Every method is thread-safe.
class ManagedFolderService {
 public:
  ManagedFolderService(storage::MetadataStore& store, storage::DataDir data_dir,
                       ConnectionService& connections, SecurityService& security,
                       FutureService& futures, ProjectService& projects);

  /// Removes temporary files of interrupted uploads below the built-in folders root. Called at
  /// start-up. Returns the count.
  int SweepInterruptedUploads();

  /// Definitions of the project's folders, by id. Throws ApiError(kProjectNotFound).
  std::vector<Json> List(const std::string& project_key) const;
  /// Creates a folder from {name, type?, params?: {connection?, path?}}; returns the
  /// definition (with its new `id`). Throws ApiError(kBadRequest) naming a missing/invalid
  /// field, ApiError(kConflict) for a name in use, ApiError(kConnectionDoesNotExist),
  /// ApiError(kInvalidConnection) for a non-Filesystem connection, ApiError(kForbidden) when
  /// `who` may not use the connection.
  Json Create(const auth::Principal& who, const std::string& project_key, const Json& body);
  /// Throws ApiError(kNotFound) naming the folder.
  Json Get(const std::string& project_key, const std::string& id) const;
  /// Replaces the definition (id and projectKey are kept; changing them is refused). Same
  /// validation as Create. Returns the saved definition.
  Json Update(const auth::Principal& who, const std::string& project_key, const std::string& id,
              const Json& body);
  /// Deletes the definition and, when no other folder uses the same directory, its contents.
  void Delete(const auth::Principal& who, const std::string& project_key, const std::string& id);
  /// {id, newName}. Throws ApiError(kNotFound), ApiError(kConflict), ApiError(kBadRequest).
  void Rename(const auth::Principal& who, const std::string& project_key, const Json& body);

  /// {items: [{path: "/a/b.csv", size, lastModified}]}.
  Json ListContents(const std::string& project_key, const std::string& id) const;
  /// Opens a file for a streamed read. Throws ApiError(kInvalidPath) for a path leaving the
  /// folder, ApiError(kNotFound) when it is not a file.
  std::unique_ptr<storage::ReadableFile> OpenFile(const std::string& project_key,
                                                  const std::string& id,
                                                  const std::string& path) const;
  /// Writes (or replaces) a file from `src`, visible only once complete. Returns {path, size,
  /// lastModified}. Throws ApiError(kInvalidPath) and whatever `src` throws; nothing is left
  /// behind on failure.
  Json PutFile(const std::string& project_key, const std::string& id, const std::string& path,
               const UploadSource& src);
  /// Removes a file (or a directory, recursively). Throws ApiError(kNotFound), kInvalidPath.
  void DeleteFile(const std::string& project_key, const std::string& id, const std::string& path);

  /// Starts the copy of every file to another folder {targetProjectKey, targetFolderId,
  /// writeMode: OVERWRITE|APPEND} as a future; returns its state. Throws ApiError(kForbidden)
  /// unless `who` may write the target project, kNotFound, kBadRequest.
  Json StartCopyTo(const auth::Principal& who, const std::string& project_key,
                   const std::string& id, const Json& body);

  /// Content directory of a folder (it may not exist yet).
  std::filesystem::path ContentRoot(const std::string& project_key, const std::string& id) const;

  /// Content directories of the folders of `project_key` that are outputs of a recipe (for
  /// project deletion with clearOutputManagedFolders).
  std::vector<std::filesystem::path> OutputFolderRoots(const std::string& project_key) const;

 private:
  Json Normalise(const auth::Principal& who, const std::string& project_key, const std::string& id,
                 const Json& body, const Json* previous) const;
  std::filesystem::path RootOf(const Json& def) const;
  Json Require(const std::string& project_key, const std::string& id) const;

  storage::MetadataStore& store_;
  storage::DataDir data_dir_;
  ConnectionService& connections_;
  SecurityService& security_;
  FutureService& futures_;
  ProjectService& projects_;
};

}  // namespace dss::core
