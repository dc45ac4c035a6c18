#include "core/pg_data_source.h"

#include "common/api_error.h"
#include "common/strings.h"
#include "core/partitioning.h"
#include "core/sql_connection_resolver.h"
#include "engine/postgres_types.h"

namespace dss::core {

namespace {
ApiError Invalid(const std::string& msg) {
  return ApiError(ErrorCode::kInvalidConfig, msg);
}

std::string Substitute(std::string s, const std::string& project) {
  const std::string var = "${projectKey}";
  for (size_t p; (p = s.find(var)) != std::string::npos;) s.replace(p, var.size(), project);
  return s;
}

std::string ParamStr(const Json& params, const char* key) {
  return params.contains(key) && params[key].is_string() ? params[key].get<std::string>() : "";
}

enum class Enc { kString, kNumber, kBool };

Enc EncodingOf(const std::string& dss_type) {
  if (dss_type == "boolean") return Enc::kBool;
  if (dss_type == "tinyint" || dss_type == "smallint" || dss_type == "int" ||
      dss_type == "bigint" || dss_type == "float" || dss_type == "double")
    return Enc::kNumber;
  return Enc::kString;
}

class PgDatasetRowStream : public RowStream {
 public:
  PgDatasetRowStream(std::unique_ptr<engine::PgConnection> conn,
                     std::unique_ptr<engine::PgRowStream> rows)
      : conn_(std::move(conn)), rows_(std::move(rows)) {
    for (const auto& c : rows_->columns()) {
      names_.push_back(c.name);
      enc_.push_back(EncodingOf(c.type.dss_type));
    }
  }
  ~PgDatasetRowStream() override {
    rows_.reset();  // cancels an unfinished read before the connection closes
    conn_.reset();
  }
  const std::vector<std::string>& column_names() const override { return names_; }
  bool Next(TabularEncoder& enc, size_t target_bytes) override {
    while (enc.out().size() < target_bytes) {
      if (!rows_->Next()) return false;
      enc.BeginRow();
      for (size_t i = 0; i < names_.size(); ++i) {
        if (rows_->IsNull(i)) {
          enc.Null();
          continue;
        }
        std::string_view v = rows_->Value(i);
        switch (enc_[i]) {
          case Enc::kBool:
            enc.Bool(v == "true");
            break;
          case Enc::kNumber:
            enc.Number(v);
            break;
          case Enc::kString:
            enc.String(v);
            break;
        }
      }
      enc.EndRow();
    }
    return true;
  }
  void Interrupt() override { conn_->Cancel(); }

 private:
  std::unique_ptr<engine::PgConnection> conn_;
  std::unique_ptr<engine::PgRowStream> rows_;
  std::vector<std::string> names_;
  std::vector<Enc> enc_;
};
}  // namespace

PgDataSource::PgDataSource(SqlConnectionResolver& connections) : connections_(connections) {}

std::unique_ptr<engine::PgConnection> PgDataSource::Connect(const Json& def) const {
  const Json params = def.value("params", Json::object());
  std::string conn = ParamStr(params, "connection");
  if (conn.empty()) throw Invalid("Missing required field 'params.connection'");
  return engine::PgConnection::Connect(connections_.ResolveTrusted(conn));
}

std::string PgDataSource::Relation(const std::string& project, const Json& def) const {
  const Json params = def.value("params", Json::object());
  std::string mode = ParamStr(params, "mode");
  if (mode.empty() || mode == "table") {
    std::string table = Substitute(ParamStr(params, "table"), project);
    if (table.empty()) throw Invalid("Missing required field 'params.table' (mode table)");
    std::string schema = Substitute(ParamStr(params, "schema"), project);
    if (schema.empty()) schema = connections_.DefaultSchema(ParamStr(params, "connection"));
    return (schema.empty() ? "" : engine::PgQuoteIdent(schema) + ".") + engine::PgQuoteIdent(table);
  }
  if (mode == "query") {
    std::string q = Trim(Substitute(ParamStr(params, "query"), project));
    while (!q.empty() && q.back() == ';') q = Trim(q.substr(0, q.size() - 1));
    if (q.empty()) throw Invalid("Missing required field 'params.query' (mode query)");
    return "(" + q + ")";
  }
  throw Invalid("Invalid 'params.mode' '" + mode + "': expected table or query");
}

std::string PgDataSource::PartitionPredicate(const Json& def,
                                             const std::vector<std::string>& partitions) {
  if (!def.contains("partitioning") || !def["partitioning"].is_object()) return "";
  const Json dims = def["partitioning"].value("dimensions", Json::array());
  if (!dims.is_array() || dims.empty()) return "";
  std::string any;
  for (const auto& id : partitions) {
    if (id.empty() || id == "ALL" || id == "NP") continue;
    auto values = Split(id, '|');
    if (values.size() != dims.size())
      throw ApiError::BadRequest("Partition '" + id + "' has " + std::to_string(values.size()) +
                                 " dimension value(s); the dataset has " +
                                 std::to_string(dims.size()));
    std::string all;
    for (size_t i = 0; i < dims.size(); ++i) {
      std::string col = engine::PgQuoteIdent(dims[i].value("name", ""));
      std::string v = values[i];
      std::string term;
      if (dims[i].value("type", "value") == "time") {
        // YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DD-HH against the column's ISO text.
        if (v.size() == 13) v[10] = ' ';
        term = "left(CAST(" + col + " AS text), " + std::to_string(v.size()) +
               ") = " + engine::PgQuoteLiteral(v);
      } else {
        term = "CAST(" + col + " AS text) = " + engine::PgQuoteLiteral(v);
      }
      all += (all.empty() ? "" : " AND ") + term;
    }
    any += (any.empty() ? "(" : " OR (") + all + ")";
  }
  return any;
}

std::vector<std::string> PgDataSource::ListPartitions(const std::string& project, const Json& def) {
  Partitioning part = Partitioning::FromJson(def.value("partitioning", Json()));
  if (!part.partitioned()) return {};
  std::string id_sql, not_null;
  for (const auto& d : part.dimensions()) {
    std::string col = engine::PgQuoteIdent(d.name);
    std::string e = "CAST(" + col + " AS text)";
    if (d.type == "time") {
      // The column's ISO text cut to the period, as PartitionPredicate compares it.
      int n = d.period == "YEAR" ? 4 : d.period == "MONTH" ? 7 : d.period == "DAY" ? 10 : 13;
      e = "replace(left(" + e + ", " + std::to_string(n) + "), ' ', '-')";
    }
    id_sql += (id_sql.empty() ? "" : " || '|' || ") + e;
    not_null += (not_null.empty() ? "" : " AND ") + col + " IS NOT NULL";
  }
  auto conn = Connect(def);
  auto rows = conn->QueryAll("SELECT DISTINCT " + id_sql + " AS id FROM " + Relation(project, def) +
                             " AS t WHERE " + not_null + " ORDER BY 1");
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (!r.empty() && r[0]) out.push_back(*r[0]);
  return out;
}

std::unique_ptr<RowStream> PgDataSource::Open(const std::string& project, const Json& def,
                                              const ReadSpec& spec) {
  std::vector<std::string> all_columns;
  if (def.contains("schema") && def["schema"].is_object() &&
      def["schema"].value("columns", Json::array()).is_array())
    for (const auto& c : def["schema"]["columns"]) all_columns.push_back(c.value("name", ""));
  ReadSpec s = spec;
  std::string parts = PartitionPredicate(def, spec.partitions);
  if (!parts.empty())
    s.filter_sql = s.filter_sql.empty() ? parts : "(" + s.filter_sql + ") AND (" + parts + ")";
  std::string sql = s.WrapSelect(Relation(project, def), all_columns);
  auto conn = Connect(def);
  auto rows = conn->Stream(sql);
  return std::make_unique<PgDatasetRowStream>(std::move(conn), std::move(rows));
}

Json PgDataSource::DetectColumns(const std::string& project, const Json& def) const {
  auto conn = Connect(def);
  const Json params = def.value("params", Json::object());
  std::string mode = ParamStr(params, "mode");
  Json cols = Json::array();
  if (mode.empty() || mode == "table") {
    std::string table = Substitute(ParamStr(params, "table"), project);
    if (table.empty()) throw Invalid("Missing required field 'params.table' (mode table)");
    std::string schema = Substitute(ParamStr(params, "schema"), project);
    if (schema.empty()) schema = connections_.DefaultSchema(ParamStr(params, "connection"));
    std::string schema_sql =
        schema.empty() ? std::string("current_schema()") : engine::PgQuoteLiteral(schema);
    auto rows = conn->QueryAll(
        "SELECT column_name, udt_name, character_maximum_length FROM information_schema.columns "
        "WHERE table_schema = " +
        schema_sql + " AND table_name = " + engine::PgQuoteLiteral(table) +
        " ORDER BY ordinal_position");
    if (rows.empty())
      throw ApiError(ErrorCode::kSqlTableNotFound, "Table " + (schema.empty() ? "" : schema + ".") +
                                                       table + " does not exist on connection '" +
                                                       ParamStr(params, "connection") +
                                                       "' (or has no columns)");
    for (const auto& r : rows) {
      Json c = {{"name", r[0].value_or("")},
                {"type", engine::DssTypeOfPgTypeName(r[1].value_or(""))},
                {"originalType", r[1].value_or("")}};
      if (r[2]) c["maxLength"] = std::stoi(*r[2]);
      cols.push_back(std::move(c));
    }
    return cols;
  }
  auto rows = conn->Stream("SELECT * FROM " + Relation(project, def) + " AS _q LIMIT 0");
  for (const auto& c : rows->columns()) {
    Json col = {
        {"name", c.name}, {"type", c.type.dss_type}, {"originalType", c.type.original_type}};
    if (c.type.length >= 0) col["maxLength"] = c.type.length;
    cols.push_back(std::move(col));
  }
  return cols;
}

}  // namespace dss::core
