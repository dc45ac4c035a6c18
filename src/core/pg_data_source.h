#pragma once
// core/pg_data_source.h: PostgreSQL datasets (type "PostgreSQL", params {connection, mode:
// "table" with schema + table, or mode: "query" with query}). Reads run on PostgreSQL and
// stream row by row; partitioned datasets are column-partitioned: a partition id selects
// rows with WHERE <dimension column> = <value>.

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "core/data_source.h"
#include "engine/postgres_connection.h"

namespace dss::core {

class SqlConnectionResolver;

class PgDataSource : public DataSource {
 public:
  explicit PgDataSource(SqlConnectionResolver& connections);

  /// Opens a read: connects, runs the SELECT (columns, partitions, filter, sampling) and
  /// waits for the first row. Throws ApiError: kInvalidConfig for a bad definition,
  /// kSqlDbUnreachable/kSqlAuthFailed, kSqlTableNotFound, kSqlError. Thread-safe.
  std::unique_ptr<RowStream> Open(const std::string& project_key, const Json& definition,
                                  const ReadSpec& spec) override;

  /// A connection for dataset `definition` (its params.connection). Throws as Open.
  std::unique_ptr<engine::PgConnection> Connect(const Json& definition) const;
  /// The SQL relation the dataset reads: "schema"."table" or (query). ${projectKey} is
  /// substituted. Throws ApiError(kInvalidConfig).
  std::string Relation(const std::string& project_key, const Json& definition) const;
  /// The dataset's columns as found in PostgreSQL: [{name, type, originalType, maxLength?}].
  /// Table mode reads information_schema.columns; query mode describes the query. Throws
  /// ApiError(kSqlTableNotFound) when the table does not exist, else as Open.
  Json DetectColumns(const std::string& project_key, const Json& definition) const;
  /// SQL predicate selecting `partitions` (ids, dimension values joined by '|') of a
  /// column-partitioned definition; "" when not partitioned or no partition is asked.
  /// Throws ApiError(kBadRequest) for an id with the wrong number of dimensions.
  static std::string PartitionPredicate(const Json& definition,
                                        const std::vector<std::string>& partitions);
  /// The distinct partition ids of a column-partitioned definition, read in-database
  /// (time dimensions cut to their period: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DD-HH). Rows
  /// with a NULL dimension belong to no partition. Throws as Open. Thread-safe.
  std::vector<std::string> ListPartitions(const std::string& project_key,
                                          const Json& definition) override;

 private:
  SqlConnectionResolver& connections_;
};

}  // namespace dss::core
