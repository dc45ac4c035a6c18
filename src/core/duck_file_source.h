#pragma once
// core/duck_file_source.h: reads file-based and inline datasets through DuckDB — managed
// Filesystem datasets (pinned version), Filesystem datasets on a connection path,
// UploadedFiles, FilesInFolder and Inline — and turns a definition into a SQL relation
// (read_csv / read_parquet with the DSS format params, typed to the schema).

#include <filesystem>
#include <string>
#include <vector>

#include "core/data_source.h"
#include "core/managed_data_store.h"
#include "engine/duckdb_engine.h"
#include "storage/data_dir.h"

namespace dss::core {

class DatasetService;

/// A relation over a dataset's data, valid while `snapshot.pin` lives.
struct DatasetRelation {
  std::string sql;                           // "(SELECT ... )": the schema columns, typed
  std::vector<std::string> columns;          // names, in order
  DataSnapshot snapshot;                     // the pinned version (managed datasets)
  std::vector<std::filesystem::path> files;  // the data files it reads
};

/// Thread-safe.
class DuckFileSource : public DataSource {
 public:
  DuckFileSource(const storage::DataDir& dir, engine::DuckEngine& engine, ManagedDataStore& managed,
                 DatasetService& datasets);

  std::unique_ptr<RowStream> Open(const std::string& project_key, const Json& definition,
                                  const ReadSpec& spec) override;

  /// True for the types this source reads.
  static bool Handles(const Json& definition);

  /// The relation for a definition restricted to `partitions` (ids; empty = all).
  /// Throws ApiError(kInvalidConfig) when the format is unset/unsupported, kBadRequest for
  /// unknown partitions.
  DatasetRelation Relation(const std::string& project, const Json& definition,
                           const std::vector<std::string>& partitions);

  /// The files of a non-managed file dataset (uploads, folder, connection path), with their
  /// paths relative to the dataset root. Sorted.
  std::vector<std::filesystem::path> ExternalFiles(const std::string& project,
                                                   const Json& definition,
                                                   std::filesystem::path* root_out = nullptr);

  /// DuckDB type for a DSS column type.
  static std::string DuckTypeOf(const std::string& dss_type);
  /// The DSS column type of a DuckDB type name (as DESCRIBE prints it); "string" for
  /// anything without a closer DSS type. Thread-safe.
  static std::string DssTypeOf(const std::string& duck_type);
  /// read_csv(...) / read_parquet(...) call over `files` for a definition's format, with
  /// every column read as VARCHAR positionally as c0..cN-1 for CSV.
  static std::string ReaderSql(const Json& definition,
                               const std::vector<std::filesystem::path>& files, size_t ncols);

 private:
  storage::DataDir dir_;
  engine::DuckEngine& engine_;
  ManagedDataStore& managed_;
  DatasetService& datasets_;
};

/// The TSV-excel read_csv options used for bodies written to the data route.
std::string SqlStringList(const std::vector<std::filesystem::path>& files);

/// (name, DSS type) of the columns of a dataset definition's schema, in order (none when it
/// has no schema). Thread-safe.
std::vector<std::pair<std::string, std::string>> SchemaColumns(const Json& definition);
/// Whether values of DSS type `t` are text on the wire (string and the JSON-ish types).
bool IsTextType(const std::string& t);

}  // namespace dss::core
