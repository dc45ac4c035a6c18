#include "engine/duckdb_engine.h"

#include <duckdb.h>

#include "common/api_error.h"
#include "engine/duckdb_error.h"

namespace dss::engine {

namespace {
void SetOrThrow(duckdb_config cfg, const char* key, const std::string& value) {
  if (duckdb_set_config(cfg, key, value.c_str()) == DuckDBError) {
    duckdb_destroy_config(&cfg);
    throw ApiError::Internal(std::string("Invalid DuckDB option ") + key + "=" + value);
  }
}

}  // namespace

ErrorCode DuckErrorCode(duckdb_error_type t) {
  switch (t) {
    case DUCKDB_ERROR_INTERRUPT:
      return ErrorCode::kAborted;
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return ErrorCode::kUnavailable;
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL:
      return ErrorCode::kInternal;
    default:
      return ErrorCode::kSqlError;
  }
}

DuckEngine::DuckEngine(const DuckOptions& o) : options_(o) {
  duckdb_config cfg;
  if (duckdb_create_config(&cfg) == DuckDBError)
    throw ApiError::Internal("duckdb_create_config failed");
  SetOrThrow(cfg, "autoinstall_known_extensions", "false");
  SetOrThrow(cfg, "autoload_known_extensions", "false");
  SetOrThrow(cfg, "memory_limit", o.memory_limit);
  SetOrThrow(cfg, "threads", std::to_string(o.threads));
  if (!o.temp_directory.empty()) SetOrThrow(cfg, "temp_directory", o.temp_directory);
  char* err = nullptr;
  if (duckdb_open_ext(nullptr, &db_, cfg, &err) == DuckDBError) {
    std::string msg = err ? err : "unknown error";
    duckdb_free(err);
    duckdb_destroy_config(&cfg);
    throw ApiError::Internal("Cannot open DuckDB: " + msg);
  }
  duckdb_destroy_config(&cfg);
}

DuckEngine::~DuckEngine() {
  duckdb_close(&db_);
}

std::unique_ptr<DuckConnection> DuckEngine::Connect() {
  return std::make_unique<DuckConnection>(db_);
}

std::string DuckEngine::Version() {
  return duckdb_library_version();
}

DuckConnection::DuckConnection(_duckdb_database* db) {
  if (duckdb_connect(db, &conn_) == DuckDBError) throw ApiError::Internal("duckdb_connect failed");
}

DuckConnection::~DuckConnection() {
  duckdb_disconnect(&conn_);
}

void DuckConnection::Execute(const std::string& sql) {
  duckdb_result r;
  if (duckdb_query(conn_, sql.c_str(), &r) == DuckDBError) {
    std::string msg = duckdb_result_error(&r) ? duckdb_result_error(&r) : "unknown error";
    ErrorCode code = DuckErrorCode(duckdb_result_error_type(&r));
    duckdb_destroy_result(&r);
    throw ApiError(code, msg);
  }
  duckdb_destroy_result(&r);
}

std::string DuckConnection::QueryScalar(const std::string& sql) {
  duckdb_result r;
  if (duckdb_query(conn_, sql.c_str(), &r) == DuckDBError) {
    std::string msg = duckdb_result_error(&r) ? duckdb_result_error(&r) : "unknown error";
    ErrorCode code = DuckErrorCode(duckdb_result_error_type(&r));
    duckdb_destroy_result(&r);
    throw ApiError(code, msg);
  }
  std::string out;
  if (duckdb_row_count(&r) > 0 && duckdb_column_count(&r) > 0) {
    char* v = duckdb_value_varchar(&r, 0, 0);
    if (v) {
      out = v;
      duckdb_free(v);
    }
  }
  duckdb_destroy_result(&r);
  return out;
}

void DuckConnection::Interrupt() {
  duckdb_interrupt(conn_);
}

}  // namespace dss::engine
