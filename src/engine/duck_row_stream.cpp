#include "engine/duck_row_stream.h"

#include <duckdb.h>

#include <charconv>
#include <cstring>

#include "common/api_error.h"
#include "engine/duckdb_error.h"

namespace dss::engine {

struct DuckRowStream::ResultHolder {
  duckdb_result r;
};

namespace {

bool DirectlyRendered(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_SQLNULL:
      return true;
    default:
      return false;
  }
}

std::string QuoteIdent(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

// Days since 1970-01-01 to civil date (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Writes YYYY-MM-DD into buf, returns the length.
size_t FormatDate(char* buf, int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  size_t n = 0;
  if (y >= 0 && y <= 9999) {
    unsigned uy = static_cast<unsigned>(y);
    buf[0] = static_cast<char>('0' + uy / 1000);
    buf[1] = static_cast<char>('0' + uy / 100 % 10);
    buf[2] = static_cast<char>('0' + uy / 10 % 10);
    buf[3] = static_cast<char>('0' + uy % 10);
    n = 4;
  } else {
    n = static_cast<size_t>(std::to_chars(buf, buf + 24, y).ptr - buf);
  }
  buf[n] = '-';
  Put2(buf + n + 1, m);
  buf[n + 3] = '-';
  Put2(buf + n + 4, d);
  return n + 6;
}

// Microseconds since the epoch to ISO-8601 with milliseconds (+ 'Z' when `utc`).
size_t FormatTimestamp(char* buf, int64_t micros, bool utc) {
  int64_t days = micros / 86400000000LL;
  int64_t rem = micros % 86400000000LL;
  if (rem < 0) {
    rem += 86400000000LL;
    --days;
  }
  size_t n = FormatDate(buf, days);
  int64_t secs = rem / 1000000;
  unsigned ms = static_cast<unsigned>(rem % 1000000 / 1000);
  buf[n++] = 'T';
  Put2(buf + n, static_cast<unsigned>(secs / 3600));
  buf[n + 2] = ':';
  Put2(buf + n + 3, static_cast<unsigned>(secs / 60 % 60));
  buf[n + 5] = ':';
  Put2(buf + n + 6, static_cast<unsigned>(secs % 60));
  buf[n + 8] = '.';
  buf[n + 9] = static_cast<char>('0' + ms / 100);
  buf[n + 10] = static_cast<char>('0' + ms / 10 % 10);
  buf[n + 11] = static_cast<char>('0' + ms % 10);
  n += 12;
  if (utc) buf[n++] = 'Z';
  return n;
}

template <typename T>
void EncodeInts(TabularEncoder& enc, const T* data, idx_t row) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, data[row]);
  enc.Number(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

template <typename T>
void EncodeFloat(TabularEncoder& enc, T v) {
  char buf[64];
  if (v != v) {
    enc.Number("NaN");
    return;
  }
  if (v == static_cast<T>(1.0 / 0.0)) {
    enc.Number("inf");
    return;
  }
  if (v == static_cast<T>(-1.0 / 0.0)) {
    enc.Number("-inf");
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  enc.Number(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

}  // namespace

DuckRowStream::DuckRowStream(std::unique_ptr<DuckConnection> conn, const std::string& sql)
    : conn_(std::move(conn)), result_(std::make_unique<ResultHolder>()) {
  try {
    Start(sql, true);
    // Fetch ahead so that errors of the first chunk decide the HTTP status.
    FetchChunk();
  } catch (...) {
    Cleanup();
    throw;
  }
}

DuckRowStream::~DuckRowStream() {
  Cleanup();
}

std::unique_ptr<DuckConnection> DuckRowStream::Release() {
  Cleanup();
  done_ = true;
  return std::move(conn_);
}

void DuckRowStream::Cleanup() {
  if (chunk_) {
    auto c = static_cast<duckdb_data_chunk>(chunk_);
    duckdb_destroy_data_chunk(&c);
  }
  chunk_ = nullptr;
  if (has_result_) duckdb_destroy_result(&result_->r);
  has_result_ = false;
}

void DuckRowStream::Start(const std::string& sql, bool allow_rewrite) {
  duckdb_prepared_statement prep = nullptr;
  if (duckdb_prepare(conn_->raw(), sql.c_str(), &prep) == DuckDBError) {
    std::string msg = prep && duckdb_prepare_error(prep) ? duckdb_prepare_error(prep) : "error";
    duckdb_destroy_prepare(&prep);
    throw ApiError(ErrorCode::kSqlError, msg);
  }
  idx_t ncol = duckdb_prepared_statement_column_count(prep);
  std::vector<std::string> names;
  std::vector<int> types;
  bool rewrite = false;
  for (idx_t i = 0; i < ncol; ++i) {
    const char* n = duckdb_prepared_statement_column_name(prep, i);
    names.emplace_back(n ? n : "");
    duckdb_free(const_cast<char*>(n));
    duckdb_type t = duckdb_prepared_statement_column_type(prep, i);
    types.push_back(static_cast<int>(t));
    if (!DirectlyRendered(t)) rewrite = true;
  }
  if (rewrite && allow_rewrite) {
    duckdb_destroy_prepare(&prep);
    std::string outer = "SELECT ";
    for (size_t i = 0; i < names.size(); ++i) {
      auto t = static_cast<duckdb_type>(types[i]);
      std::string col = "_q." + QuoteIdent(names[i]);
      if (i) outer += ", ";
      if (DirectlyRendered(t))
        outer += col;
      else if (t == DUCKDB_TYPE_LIST || t == DUCKDB_TYPE_STRUCT || t == DUCKDB_TYPE_MAP ||
               t == DUCKDB_TYPE_ARRAY || t == DUCKDB_TYPE_UNION)
        outer += "CAST(to_json(" + col + ") AS VARCHAR)";
      else if (t == DUCKDB_TYPE_DECIMAL)
        outer += "CAST(" + col + " AS DOUBLE)";
      else
        outer += "CAST(" + col + " AS VARCHAR)";
      outer += " AS " + QuoteIdent(names[i]);
    }
    outer += " FROM (" + sql + ") AS _q";
    Start(outer, false);
    return;
  }
  names_ = std::move(names);
  types_ = std::move(types);
  duckdb_pending_result pending = nullptr;
  if (duckdb_pending_prepared_streaming(prep, &pending) == DuckDBError) {
    std::string msg = duckdb_pending_error(pending) ? duckdb_pending_error(pending) : "error";
    duckdb_destroy_pending(&pending);
    duckdb_destroy_prepare(&prep);
    throw ApiError(ErrorCode::kSqlError, msg);
  }
  duckdb_state st = duckdb_execute_pending(pending, &result_->r);
  has_result_ = true;
  duckdb_destroy_pending(&pending);
  duckdb_destroy_prepare(&prep);
  if (st == DuckDBError) {
    const char* e = duckdb_result_error(&result_->r);
    throw ApiError(DuckErrorCode(duckdb_result_error_type(&result_->r)), e ? e : "query failed");
  }
}

bool DuckRowStream::FetchChunk() {
  if (chunk_) {
    auto c = static_cast<duckdb_data_chunk>(chunk_);
    duckdb_destroy_data_chunk(&c);
    chunk_ = nullptr;
  }
  if (done_) return false;
  duckdb_data_chunk c = duckdb_fetch_chunk(result_->r);
  if (!c) {
    done_ = true;
    const char* e = duckdb_result_error(&result_->r);
    if (e && *e) throw ApiError(DuckErrorCode(duckdb_result_error_type(&result_->r)), e);
    return false;
  }
  chunk_ = c;
  return true;
}

void DuckRowStream::EncodeChunk(TabularEncoder& enc) {
  auto chunk = static_cast<duckdb_data_chunk>(chunk_);
  idx_t n = duckdb_data_chunk_get_size(chunk);
  size_t ncol = types_.size();
  std::vector<void*> data(ncol);
  std::vector<uint64_t*> valid(ncol);
  for (size_t c = 0; c < ncol; ++c) {
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk, c);
    data[c] = duckdb_vector_get_data(v);
    valid[c] = duckdb_vector_get_validity(v);
  }
  char buf[64];
  for (idx_t r = 0; r < n; ++r) {
    enc.BeginRow();
    for (size_t c = 0; c < ncol; ++c) {
      if (valid[c] && !duckdb_validity_row_is_valid(valid[c], r)) {
        enc.Null();
        continue;
      }
      switch (static_cast<duckdb_type>(types_[c])) {
        case DUCKDB_TYPE_BOOLEAN:
          enc.Bool(static_cast<const bool*>(data[c])[r]);
          break;
        case DUCKDB_TYPE_TINYINT:
          EncodeInts(enc, static_cast<const int8_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_SMALLINT:
          EncodeInts(enc, static_cast<const int16_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_INTEGER:
          EncodeInts(enc, static_cast<const int32_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_BIGINT:
          EncodeInts(enc, static_cast<const int64_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_UTINYINT:
          EncodeInts(enc, static_cast<const uint8_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_USMALLINT:
          EncodeInts(enc, static_cast<const uint16_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_UINTEGER:
          EncodeInts(enc, static_cast<const uint32_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_UBIGINT:
          EncodeInts(enc, static_cast<const uint64_t*>(data[c]), r);
          break;
        case DUCKDB_TYPE_FLOAT:
          EncodeFloat(enc, static_cast<const float*>(data[c])[r]);
          break;
        case DUCKDB_TYPE_DOUBLE:
          EncodeFloat(enc, static_cast<const double*>(data[c])[r]);
          break;
        case DUCKDB_TYPE_VARCHAR: {
          auto* s = static_cast<duckdb_string_t*>(data[c]) + r;
          enc.String(std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s)));
          break;
        }
        case DUCKDB_TYPE_DATE:
          enc.String(
              std::string_view(buf, FormatDate(buf, static_cast<const int32_t*>(data[c])[r])));
          break;
        case DUCKDB_TYPE_TIMESTAMP:
          enc.String(std::string_view(
              buf, FormatTimestamp(buf, static_cast<const int64_t*>(data[c])[r], false)));
          break;
        case DUCKDB_TYPE_TIMESTAMP_TZ:
          enc.String(std::string_view(
              buf, FormatTimestamp(buf, static_cast<const int64_t*>(data[c])[r], true)));
          break;
        case DUCKDB_TYPE_TIMESTAMP_S:
          enc.String(std::string_view(
              buf, FormatTimestamp(buf, static_cast<const int64_t*>(data[c])[r] * 1000000, false)));
          break;
        case DUCKDB_TYPE_TIMESTAMP_MS:
          enc.String(std::string_view(
              buf, FormatTimestamp(buf, static_cast<const int64_t*>(data[c])[r] * 1000, false)));
          break;
        case DUCKDB_TYPE_TIMESTAMP_NS:
          enc.String(std::string_view(
              buf, FormatTimestamp(buf, static_cast<const int64_t*>(data[c])[r] / 1000, false)));
          break;
        default:  // SQLNULL
          enc.Null();
      }
    }
    enc.EndRow();
  }
  rows_ += n;
}

bool DuckRowStream::Next(TabularEncoder& enc, size_t target_bytes) {
  bool any = false;
  while (chunk_ || FetchChunk()) {
    EncodeChunk(enc);
    any = true;
    FetchChunk();
    if (enc.out().size() >= target_bytes) break;
  }
  return any;
}

void DuckRowStream::Interrupt() {
  conn_->Interrupt();
}

}  // namespace dss::engine
