#pragma once
// core/dataset_data_service.h: the data plane of datasets — streaming reads with sampling,
// filters and partitions, read sessions for finish-streaming, writes into new versions,
// clearing, partitions, copy, format detection and versions (endpoints.md §2.5, §3.3.3,
// §3.3.4; semantics.md §5).

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "common/tabular_encoder.h"
#include "core/data_source.h"
#include "core/duck_file_source.h"
#include "core/managed_data_store.h"
#include "engine/duckdb_engine.h"

namespace dss::core {

class DatasetService;

/// Query parameters of GET .../data/, as received.
struct ReadRequest {
  std::string format = "tsv-excel-noheader";
  std::optional<std::string> columns;   // comma-separated
  std::vector<std::string> partitions;  // specs (repeated key)
  std::optional<std::string> sampling;  // JSON
  std::optional<std::string> filter;    // formula
  std::string read_session_id;
  long long limit = -1, offset = 0;
};

/// A read ready to stream: the status is 200 from here on.
struct OpenedRead {
  std::unique_ptr<RowStream> stream;
  TabularFormat format;
  std::string session_id;
};

struct WriteOptions {
  std::string mode = "overwrite";  // overwrite | append
  std::string partition;           // target partition id; required for partitioned datasets
  bool sync_schema = false;        // WriteFromSql: set the schema from the query's columns
  std::string staging;             // managed writes: stage under this token instead of publishing
  // WriteFromSql: called with the exact statement (COPY ... TO ...) just before it runs.
  std::function<void(const std::string&)> on_statement;
};

class DatasetDataService {
 public:
  DatasetDataService(const storage::DataDir& dir, storage::MetadataStore& store,
                     engine::DuckEngine& engine, DatasetService& datasets,
                     ManagedDataStore& managed);
  ~DatasetDataService();

  /// Plugs a reader for dataset `type` (e.g. "PostgreSQL"). `source` must outlive this.
  /// Thread-safe.
  void RegisterSource(const std::string& type, DataSource* source);

  /// Validates the request and opens the read (query prepared, first rows fetched).
  /// Throws ApiError: kDatasetNotFound, kBadRequest (format, sampling, filter, columns,
  /// partitions), kInvalidConfig (no format), kSqlError (unreadable files). Registers the
  /// session (when given) as running. Thread-safe.
  OpenedRead OpenRead(const std::string& project, const std::string& name, const ReadRequest& r);
  /// Records the outcome of a read session. Thread-safe.
  void EndSession(const std::string& session_id, bool ok, const std::string& error);
  /// Returns normally when the session completed; waits up to a few seconds while it is
  /// still running. Throws ApiError(kBadRequest) with the failure when it failed or was cut,
  /// kNotFound for an unknown session. Thread-safe.
  void FinishStreaming(const std::string& project, const std::string& name,
                       const std::string& session_id);

  /// Partition ids present (["NP"] for a non-partitioned dataset).
  Json ListPartitions(const std::string& project, const std::string& name);
  /// Clears all data or the listed partition specs (new empty version for managed data).
  Json Clear(const auth::Principal& who, const std::string& project, const std::string& name,
             const std::vector<std::string>& partition_specs);

  /// Writes rows sent as `format` (tsv-excel-noheader, tsv-excel-header, csv) read from
  /// `read` (returns 0 at end) into a new version. Checked against the schema: a wrong
  /// column count or unparseable value throws ApiError(kBadRequest) and writes nothing.
  /// Returns {version, records}.
  Json WriteRows(const auth::Principal& who, const std::string& project, const std::string& name,
                 const std::string& format, const WriteOptions& opts,
                 const std::function<size_t(char*, size_t)>& read);

  /// For recipes/jobs: writes the result of `select_sql` (run on `conn`) into a new version
  /// of a managed Filesystem dataset, casting positionally to the schema (or setting the
  /// schema from the query when opts.sync_schema or the schema is empty). Returns
  /// {version, records}. Throws ApiError(kSqlError) when the query fails, kBadRequest when
  /// the dataset is not a managed Filesystem dataset.
  Json WriteFromSql(engine::DuckConnection& conn, const std::string& project,
                    const std::string& name, const std::string& select_sql,
                    const WriteOptions& opts);
  /// A short signature of the files of a non-managed file dataset (uploaded, folder,
  /// connection path): paths, sizes and modification times. "" for other datasets (managed
  /// data is versioned; SQL tables cannot be watched) or an unknown dataset. Thread-safe.
  std::string ExternalDataSignature(const std::string& project, const std::string& name);
  /// For recipes: the pinned, typed relation of a DuckDB-readable dataset.
  DatasetRelation RelationFor(const std::string& project, const std::string& name,
                              const std::vector<std::string>& partitions);

  /// Validates a copyTo body and that both datasets exist (what can fail before the copy
  /// starts). Throws ApiError(kBadRequest, kDatasetNotFound).
  void CheckCopy(const std::string& project, const std::string& name, const Json& body);
  /// copyTo, run inside a future: {hasResult: true, result: {records, version...}}.
  Json CopyTo(const auth::Principal& who, const std::string& project, const std::string& name,
              const Json& body);
  /// testAndDetectSettings/fsLike: {format: {ok, type, params, schemaDetection: {newSchema}}}.
  Json DetectFsLike(const std::string& project, const std::string& name, const Json& body);

  /// Extension: {currentVersion, versionsToKeep, versions: [...]}.
  Json Versions(const std::string& project, const std::string& name);
  /// Extension: makes a kept version current.
  Json Rollback(const auth::Principal& who, const std::string& project, const std::string& name,
                const Json& body);

 private:
  struct Session {
    enum State { kRunning, kOk, kFailed } state = kRunning;
    std::string error;
    std::chrono::steady_clock::time_point at;
  };
  OpenedRead OpenReadImpl(const std::string& project, const std::string& name,
                          const ReadRequest& r);
  DataSource* SourceFor(const Json& def);
  void Prune();
  Json WriteTsvFile(const std::string& project, const std::string& name,
                    const std::filesystem::path& file, TabularFormat fmt, const WriteOptions& opts);
  std::string CopyOptions(const Json& def) const;
  std::string FileExtension(const Json& def) const;

  storage::DataDir dir_;
  storage::MetadataStore& store_;
  engine::DuckEngine& engine_;
  DatasetService& datasets_;
  ManagedDataStore& managed_;
  DuckFileSource files_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, DataSource*> sources_;
  std::map<std::string, Session> sessions_;
};

}  // namespace dss::core
