#include "core/sql_query_service.h"

#include <chrono>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/tabular_encoder.h"
#include "core/dataset_data_service.h"
#include "core/duck_file_source.h"
#include "core/security_service.h"
#include "engine/duck_row_stream.h"
#include "engine/duckdb_engine.h"
#include "engine/postgres_connection.h"

namespace dss::core {

struct SqlQueryService::Query {
  enum class State { kPending, kStreaming, kSucceeded, kFailed };
  std::string id;
  std::string owner;  // AuthIdentifier of the caller that started it
  State state = State::kPending;
  std::optional<ApiError> error;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  std::vector<std::string> post_queries;
  std::vector<std::string> names;
  enum class Enc { kString, kNumber, kBool };
  std::vector<Enc> kinds;
  // Owned by whoever moved the state out of kPending (the streaming thread or the janitor).
  std::unique_ptr<engine::PgConnection> conn;
  std::unique_ptr<engine::PgRowStream> rows;
  // The built-in engine's query instead (extension): a private database (declared first so
  // that it is destroyed last) and the dataset versions it reads.
  std::unique_ptr<engine::DuckEngine> sandbox;
  std::unique_ptr<engine::DuckRowStream> duck_rows;
  std::vector<DataSnapshot> pins;
};

namespace {
constexpr size_t kChunkBytes = 256 * 1024;

std::string OptString(const Json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return "";
  if (!body[field].is_string())
    throw ApiError::BadRequest("Field '" + std::string(field) + "' must be a string");
  return body[field].get<std::string>();
}

std::vector<std::string> StringList(const Json& body, const char* field) {
  std::vector<std::string> out;
  if (!body.contains(field) || body[field].is_null()) return out;
  if (!body[field].is_array())
    throw ApiError::BadRequest("Field '" + std::string(field) + "' must be an array of strings");
  for (const auto& q : body[field]) {
    if (!q.is_string())
      throw ApiError::BadRequest("Field '" + std::string(field) + "' must be an array of strings");
    out.push_back(q.get<std::string>());
  }
  return out;
}

engine::PgDateMode ReadMode(const Json& body, const char* field, const char* legacy_bool,
                            bool legacy_default) {
  std::string m = OptString(body, field);
  if (m.empty()) {
    bool as_string = legacy_default;
    if (body.contains(legacy_bool) && body[legacy_bool].is_boolean())
      as_string = body[legacy_bool].get<bool>();
    return as_string ? engine::PgDateMode::kAsString : engine::PgDateMode::kAsIs;
  }
  if (m == "AS_IS") return engine::PgDateMode::kAsIs;
  if (m == "AS_STRING") return engine::PgDateMode::kAsString;
  if (m == "AS_DATE") return engine::PgDateMode::kAsDate;
  throw ApiError::BadRequest("Field '" + std::string(field) +
                             "' must be AS_IS, AS_STRING or AS_DATE, got '" + m + "'");
}

/// Runs `post_queries` on `conn` until one fails; returns that failure.
template <typename Connection>
std::optional<ApiError> RunPostQueries(Connection& conn,
                                       const std::vector<std::string>& post_queries) {
  for (const auto& q : post_queries) {
    try {
      conn.Execute(q);
    } catch (const ApiError& e) {
      return ApiError(e.code(), "Post-query failed: " + std::string(e.what()),
                      e.detailed_message());
    }
  }
  return std::nullopt;
}

/// Runs the post-queries and releases the built-in engine's query, its database and pinned
/// versions. Returns the first post-query error.
std::optional<ApiError> CloseLocalQuery(std::unique_ptr<engine::DuckEngine>& sandbox,
                                        std::unique_ptr<engine::DuckRowStream>& rows,
                                        std::vector<DataSnapshot>& pins,
                                        const std::vector<std::string>& post_queries) {
  std::optional<ApiError> err;
  auto conn = rows->Release();
  rows.reset();
  if (conn) err = RunPostQueries(*conn, post_queries);
  conn.reset();
  pins.clear();
  sandbox.reset();
  return err;
}

/// Runs the post-queries (when the connection still works) and closes the connection.
/// Returns the first post-query error.
std::optional<ApiError> CloseQuery(std::unique_ptr<engine::PgConnection>& conn,
                                   std::unique_ptr<engine::PgRowStream>& rows,
                                   const std::vector<std::string>& post_queries) {
  std::optional<ApiError> err;
  try {
    rows.reset();  // cancels and drains whatever was not read
  } catch (const std::exception&) {
  }
  if (conn && conn->Ok()) err = RunPostQueries(*conn, post_queries);
  conn.reset();
  return err;
}
}  // namespace

SqlQueryService::SqlQueryService(storage::MetadataStore& store, SecurityService& security,
                                 SqlConnectionResolver& connections, DatasetDataService& data,
                                 engine::DuckEngine& engine, SqlQueryOptions options)
    : store_(store),
      security_(security),
      connections_(connections),
      data_(data),
      engine_(engine),
      options_(options) {
  janitor_ = std::thread([this] { Janitor(); });
}

SqlQueryService::~SqlQueryService() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  janitor_.join();
  std::map<std::string, std::shared_ptr<Query>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(queries_);
  }
  for (auto& [id, q] : left) {
    if (q->state == Query::State::kPending) {
      q->rows.reset();
      q->conn.reset();
      q->duck_rows.reset();
      q->pins.clear();
      q->sandbox.reset();
    }
  }
}

void SqlQueryService::Janitor() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.janitor_period_ms));
    if (stopping_) break;
    lock.unlock();
    try {
      CollectAbandoned(NowMs());
    } catch (const std::exception& e) {
      log::Warn("SQL query janitor failed", Json{{"error", e.what()}}.dump());
    }
    lock.lock();
  }
}

int SqlQueryService::CollectAbandoned(int64_t now_ms) {
  std::vector<std::shared_ptr<Query>> to_close;
  const int64_t abandon_ms = options_.abandon_after_ms();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = queries_.begin(); it != queries_.end();) {
      auto& q = it->second;
      if (q->state == Query::State::kPending && abandon_ms > 0 &&
          now_ms - q->started_ms > abandon_ms) {
        q->state = Query::State::kFailed;
        q->error = ApiError(ErrorCode::kConflict, "SQL query " + q->id +
                                                      " was abandoned: nobody streamed its result "
                                                      "within " +
                                                      std::to_string(abandon_ms / 1000) + " s");
        q->ended_ms = now_ms;
        to_close.push_back(q);
      } else if ((q->state == Query::State::kSucceeded || q->state == Query::State::kFailed) &&
                 now_ms - q->ended_ms > options_.keep_outcome_ms) {
        it = queries_.erase(it);
        continue;
      }
      ++it;
    }
  }
  for (auto& q : to_close) {
    // Post-queries are not run: the result was never consumed.
    q->rows.reset();
    q->conn.reset();
    q->duck_rows.reset();
    q->pins.clear();
    q->sandbox.reset();
  }
  return static_cast<int>(to_close.size());
}

size_t SqlQueryService::PendingCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [id, q] : queries_)
    if (q->state == Query::State::kPending) ++n;
  return n;
}

Json SqlQueryService::Start(const auth::Principal& who, const Json& body) {
  RequireObject(body, "SQL query request");
  std::string sql = OptString(body, "query");
  if (Trim(sql).empty()) throw ApiError::BadRequest("Field 'query' is required");
  std::string type = OptString(body, "type");
  if (!type.empty() && type != "sql")
    throw ApiError::BadRequest("SQL query type '" + type +
                               "' is not supported: only 'sql' (PostgreSQL connections) is");
  std::string connection = OptString(body, "connection");
  if (connection == kLocalEngineConnection) {
    if (!OptString(body, "database").empty() || !OptString(body, "datasetFullName").empty())
      throw ApiError::BadRequest(
          "Exactly one of 'connection', 'database' or 'datasetFullName' must be given (got 2)");
    std::string project = OptString(body, "projectKey");
    if (project.empty())
      throw ApiError::BadRequest(std::string("Field 'projectKey' is required with connection '") +
                                 kLocalEngineConnection +
                                 "': its datasets are the tables of the query");
    return StartLocal(who, project, sql, StringList(body, "preQueries"),
                      StringList(body, "postQueries"));
  }
  std::string database = OptString(body, "database");
  std::string dataset = OptString(body, "datasetFullName");
  int targets = !connection.empty() + !database.empty() + !dataset.empty();
  if (targets != 1)
    throw ApiError::BadRequest(
        "Exactly one of 'connection', 'database' or 'datasetFullName' must be given (got " +
        std::to_string(targets) + ")");
  if (!database.empty())
    throw ApiError::BadRequest("Hive databases ('database': '" + database +
                               "') are not supported: give a PostgreSQL 'connection'");
  auto pre = StringList(body, "preQueries");
  auto post = StringList(body, "postQueries");
  auto ts_mode =
      ReadMode(body, "datetimenotzReadMode", "readTimestampWithoutTimezoneAsString", false);
  auto date_mode = ReadMode(body, "dateonlyReadMode", "readDateAsString", false);

  engine::PgParams params;
  if (!dataset.empty()) {
    auto dot = dataset.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == dataset.size())
      throw ApiError::BadRequest("Field 'datasetFullName' must be PROJECTKEY.datasetName, got '" +
                                 dataset + "'");
    std::string pk = dataset.substr(0, dot), name = dataset.substr(dot + 1);
    security_.RequireProject(who, pk, auth::kReadProjectContent);
    auto doc = store_.Get("dataset", pk, name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound, "Dataset '" + dataset + "' does not exist");
    std::string dtype = doc->data->value("type", "");
    if (dtype != "PostgreSQL")
      throw ApiError::BadRequest("Dataset '" + dataset + "' (type " + dtype +
                                 ") is neither of sql nor hdfs type");
    const Json dparams = doc->data->value("params", Json::object());
    params = connections_.ResolveTrusted(dparams.value("connection", ""));
  } else {
    params = connections_.Resolve(who, connection);
  }
  params.statement_timeout_ms = options_.statement_timeout_ms;

  auto q = std::make_shared<Query>();
  q->id = RandomToken(20);
  q->owner = who.AuthIdentifier();
  q->post_queries = std::move(post);
  q->conn = engine::PgConnection::Connect(params);
  for (const auto& p : pre) {
    try {
      q->conn->Execute(p);
    } catch (const ApiError& e) {
      throw ApiError(e.code(), "Pre-query failed: " + std::string(e.what()), e.detailed_message());
    }
  }
  q->rows = q->conn->Stream(sql, ts_mode, date_mode);
  Json schema = Json::array();
  for (const auto& c : q->rows->columns()) {
    Json col = {{"name", c.name}, {"type", c.type.dss_type}};
    if (c.type.length >= 0) col["length"] = c.type.length;
    col["originalType"] = c.type.original_type;
    schema.push_back(std::move(col));
    q->names.push_back(c.name);
    const std::string& t = c.type.dss_type;
    q->kinds.push_back(
        t == "boolean" ? Query::Enc::kBool
        : (t == "smallint" || t == "int" || t == "bigint" || t == "float" || t == "double")
            ? Query::Enc::kNumber
            : Query::Enc::kString);
  }
  return Register(std::move(q), std::move(schema));
}

Json SqlQueryService::Register(std::shared_ptr<Query> q, Json schema) {
  q->started_ms = NowMs();
  std::string id = q->id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queries_[id] = std::move(q);
  }
  return Json{{"queryId", id}, {"schema", std::move(schema)}};
}

Json SqlQueryService::StartLocal(const auth::Principal& who, const std::string& project,
                                 const std::string& sql, const std::vector<std::string>& pre,
                                 std::vector<std::string> post) {
  security_.RequireProject(who, project, auth::kReadProjectContent);
  auto q = std::make_shared<Query>();
  q->id = RandomToken(20);
  q->owner = who.AuthIdentifier();
  q->post_queries = std::move(post);
  // A private database per query: user SQL must not reach files other than the datasets'
  // (read_csv('/etc/passwd'), COPY ... TO, ATTACH), which DuckDB only enforces per database.
  q->sandbox = std::make_unique<engine::DuckEngine>(engine_.options());
  auto conn = q->sandbox->Connect();
  conn->Execute("SET TimeZone = 'UTC'");
  std::string allowed;
  // Only the datasets the query names become views: pinning every dataset of a large project
  // for each query would be wasted work. A name inside a string literal gets a view too,
  // which is harmless.
  const std::string lowered = ToLower(sql);
  for (const auto& doc : store_.List("dataset", project)) {
    if (!DuckFileSource::Handles(*doc.data)) continue;
    if (lowered.find(ToLower(doc.id)) == std::string::npos) continue;
    DatasetRelation rel = data_.RelationFor(project, doc.id, {});
    conn->Execute("CREATE OR REPLACE VIEW " + QuoteSqlIdent(doc.id) + " AS " + rel.sql);
    for (const auto& f : rel.files)
      allowed += (allowed.empty() ? "" : ", ") + QuoteSqlString(f.string());
    q->pins.push_back(std::move(rel.snapshot));
  }
  if (!allowed.empty()) conn->Execute("SET allowed_paths = [" + allowed + "]");
  conn->Execute("SET enable_external_access = false");
  conn->Execute("SET lock_configuration = true");
  for (const auto& p : pre) {
    try {
      conn->Execute(p);
    } catch (const ApiError& e) {
      throw ApiError(e.code(), "Pre-query failed: " + std::string(e.what()), e.detailed_message());
    }
  }
  // DESCRIBE types the columns; statements it cannot describe (SHOW, PRAGMA...) give text.
  Json described = Json::array();
  try {
    std::string d = conn->QueryScalar(
        "SELECT to_json(list({'name': column_name, 'type': column_type})) FROM (DESCRIBE " + sql +
        ")");
    if (!d.empty()) described = Json::parse(d);
  } catch (const ApiError&) {
  }
  q->duck_rows = std::make_unique<engine::DuckRowStream>(std::move(conn), sql);
  Json schema = Json::array();
  const auto& names = q->duck_rows->column_names();
  for (size_t i = 0; i < names.size(); ++i) {
    std::string duck_type =
        described.size() == names.size() ? described[i].value("type", "VARCHAR") : "VARCHAR";
    schema.push_back({{"name", names[i]},
                      {"type", DuckFileSource::DssTypeOf(duck_type)},
                      {"originalType", duck_type}});
  }
  q->names = names;
  return Register(std::move(q), std::move(schema));
}

std::shared_ptr<SqlQueryService::Query> SqlQueryService::Find(const auth::Principal& who,
                                                              const std::string& id) const {
  auto it = queries_.find(id);
  if (it == queries_.end() || (it->second->owner != who.AuthIdentifier() && !who.IsAdmin()))
    throw ApiError(ErrorCode::kSqlQueryNotFound, "SQL query '" + id + "' does not exist");
  return it->second;
}

TabularStream SqlQueryService::Stream(const auth::Principal& who, const std::string& id,
                                      const std::string& format) {
  auto parsed = ParseTabularFormat(format.empty() ? "tsv-excel-noheader" : format);
  if (!parsed || *parsed == TabularFormat::kCsv)
    throw ApiError::BadRequest("Unsupported format '" + format +
                               "': use tsv-excel-noheader, tsv-excel-header or json");
  TabularFormat fmt = *parsed;
  std::shared_ptr<Query> q;
  {
    std::lock_guard<std::mutex> lock(mu_);
    q = Find(who, id);
    if (q->state != Query::State::kPending)
      throw ApiError(ErrorCode::kConflict, "The result of SQL query '" + id +
                                               "' was already streamed (or abandoned): a "
                                               "result can be read once");
    q->state = Query::State::kStreaming;
  }
  // Ends the query exactly once, recording its outcome.
  auto finish = [this, q](std::optional<ApiError> err) {
    auto post_err = q->duck_rows
                        ? CloseLocalQuery(q->sandbox, q->duck_rows, q->pins, q->post_queries)
                        : CloseQuery(q->conn, q->rows, q->post_queries);
    if (!err) err = post_err;
    std::lock_guard<std::mutex> lock(mu_);
    q->state = err ? Query::State::kFailed : Query::State::kSucceeded;
    q->error = std::move(err);
    q->ended_ms = NowMs();
  };
  // One encoder for the whole stream (JSON needs to know whether a row is the first); it
  // writes into `buf`, which is handed over as each chunk.
  struct Progress {
    std::string buf;
    std::unique_ptr<TabularEncoder> enc;
    bool begun = false, ended = false;
  };
  auto prog = std::make_shared<Progress>();
  prog->enc = std::make_unique<TabularEncoder>(fmt, &prog->buf);
  TabularStream s;
  s.content_type = TabularContentType(fmt);
  s.next = [q, prog, finish](std::string& chunk) -> bool {
    if (prog->ended) return false;
    auto& enc = *prog->enc;
    prog->buf.clear();
    try {
      if (!prog->begun) {
        enc.Begin(q->names);
        prog->begun = true;
      }
      if (q->duck_rows) {
        if (!q->duck_rows->Next(enc, kChunkBytes)) {
          enc.End();
          prog->ended = true;
          finish(std::nullopt);
        }
        chunk.swap(prog->buf);
        return true;
      }
      size_t ncol = q->names.size();
      while (prog->buf.size() < kChunkBytes) {
        if (!q->rows->Next()) {
          enc.End();
          prog->ended = true;
          finish(std::nullopt);
          break;
        }
        enc.BeginRow();
        for (size_t i = 0; i < ncol; ++i) {
          if (q->rows->IsNull(i)) {
            enc.Null();
            continue;
          }
          std::string_view v = q->rows->Value(i);
          switch (q->kinds[i]) {
            case Query::Enc::kBool:
              enc.Bool(v == "true");
              break;
            case Query::Enc::kNumber:
              enc.Number(v);
              break;
            case Query::Enc::kString:
              enc.String(v);
              break;
          }
        }
        enc.EndRow();
      }
      chunk.swap(prog->buf);
      return true;
    } catch (const ApiError& e) {
      prog->ended = true;
      finish(ApiError(e.code(), "SQL query failed while streaming: " + std::string(e.what()),
                      e.detailed_message()));
      throw;
    } catch (const std::exception& e) {
      prog->ended = true;
      finish(ApiError::Internal("SQL query failed while streaming: " + std::string(e.what())));
      throw;
    }
  };
  s.done = [q, prog, finish](bool completed) {
    if (prog->ended) return;
    prog->ended = true;
    finish(ApiError(ErrorCode::kAborted,
                    completed ? "SQL query stream ended early"
                              : "SQL query stream was cut: the client disconnected"));
  };
  return s;
}

void SqlQueryService::FinishStreaming(const auth::Principal& who, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto q = Find(who, id);
  switch (q->state) {
    case Query::State::kSucceeded:
      return;
    case Query::State::kFailed:
      throw *q->error;
    case Query::State::kPending:
    case Query::State::kStreaming:
      throw ApiError(ErrorCode::kConflict,
                     "The result of SQL query '" + id + "' has not been fully streamed");
  }
}

Json SqlQueryService::TestConnection(const auth::Principal& who, const std::string& name) {
  engine::PgParams p = connections_.Resolve(who, name);
  auto t0 = std::chrono::steady_clock::now();
  Json out = {{"connection", name}, {"type", "PostgreSQL"}};
  try {
    auto conn = engine::PgConnection::Connect(p);
    auto rows = conn->QueryAll("SELECT version()");
    out["ok"] = true;
    out["connectionOK"] = true;
    out["message"] = "Connected to " + conn->Describe();
    if (!rows.empty() && !rows[0].empty() && rows[0][0]) out["serverVersion"] = *rows[0][0];
  } catch (const ApiError& e) {
    out["ok"] = false;
    out["connectionOK"] = false;
    out["message"] = e.what();
    out["errorCode"] = std::string(CodeStringOf(e.code()));
  }
  out["elapsedMs"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  return out;
}

}  // namespace dss::core
