#pragma once
// engine/duck_row_stream.h: a DuckDB query whose rows are pulled chunk by chunk and encoded
// straight into a TabularEncoder, so that memory stays flat whatever the result size.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/tabular_encoder.h"
#include "engine/duckdb_engine.h"

namespace dss::engine {

/// One streaming query. Not thread-safe, except Interrupt() which may be called from any
/// thread while Next() runs.
class DuckRowStream {
 public:
  /// Prepares and starts `sql` on `conn` (taken over) and fetches the first chunk, so that
  /// binding and early execution errors surface here, before any byte is sent.
  /// Throws ApiError (kSqlError for user-caused errors, kAborted, kInternal).
  /// Column types DuckDB cannot render directly (DECIMAL, LIST, STRUCT, HUGEINT...) are
  /// converted in SQL: nested types to JSON text, DECIMAL to DOUBLE, others to VARCHAR.
  DuckRowStream(std::unique_ptr<DuckConnection> conn, const std::string& sql);
  ~DuckRowStream();
  DuckRowStream(const DuckRowStream&) = delete;
  DuckRowStream& operator=(const DuckRowStream&) = delete;

  const std::vector<std::string>& column_names() const { return names_; }

  /// Encodes rows until at least `target_bytes` are in the encoder's buffer or the result
  /// ends. Returns false when no row was left to encode. Throws ApiError when execution fails
  /// midway (e.g. a malformed file).
  bool Next(TabularEncoder& enc, size_t target_bytes);
  /// Total rows encoded so far.
  uint64_t rows() const { return rows_; }
  /// Interrupts the running query. Thread-safe.
  void Interrupt();
  /// Ends the query, dropping unread rows, and hands the connection back (e.g. to run
  /// post-queries on it). The stream is unusable afterwards.
  std::unique_ptr<DuckConnection> Release();

 private:
  void Start(const std::string& sql, bool allow_rewrite);
  bool FetchChunk();
  void Cleanup();
  void EncodeChunk(TabularEncoder& enc);

  std::unique_ptr<DuckConnection> conn_;
  struct ResultHolder;
  std::unique_ptr<ResultHolder> result_;
  bool has_result_ = false;
  void* chunk_ = nullptr;  // duckdb_data_chunk
  std::vector<std::string> names_;
  std::vector<int> types_;
  uint64_t rows_ = 0;
  bool done_ = false;
};

}  // namespace dss::engine
