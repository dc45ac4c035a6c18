#pragma once
// storage/data_dir.h: the on-disk layout of the data directory (DESIGN.md "Data directory").

#include <filesystem>
#include <string>
#include <string_view>

namespace dss::storage {

namespace fs = std::filesystem;

/// Knows where everything lives under the data directory. Immutable after construction;
/// thread-safe.
class DataDir {
 public:
  explicit DataDir(fs::path root);

  /// Creates the directory skeleton if missing. Throws ApiError(kInternal) on I/O failure.
  void EnsureLayout() const;

  const fs::path& root() const { return root_; }
  fs::path ConfigFile() const { return root_ / "config.json"; }
  fs::path MetadataFile() const { return root_ / "metadata.sqlite"; }
  fs::path AdminKeyFile() const { return root_ / "admin-key"; }
  fs::path RunDir() const { return root_ / "run"; }
  fs::path ServerLog() const { return root_ / "run" / "dssd.log"; }
  fs::path AccessLog() const { return root_ / "run" / "access.log"; }
  fs::path TmpDir() const { return root_ / "tmp"; }
  fs::path ManagedDatasetsDir() const { return root_ / "managed_datasets"; }
  fs::path ManagedFoldersDir() const { return root_ / "managed_folders"; }
  fs::path UploadsDir() const { return root_ / "uploads"; }
  fs::path JobsDir() const { return root_ / "jobs"; }
  fs::path ScenariosDir() const { return root_ / "scenarios"; }

 private:
  fs::path root_;
};

/// Joins a client-supplied relative path below `base`. Throws ApiError(kInvalidPath) naming
/// the path when it is absolute, contains "..", NUL or backslash-escapes, or would leave
/// `base`. Empty segments are dropped. Does not touch the filesystem.
fs::path SafeJoin(const fs::path& base, std::string_view relative);

/// Writes `content` to `path` through a temporary file + fsync + rename, so readers see the
/// old or the new content, never a mix. Throws ApiError(kInternal).
void WriteFileAtomic(const fs::path& path, std::string_view content, int mode = 0644);

/// fsyncs a directory so that renames inside it are durable.
void FsyncDir(const fs::path& dir);

}  // namespace dss::storage
