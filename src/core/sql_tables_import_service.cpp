#include "core/sql_tables_import_service.h"

#include <set>

#include "common/api_error.h"
#include "core/dataset_service.h"
#include "core/future_service.h"
#include "core/pg_data_source.h"
#include "core/sql_connection_resolver.h"
#include "engine/postgres_types.h"

namespace dss::core {

namespace {
// Predicate keeping user schemas; `col` names the schema-name column.
std::string UserSchemas(const std::string& col) {
  return col + " NOT IN ('information_schema', 'pg_catalog', 'pg_toast') AND " + col +
         " NOT LIKE 'pg_temp_%' AND " + col + " NOT LIKE 'pg_toast_temp_%'";
}

std::string Sanitised(const std::string& s) {
  std::string out;
  for (char c : s)
    out += (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return out.empty() ? "table" : out.substr(0, 150);
}

Json TableDef(const std::string& connection, const std::string& schema, const std::string& table) {
  return {{"type", "PostgreSQL"},
          {"params",
           {{"connection", connection}, {"mode", "table"}, {"schema", schema}, {"table", table}}}};
}

std::string Field(const Json& obj, const char* f, const std::string& where) {
  if (!obj.contains(f) || obj[f].is_null()) return "";
  if (!obj[f].is_string()) throw ApiError::BadRequest("Field '" + where + f + "' must be a string");
  return obj[f].get<std::string>();
}
}  // namespace

SqlTablesImportService::SqlTablesImportService(SqlConnectionResolver& connections,
                                               PgDataSource& source, DatasetService& datasets,
                                               FutureService& futures)
    : connections_(connections), source_(source), datasets_(datasets), futures_(futures) {}

Json SqlTablesImportService::ListSchemas(const auth::Principal& who,
                                         const std::string& connection) {
  auto conn = engine::PgConnection::Connect(connections_.Resolve(who, connection));
  Json out = Json::array();
  for (const auto& r : conn->QueryAll("SELECT nspname FROM pg_namespace WHERE " +
                                      UserSchemas("nspname") + " ORDER BY nspname"))
    out.push_back(r[0].value_or(""));
  return out;
}

Json SqlTablesImportService::ListTables(const auth::Principal& who, const std::string& connection,
                                        const std::string& schema) {
  auto conn = engine::PgConnection::Connect(connections_.Resolve(who, connection));
  std::string where =
      schema.empty() ? UserSchemas("n.nspname") : "n.nspname = " + engine::PgQuoteLiteral(schema);
  auto rows = conn->QueryAll(
      "SELECT n.nspname, c.relname, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN "
      "'MATERIALIZED_VIEW' WHEN 'f' THEN 'FOREIGN_TABLE' ELSE 'TABLE' END FROM pg_class c JOIN "
      "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " +
      where + " ORDER BY 1, 2");
  Json tables = Json::array();
  for (const auto& r : rows)
    tables.push_back({{"connectionName", connection},
                      {"catalog", nullptr},
                      {"schema", r[0].value_or("")},
                      {"table", r[1].value_or("")},
                      {"type", r[2].value_or("TABLE")}});
  return {{"hasResult", true}, {"result", {{"tables", tables}}}};
}

Json SqlTablesImportService::Prepare(const auth::Principal& who, const std::string& project,
                                     const Json& body) {
  RequireObject(body, "Tables import request");
  if (!body.contains("keys") || !body["keys"].is_array() || body["keys"].empty())
    throw ApiError::BadRequest(
        "Field 'keys' must be a non-empty array of {connectionName, "
        "schema, name}");
  struct Key {
    std::string connection, schema, table;
  };
  std::vector<Key> keys;
  for (size_t i = 0; i < body["keys"].size(); ++i) {
    const Json& k = body["keys"][i];
    std::string where = "keys[" + std::to_string(i) + "].";
    if (!k.is_object())
      throw ApiError::BadRequest("Field 'keys[" + std::to_string(i) + "]' must be an object");
    Key key{Field(k, "connectionName", where), Field(k, "schema", where), Field(k, "name", where)};
    if (key.connection.empty() || key.table.empty())
      throw ApiError::BadRequest("Fields '" + where + "connectionName' and '" + where +
                                 "name' are required");
    if (key.connection.rfind("@virtual(", 0) == 0)
      throw ApiError::BadRequest("Hive imports ('" + key.connection + "') are not supported");
    connections_.Resolve(who, key.connection);  // existence, type and permission up front
    keys.push_back(std::move(key));
  }
  return futures_.Start(who, project, "Prepare tables import", [=, this](FutureContext& ctx) {
    std::set<std::string> taken;
    for (const auto& d : datasets_.List(project, {})) taken.insert(d.value("name", ""));
    Json candidates = Json::array();
    for (const auto& k : keys) {
      ctx.CheckAborted();
      std::string schema = k.schema.empty() ? connections_.DefaultSchema(k.connection) : k.schema;
      if (schema.empty()) schema = "public";
      source_.DetectColumns(project, TableDef(k.connection, schema, k.table));  // must exist
      std::string base = Sanitised(k.table), name = base;
      for (int n = 2; taken.count(name); ++n) name = base + "_" + std::to_string(n);
      taken.insert(name);
      candidates.push_back({{"connectionName", k.connection},
                            {"catalog", nullptr},
                            {"schema", schema},
                            {"table", k.table},
                            {"datasetName", name},
                            {"checked", true},
                            {"existingDatasetsNames", Json::array()}});
    }
    return Json{{"sqlImportCandidates", candidates}, {"hiveImportCandidates", Json::array()}};
  });
}

Json SqlTablesImportService::Execute(const auth::Principal& who, const std::string& project,
                                     const Json& body) {
  RequireObject(body, "Tables import candidates");
  Json cands = body.value("sqlImportCandidates", Json::array());
  if (!cands.is_array()) throw ApiError::BadRequest("Field 'sqlImportCandidates' must be an array");
  if (body.contains("hiveImportCandidates") && body["hiveImportCandidates"].is_array() &&
      !body["hiveImportCandidates"].empty())
    throw ApiError::BadRequest("Hive imports ('hiveImportCandidates') are not supported");
  for (size_t i = 0; i < cands.size(); ++i) {
    std::string where = "sqlImportCandidates[" + std::to_string(i) + "].";
    if (!cands[i].is_object())
      throw ApiError::BadRequest("Field '" + where + "' must be an object");
    if (Field(cands[i], "connectionName", where).empty() ||
        Field(cands[i], "table", where).empty() || Field(cands[i], "datasetName", where).empty())
      throw ApiError::BadRequest("Fields '" + where + "connectionName', '" + where +
                                 "table' and '" + where + "datasetName' are required");
    connections_.Resolve(who, cands[i]["connectionName"].get<std::string>());
  }
  return futures_.Start(who, project, "Import tables", [=, this](FutureContext& ctx) {
    Json imported = Json::array();
    for (const auto& c : cands) {
      ctx.CheckAborted();
      if (c.contains("checked") && c["checked"].is_boolean() && !c["checked"].get<bool>()) continue;
      std::string conn = c["connectionName"], table = c["table"], name = c["datasetName"];
      std::string schema = c.value("schema", Json("")).is_string() ? c.value("schema", "") : "";
      Json def = TableDef(conn, schema, table);
      Json columns = source_.DetectColumns(project, def);
      def["name"] = name;
      def["projectKey"] = project;
      def["schema"] = {{"columns", columns}, {"userModified", false}};
      datasets_.Create(who, project, def);
      imported.push_back({{"projectKey", project},
                          {"name", name},
                          {"connectionName", conn},
                          {"schema", schema},
                          {"table", table}});
    }
    return Json{{"importedDatasets", imported}, {"failedImports", Json::array()}};
  });
}

Json SqlTablesImportService::DetectExternalSql(const std::string& project,
                                               const std::string& name) {
  Json def = datasets_.Get(project, name);
  if (def.value("type", "") != "PostgreSQL")
    throw ApiError::BadRequest("Dataset '" + name + "' is of type '" + def.value("type", "") +
                               "': externalSQL detection needs a PostgreSQL dataset");
  Json columns = source_.DetectColumns(project, def);
  return {{"connectionOK", true},
          {"schemaDetection", {{"newSchema", {{"columns", columns}, {"userModified", false}}}}}};
}

}  // namespace dss::core
