#pragma once
// core/data_source.h: how dataset rows are read, whatever stores them. The dataset data
// service builds a ReadSpec from the request and asks the DataSource registered for the
// dataset's type for a RowStream; engines (DuckDB for files, PostgreSQL for SQL tables)
// implement DataSource. Rows are encoded through common/tabular_encoder.h so that the wire
// dialect is the same for every source.

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/tabular_encoder.h"

namespace dss::core {

/// What to read. Columns and filter refer to the dataset's schema column names.
struct ReadSpec {
  std::vector<std::string> columns;     // empty = every schema column, in schema order
  std::vector<std::string> partitions;  // expanded partition ids; empty = all
  std::string sampling_method =
      "FULL";                  // FULL, HEAD_SEQUENCIAL, RANDOM_FIXED_NB, RANDOM_FIXED_RATIO
  long long max_records = -1;  // HEAD_SEQUENCIAL / RANDOM_FIXED_NB
  double target_ratio = 1.0;   // RANDOM_FIXED_RATIO
  std::string filter_sql;      // compiled boolean SQL over quoted column names; "" = none
  long long limit = -1;        // extension: after sampling; -1 = none
  long long offset = 0;        // extension

  /// Wraps `relation` (a SQL relation producing the schema's columns under their names,
  /// e.g. "(SELECT ...)" or "\"schema\".\"table\"") into the SELECT that applies columns,
  /// filter, sampling, offset and limit. Portable SQL (DuckDB and PostgreSQL).
  std::string WrapSelect(const std::string& relation,
                         const std::vector<std::string>& all_columns) const;
};

/// A started read. Not thread-safe except Interrupt().
class RowStream {
 public:
  virtual ~RowStream() = default;
  /// Output column names, in order.
  virtual const std::vector<std::string>& column_names() const = 0;
  /// Encodes rows until about `target_bytes` are buffered in `enc`; false when exhausted.
  /// Throws ApiError when the read fails midway.
  virtual bool Next(TabularEncoder& enc, size_t target_bytes) = 0;
  /// Asks a running read to stop (client went away). Thread-safe.
  virtual void Interrupt() = 0;
};

/// Reads one family of dataset types. Implementations must be thread-safe.
class DataSource {
 public:
  virtual ~DataSource() = default;
  /// Opens a read of `definition` (the full dataset JSON) in project `project_key`.
  /// Errors known before the first row (bad connection, missing table, bad filter) must be
  /// thrown here as ApiError so the HTTP status reflects them.
  virtual std::unique_ptr<RowStream> Open(const std::string& project_key, const Json& definition,
                                          const ReadSpec& spec) = 0;
  /// Partition ids present in the data of a partitioned `definition`, sorted; sources whose
  /// partitions are not found in the data (files: see DatasetDataService) return none.
  /// Throws ApiError as Open.
  virtual std::vector<std::string> ListPartitions(const std::string& /*project_key*/,
                                                  const Json& /*definition*/) {
    return {};
  }
};

/// SQL identifier quoting shared by the SQL builders ("a""b").
std::string QuoteSqlIdent(const std::string& name);
/// SQL string literal ('it''s').
std::string QuoteSqlString(const std::string& s);

}  // namespace dss::core
