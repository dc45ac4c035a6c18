#pragma once
// core/managed_data_store.h: the versioned storage of managed dataset data
// (DESIGN.md "Data directory"):
//
//   DATA_DIR/managed_datasets/PROJ/NAME/vNNNNNN/part-*.{parquet,csv,csv.gz}
//   DATA_DIR/managed_datasets/PROJ/NAME/vNNNNNN/<partition id, %-encoded>/part-*...
//
// A write fills a fresh version directory, fsyncs it, then flips the current version in one
// metadata transaction (document "dataset_state"/PROJ/NAME). Files of a version are never
// modified; a new version may hard-link files of the previous one (append, partition
// writes). Readers pin the version they read; unpinned versions beyond the retention count
// are deleted. Directories of versions never committed (crash mid-write) are swept by
// SweepOrphans() at start-up.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

namespace fs = std::filesystem;

inline constexpr const char* kKindDatasetState = "dataset_state";

/// A pinned, immutable version of a dataset's data. While any copy of `pin` lives, the
/// version's files are not deleted.
struct DataSnapshot {
  int64_t version = 0;  // 0 = the dataset has no data yet
  fs::path dir;         // the version directory (absent when version == 0)
  std::shared_ptr<void> pin;

  /// Data files of the version, optionally restricted to partition ids (empty = all;
  /// "NP"/"" ids mean the unpartitioned root). Sorted by path.
  std::vector<fs::path> Files(const std::vector<std::string>& partitions = {}) const;
  /// Partition ids present in the version (sub-directories), sorted.
  std::vector<std::string> Partitions() const;
};

/// A version being written. Call Commit or Abort; the destructor aborts.
class VersionDraft {
 public:
  VersionDraft(class ManagedDataStore& store, std::string project, std::string name,
               int64_t version, fs::path dir);
  ~VersionDraft();
  VersionDraft(const VersionDraft&) = delete;
  VersionDraft& operator=(const VersionDraft&) = delete;

  int64_t version() const { return version_; }
  const fs::path& dir() const { return dir_; }
  /// The directory for a partition id inside the draft ("" or "NP" = root), created.
  fs::path PartitionDir(const std::string& partition_id);
  /// Hard-links (or copies) the files of `base` into the draft, skipping the partitions in
  /// `except` (ids). Returns the next free part number. Throws ApiError(kInternal).
  int CarryOver(const DataSnapshot& base, const std::set<std::string>& except);
  /// fsyncs the files and flips the dataset's current version; `info` is stored in the
  /// version entry (records, source...). With a `staging` token the version is kept aside
  /// instead (see PublishStaged). Returns the committed version number.
  /// Throws ApiError(kInternal); after a failure the old version stays current.
  int64_t Commit(const Json& info, const std::string& staging = "");
  void Abort();

 private:
  ManagedDataStore& store_;
  std::string project_, name_;
  int64_t version_;
  fs::path dir_;
  bool finished_ = false;
};

class ManagedDataStore {
 public:
  ManagedDataStore(const storage::DataDir& dir, storage::MetadataStore& store);

  /// The data directory of a dataset (parent of its versions).
  fs::path DatasetDir(const std::string& project, const std::string& name) const;
  static std::string PartitionDirName(const std::string& partition_id);
  static std::string PartitionIdOfDir(const std::string& dir_name);

  /// Pins and returns the current version (version 0 when there is no data). Thread-safe.
  /// With a `staging` token, the version staged under it when there is one: a job activity
  /// appending twice builds on its own first write.
  DataSnapshot Current(const std::string& project, const std::string& name,
                       const std::string& staging = "");
  /// Makes the version staged under `token` current (a job activity succeeded). No-op when
  /// nothing is staged. Thread-safe.
  void PublishStaged(const std::string& project, const std::string& name, const std::string& token);
  /// Forgets and deletes the version staged under `token` (its activity failed). Thread-safe.
  void DiscardStaged(const std::string& project, const std::string& name, const std::string& token);
  /// Starts a new version. Thread-safe; concurrent drafts of one dataset get distinct numbers
  /// (the last commit wins).
  std::unique_ptr<VersionDraft> Begin(const std::string& project, const std::string& name);

  /// The state document ({currentVersion, versions: [...], lastBuild?}) or a default.
  Json State(const std::string& project, const std::string& name) const;
  /// Makes a kept version current. Throws ApiError(kBadRequest) when it is not kept.
  Json Rollback(const std::string& project, const std::string& name, int64_t version);
  /// Records the outcome of a build in the state (lastBuild).
  void RecordBuild(const std::string& project, const std::string& name, int64_t start_ms,
                   int64_t end_ms, bool success);
  /// Forgets everything about a dataset's data and deletes its files (pinned versions are
  /// deleted when released).
  void Drop(const std::string& project, const std::string& name);
  /// Moves the data of a dataset to a new name (inside a caller's transaction for the state).
  void Rename(storage::Txn& txn, const std::string& project, const std::string& from,
              const std::string& to);

  /// Deletes version directories that no committed state references. Called at start-up.
  /// Returns how many directories were removed.
  int SweepOrphans();

  /// How many versions are kept (general settings `datasetVersionsToKeep`, default 3).
  int VersionsToKeep() const;

 private:
  friend class VersionDraft;
  int64_t CommitDraft(const std::string& project, const std::string& name, int64_t version,
                      const fs::path& dir, const Json& info, const std::string& staging);
  void ReleaseDraft(const std::string& project, const std::string& name, int64_t version);
  void Unpin(const std::string& key);
  /// Deletes unreferenced, unpinned version directories of one dataset.
  void Collect(const std::string& project, const std::string& name);

  storage::DataDir dir_;
  storage::MetadataStore& store_;
  std::mutex mu_;
  std::map<std::string, int> pins_;      // "PROJ\0NAME\0v" → count
  std::set<std::string> drafts_;         // same key, versions being written
  std::map<std::string, int64_t> last_;  // "PROJ\0NAME" → highest version number handed out
};

}  // namespace dss::core
