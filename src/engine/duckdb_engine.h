#pragma once
// engine/duckdb_engine.h: the embedded DuckDB database (RAII over the C API).
//
// DuckDB is opened once at start-up with extension auto-install/auto-load off (it would try
// to download them) and a capped memory_limit (it would otherwise take 80 % of RAM).

#include <memory>
#include <string>

struct _duckdb_database;
struct _duckdb_connection;

namespace dss::engine {

struct DuckOptions {
  std::string memory_limit = "2GB";
  int threads = 2;
  std::string temp_directory;  // spill directory; empty = DuckDB's default
};

class DuckConnection;

/// One in-memory DuckDB database. Thread-safe: connections may be opened from any thread,
/// each connection is used by one thread at a time.
class DuckEngine {
 public:
  /// Opens the database. Throws ApiError(kInternal) with DuckDB's message on failure.
  explicit DuckEngine(const DuckOptions& options);
  ~DuckEngine();
  DuckEngine(const DuckEngine&) = delete;
  DuckEngine& operator=(const DuckEngine&) = delete;

  /// A new connection. Throws ApiError(kInternal).
  std::unique_ptr<DuckConnection> Connect();
  /// DuckDB's library version, e.g. "v1.4.4".
  static std::string Version();
  /// The options it was opened with (to open a sibling database alike).
  const DuckOptions& options() const { return options_; }

 private:
  DuckOptions options_;
  _duckdb_database* db_ = nullptr;
};

/// One DuckDB connection (not thread-safe; one user at a time).
class DuckConnection {
 public:
  explicit DuckConnection(_duckdb_database* db);
  ~DuckConnection();
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;

  /// Runs SQL that returns nothing the caller needs. Throws ApiError (kSqlError for
  /// user-caused errors such as syntax or missing columns, kAborted when interrupted,
  /// kInternal otherwise) with DuckDB's message.
  void Execute(const std::string& sql);
  /// Runs SQL and returns the first column of the first row as text ("" when NULL/empty).
  std::string QueryScalar(const std::string& sql);
  /// Interrupts the running query from another thread. Thread-safe.
  void Interrupt();
  _duckdb_connection* raw() { return conn_; }

 private:
  _duckdb_connection* conn_ = nullptr;
};

}  // namespace dss::engine
