#pragma once
// storage/file_store.h: client-visible files under a root directory (managed folders,
// uploaded files): paths that can never leave the root, writes that become visible only
// whole (temporary file + fsync + rename), and streaming reads.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dss::storage {

namespace fs = std::filesystem;

/// Name prefix of in-progress writes. Such files are never listed, never served, refused as
/// client names, and swept at start-up (a crash mid-upload leaves one behind).
inline constexpr std::string_view kTempPrefix = ".dssd-tmp-";

/// Whether a file name (one segment) is a reserved temporary name.
bool IsTempName(std::string_view name);

/// Resolves client path `relative` below `root`. Throws ApiError(kInvalidPath) naming the path
/// when it is empty (unless `allow_empty`), contains "..", NUL, a backslash or a reserved
/// temporary name, or when an existing component is a symlink (or the target a file) that
/// resolves outside `root`. With `create_parents`, creates the missing parent directories
/// (never through a symlink leaving the root); throws ApiError(kInvalidPath) when a parent is
/// a file. `root` need not exist unless `create_parents`. Thread-safe.
fs::path ResolveInside(const fs::path& root, std::string_view relative, bool create_parents,
                       bool allow_empty = false);

/// Writes one file so that it appears whole or not at all. Not thread-safe (one writer).
class AtomicFileWriter {
 public:
  /// Opens a temporary file next to `target` (whose directory must exist). Throws
  /// ApiError(kInternal) when it cannot be created.
  explicit AtomicFileWriter(fs::path target, int mode = 0644);
  /// Removes the temporary file unless Commit succeeded.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends bytes. Throws ApiError(kInternal) on an I/O error (disk full...).
  void Write(const char* data, size_t n);
  /// fsyncs, renames onto the target (replacing it) and fsyncs the directory. Throws
  /// ApiError(kInternal) or ApiError(kInvalidPath) when the target is a directory.
  void Commit();
  int64_t bytes() const { return bytes_; }

 private:
  fs::path target_, tmp_;
  int fd_ = -1;
  int64_t bytes_ = 0;
  bool committed_ = false;
};

/// A file opened for a streamed read. Not thread-safe.
class ReadableFile {
 public:
  /// Opens a regular file. Throws ApiError(kNotFound) when missing or not a regular file.
  explicit ReadableFile(const fs::path& path);
  ~ReadableFile();
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;
  /// Reads up to n bytes; 0 at the end. Throws ApiError(kInternal) on an I/O error.
  size_t Read(char* buf, size_t n);
  int64_t size() const { return size_; }
  int64_t modified_ms() const { return mtime_ms_; }

 private:
  int fd_ = -1;
  int64_t size_ = 0, mtime_ms_ = 0;
};

struct FileEntry {
  std::string path;  // relative to the root, '/'-separated, no leading slash
  int64_t size = 0;
  int64_t modified_ms = 0;
};

/// Regular files below `root` (recursively, symlinks not followed, temporary files skipped),
/// sorted by path. A missing root yields an empty list. Thread-safe.
std::vector<FileEntry> ListFiles(const fs::path& root);

/// Size and modification time of a regular file. Throws ApiError(kNotFound).
FileEntry StatFile(const fs::path& path, std::string rel);

/// Removes temporary files left below `root` by an interrupted write. Returns the count.
int SweepTempFiles(const fs::path& root);

}  // namespace dss::storage
