#include "core/duck_file_source.h"

#include <algorithm>

#include "common/api_error.h"
#include "common/strings.h"
#include "core/dataset_service.h"
#include "core/partitioning.h"
#include "engine/duck_row_stream.h"

namespace dss::core {

namespace fs = std::filesystem;

namespace {

class DuckStreamAdapter : public RowStream {
 public:
  DuckStreamAdapter(std::unique_ptr<engine::DuckRowStream> s, DataSnapshot snap)
      : stream_(std::move(s)), snapshot_(std::move(snap)) {}
  const std::vector<std::string>& column_names() const override { return stream_->column_names(); }
  bool Next(TabularEncoder& enc, size_t target_bytes) override {
    return stream_->Next(enc, target_bytes);
  }
  void Interrupt() override { stream_->Interrupt(); }

 private:
  std::unique_ptr<engine::DuckRowStream> stream_;
  DataSnapshot snapshot_;  // keeps the version pinned for the whole read
};

std::string Substitute(std::string s, const std::string& project) {
  const std::string var = "${projectKey}";
  for (size_t p; (p = s.find(var)) != std::string::npos;) s.replace(p, var.size(), project);
  return s;
}

std::string CsvOpt(const Json& fp, const char* key, const std::string& def) {
  if (fp.is_object() && fp.contains(key) && fp[key].is_string()) return fp[key].get<std::string>();
  return def;
}

}  // namespace

bool IsTextType(const std::string& t) {
  return t == "string" || t == "array" || t == "map" || t == "object" || t == "geopoint" ||
         t == "geometry" || t.empty();
}

std::vector<std::pair<std::string, std::string>> SchemaColumns(const Json& def) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!def.contains("schema") || !def["schema"].is_object()) return out;
  const Json& s = def["schema"];
  if (!s.contains("columns") || !s["columns"].is_array()) return out;
  for (const auto& c : s["columns"])
    out.emplace_back(c.value("name", ""), c.value("type", "string"));
  return out;
}

std::string SqlStringList(const std::vector<fs::path>& files) {
  std::string s = "[";
  for (size_t i = 0; i < files.size(); ++i) {
    if (i) s += ", ";
    s += QuoteSqlString(files[i].string());
  }
  return s + "]";
}

DuckFileSource::DuckFileSource(const storage::DataDir& dir, engine::DuckEngine& engine,
                               ManagedDataStore& managed, DatasetService& datasets)
    : dir_(dir), engine_(engine), managed_(managed), datasets_(datasets) {}

bool DuckFileSource::Handles(const Json& def) {
  std::string t = def.value("type", "");
  return t == "Filesystem" || t == "UploadedFiles" || t == "FilesInFolder" || t == "Inline";
}

std::string DuckFileSource::DssTypeOf(const std::string& t) {
  std::string u = ToUpper(t);
  if (u == "BIGINT" || u == "HUGEINT" || u == "UBIGINT" || u == "UINTEGER") return "bigint";
  if (u == "INTEGER" || u == "USMALLINT") return "int";
  if (u == "SMALLINT" || u == "UTINYINT") return "smallint";
  if (u == "TINYINT") return "tinyint";
  if (u == "DOUBLE" || StartsWith(u, "DECIMAL")) return "double";
  if (u == "FLOAT") return "float";
  if (u == "BOOLEAN") return "boolean";
  if (u == "DATE") return "dateonly";
  if (u == "TIMESTAMP" || u == "TIMESTAMP_NS" || u == "TIMESTAMP_MS" || u == "TIMESTAMP_S")
    return "datetimenotz";
  if (u == "TIMESTAMP WITH TIME ZONE" || u == "TIMESTAMPTZ") return "date";
  if (EndsWith(u, "[]") || StartsWith(u, "STRUCT") || StartsWith(u, "MAP")) return "object";
  return "string";
}

std::string DuckFileSource::DuckTypeOf(const std::string& t) {
  if (t == "tinyint") return "TINYINT";
  if (t == "smallint") return "SMALLINT";
  if (t == "int") return "INTEGER";
  if (t == "bigint") return "BIGINT";
  if (t == "float") return "FLOAT";
  if (t == "double") return "DOUBLE";
  if (t == "boolean") return "BOOLEAN";
  if (t == "date") return "TIMESTAMPTZ";
  if (t == "dateonly") return "DATE";
  if (t == "datetimenotz") return "TIMESTAMP";
  return "VARCHAR";
}

std::string DuckFileSource::ReaderSql(const Json& def, const std::vector<fs::path>& files,
                                      size_t ncols) {
  std::string ft = def.value("formatType", "");
  std::string list = SqlStringList(files);
  if (ft == "parquet") return "read_parquet(" + list + ", union_by_name = true)";
  if (ft == "json") return "read_json_auto(" + list + ")";
  if (ft != "csv")
    throw ApiError(ErrorCode::kInvalidConfig, "Dataset '" + def.value("name", "") +
                                                  "' has no readable format (formatType '" + ft +
                                                  "'): detect or set its format first");
  const Json fp = def.contains("formatParams") ? def["formatParams"] : Json::object();
  std::string sep = CsvOpt(fp, "separator", ",");
  if (sep == "\\t") sep = "\t";
  std::string quote = CsvOpt(fp, "quoteChar", "\"");
  std::string style = CsvOpt(fp, "style", "excel");
  std::string escape = CsvOpt(fp, "escapeChar", "");
  if (style == "excel" || escape.empty()) escape = quote;
  if (style == "no_escaping_nor_quoting") quote = escape = "";
  bool header = fp.is_object() && fp.value("parseHeaderRow", false);
  long long skip = fp.is_object() && fp.contains("skipRowsBeforeHeader") &&
                           fp["skipRowsBeforeHeader"].is_number_integer()
                       ? fp["skipRowsBeforeHeader"].get<long long>()
                       : 0;
  std::string sql = "read_csv(" + list + ", delim = " + QuoteSqlString(sep) +
                    ", quote = " + QuoteSqlString(quote) + ", escape = " + QuoteSqlString(escape) +
                    ", header = " + (header ? "true" : "false") +
                    ", skip = " + std::to_string(skip) + ", allow_quoted_nulls = false";
  if (ncols > 0) {
    // null_padding (short rows) is refused by the parallel scanner when fields hold newlines.
    sql +=
        ", auto_detect = false, null_padding = true, parallel = false, strict_mode = false, "
        "columns = {";
    for (size_t i = 0; i < ncols; ++i) {
      if (i) sql += ", ";
      sql += "'c" + std::to_string(i) + "': 'VARCHAR'";
    }
    sql += "}";
  } else {
    sql += ", all_varchar = true";
  }
  return sql + ")";
}

std::vector<fs::path> DuckFileSource::ExternalFiles(const std::string& project, const Json& def,
                                                    fs::path* root_out) {
  std::string type = def.value("type", "");
  const Json params =
      def.contains("params") && def["params"].is_object() ? def["params"] : Json::object();
  fs::path root;
  if (type == "UploadedFiles") {
    root = dir_.UploadsDir() / project / def.value("name", "");
  } else if (type == "FilesInFolder") {
    std::string smart = params.value("folderSmartId", "");
    std::string fp = project, fid = smart;
    if (auto dot = smart.find('.'); dot != std::string::npos) {
      fp = smart.substr(0, dot);
      fid = smart.substr(dot + 1);
    }
    root = storage::SafeJoin(dir_.ManagedFoldersDir(), fp + "/" + fid);
  } else {
    Json conn = datasets_.ResolveConnection(params.value("connection", ""));
    std::string croot = conn.contains("params") && conn["params"].is_object()
                            ? conn["params"].value("root", "")
                            : "";
    if (croot.empty())
      throw ApiError(ErrorCode::kInvalidConnection,
                     "Connection '" + params.value("connection", "") + "' has no root path");
    root = storage::SafeJoin(fs::path(croot), Substitute(params.value("path", "/"), project));
  }
  if (root_out) *root_out = root;
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  if (fs::is_regular_file(root, ec)) return {root};
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (!n.empty() && (n[0] == '.' || n[0] == '_')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && !EndsWith(n, ".crc")) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

DatasetRelation DuckFileSource::Relation(const std::string& project, const Json& def,
                                         const std::vector<std::string>& partitions) {
  DatasetRelation rel;
  auto cols = SchemaColumns(def);
  for (const auto& c : cols) rel.columns.push_back(c.first);
  std::string type = def.value("type", "");
  std::vector<fs::path> files;
  std::string reader;
  if (type == "Inline") {
    const Json rows = def.value("inlineData", Json::array());
    if (!rows.empty() && !cols.empty()) {
      std::string values;
      for (const auto& row : rows) {
        values += values.empty() ? "(" : ", (";
        for (size_t i = 0; i < cols.size(); ++i) {
          if (i) values += ", ";
          if (i >= row.size() || row[i].is_null())
            values += "CAST(NULL AS VARCHAR)";
          else if (row[i].is_string())
            values += QuoteSqlString(row[i].get<std::string>());
          else
            values += QuoteSqlString(row[i].dump());
        }
        values += ")";
      }
      std::string names;
      for (size_t i = 0; i < cols.size(); ++i) names += (i ? ", c" : "c") + std::to_string(i);
      reader = "(VALUES " + values + ") AS _v(" + names + ")";
    }
  } else {
    bool managed = def.value("managed", false) && type == "Filesystem";
    if (managed) {
      rel.snapshot = managed_.Current(project, def.value("name", ""));
      files = rel.snapshot.Files(partitions);
    } else {
      files = ExternalFiles(project, def);
      Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
      if (!partitions.empty() && part.has_file_pattern()) {
        fs::path root;
        ExternalFiles(project, def, &root);
        std::vector<fs::path> kept;
        for (const auto& f : files) {
          auto id = part.IdOfPath(fs::relative(f, root).generic_string());
          if (id && std::find(partitions.begin(), partitions.end(), *id) != partitions.end())
            kept.push_back(f);
        }
        files = std::move(kept);
      }
    }
    rel.files = files;
    if (!files.empty())
      reader = ReaderSql(def, files, def.value("formatType", "") == "csv" ? cols.size() : 0);
  }
  bool positional = type == "Inline" || def.value("formatType", "") == "csv";
  if (reader.empty()) {
    std::string sql = "(SELECT ";
    if (cols.empty()) sql += "CAST(NULL AS VARCHAR) AS \"col_0\"";
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) sql += ", ";
      sql += "CAST(NULL AS " + DuckTypeOf(cols[i].second) + ") AS " + QuoteSqlIdent(cols[i].first);
    }
    rel.sql = sql + " WHERE 1 = 0)";
    if (cols.empty()) rel.columns = {"col_0"};
    return rel;
  }
  if (cols.empty()) {
    rel.sql = "(SELECT * FROM " + reader + ")";
    return rel;
  }
  std::string sql = "(SELECT ";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) sql += ", ";
    std::string src = positional ? "c" + std::to_string(i) : QuoteSqlIdent(cols[i].first);
    if (IsTextType(cols[i].second))
      sql += positional ? src : "CAST(" + src + " AS VARCHAR)";
    else if (positional)
      sql += "TRY_CAST(NULLIF(TRIM(" + src + "), '') AS " + DuckTypeOf(cols[i].second) + ")";
    else
      sql += "TRY_CAST(" + src + " AS " + DuckTypeOf(cols[i].second) + ")";
    sql += " AS " + QuoteSqlIdent(cols[i].first);
  }
  rel.sql = sql + " FROM " + reader + ")";
  return rel;
}

std::unique_ptr<RowStream> DuckFileSource::Open(const std::string& project, const Json& def,
                                                const ReadSpec& spec) {
  DatasetRelation rel = Relation(project, def, spec.partitions);
  std::string sql = spec.WrapSelect(rel.sql, rel.columns);
  auto conn = engine_.Connect();
  conn->Execute("SET TimeZone = 'UTC'");
  auto stream = std::make_unique<engine::DuckRowStream>(std::move(conn), sql);
  return std::make_unique<DuckStreamAdapter>(std::move(stream), std::move(rel.snapshot));
}

}  // namespace dss::core
