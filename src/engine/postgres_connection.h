#pragma once
// engine/postgres_connection.h: one libpq connection (RAII), its cancellation, and result
// streaming row by row.
//
// Every session is set to DateStyle ISO, TimeZone UTC and client_encoding UTF8 so that
// values render identically whatever the server's defaults are.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/postgres_types.h"

struct pg_conn;
struct pg_result;
struct pg_cancel;

namespace dss::engine {

/// Where and how to connect. `connect_timeout_s` bounds connecting (DNS + TCP + auth);
/// `statement_timeout_ms` (0 = none) bounds every statement of the session.
struct PgParams {
  std::string host = "localhost";
  int port = 5432;
  std::string db;
  std::string user;
  std::string password;
  std::string sslmode;  // empty = libpq default ("prefer")
  int connect_timeout_s = 10;
  long long statement_timeout_ms = 0;
  std::string application_name = "dssd";
};

/// A result column, already mapped to DSS.
struct PgColumn {
  std::string name;
  unsigned int oid = 0;
  PgTypeInfo type;
};

class PgRowStream;

/// One connection. Not thread-safe except Cancel(), which may be called from any thread while
/// another thread runs a statement on it.
class PgConnection {
 public:
  /// Connects. Throws ApiError: kSqlAuthFailed (bad user/password), kSqlDbUnreachable
  /// (refused, timeout, unknown host or database...), each with libpq's message and the
  /// host:port/db it tried.
  static std::unique_ptr<PgConnection> Connect(const PgParams& params);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one or several statements whose results are not needed. Throws
  /// ApiError(kSqlError) with PostgreSQL's message (kAborted when cancelled,
  /// kSqlTableNotFound for an unknown relation, kSqlDbUnreachable if the link broke).
  void Execute(const std::string& sql);

  /// Runs a (small) query and returns all rows, each value as DSS text or nullopt for NULL.
  /// Throws like Execute.
  std::vector<std::vector<std::optional<std::string>>> QueryAll(const std::string& sql);

  /// Starts a single-statement query in single-row mode and waits for its first row (or its
  /// end). Throws like Execute. The connection must not be used for anything else until the
  /// stream is finished or destroyed. Memory stays bounded by one row: the server is paced by
  /// the socket.
  std::unique_ptr<PgRowStream> Stream(const std::string& sql,
                                      PgDateMode timestamp_mode = PgDateMode::kAsIs,
                                      PgDateMode date_mode = PgDateMode::kAsIs);

  /// Runs `copy_sql` (a `COPY ... FROM STDIN` statement) and feeds it the bytes `read`
  /// returns (0 = end of data), in chunks, without buffering them whole. Returns the number of
  /// rows copied. Throws like Execute (the server's message for a malformed row); an exception
  /// thrown by `read` aborts the copy and is rethrown.
  long long CopyIn(const std::string& copy_sql, const std::function<size_t(char*, size_t)>& read);

  /// Asks the server to cancel the running statement. Thread-safe; a no-op when idle.
  void Cancel();

  /// Whether the link is still usable.
  bool Ok() const;
  /// "host:port/db", for messages.
  const std::string& Describe() const { return where_; }

  pg_conn* raw() { return conn_; }

  /// Throws the ApiError matching a failed result (see Execute). `res` may be null (then the
  /// connection's error message is used).
  [[noreturn]] void ThrowResultError(pg_result* res, std::string_view what);

 private:
  PgConnection(pg_conn* conn, std::string where);

  pg_conn* conn_;
  std::string where_;
  std::mutex cancel_mu_;
  pg_cancel* cancel_ = nullptr;
};

/// The rows of one query, pulled one at a time. Not thread-safe (the connection's Cancel() is).
class PgRowStream {
 public:
  PgRowStream(PgConnection& conn, pg_result* first, PgDateMode ts_mode, PgDateMode date_mode);
  /// Drains (or cancels) what is left so that the connection is reusable.
  ~PgRowStream();
  PgRowStream(const PgRowStream&) = delete;
  PgRowStream& operator=(const PgRowStream&) = delete;

  const std::vector<PgColumn>& columns() const { return columns_; }
  /// Advances to the next row. Returns false at the end. Throws like PgConnection::Execute
  /// when the query fails mid-way.
  bool Next();
  /// Cell `i` of the current row: null, or its DSS text (valid until the next Next()).
  bool IsNull(size_t i) const;
  std::string_view Value(size_t i);
  /// Rows returned so far.
  long long rows() const { return rows_; }
  /// Command tag rows (e.g. UPDATE 3) when the statement returned no rows.
  std::string command_status() const { return command_status_; }

 private:
  void Finish();

  PgConnection& conn_;
  pg_result* current_ = nullptr;  // the row being read (single tuple), or null
  pg_result* pending_ = nullptr;  // first result, not yet handed out as a row
  bool done_ = false;
  long long rows_ = 0;
  std::vector<PgColumn> columns_;
  std::string command_status_;
  std::string scratch_;
};

}  // namespace dss::engine
