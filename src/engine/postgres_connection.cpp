#include "engine/postgres_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "common/api_error.h"

namespace dss::engine {

namespace {
void IgnoreNotice(void*, const char*) {}

std::string Trimmed(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

bool Contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

/// Collects and discards the remaining results of the statement in flight.
void DrainResults(PGconn* c) {
  while (PGresult* r = PQgetResult(c)) PQclear(r);
}

bool NeedsRendering(unsigned oid) {
  return oid == 16 || oid == 1114 || oid == 1184 || oid == 1082;
}
}  // namespace

std::unique_ptr<PgConnection> PgConnection::Connect(const PgParams& p) {
  std::string port = std::to_string(p.port);
  std::string timeout = std::to_string(p.connect_timeout_s > 0 ? p.connect_timeout_s : 10);
  std::string options = "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601";
  if (p.statement_timeout_ms > 0)
    options += " -c statement_timeout=" + std::to_string(p.statement_timeout_ms);
  std::vector<const char*> keys = {"host",
                                   "port",
                                   "dbname",
                                   "user",
                                   "password",
                                   "connect_timeout",
                                   "application_name",
                                   "client_encoding",
                                   "options"};
  std::vector<const char*> vals = {p.host.c_str(),
                                   port.c_str(),
                                   p.db.c_str(),
                                   p.user.c_str(),
                                   p.password.c_str(),
                                   timeout.c_str(),
                                   p.application_name.c_str(),
                                   "UTF8",
                                   options.c_str()};
  if (!p.sslmode.empty()) {
    keys.push_back("sslmode");
    vals.push_back(p.sslmode.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  std::string where = p.host + ":" + port + "/" + p.db;
  PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 0);
  if (!c) throw ApiError::Internal("libpq could not allocate a connection");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(c));
    PQfinish(c);
    bool auth = Contains(msg, "password authentication failed") ||
                Contains(msg, "no password supplied") || Contains(msg, "authentication failed") ||
                Contains(msg, "role \"");
    if (auth)
      throw ApiError(ErrorCode::kSqlAuthFailed, "Authentication to PostgreSQL at " + where +
                                                    " failed for user '" + p.user + "': " + msg);
    throw ApiError(ErrorCode::kSqlDbUnreachable,
                   "Cannot connect to PostgreSQL at " + where + ": " + msg);
  }
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(c, std::move(where)));
}

PgConnection::PgConnection(pg_conn* conn, std::string where)
    : conn_(conn), where_(std::move(where)), cancel_(PQgetCancel(conn)) {}

PgConnection::~PgConnection() {
  {
    std::lock_guard<std::mutex> lock(cancel_mu_);
    if (cancel_) PQfreeCancel(cancel_);
    cancel_ = nullptr;
  }
  PQfinish(conn_);
}

bool PgConnection::Ok() const {
  return PQstatus(conn_) == CONNECTION_OK;
}

void PgConnection::Cancel() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (!cancel_) return;
  char err[256];
  PQcancel(cancel_, err, sizeof err);  // best effort: the statement may have just ended
}

void PgConnection::ThrowResultError(pg_result* res, std::string_view what) {
  std::string state, primary, full;
  if (res) {
    const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    state = s ? s : "";
    primary = Trimmed(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    full = Trimmed(PQresultErrorMessage(res));
    PQclear(res);
  }
  if (primary.empty()) primary = Trimmed(PQerrorMessage(conn_));
  if (full.empty()) full = primary;
  std::string prefix = std::string(what) + " failed on PostgreSQL " + where_ + ": ";
  if (PQstatus(conn_) != CONNECTION_OK)
    throw ApiError(ErrorCode::kSqlDbUnreachable,
                   "Lost connection to PostgreSQL " + where_ + ": " + primary, full);
  ErrorCode code = ErrorCode::kSqlError;
  if (state == "57014")
    code = Contains(primary, "statement timeout") ? ErrorCode::kTimeout : ErrorCode::kAborted;
  else if (state == "42P01" || state == "3F000")
    code = ErrorCode::kSqlTableNotFound;
  else if (state.rfind("08", 0) == 0 || state == "57P01")
    code = ErrorCode::kSqlDbUnreachable;
  throw ApiError(code, prefix + primary, prefix + full);
}

void PgConnection::Execute(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    PQclear(r);
    return;
  }
  ThrowResultError(r, "Statement");
}

long long PgConnection::CopyIn(const std::string& copy_sql,
                               const std::function<size_t(char*, size_t)>& read) {
  PGresult* r = PQexec(conn_, copy_sql.c_str());
  if (!r || PQresultStatus(r) != PGRES_COPY_IN) ThrowResultError(r, "COPY");
  PQclear(r);
  std::vector<char> buf(1 << 16);
  std::exception_ptr failure;
  std::string put_error;
  for (;;) {
    size_t n = 0;
    try {
      n = read(buf.data(), buf.size());
    } catch (...) {
      failure = std::current_exception();
      break;
    }
    if (n == 0) break;
    if (PQputCopyData(conn_, buf.data(), static_cast<int>(n)) != 1) {
      put_error = PQerrorMessage(conn_);
      break;
    }
  }
  // Ending with an error message makes the server fail (and roll back) the COPY.
  PQputCopyEnd(conn_, failure ? "aborted by the client" : nullptr);
  PGresult* bad = nullptr;
  long long rows = 0;
  while (PGresult* res = PQgetResult(conn_)) {
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
      const char* t = PQcmdTuples(res);
      if (t && *t) rows = std::atoll(t);
      PQclear(res);
    } else if (!bad) {
      bad = res;
    } else {
      PQclear(res);
    }
  }
  if (failure) {
    if (bad) PQclear(bad);
    std::rethrow_exception(failure);
  }
  if (bad) ThrowResultError(bad, "COPY");
  if (!put_error.empty()) ThrowResultError(nullptr, "COPY");
  return rows;
}

std::vector<std::vector<std::optional<std::string>>> PgConnection::QueryAll(
    const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) ThrowResultError(r, "Query");
  std::vector<std::vector<std::optional<std::string>>> rows;
  int n = PQntuples(r), nf = PQnfields(r);
  std::vector<PgTypeInfo> types;
  for (int j = 0; j < nf; ++j) types.push_back(MapPgType(PQftype(r, j), PQfmod(r, j)));
  std::string cell;
  for (int i = 0; i < n; ++i) {
    auto& row = rows.emplace_back();
    for (int j = 0; j < nf; ++j) {
      if (PQgetisnull(r, i, j)) {
        row.emplace_back();
        continue;
      }
      RenderPgValue(PQftype(r, j), types[j].dss_type,
                    std::string_view(PQgetvalue(r, i, j), PQgetlength(r, i, j)), cell);
      row.emplace_back(cell);
    }
  }
  PQclear(r);
  return rows;
}

std::unique_ptr<PgRowStream> PgConnection::Stream(const std::string& sql, PgDateMode ts_mode,
                                                  PgDateMode date_mode) {
  if (!PQsendQueryParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0))
    ThrowResultError(nullptr, "Query");
  PQsetSingleRowMode(conn_);
  PGresult* first = PQgetResult(conn_);
  auto st = first ? PQresultStatus(first) : PGRES_FATAL_ERROR;
  if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
      st != PGRES_EMPTY_QUERY) {
    DrainResults(conn_);
    ThrowResultError(first, "Query");
  }
  return std::make_unique<PgRowStream>(*this, first, ts_mode, date_mode);
}

PgRowStream::PgRowStream(PgConnection& conn, pg_result* first, PgDateMode ts_mode,
                         PgDateMode date_mode)
    : conn_(conn) {
  int nf = PQnfields(first);
  for (int j = 0; j < nf; ++j) {
    PgColumn c;
    c.name = PQfname(first, j);
    c.oid = PQftype(first, j);
    c.type = MapPgType(c.oid, PQfmod(first, j), ts_mode, date_mode);
    columns_.push_back(std::move(c));
  }
  if (PQresultStatus(first) == PGRES_SINGLE_TUPLE) {
    pending_ = first;
  } else {
    command_status_ = PQcmdStatus(first);
    PQclear(first);
    Finish();
  }
}

PgRowStream::~PgRowStream() {
  if (current_) PQclear(current_);
  if (pending_) PQclear(pending_);
  if (!done_) {
    // Abandoned mid-way: stop the server instead of reading every remaining row.
    conn_.Cancel();
    DrainResults(conn_.raw());
  }
}

void PgRowStream::Finish() {
  DrainResults(conn_.raw());
  done_ = true;
}

bool PgRowStream::Next() {
  if (current_) {
    PQclear(current_);
    current_ = nullptr;
  }
  if (done_) return false;
  if (pending_) {
    current_ = pending_;
    pending_ = nullptr;
    ++rows_;
    return true;
  }
  PGresult* r = PQgetResult(conn_.raw());
  if (!r) {
    done_ = true;
    return false;
  }
  switch (PQresultStatus(r)) {
    case PGRES_SINGLE_TUPLE:
      current_ = r;
      ++rows_;
      return true;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
      PQclear(r);
      Finish();
      return false;
    default:
      DrainResults(conn_.raw());
      done_ = true;
      conn_.ThrowResultError(r, "Query");
  }
}

bool PgRowStream::IsNull(size_t i) const {
  return PQgetisnull(current_, 0, static_cast<int>(i)) != 0;
}

std::string_view PgRowStream::Value(size_t i) {
  int j = static_cast<int>(i);
  std::string_view raw(PQgetvalue(current_, 0, j), PQgetlength(current_, 0, j));
  const auto& c = columns_[i];
  if (!NeedsRendering(c.oid)) return raw;
  RenderPgValue(c.oid, c.type.dss_type, raw, scratch_);
  return scratch_;
}

}  // namespace dss::engine
