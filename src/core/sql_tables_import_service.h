#pragma once
// core/sql_tables_import_service.h: browsing a PostgreSQL connection and importing its tables
// as datasets (spec endpoints.md §3.3.4: tables-import list-schemas, list-tables,
// prepare-from-keys, execute-from-candidates; testAndDetectSettings/externalSQL).

#include <string>

#include "auth/principal.h"
#include "common/json.h"

namespace dss::core {

class SqlConnectionResolver;
class PgDataSource;
class DatasetService;
class FutureService;

class SqlTablesImportService {
 public:
  SqlTablesImportService(SqlConnectionResolver& connections, PgDataSource& source,
                         DatasetService& datasets, FutureService& futures);

  /// Schema names of the connection's database (system schemas excluded), sorted: a JSON
  /// array of strings. Throws ApiError(kConnectionDoesNotExist), kForbidden, kInvalidConnection,
  /// kSqlDbUnreachable/kSqlAuthFailed. Thread-safe.
  Json ListSchemas(const auth::Principal& who, const std::string& connection);
  /// Tables and views, as a finished future state {hasResult: true, result: {tables: [{schema,
  /// table, type}]}} (no jobId: the client then reads `result` directly). `schema` "" = every
  /// non-system schema. Throws as ListSchemas. Thread-safe.
  Json ListTables(const auth::Principal& who, const std::string& connection,
                  const std::string& schema);
  /// Starts a future checking each key {connectionName, schema?, name} and answering the
  /// candidates object {sqlImportCandidates: [{connectionName, schema, table, datasetName,
  /// checked, existingDatasetsNames}], hiveImportCandidates: []}. Throws ApiError(kBadRequest)
  /// for malformed keys before starting. Thread-safe.
  Json Prepare(const auth::Principal& who, const std::string& project, const Json& body);
  /// Starts a future creating one PostgreSQL dataset per checked candidate (schema read from
  /// the table); its result is {importedDatasets: [{projectKey, name, ...}]}. A name clash or
  /// a missing table fails the future with the error. Thread-safe.
  Json Execute(const auth::Principal& who, const std::string& project, const Json& body);
  /// testAndDetectSettings/externalSQL for dataset `name`: {connectionOK: true,
  /// schemaDetection: {newSchema: {columns, userModified: false}}}. Throws ApiError
  /// (kDatasetNotFound, kBadRequest for a non-PostgreSQL dataset, SQL errors). Thread-safe.
  Json DetectExternalSql(const std::string& project, const std::string& name);

 private:
  SqlConnectionResolver& connections_;
  PgDataSource& source_;
  DatasetService& datasets_;
  FutureService& futures_;
};

}  // namespace dss::core
