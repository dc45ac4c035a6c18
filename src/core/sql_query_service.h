#pragma once
// core/sql_query_service.h: the SQL query API (spec endpoints.md §3.9, semantics.md §9).
//
// POST runs the pre-queries and starts the query on its own connection, answering with the
// result schema; the rows stay pending on that connection until the one GET .../stream that
// reads them (TSV or JSON, paced by the socket); post-queries run after the last row; the
// outcome is kept for .../finish-streaming. Queries nobody streams are closed after
// abandon_after_ms() by a janitor thread.
//
// Extension: connection "@duckdb" with a `projectKey` runs the query on the built-in DuckDB
// engine, where every file-based dataset of that project named in the query is a view
// (pinned to its current version for the whole query).

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "auth/principal.h"
#include "common/api_error.h"
#include "common/json.h"
#include "core/sql_connection_resolver.h"
#include "core/tabular_stream.h"
#include "storage/metadata_store.h"

namespace dss::engine {
class DuckEngine;
}

namespace dss::core {

class SecurityService;
class DatasetDataService;

struct SqlQueryOptions {
  /// How long a started query nobody streams is kept (read at each janitor pass, so that a
  /// general-settings change applies at once); <= 0 = never abandon.
  std::function<int64_t()> abandon_after_ms = [] { return int64_t{3600 * 1000}; };
  int64_t keep_outcome_ms = 60 * 60 * 1000;  // finish-streaming stays answerable this long
  long long statement_timeout_ms = 0;        // per statement; 0 = none
  int janitor_period_ms = 1000;
};

class SqlQueryService {
 public:
  /// The connection name of the built-in engine (extension).
  static constexpr const char* kLocalEngineConnection = "@duckdb";

  SqlQueryService(storage::MetadataStore& store, SecurityService& security,
                  SqlConnectionResolver& connections, DatasetDataService& data,
                  engine::DuckEngine& engine, SqlQueryOptions options);
  /// Stops the janitor and closes every pending query's connection.
  ~SqlQueryService();

  /// Starts a query from the client's body (§3.9). Returns {queryId, schema: [columns]}.
  /// Throws ApiError: kBadRequest for a missing query, no or several targets, an unsupported
  /// type/target; kConnectionDoesNotExist; kForbidden when `who` may not use the connection (or
  /// read the dataset's project); kSqlDbUnreachable/kSqlAuthFailed when PostgreSQL cannot be
  /// reached; kSqlError with PostgreSQL's (or DuckDB's) message when a pre-query or the query
  /// fails; for "@duckdb", kBadRequest without `projectKey`, kProjectNotFound.
  /// Thread-safe; blocks until the query's first row is available.
  Json Start(const auth::Principal& who, const Json& body);

  /// Hands over the rows of query `id` in `format` (tsv-excel-noheader, tsv-excel-header,
  /// json). A query can be streamed once. Throws ApiError(kSqlQueryNotFound) for an unknown
  /// (or another caller's) id, kConflict when it was already streamed or abandoned, kBadRequest
  /// for an unknown format. Thread-safe.
  TabularStream Stream(const auth::Principal& who, const std::string& id,
                       const std::string& format);

  /// Returns normally when the query was streamed completely and its post-queries ran; throws
  /// the recorded ApiError otherwise (kConflict "not streamed yet" when the stream has not
  /// ended). Throws ApiError(kSqlQueryNotFound) for an unknown id. Thread-safe.
  void FinishStreaming(const auth::Principal& who, const std::string& id);

  /// Connects to PostgreSQL connection `name` and runs a trivial query. Returns {ok, message,
  /// serverVersion?, elapsedMs}; connection failures are reported in the result, not thrown.
  /// Throws ApiError(kConnectionDoesNotExist), kForbidden, kInvalidConnection. Thread-safe.
  Json TestConnection(const auth::Principal& who, const std::string& name);

  /// Closes queries started more than abandon_after_ms before `now_ms` and never streamed, and
  /// forgets outcomes older than keep_outcome_ms. Returns how many queries were closed.
  /// Called by the janitor; thread-safe.
  int CollectAbandoned(int64_t now_ms);
  /// Queries started and not yet streamed (for tests and /metrics). Thread-safe.
  size_t PendingCount() const;

 private:
  struct Query;
  std::shared_ptr<Query> Find(const auth::Principal& who, const std::string& id) const;
  /// Starts `sql` on the built-in engine over the datasets of project `project`.
  Json StartLocal(const auth::Principal& who, const std::string& project, const std::string& sql,
                  const std::vector<std::string>& pre, std::vector<std::string> post);
  /// Registers a started query and returns its reply.
  Json Register(std::shared_ptr<Query> q, Json schema);
  void Janitor();

  storage::MetadataStore& store_;
  SecurityService& security_;
  SqlConnectionResolver& connections_;
  DatasetDataService& data_;
  engine::DuckEngine& engine_;
  SqlQueryOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Query>> queries_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread janitor_;
};

}  // namespace dss::core
