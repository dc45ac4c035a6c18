#pragma once
// core/uploaded_files_service.h: files of `UploadedFiles` datasets (spec endpoints.md §3.3.4),
// stored as DATA_DIR/uploads/PROJ/NAME/<filename>. The datasets area reads them from there.

#include <filesystem>
#include <string>

#include "common/json.h"
#include "core/managed_folder_service.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

/// Every method is thread-safe.
class UploadedFilesService {
 public:
  UploadedFilesService(storage::MetadataStore& store, storage::DataDir data_dir);

  /// Removes temporary files of interrupted uploads. Called at start-up. Returns the count.
  int SweepInterruptedUploads();

  /// Directory of a dataset's uploaded files (it may not exist yet). Throws
  /// ApiError(kInvalidPath) for names that cannot be directory names.
  std::filesystem::path DirOf(const std::string& project_key, const std::string& dataset) const;

  /// Stores `filename` (one path segment) from `src`, replacing a file of that name; visible
  /// only once complete and durable. Returns {path, name, size, lastModified}. Throws
  /// ApiError(kDatasetNotFound), ApiError(kInvalidConfig) when the dataset is not of type
  /// UploadedFiles, ApiError(kInvalidPath) for a bad filename, and whatever `src` throws.
  Json AddFile(const std::string& project_key, const std::string& dataset,
               const std::string& filename, const UploadSource& src);
  /// [{path: "/name", name, size, lastModified}], by name. Throws as AddFile.
  Json ListFiles(const std::string& project_key, const std::string& dataset) const;
  /// Throws ApiError(kDatasetNotFound) or ApiError(kInvalidConfig) (see AddFile).
  void RequireUploadDataset(const std::string& project_key, const std::string& dataset) const;

 private:
  storage::MetadataStore& store_;
  storage::DataDir data_dir_;
};

}  // namespace dss::core
