#include "core/dataset_data_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "core/dataset_service.h"
#include "core/filter_formula.h"
#include "core/partitioning.h"
#include "engine/duck_row_stream.h"

namespace dss::core {

namespace fs = std::filesystem;

namespace {

constexpr auto kSessionTtl = std::chrono::hours(2);
constexpr size_t kMaxSessions = 20000;

bool IsManagedFs(const Json& def) {
  return def.value("managed", false) && def.value("type", "") == "Filesystem";
}

// A temporary file removed on scope exit.
struct TempFile {
  fs::path path;
  explicit TempFile(const storage::DataDir& dir, const std::string& ext) {
    std::error_code ec;
    fs::create_directories(dir.TmpDir(), ec);
    path = dir.TmpDir() / ("data-" + RandomToken(12) + ext);
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::unique_ptr<engine::DuckConnection> Connect(engine::DuckEngine& e) {
  auto c = e.Connect();
  c->Execute("SET TimeZone = 'UTC'");
  return c;
}

// Rewrites a DuckDB error about user data as a 400 naming the dataset.
[[noreturn]] void DataError(const std::string& name, const ApiError& e) {
  if (e.code() != ErrorCode::kSqlError) throw e;
  // DuckDB appends its reader options and hints: keep the part about the data.
  std::string msg = e.what();
  for (const char* cut : {"\nPossible fixes", "\n  file =", "\n\n"})
    if (auto p = msg.find(cut); p != std::string::npos) msg.resize(p);
  throw ApiError(ErrorCode::kBadRequest, "Invalid data for dataset '" + name + "': " + msg,
                 e.what());
}

}  // namespace

DatasetDataService::DatasetDataService(const storage::DataDir& dir, storage::MetadataStore& store,
                                       engine::DuckEngine& engine, DatasetService& datasets,
                                       ManagedDataStore& managed)
    : dir_(dir),
      store_(store),
      engine_(engine),
      datasets_(datasets),
      managed_(managed),
      files_(dir, engine, managed, datasets) {}

DatasetDataService::~DatasetDataService() = default;

void DatasetDataService::RegisterSource(const std::string& type, DataSource* source) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_[type] = source;
}

DataSource* DatasetDataService::SourceFor(const Json& def) {
  if (DuckFileSource::Handles(def)) return &files_;
  std::string type = def.value("type", "");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(type);
  if (it == sources_.end())
    throw ApiError(ErrorCode::kInvalidConfig,
                   "Reading datasets of type '" + type + "' is not available on this server");
  return it->second;
}

// ---------------------------------------------------------------------------------------
// Reads

OpenedRead DatasetDataService::OpenRead(const std::string& project, const std::string& name,
                                        const ReadRequest& r) {
  try {
    return OpenReadImpl(project, name, r);
  } catch (const std::exception& e) {
    // The client learns of the failure from this answer; finish-streaming must agree.
    if (!r.read_session_id.empty()) EndSession(r.read_session_id, false, e.what());
    throw;
  }
}

OpenedRead DatasetDataService::OpenReadImpl(const std::string& project, const std::string& name,
                                            const ReadRequest& r) {
  Json def = datasets_.Get(project, name);
  auto fmt = ParseTabularFormat(r.format);
  if (!fmt)
    throw ApiError::BadRequest("Unsupported 'format' '" + r.format +
                               "': expected tsv-excel-noheader, tsv-excel-header, csv or json");
  auto schema = SchemaColumns(def);
  std::map<std::string, std::string> types;
  for (const auto& [n, t] : schema) types[n] = t;
  ReadSpec spec;
  if (r.columns && !Trim(*r.columns).empty()) {
    for (const auto& c : Split(*r.columns, ',')) {
      std::string col = Trim(c);
      if (col.empty()) continue;
      if (!schema.empty() && !types.count(col))
        throw ApiError::BadRequest("Unknown column '" + col + "' in 'columns' for dataset '" +
                                   name + "'");
      spec.columns.push_back(col);
    }
  }
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  spec.partitions = part.ExpandSpecs(r.partitions);
  if (r.sampling && !Trim(*r.sampling).empty()) {
    Json s = ParseJson(*r.sampling, "'sampling' parameter");
    if (!s.is_object()) throw ApiError::BadRequest("Parameter 'sampling' must be a JSON object");
    spec.sampling_method = GetString(s, "samplingMethod", "FULL");
    if (spec.sampling_method == "HEAD_SEQUENCIAL" || spec.sampling_method == "RANDOM_FIXED_NB") {
      spec.max_records = GetInt(s, "maxRecords", -1);
      if (spec.max_records < 0)
        throw ApiError::BadRequest("Sampling " + spec.sampling_method +
                                   " needs a non-negative 'maxRecords'");
    } else if (spec.sampling_method == "RANDOM_FIXED_RATIO") {
      if (!s.contains("targetRatio") || !s["targetRatio"].is_number())
        throw ApiError::BadRequest("Sampling RANDOM_FIXED_RATIO needs a numeric 'targetRatio'");
      spec.target_ratio = s["targetRatio"].get<double>();
      if (spec.target_ratio < 0 || spec.target_ratio > 1)
        throw ApiError::BadRequest("Sampling 'targetRatio' must be between 0 and 1");
    } else if (spec.sampling_method != "FULL") {
      throw ApiError::BadRequest("Unsupported 'sampling.samplingMethod' '" + spec.sampling_method +
                                 "': expected FULL, HEAD_SEQUENCIAL, RANDOM_FIXED_NB or "
                                 "RANDOM_FIXED_RATIO");
    }
  }
  if (r.filter && !Trim(*r.filter).empty())
    spec.filter_sql = CompileFilterFormula(*r.filter, types);
  if (r.limit < -1) throw ApiError::BadRequest("Parameter 'limit' must be >= 0");
  if (r.offset < 0) throw ApiError::BadRequest("Parameter 'offset' must be >= 0");
  spec.limit = r.limit;
  spec.offset = r.offset;

  OpenedRead out;
  out.format = *fmt;
  out.session_id = r.read_session_id;
  out.stream = SourceFor(def)->Open(project, def, spec);
  if (!r.read_session_id.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    Prune();
    sessions_[r.read_session_id] = Session{Session::kRunning, "", std::chrono::steady_clock::now()};
  }
  return out;
}

void DatasetDataService::Prune() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = (now - it->second.at > kSessionTtl && it->second.state != Session::kRunning)
             ? sessions_.erase(it)
             : std::next(it);
  while (sessions_.size() > kMaxSessions) sessions_.erase(sessions_.begin());
}

void DatasetDataService::EndSession(const std::string& id, bool ok, const std::string& error) {
  if (id.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Session& s = sessions_[id];
    // The first failure wins: a producer error is more telling than the cut that follows.
    if (s.state == Session::kFailed) return;
    s.state = ok ? Session::kOk : Session::kFailed;
    s.error = error;
    s.at = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
}

void DatasetDataService::FinishStreaming(const std::string& project, const std::string& name,
                                         const std::string& id) {
  datasets_.Get(project, name);
  if (id.empty()) throw ApiError::BadRequest("Missing parameter 'readSessionId'");
  std::unique_lock<std::mutex> lock(mu_);
  // The client asks right after the last byte, possibly before the server saw the end.
  cv_.wait_for(lock, std::chrono::seconds(10), [&] {
    auto it = sessions_.find(id);
    return it == sessions_.end() || it->second.state != Session::kRunning;
  });
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    throw ApiError(ErrorCode::kNotFound, "Unknown read session '" + id + "'");
  if (it->second.state == Session::kRunning)
    throw ApiError(ErrorCode::kBadRequest, "Read session '" + id + "' has not finished streaming");
  if (it->second.state == Session::kFailed)
    throw ApiError(ErrorCode::kBadRequest,
                   "Reading dataset '" + name + "' failed: " + it->second.error);
}

// ---------------------------------------------------------------------------------------
// Partitions, clear, versions

Json DatasetDataService::ListPartitions(const std::string& project, const std::string& name) {
  Json def = datasets_.Get(project, name);
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  Json out = Json::array();
  if (!part.partitioned()) {
    out.push_back("NP");
    return out;
  }
  std::set<std::string> ids;
  if (IsManagedFs(def)) {
    DataSnapshot snap = managed_.Current(project, name);
    for (auto& p : snap.Partitions()) ids.insert(p);
  } else if (DuckFileSource::Handles(def) && part.has_file_pattern()) {
    fs::path root;
    auto files = files_.ExternalFiles(project, def, &root);
    for (const auto& f : files)
      if (auto id = part.IdOfPath(fs::relative(f, root).generic_string())) ids.insert(*id);
  } else if (!DuckFileSource::Handles(def)) {
    for (auto& id : SourceFor(def)->ListPartitions(project, def)) ids.insert(std::move(id));
  }
  for (const auto& i : ids) out.push_back(i);
  return out;
}

Json DatasetDataService::Clear(const auth::Principal& who, const std::string& project,
                               const std::string& name, const std::vector<std::string>& specs) {
  Json def = datasets_.Get(project, name);
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  auto ids = part.ExpandSpecs(specs);
  if (def.value("type", "") == "Inline") {
    if (!ids.empty()) throw ApiError::BadRequest("Inline datasets are not partitioned");
    def["inlineData"] = Json::array();
    datasets_.Save(who, project, name, def);
    return Json{{"success", true}};
  }
  if (!IsManagedFs(def))
    throw ApiError::BadRequest("Dataset '" + name +
                               "' is not managed: only managed datasets can be cleared");
  DataSnapshot base = managed_.Current(project, name);
  auto draft = managed_.Begin(project, name);
  if (!ids.empty()) draft->CarryOver(base, std::set<std::string>(ids.begin(), ids.end()));
  Json info = {{"source", "clear"}};
  if (ids.empty()) info["records"] = 0;
  int64_t v = draft->Commit(info);
  return Json{{"success", true}, {"currentVersion", v}};
}

Json DatasetDataService::Versions(const std::string& project, const std::string& name) {
  Json def = datasets_.Get(project, name);
  if (!IsManagedFs(def))
    throw ApiError::BadRequest("Dataset '" + name + "' is not a managed filesystem dataset");
  Json st = managed_.State(project, name);
  return Json{{"currentVersion", st.value("currentVersion", 0)},
              {"versionsToKeep", managed_.VersionsToKeep()},
              {"versions", st.value("versions", Json::array())}};
}

Json DatasetDataService::Rollback(const auth::Principal& who, const std::string& project,
                                  const std::string& name, const Json& body) {
  Json def = datasets_.Get(project, name);
  if (!IsManagedFs(def))
    throw ApiError::BadRequest("Dataset '" + name + "' is not a managed filesystem dataset");
  if (!body.is_object() || !body.contains("version") || !body["version"].is_number_integer())
    throw ApiError::BadRequest("Missing required integer field 'version'");
  managed_.Rollback(project, name, body["version"].get<int64_t>());
  return Versions(project, name);
}

// ---------------------------------------------------------------------------------------
// Writes

std::string DatasetDataService::FileExtension(const Json& def) const {
  if (def.value("formatType", "") == "parquet") return ".parquet";
  const Json fp = def.value("formatParams", Json::object());
  std::string comp = fp.is_object() ? fp.value("compress", "") : "";
  return comp == "gz" || comp == "gzip" ? ".csv.gz" : ".csv";
}

std::string DatasetDataService::CopyOptions(const Json& def) const {
  std::string ft = def.value("formatType", "");
  if (ft == "parquet") return "(FORMAT parquet, COMPRESSION snappy)";
  if (ft != "csv")
    throw ApiError(ErrorCode::kInvalidConfig, "Managed dataset '" + def.value("name", "") +
                                                  "' has unsupported formatType '" + ft +
                                                  "' for writing: expected csv or parquet");
  const Json fp = def.value("formatParams", Json::object());
  auto opt = [&](const char* k, const std::string& d) {
    return fp.is_object() && fp.contains(k) && fp[k].is_string() ? fp[k].get<std::string>() : d;
  };
  std::string sep = opt("separator", ",");
  if (sep == "\\t") sep = "\t";
  std::string quote = opt("quoteChar", "\"");
  std::string style = opt("style", "excel");
  std::string escape = opt("escapeChar", "");
  if (style == "excel" || escape.empty()) escape = quote;
  if (style == "no_escaping_nor_quoting") quote = escape = "";
  std::string comp = opt("compress", "");
  bool header = fp.is_object() && fp.value("parseHeaderRow", false);
  return "(FORMAT csv, HEADER " + std::string(header ? "true" : "false") + ", DELIMITER " +
         QuoteSqlString(sep) + ", QUOTE " + QuoteSqlString(quote) + ", ESCAPE " +
         QuoteSqlString(escape) + ", COMPRESSION " +
         (comp == "gz" || comp == "gzip" ? "gzip" : "none") + ")";
}

Json DatasetDataService::WriteRows(const auth::Principal& who, const std::string& project,
                                   const std::string& name, const std::string& format,
                                   const WriteOptions& opts,
                                   const std::function<size_t(char*, size_t)>& read) {
  datasets_.Get(project, name);
  auto fmt = ParseTabularFormat(format);
  if (!fmt || *fmt == TabularFormat::kJson)
    throw ApiError::BadRequest(
        "Unsupported 'format' '" + format +
        "' for writes: expected tsv-excel-noheader, tsv-excel-header or csv");
  TempFile tmp(dir_, ".tsv");
  int fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw ApiError::Internal("Cannot create " + tmp.path.string());
  std::vector<char> buf(1 << 16);
  try {
    for (;;) {
      size_t n = read(buf.data(), buf.size());
      if (n == 0) break;
      size_t off = 0;
      while (off < n) {
        ssize_t w = ::write(fd, buf.data() + off, n - off);
        if (w <= 0) throw ApiError::Internal("Cannot write " + tmp.path.string());
        off += static_cast<size_t>(w);
      }
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  WriteOptions o = opts;
  // Writes from a job's recipe wait for the activity's success (ManagedDataStore staging).
  o.staging = who.staging;
  return WriteTsvFile(project, name, tmp.path, *fmt, o);
}

Json DatasetDataService::WriteTsvFile(const std::string& project, const std::string& name,
                                      const fs::path& file, TabularFormat fmt,
                                      const WriteOptions& opts) {
  int64_t start = NowMs();
  Json def = datasets_.Get(project, name);
  auto schema = SchemaColumns(def);
  if (schema.empty())
    throw ApiError::BadRequest("Dataset '" + name + "' has no schema: set it before writing data");
  std::string mode = ToLower(opts.mode.empty() ? "overwrite" : opts.mode);
  if (mode != "overwrite" && mode != "append")
    throw ApiError::BadRequest("Invalid 'mode' '" + opts.mode + "': expected overwrite or append");
  bool is_inline = def.value("type", "") == "Inline";
  if (!IsManagedFs(def) && !is_inline)
    throw ApiError::BadRequest("Dataset '" + name +
                               "' cannot be written: only managed filesystem and Inline datasets "
                               "accept data writes");
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  std::string partition = opts.partition;
  if (part.partitioned()) {
    if (partition.empty())
      throw ApiError::BadRequest("Dataset '" + name +
                                 "' is partitioned: name the partition to write ('partition')");
    part.ValidateId(partition);
  } else if (!partition.empty() && partition != "NP") {
    throw ApiError::BadRequest("Dataset '" + name + "' is not partitioned: no 'partition' allowed");
  }

  std::string sep = fmt == TabularFormat::kCsv ? "," : "\t";
  bool header = fmt != TabularFormat::kTsvExcelNoHeader;
  std::string reader = "read_csv(" + QuoteSqlString(file.string()) +
                       ", delim = " + QuoteSqlString(sep) +
                       ", quote = '\"', escape = '\"', header = " + (header ? "true" : "false") +
                       ", auto_detect = false, strict_mode = true, null_padding = false, "
                       "allow_quoted_nulls = false, compression = 'none', columns = {";
  for (size_t i = 0; i < schema.size(); ++i)
    reader += (i ? ", 'c" : "'c") + std::to_string(i) + "': 'VARCHAR'";
  reader += "})";

  auto conn = Connect(engine_);
  // 1. Shape and types, before anything is written.
  std::string bad_case;
  for (size_t i = 0; i < schema.size(); ++i) {
    if (IsTextType(schema[i].second)) continue;
    std::string c = "c" + std::to_string(i);
    bad_case += " WHEN " + c + " IS NOT NULL AND TRIM(" + c + ") <> '' AND TRY_CAST(TRIM(" + c +
                ") AS " + DuckFileSource::DuckTypeOf(schema[i].second) + ") IS NULL THEN " +
                QuoteSqlString(std::to_string(i)) + " || chr(31) || " + c;
  }
  try {
    if (bad_case.empty()) {
      conn->QueryScalar("SELECT count(*) FROM " + reader);
    } else {
      std::string bad = conn->QueryScalar(
          "SELECT _rn || chr(31) || _bad FROM (SELECT row_number() OVER () AS _rn, CASE" +
          bad_case + " END AS _bad FROM " + reader + ") WHERE _bad IS NOT NULL LIMIT 1");
      if (!bad.empty()) {
        auto parts = Split(bad, '\x1f');
        size_t col = parts.size() > 1 ? std::stoul(parts[1]) : 0;
        std::string value = parts.size() > 2 ? parts[2] : "";
        throw ApiError::BadRequest("Invalid data for dataset '" + name + "': row " + parts[0] +
                                   ", column '" + schema[col].first + "': '" + value +
                                   "' is not a valid " + schema[col].second);
      }
    }
  } catch (const ApiError& e) {
    DataError(name, e);
  }
  std::string typed = "SELECT ";
  for (size_t i = 0; i < schema.size(); ++i) {
    std::string c = "c" + std::to_string(i);
    if (i) typed += ", ";
    if (IsTextType(schema[i].second))
      typed += c;
    else
      typed += "CAST(NULLIF(TRIM(" + c + "), '') AS " +
               DuckFileSource::DuckTypeOf(schema[i].second) + ")";
    typed += " AS " + QuoteSqlIdent(schema[i].first);
  }
  typed += " FROM " + reader;

  if (is_inline) {
    // Inline rows live in the definition: re-read the validated rows as strings.
    auto stream =
        std::make_unique<engine::DuckRowStream>(Connect(engine_), "SELECT * FROM " + reader);
    Json rows = mode == "append" ? def.value("inlineData", Json::array()) : Json::array();
    std::string buf;
    TabularEncoder enc(TabularFormat::kJson, &buf);
    enc.Begin({});
    while (stream->Next(enc, 1 << 20)) {
    }
    enc.End();
    Json parsed = Json::parse(buf);
    for (auto& r : parsed) rows.push_back(r);
    def["inlineData"] = rows;
    store_.Transact([&](storage::Txn& txn) {
      if (!txn.Get(kKindDataset, project, name))
        throw ApiError(ErrorCode::kDatasetNotFound,
                       "dataset does not exist: " + project + "." + name);
      txn.Put(kKindDataset, project, name, def);
    });
    return Json{{"records", parsed.size()}};
  }

  DataSnapshot base = managed_.Current(project, name, opts.staging);
  auto draft = managed_.Begin(project, name);
  int next = 0;
  if (mode == "append")
    next = draft->CarryOver(base, {});
  else if (part.partitioned())
    next = draft->CarryOver(base, {partition});
  fs::path out_dir = draft->PartitionDir(partition);
  char part_name[32];
  snprintf(part_name, sizeof part_name, "part-%05d", next);
  fs::path out = out_dir / (std::string(part_name) + FileExtension(def));
  int64_t records = 0;
  try {
    std::string n = conn->QueryScalar("COPY (" + typed + ") TO " + QuoteSqlString(out.string()) +
                                      " " + CopyOptions(def));
    records = n.empty() ? 0 : std::stoll(n);
  } catch (const ApiError& e) {
    DataError(name, e);
  }
  Json info = {{"source", "write"}, {"mode", mode}};
  if (!partition.empty()) info["partition"] = partition;
  Json st = managed_.State(project, name);
  if (!part.partitioned()) {
    int64_t prev = -1;
    for (const auto& v : st["versions"])
      if (v.value("version", int64_t{0}) == base.version) prev = v.value("records", int64_t{-1});
    if (mode == "overwrite")
      info["records"] = records;
    else if (prev >= 0 || base.version == 0)
      info["records"] = std::max<int64_t>(prev, 0) + records;
  }
  int64_t v = draft->Commit(info, opts.staging);
  managed_.RecordBuild(project, name, start, NowMs(), true);
  return Json{{"version", v}, {"records", records}};
}

Json DatasetDataService::WriteFromSql(engine::DuckConnection& conn, const std::string& project,
                                      const std::string& name, const std::string& select_sql,
                                      const WriteOptions& opts) {
  int64_t start = NowMs();
  Json def = datasets_.Get(project, name);
  if (!IsManagedFs(def))
    throw ApiError::BadRequest("Dataset '" + name + "' is not a managed filesystem dataset");
  auto schema = SchemaColumns(def);
  if (opts.sync_schema || schema.empty()) {
    // DESCRIBE gives the query's columns; map them to DSS types and store the schema.
    std::string desc = conn.QueryScalar(
        "SELECT to_json(list({'name': column_name, 'type': column_type})) FROM (DESCRIBE " +
        select_sql + ")");
    Json cols = Json::array();
    for (const auto& c : Json::parse(desc.empty() ? "[]" : desc))
      cols.push_back({{"name", c.value("name", "")},
                      {"type", DuckFileSource::DssTypeOf(c.value("type", ""))}});
    Json s = {{"columns", cols}, {"userModified", false}};
    store_.Transact([&](storage::Txn& txn) {
      auto doc = txn.Get(kKindDataset, project, name);
      if (!doc) throw ApiError(ErrorCode::kDatasetNotFound, "dataset does not exist: " + name);
      Json d = *doc->data;
      d["schema"] = s;
      txn.Put(kKindDataset, project, name, d);
      def = d;
    });
    schema = SchemaColumns(def);
  }
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  if (part.partitioned()) {
    if (opts.partition.empty())
      throw ApiError::BadRequest("Dataset '" + name +
                                 "' is partitioned: name the partition to write");
    part.ValidateId(opts.partition);
  }
  std::string aliases, typed = "SELECT ";
  for (size_t i = 0; i < schema.size(); ++i) {
    aliases += (i ? ", c" : "c") + std::to_string(i);
    if (i) typed += ", ";
    typed += "CAST(_w.c" + std::to_string(i) + " AS " +
             DuckFileSource::DuckTypeOf(schema[i].second) + ") AS " +
             QuoteSqlIdent(schema[i].first);
  }
  typed += " FROM (" + select_sql + ") AS _w(" + aliases + ")";
  DataSnapshot base = managed_.Current(project, name, opts.staging);
  auto draft = managed_.Begin(project, name);
  int next = 0;
  std::string mode = ToLower(opts.mode);
  if (mode == "append")
    next = draft->CarryOver(base, {});
  else if (part.partitioned())
    next = draft->CarryOver(base, {opts.partition});
  char part_name[32];
  snprintf(part_name, sizeof part_name, "part-%05d", next);
  fs::path out =
      draft->PartitionDir(opts.partition) / (std::string(part_name) + FileExtension(def));
  std::string n;
  try {
    std::string stmt =
        "COPY (" + typed + ") TO " + QuoteSqlString(out.string()) + " " + CopyOptions(def);
    if (opts.on_statement) opts.on_statement(stmt);
    n = conn.QueryScalar(stmt);
  } catch (...) {
    managed_.RecordBuild(project, name, start, NowMs(), false);
    throw;
  }
  int64_t records = n.empty() ? 0 : std::stoll(n);
  Json info = {{"source", "sql"}, {"mode", mode}};
  if (mode != "append" && !part.partitioned()) info["records"] = records;
  int64_t v = draft->Commit(info, opts.staging);
  managed_.RecordBuild(project, name, start, NowMs(), true);
  return Json{{"version", v}, {"records", records}};
}

std::string DatasetDataService::ExternalDataSignature(const std::string& project,
                                                      const std::string& name) {
  auto doc = store_.Get(kKindDataset, project, name);
  if (!doc) return "";
  const Json& def = *doc->data;
  if (!DuckFileSource::Handles(def) || IsManagedFs(def) || def.value("type", "") == "Inline")
    return "";
  std::string listing;
  try {
    for (const auto& f : files_.ExternalFiles(project, def)) {
      std::error_code ec;
      auto size = fs::file_size(f, ec);
      auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
      listing += f.string() + "|" + std::to_string(size) + "|" + std::to_string(mtime) + "\n";
    }
  } catch (const ApiError&) {
    return "unreadable";
  }
  return Sha256Hex(listing).substr(0, 16);
}

DatasetRelation DatasetDataService::RelationFor(const std::string& project, const std::string& name,
                                                const std::vector<std::string>& partitions) {
  Json def = datasets_.Get(project, name);
  if (!DuckFileSource::Handles(def))
    throw ApiError::BadRequest("Dataset '" + name + "' is not readable by the local engine");
  return files_.Relation(project, def, partitions);
}

// ---------------------------------------------------------------------------------------
// Copy and detection

void DatasetDataService::CheckCopy(const std::string& project, const std::string& name,
                                   const Json& body) {
  if (!body.is_object()) throw ApiError::BadRequest("copyTo body must be an object");
  std::string tp = GetString(body, "targetProjectKey", project);
  if (tp.empty()) tp = project;
  std::string tn = RequireString(body, "targetDatasetName");
  GetBool(body, "syncSchema", true);
  std::string mode = ToUpper(GetString(body, "writeMode", "OVERWRITE"));
  if (mode != "OVERWRITE" && mode != "APPEND")
    throw ApiError::BadRequest("Invalid 'writeMode' '" + mode + "': expected OVERWRITE or APPEND");
  datasets_.Get(project, name);
  Json dst = datasets_.Get(tp, tn);
  if (tp == project && tn == name) throw ApiError::BadRequest("Cannot copy a dataset onto itself");
  if (!IsManagedFs(dst) && dst.value("type", "") != "Inline")
    throw ApiError::BadRequest("Target dataset '" + tn +
                               "' cannot be written: only managed filesystem and Inline datasets "
                               "accept copies");
}

Json DatasetDataService::CopyTo(const auth::Principal& who, const std::string& project,
                                const std::string& name, const Json& body) {
  CheckCopy(project, name, body);
  std::string tp = GetString(body, "targetProjectKey", project);
  if (tp.empty()) tp = project;
  std::string tn = RequireString(body, "targetDatasetName");
  bool sync = GetBool(body, "syncSchema", true);
  std::string mode = ToUpper(GetString(body, "writeMode", "OVERWRITE"));
  if (mode != "OVERWRITE" && mode != "APPEND")
    throw ApiError::BadRequest("Invalid 'writeMode' '" + mode + "': expected OVERWRITE or APPEND");
  Json src = datasets_.Get(project, name);
  Json dst = datasets_.Get(tp, tn);
  if (tp == project && tn == name) throw ApiError::BadRequest("Cannot copy a dataset onto itself");
  auto schema = SchemaColumns(src);
  if (sync) {
    Json s = src.value("schema", Json{{"columns", Json::array()}});
    datasets_.SetSchema(
        who, tp, tn, Json{{"columns", s.value("columns", Json::array())}, {"userModified", false}});
  }
  ReadSpec spec;
  auto stream = SourceFor(src)->Open(project, src, spec);
  TempFile tmp(dir_, ".tsv");
  FILE* f = fopen(tmp.path.c_str(), "wb");
  if (!f) throw ApiError::Internal("Cannot create " + tmp.path.string());
  std::string buf;
  TabularEncoder enc(TabularFormat::kTsvExcelNoHeader, &buf);
  try {
    while (stream->Next(enc, 1 << 20)) {
      if (fwrite(buf.data(), 1, buf.size(), f) != buf.size())
        throw ApiError::Internal("Cannot write " + tmp.path.string());
      buf.clear();
    }
  } catch (...) {
    fclose(f);
    throw;
  }
  fclose(f);
  WriteOptions o;
  o.mode = mode == "APPEND" ? "append" : "overwrite";
  Json r = WriteTsvFile(tp, tn, tmp.path, TabularFormat::kTsvExcelNoHeader, o);
  return Json{{"hasResult", true},
              {"result",
               {{"targetProjectKey", tp},
                {"targetDatasetName", tn},
                {"records", r.value("records", 0)},
                {"version", r.value("version", 0)}}}};
}

Json DatasetDataService::DetectFsLike(const std::string& project, const std::string& name,
                                      const Json& body) {
  Json def = datasets_.Get(project, name);
  bool infer = body.is_object() && GetBool(body, "inferStorageTypes", false);
  std::vector<fs::path> files;
  DataSnapshot snap;
  if (IsManagedFs(def)) {
    snap = managed_.Current(project, name);
    files = snap.Files();
  } else if (DuckFileSource::Handles(def) && def.value("type", "") != "Inline") {
    files = files_.ExternalFiles(project, def);
  } else {
    throw ApiError::BadRequest("Dataset '" + name + "' (type " + def.value("type", "") +
                               ") is not file-based: format detection does not apply");
  }
  Json format = {{"ok", false}};
  if (files.empty()) {
    format["message"] = "No file found in dataset '" + name + "'";
    return Json{{"hasResult", true}, {"result", {{"format", format}, {"connectionOK", true}}}};
  }
  const fs::path& f = files.front();
  auto conn = Connect(engine_);
  Json columns = Json::array();
  try {
    if (EndsWith(f.string(), ".parquet")) {
      std::string desc = conn->QueryScalar(
          "SELECT to_json(list({'name': column_name, 'type': column_type})) FROM (DESCRIBE "
          "SELECT * FROM read_parquet(" +
          QuoteSqlString(f.string()) + "))");
      for (const auto& c : Json::parse(desc.empty() ? "[]" : desc))
        columns.push_back(
            {{"name", c.value("name", "")},
             {"type", infer ? DuckFileSource::DssTypeOf(c.value("type", "")) : "string"}});
      format["type"] = "parquet";
      format["params"] = {{"parquetCompressionMethod", "SNAPPY"}, {"parquetFlavor", "HIVE"}};
    } else {
      std::string js = conn->QueryScalar(
          "SELECT to_json({'d': Delimiter, 'q': Quote, 'e': Escape, 'h': HasHeader, 's': "
          "SkipRows, 'c': Columns}) FROM sniff_csv(" +
          QuoteSqlString(f.string()) + ")");
      Json s = Json::parse(js.empty() ? "{}" : js);
      std::string quote = s.value("q", "\"");
      // The sniffer reports "(empty)" when the file has no quoting.
      if (quote.size() != 1 || quote[0] == '\0') quote = "\"";
      std::string escape = s.value("e", "");
      if (escape.size() != 1 || escape[0] == '\0') escape = "";
      bool header = s.value("h", false);
      std::string style = escape.empty() || escape == quote ? "excel" : "unix";
      format["type"] = "csv";
      format["params"] = {{"style", style},
                          {"charset", "utf8"},
                          {"separator", s.value("d", ",")},
                          {"quoteChar", quote},
                          {"escapeChar", escape.empty() || escape == quote ? "\\" : escape},
                          {"dateSerializationFormat", "ISO"},
                          {"arrayMapFormat", "json"},
                          {"skipRowsBeforeHeader", s.value("s", 0)},
                          {"parseHeaderRow", header},
                          {"skipRowsAfterHeader", 0},
                          {"normalizeBooleans", false},
                          {"normalizeDoubles", true},
                          {"compress", EndsWith(f.string(), ".gz") ? "gz" : ""}};
      size_t i = 0;
      for (const auto& c : s.value("c", Json::array())) {
        std::string cname = header ? c.value("name", "") : "col_" + std::to_string(i);
        columns.push_back(
            {{"name", cname},
             {"type", infer ? DuckFileSource::DssTypeOf(c.value("type", "")) : "string"}});
        ++i;
      }
    }
  } catch (const ApiError& e) {
    format["ok"] = false;
    format["message"] =
        std::string("Cannot detect the format of '") + f.filename().string() + "': " + e.what();
    return Json{{"hasResult", true}, {"result", {{"format", format}, {"connectionOK", true}}}};
  }
  format["ok"] = true;
  format["schemaDetection"] = {{"newSchema", {{"columns", columns}, {"userModified", false}}},
                               {"detectedSchema", {{"columns", columns}}}};
  return Json{{"hasResult", true}, {"result", {{"format", format}, {"connectionOK", true}}}};
}

}  // namespace dss::core
