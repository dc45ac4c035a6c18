#pragma once
// engine/duckdb_error.h: the one mapping from DuckDB error types to dssd error codes
// (engine-internal: includes duckdb.h).

#include <duckdb.h>

#include "common/api_error.h"

namespace dss::engine {

/// INTERRUPT → kAborted, OUT_OF_MEMORY → kUnavailable, INTERNAL/FATAL → kInternal, anything
/// else (parser, binder, catalog, conversion...) → kSqlError. Pure; thread-safe.
ErrorCode DuckErrorCode(duckdb_error_type t);

}  // namespace dss::engine
