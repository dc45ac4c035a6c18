#include "core/dataset_service.h"

#include <algorithm>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"
#include "core/connection_service.h"
#include "core/managed_data_store.h"
#include "core/managed_folder_service.h"
#include "core/metrics_service.h"
#include "core/partitioning.h"
#include "core/security_service.h"

namespace dss::core {

namespace {

ApiError Invalid(const std::string& msg) {
  return ApiError(ErrorCode::kInvalidConfig, msg);
}

const std::set<std::string>& KnownTypes() {
  static const std::set<std::string> k = {"Filesystem", "UploadedFiles", "FilesInFolder",
                                          "PostgreSQL", "Inline"};
  return k;
}

const std::set<std::string>& ColumnTypes() {
  static const std::set<std::string> k = {
      "string", "tinyint",  "smallint",     "int",   "bigint", "float",  "double",   "boolean",
      "date",   "dateonly", "datetimenotz", "array", "map",    "object", "geopoint", "geometry"};
  return k;
}

// Top-level fields of a DSS dataset definition (anything else in a PUT is reported).
const std::set<std::string>& KnownFields() {
  static const std::set<std::string> k = {
      "projectKey",       "name",         "type",         "managed",
      "featureGroup",     "formatType",   "formatParams", "params",
      "schema",           "partitioning", "tags",         "description",
      "shortDesc",        "customFields", "customMeta",   "checklists",
      "versionTag",       "creationTag",  "smartName",    "dkuProperties",
      "readWriteOptions", "flowOptions",  "metrics",      "metricsChecks",
      "checks",           "dataSteward",  "backendType",  "tagsFile",
      "dataQuality",      "sourceType",   "inlineData"};
  return k;
}

std::string Str(const Json& obj, const char* field, const std::string& where) {
  if (!obj.is_object() || !obj.contains(field) || obj[field].is_null()) return "";
  if (!obj[field].is_string()) throw Invalid("Field '" + where + field + "' must be a string");
  return obj[field].get<std::string>();
}

Json CsvFormat(const std::string& style, const std::string& sep, const std::string& quote,
               const std::string& escape, const std::string& compress) {
  return Json{{"style", style},
              {"charset", "utf8"},
              {"separator", sep},
              {"quoteChar", quote},
              {"escapeChar", escape},
              {"dateSerializationFormat", "ISO"},
              {"arrayMapFormat", "json"},
              {"hiveSeparators",
               Json::array({"\u0002", "\u0003", "\u0004", "\u0005", "\u0006", "\u0007", "\b"})},
              {"skipRowsBeforeHeader", 0},
              {"parseHeaderRow", false},
              {"skipRowsAfterHeader", 0},
              {"probableNumberOfRecords", 0},
              {"normalizeBooleans", false},
              {"normalizeDoubles", true},
              {"compress", compress}};
}

// formatOptionId → (formatType, formatParams).
std::pair<std::string, Json> FormatOption(const std::string& id) {
  if (id.empty() || id == "PARQUET_HIVE")
    return {"parquet",
            {{"parquetLowerCaseIdentifiers", false},
             {"representsNullFields", false},
             {"parquetCompressionMethod", "SNAPPY"},
             {"parquetFlavor", "HIVE"},
             {"parquetBlockSizeMB", 128}}};
  if (id == "CSV_EXCEL_GZIP" || id == "CSV_EXCEL_GZIP_BIGQUERY")
    return {"csv", CsvFormat("excel", ",", "\"", "\\", "gz")};
  if (id == "CSV_UNIX_GZIP") return {"csv", CsvFormat("unix", ",", "\"", "\\", "gz")};
  if (id == "CSV_ESCAPING_NOGZIP_FORHIVE")
    return {"csv", CsvFormat("escape_only_no_quote", "\t", "", "\\", "")};
  if (id == "CSV_NOQUOTING_NOGZIP_FORPIG")
    return {"csv", CsvFormat("no_escaping_nor_quoting", "\t", "", "", "")};
  throw Invalid("Unsupported 'creationSettings.formatOptionId' '" + id +
                "': expected PARQUET_HIVE, CSV_EXCEL_GZIP, CSV_EXCEL_GZIP_BIGQUERY, CSV_UNIX_GZIP, "
                "CSV_ESCAPING_NOGZIP_FORHIVE or CSV_NOQUOTING_NOGZIP_FORPIG");
}

void ValidateFormat(const Json& def) {
  std::string ft = def.contains("formatType") && def["formatType"].is_string()
                       ? def["formatType"].get<std::string>()
                       : "";
  if (def.contains("formatType") && !def["formatType"].is_null() && !def["formatType"].is_string())
    throw Invalid("Field 'formatType' must be a string");
  if (!ft.empty() && ft != "csv" && ft != "parquet" && ft != "json")
    throw Invalid("Unsupported 'formatType' '" + ft + "': expected csv, parquet or json");
  if (def.contains("formatParams") && !def["formatParams"].is_null() &&
      !def["formatParams"].is_object())
    throw Invalid("Field 'formatParams' must be an object");
  if (ft != "csv" || !def.contains("formatParams") || !def["formatParams"].is_object()) return;
  const Json& fp = def["formatParams"];
  auto one_char = [&](const char* f, bool allow_empty) {
    std::string v = Str(fp, f, "formatParams.");
    if (!fp.contains(f)) return;
    if (v.size() > 1 || (!allow_empty && v.empty()))
      throw Invalid(std::string("Field 'formatParams.") + f + "' must be a single character");
  };
  one_char("separator", false);
  one_char("quoteChar", true);
  one_char("escapeChar", true);
  std::string comp = Str(fp, "compress", "formatParams.");
  if (!comp.empty() && comp != "gz" && comp != "gzip" && comp != "none")
    throw Invalid("Unsupported 'formatParams.compress' '" + comp + "': expected gz or empty");
  for (const char* f : {"skipRowsBeforeHeader", "skipRowsAfterHeader"})
    if (fp.contains(f) && !fp[f].is_null() &&
        !(fp[f].is_number_integer() && fp[f].get<long long>() >= 0))
      throw Invalid(std::string("Field 'formatParams.") + f + "' must be a non-negative integer");
  if (fp.contains("parseHeaderRow") && !fp["parseHeaderRow"].is_null() &&
      !fp["parseHeaderRow"].is_boolean())
    throw Invalid("Field 'formatParams.parseHeaderRow' must be a boolean");
}

}  // namespace

DatasetService::DatasetService(const storage::DataDir& dir, storage::MetadataStore& store,
                               ManagedDataStore& data)
    : dir_(dir), store_(store), data_(data) {}

void DatasetService::ValidateName(const std::string& name) {
  if (name.empty()) throw ApiError(ErrorCode::kInvalidName, "Missing required field 'name'");
  if (name.size() > 200)
    throw ApiError(ErrorCode::kInvalidName, "Dataset name '" + name + "' is too long");
  for (char c : name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      throw ApiError(
          ErrorCode::kInvalidName,
          "Invalid dataset name '" + name + "': only letters, digits, '_' and '-' are allowed");
}

void DatasetService::RequireProject(const std::string& project) const {
  if (!store_.Get(kKindProject, project, kProjectDocId))
    throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project + "' does not exist");
}

Json DatasetService::ResolveConnection(const std::string& name) const {
  if (name == "filesystem_managed")
    return {{"name", name},
            {"type", "Filesystem"},
            {"params", {{"root", dir_.ManagedDatasetsDir().string()}}}};
  if (name == "filesystem_folders")
    return {{"name", name},
            {"type", "Filesystem"},
            {"params", {{"root", dir_.ManagedFoldersDir().string()}}}};
  auto doc = store_.Get(kKindConnection, "", name);
  if (!doc)
    throw ApiError(ErrorCode::kConnectionNotFound, "Connection '" + name + "' does not exist");
  return *doc->data;
}

void DatasetService::ValidateSchema(const Json& schema) {
  if (schema.is_null()) return;
  if (!schema.is_object()) throw Invalid("Field 'schema' must be an object");
  if (!schema.contains("columns") || schema["columns"].is_null()) return;
  const Json& cols = schema["columns"];
  if (!cols.is_array()) throw Invalid("Field 'schema.columns' must be an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < cols.size(); ++i) {
    const Json& c = cols[i];
    std::string where = "schema.columns[" + std::to_string(i) + "]";
    if (!c.is_object()) throw Invalid("Field '" + where + "' must be an object");
    if (!c.contains("name") || !c["name"].is_string() || c["name"].get<std::string>().empty())
      throw Invalid("Field '" + where + ".name' must be a non-empty string");
    std::string n = c["name"].get<std::string>();
    if (!seen.insert(n).second) throw Invalid("Duplicate column name '" + n + "' in schema");
    if (!c.contains("type") || !c["type"].is_string())
      throw Invalid("Field '" + where + ".type' (column '" + n + "') must be a string");
    std::string t = c["type"].get<std::string>();
    if (!ColumnTypes().count(t))
      throw Invalid("Invalid type '" + t + "' for column '" + n +
                    "': expected one of string, tinyint, smallint, int, bigint, float, double, "
                    "boolean, date, dateonly, datetimenotz, array, map, object, geopoint, "
                    "geometry");
  }
}

void DatasetService::RequireConnectionOfType(const Json& params, const std::string& type) const {
  std::string conn = Str(params, "connection", "params.");
  if (conn.empty()) throw Invalid("Missing required field 'params.connection'");
  if (ResolveConnection(conn).value("type", "") != type)
    throw Invalid("Connection '" + conn + "' in 'params.connection' is not a " + type +
                  " connection");
}

void DatasetService::Validate(const std::string& project, const Json& def) const {
  if (!def.is_object()) throw Invalid("The dataset definition must be a JSON object");
  if (!def.contains("type") || !def["type"].is_string())
    throw Invalid("Missing required field 'type'");
  std::string type = def["type"].get<std::string>();
  if (!KnownTypes().count(type))
    throw Invalid("Unsupported dataset type '" + type +
                  "' in field 'type': expected Filesystem, UploadedFiles, FilesInFolder, "
                  "PostgreSQL or Inline");
  if (def.contains("params") && !def["params"].is_null() && !def["params"].is_object())
    throw Invalid("Field 'params' must be an object");
  const Json params =
      def.contains("params") && def["params"].is_object() ? def["params"] : Json::object();
  if (type == "Filesystem") {
    RequireConnectionOfType(params, "Filesystem");
    std::string path = Str(params, "path", "params.");
    if (path.find("..") != std::string::npos)
      throw Invalid("Field 'params.path' must not contain '..'");
  } else if (type == "UploadedFiles") {
    Str(params, "uploadConnection", "params.");
  } else if (type == "FilesInFolder") {
    std::string smart = Str(params, "folderSmartId", "params.");
    if (smart.empty()) throw Invalid("Missing required field 'params.folderSmartId'");
    std::string fp = project, fid = smart;
    if (auto dot = smart.find('.'); dot != std::string::npos) {
      fp = smart.substr(0, dot);
      fid = smart.substr(dot + 1);
    }
    if (fid.empty() || fid.find('/') != std::string::npos || fid.find("..") != std::string::npos)
      throw Invalid("Invalid 'params.folderSmartId' '" + smart + "'");
  } else if (type == "PostgreSQL") {
    RequireConnectionOfType(params, "PostgreSQL");
    std::string mode = Str(params, "mode", "params.");
    if (mode.empty()) mode = "table";
    if (mode == "table") {
      if (Str(params, "table", "params.").empty())
        throw Invalid("Missing required field 'params.table' (mode table)");
      Str(params, "schema", "params.");
    } else if (mode == "query") {
      if (Str(params, "query", "params.").empty())
        throw Invalid("Missing required field 'params.query' (mode query)");
    } else {
      throw Invalid("Invalid 'params.mode' '" + mode + "': expected table or query");
    }
  } else if (type == "Inline") {
    if (def.contains("inlineData") && !def["inlineData"].is_null()) {
      const Json& rows = def["inlineData"];
      if (!rows.is_array()) throw Invalid("Field 'inlineData' must be an array of rows");
      for (size_t i = 0; i < rows.size(); ++i) {
        if (!rows[i].is_array())
          throw Invalid("Field 'inlineData[" + std::to_string(i) + "]' must be an array");
        for (const auto& v : rows[i])
          if (v.is_object() || v.is_array())
            throw Invalid("Field 'inlineData[" + std::to_string(i) +
                          "]' must hold strings, numbers, booleans or nulls");
      }
    }
  }
  ValidateFormat(def);
  if (def.contains("schema")) ValidateSchema(def["schema"]);
  if (def.contains("partitioning")) Partitioning::FromJson(def["partitioning"]);
  for (const char* f : {"tags"})
    if (def.contains(f) && !def[f].is_null()) {
      if (!def[f].is_array()) throw Invalid(std::string("Field '") + f + "' must be an array");
      for (const auto& t : def[f])
        if (!t.is_string()) throw Invalid(std::string("Field '") + f + "' must hold strings");
    }
}

Json DatasetService::Stamp(const auth::Principal& who, Json def, bool creation) const {
  Json tag = {{"versionNumber", 0},
              {"lastModifiedBy", {{"login", who.AuthIdentifier()}}},
              {"lastModifiedOn", NowMs()}};
  if (creation) {
    def["creationTag"] = tag;
  } else if (def.contains("versionTag") && def["versionTag"].is_object()) {
    tag["versionNumber"] = def["versionTag"].value("versionNumber", 0) + 1;
  }
  def["versionTag"] = tag;
  return def;
}

std::vector<Json> DatasetService::List(const std::string& project,
                                       const std::vector<std::string>& tags) const {
  RequireProject(project);
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindDataset, project)) {
    const Json& def = *d.data;
    if (!tags.empty()) {
      bool any = false;
      for (const auto& t : def.value("tags", Json::array()))
        any |= t.is_string() &&
               std::find(tags.begin(), tags.end(), t.get<std::string>()) != tags.end();
      if (!any) continue;
    }
    out.push_back(def);
  }
  return out;
}

Json DatasetService::Insert(const auth::Principal& who, const std::string& project, Json def) {
  std::string name = def["name"].get<std::string>();
  Validate(project, def);
  def = Stamp(who, std::move(def), true);
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Get(kKindProject, project, kProjectDocId))
      throw ApiError(ErrorCode::kProjectNotFound, "Project '" + project + "' does not exist");
    if (txn.Get(kKindDataset, project, name))
      throw ApiError(ErrorCode::kConflict,
                     "Dataset '" + name + "' already exists in project '" + project + "'");
    txn.Put(kKindDataset, project, name, def);
    // A stale state (from a dataset deleted without dropping data) must not resurface.
    txn.Delete(kKindDatasetState, project, name);
    txn.AppendEvent("timeline", project,
                    Json{{"action", "CREATE"},
                         {"objectType", "DATASET"},
                         {"objectId", name},
                         {"user", who.AuthIdentifier()},
                         {"time", NowMs()},
                         {"projectKey", project}});
  });
  return def;
}

Json DatasetService::Create(const auth::Principal& who, const std::string& project,
                            const Json& body) {
  if (!body.is_object()) throw ApiError::BadRequest("Dataset creation body must be an object");
  RequireProject(project);
  std::string name = GetString(body, "name");
  ValidateName(name);
  Json def = Json::object();
  def["projectKey"] = project;
  def["name"] = name;
  def["type"] = body.contains("type") ? body["type"] : Json();
  def["managed"] = GetBool(body, "managed", false);
  def["params"] =
      body.contains("params") && !body["params"].is_null() ? body["params"] : Json::object();
  def["formatType"] =
      body.contains("formatType") && !body["formatType"].is_null() ? body["formatType"] : Json("");
  def["formatParams"] = body.contains("formatParams") && !body["formatParams"].is_null()
                            ? body["formatParams"]
                            : Json::object();
  def["schema"] = body.contains("schema") && body["schema"].is_object()
                      ? body["schema"]
                      : Json{{"columns", Json::array()}, {"userModified", false}};
  def["partitioning"] = body.contains("partitioning") && body["partitioning"].is_object()
                            ? body["partitioning"]
                            : Json{{"ignoreNonMatchingFile", false},
                                   {"considerMissingRequestedPartitionsAsEmpty", false},
                                   {"dimensions", Json::array()}};
  def["tags"] = body.contains("tags") && !body["tags"].is_null() ? body["tags"] : Json::array();
  def["description"] = GetString(body, "description");
  def["shortDesc"] = GetString(body, "shortDesc");
  def["customMeta"] = {{"kv", Json::object()}};
  def["checklists"] = {{"checklists", Json::array()}};
  def["customFields"] = Json::object();
  std::string type = def["type"].is_string() ? def["type"].get<std::string>() : "";
  Json& params = def["params"];
  if (params.is_object()) {
    if (type == "UploadedFiles") {
      if (!params.contains("uploadConnection")) params["uploadConnection"] = "";
      params["path"] = project + "/" + name;
    }
    if (type == "Filesystem" && !params.contains("path")) params["path"] = "/";
    if (type == "PostgreSQL" && !params.contains("mode")) params["mode"] = "table";
  }
  if (type == "Inline" && body.contains("inlineData")) def["inlineData"] = body["inlineData"];
  if (type == "Inline") {
    if (!def.contains("inlineData")) def["inlineData"] = Json::array();
    if (def["formatType"] == "") def["formatType"] = "json";
  }
  if (type == "UploadedFiles" && def["formatType"] == "") def["formatType"] = "";
  return Insert(who, project, std::move(def));
}

Json DatasetService::CreateManaged(const auth::Principal& who, const std::string& project,
                                   const Json& body) {
  if (!body.is_object()) throw ApiError::BadRequest("Dataset creation body must be an object");
  RequireProject(project);
  std::string name = GetString(body, "name");
  ValidateName(name);
  Json cs = body.contains("creationSettings") && !body["creationSettings"].is_null()
                ? body["creationSettings"]
                : Json::object();
  if (!cs.is_object()) throw Invalid("Field 'creationSettings' must be an object");
  std::string conn = GetString(cs, "connectionId");
  if (conn.empty()) conn = "filesystem_managed";
  Json c = ResolveConnection(conn);
  std::string ctype = c.value("type", "");
  std::string format_id = GetString(cs, "formatOptionId");
  Json specific = cs.contains("specificSettings") && cs["specificSettings"].is_object()
                      ? cs["specificSettings"]
                      : Json::object();
  if (format_id.empty()) format_id = GetString(specific, "formatOptionId");

  Json def = Json::object();
  def["projectKey"] = project;
  def["name"] = name;
  def["managed"] = true;
  if (ctype == "Filesystem") {
    auto [ft, fp] = FormatOption(format_id);
    def["type"] = "Filesystem";
    def["params"] = {{"connection", conn},
                     {"path", "${projectKey}/" + name},
                     {"notReadyIfEmpty", false},
                     {"filesSelectionRules",
                      {{"mode", "ALL"},
                       {"excludeRules", Json::array()},
                       {"includeRules", Json::array()},
                       {"explicitFiles", Json::array()}}}};
    def["formatType"] = ft;
    def["formatParams"] = fp;
  } else if (ctype == "PostgreSQL") {
    def["type"] = "PostgreSQL";
    std::string schema = GetString(specific, "overrideSQLSchema");
    if (schema.empty() && c.contains("params") && c["params"].is_object())
      schema = c["params"].value("defaultSchema", "");
    def["params"] = {{"connection", conn},
                     {"mode", "table"},
                     {"table", "${projectKey}_" + name},
                     {"schema", schema},
                     {"catalog", ""}};
    def["formatType"] = "";
    def["formatParams"] = Json::object();
  } else {
    throw Invalid(
        "Connection '" + conn + "' (type '" + ctype +
        "') cannot store managed datasets: expected a Filesystem or PostgreSQL connection");
  }
  def["schema"] = {{"columns", Json::array()}, {"userModified", false}};
  Json partitioning = {{"ignoreNonMatchingFile", false},
                       {"considerMissingRequestedPartitionsAsEmpty", false},
                       {"dimensions", Json::array()}};
  std::string part_opt = GetString(cs, "partitioningOptionId");
  if (!part_opt.empty() && part_opt != "NP") {
    if (StartsWith(part_opt, "copy:dataset:")) {
      std::string ref = part_opt.substr(13), rp = project;
      if (auto dot = ref.find('.'); dot != std::string::npos) {
        rp = ref.substr(0, dot);
        ref = ref.substr(dot + 1);
      }
      auto src = store_.Get(kKindDataset, rp, ref);
      if (!src)
        throw ApiError(
            ErrorCode::kDatasetNotFound,
            "Dataset '" + rp + "." + ref + "' named in 'partitioningOptionId' does not exist");
      if (src->data->contains("partitioning")) partitioning = (*src->data)["partitioning"];
    } else if (StartsWith(part_opt, "copy:folder:")) {
      std::string ref = part_opt.substr(12), rp = project;
      if (auto dot = ref.find('.'); dot != std::string::npos) {
        rp = ref.substr(0, dot);
        ref = ref.substr(dot + 1);
      }
      auto src = store_.Get(kKindManagedFolder, rp, ref);
      if (!src)
        throw ApiError(ErrorCode::kNotFound,
                       "Managed folder '" + rp + "." + ref +
                           "' named in 'partitioningOptionId' does not exist");
      if (src->data->contains("partitioning")) partitioning = (*src->data)["partitioning"];
    } else {
      throw Invalid("Invalid 'creationSettings.partitioningOptionId' '" + part_opt +
                    "': expected NP, copy:dataset:<name> or copy:folder:<id>");
    }
  }
  def["partitioning"] = partitioning;
  def["tags"] = Json::array();
  def["description"] = "";
  def["shortDesc"] = "";
  def["customMeta"] = {{"kv", Json::object()}};
  def["checklists"] = {{"checklists", Json::array()}};
  def["customFields"] = Json::object();
  return Insert(who, project, std::move(def));
}

Json DatasetService::Get(const std::string& project, const std::string& name) const {
  auto doc = store_.Get(kKindDataset, project, name);
  if (!doc) {
    RequireProject(project);
    throw ApiError(ErrorCode::kDatasetNotFound, "dataset does not exist: " + project + "." + name);
  }
  return *doc->data;
}

Json DatasetService::Save(const auth::Principal& who, const std::string& project,
                          const std::string& name, const Json& body) {
  Get(project, name);  // 404 before any validation
  if (!body.is_object()) throw Invalid("The dataset definition must be a JSON object");
  if (body.contains("name") && body["name"].is_string() && body["name"] != name)
    throw Invalid("Field 'name' ('" + body["name"].get<std::string>() +
                  "') differs from the dataset name in the URL ('" + name +
                  "'): use actions/renameDataset");
  Json warnings = Json::array();
  for (auto it = body.begin(); it != body.end(); ++it)
    if (!KnownFields().count(it.key()))
      warnings.push_back("Unknown field '" + it.key() + "' was stored as is");
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, project, name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound,
                     "dataset does not exist: " + project + "." + name);
    const Json& old = *doc->data;
    Json def = body;
    def["projectKey"] = project;
    def["name"] = name;
    if (!def.contains("type")) def["type"] = old["type"];
    if (def["type"] != old["type"])
      throw Invalid("Field 'type' cannot change from '" + old["type"].get<std::string>() + "'");
    if (!def.contains("managed")) def["managed"] = old.value("managed", false);
    if (old.contains("creationTag")) def["creationTag"] = old["creationTag"];
    if (old.contains("versionTag")) def["versionTag"] = old["versionTag"];
    Validate(project, def);
    def = Stamp(who, std::move(def), false);
    txn.Put(kKindDataset, project, name, def);
  });
  return Json{{"warnings", warnings}};
}

Json DatasetService::GetSchema(const std::string& project, const std::string& name) const {
  Json def = Get(project, name);
  Json s = def.contains("schema") && def["schema"].is_object() ? def["schema"] : Json::object();
  if (!s.contains("columns") || !s["columns"].is_array()) s["columns"] = Json::array();
  if (!s.contains("userModified")) s["userModified"] = false;
  return s;
}

Json DatasetService::SetSchema(const auth::Principal& who, const std::string& project,
                               const std::string& name, const Json& schema) {
  if (!schema.is_object()) throw Invalid("The schema must be a JSON object {columns: [...]}");
  if (!schema.contains("columns") || !schema["columns"].is_array())
    throw Invalid("Missing required field 'columns' (an array) in the schema");
  ValidateSchema(schema);
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, project, name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound,
                     "dataset does not exist: " + project + "." + name);
    Json def = *doc->data;
    out = schema;
    if (!out.contains("userModified")) out["userModified"] = true;
    def["schema"] = out;
    def = Stamp(who, std::move(def), false);
    txn.Put(kKindDataset, project, name, def);
  });
  return out;
}

Json DatasetService::GetMetadata(const std::string& project, const std::string& name) const {
  Json def = Get(project, name);
  return Json{{"label", name},
              {"description", def.value("description", "")},
              {"shortDesc", def.value("shortDesc", "")},
              {"tags", def.value("tags", Json::array())},
              {"custom", def.value("customMeta", Json{{"kv", Json::object()}})},
              {"checklists", def.value("checklists", Json{{"checklists", Json::array()}})}};
}

Json DatasetService::SetMetadata(const auth::Principal& who, const std::string& project,
                                 const std::string& name, const Json& meta) {
  if (!meta.is_object()) throw ApiError::BadRequest("Metadata must be a JSON object");
  if (meta.contains("tags") && !meta["tags"].is_null()) {
    if (!meta["tags"].is_array()) throw ApiError::BadRequest("Field 'tags' must be an array");
    for (const auto& t : meta["tags"])
      if (!t.is_string()) throw ApiError::BadRequest("Field 'tags' must hold strings");
  }
  for (const char* f : {"custom", "checklists"})
    if (meta.contains(f) && !meta[f].is_null() && !meta[f].is_object())
      throw ApiError::BadRequest(std::string("Field '") + f + "' must be an object");
  std::string description = GetString(meta, "description", "\x01");
  std::string short_desc = GetString(meta, "shortDesc", "\x01");
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, project, name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound,
                     "dataset does not exist: " + project + "." + name);
    Json def = *doc->data;
    if (meta.contains("tags") && meta["tags"].is_array()) def["tags"] = meta["tags"];
    if (description != "\x01") def["description"] = description;
    if (short_desc != "\x01") def["shortDesc"] = short_desc;
    if (meta.contains("custom") && meta["custom"].is_object()) def["customMeta"] = meta["custom"];
    if (meta.contains("checklists") && meta["checklists"].is_object())
      def["checklists"] = meta["checklists"];
    def = Stamp(who, std::move(def), false);
    txn.Put(kKindDataset, project, name, def);
  });
  return GetMetadata(project, name);
}

Json DatasetService::Info(const std::string& project, const std::string& name) const {
  Json def = Get(project, name);
  Json st = data_.State(project, name);
  Json out = {{"dataset", def}};
  if (st.contains("lastBuild")) out["lastBuild"] = st["lastBuild"];
  if (def.value("managed", false) && def.value("type", "") == "Filesystem") {
    out["currentVersion"] = st.value("currentVersion", 0);
    int64_t records = -1;
    for (const auto& v : st["versions"])
      if (v.value("version", int64_t{0}) == st.value("currentVersion", int64_t{0}))
        records = v.value("records", int64_t{-1});
    if (records >= 0) out["records"] = records;
  }
  return out;
}

namespace {
// Visits every dataset ref of a recipe's inputs/outputs ({role: {items: [{ref}]}}).
template <typename Fn>
void ForEachRef(Json& roles, Fn fn) {
  if (!roles.is_object()) return;
  for (auto& [role, r] : roles.items()) {
    if (!r.is_object() || !r.contains("items") || !r["items"].is_array()) continue;
    for (auto& item : r["items"])
      if (item.is_object() && item.contains("ref") && item["ref"].is_string()) fn(item);
  }
}
}  // namespace

Json DatasetService::Usages(const std::string& project, const std::string& name) const {
  Get(project, name);
  Json out = Json::array();
  for (const auto& d : store_.List(kKindRecipe, project)) {
    Json r = *d.data;
    for (const char* side : {"inputs", "outputs"}) {
      if (!r.contains(side)) continue;
      bool used = false;
      ForEachRef(r[side], [&](Json& item) {
        std::string ref = item["ref"].get<std::string>();
        used |= ref == name || ref == project + "." + name;
      });
      if (used)
        out.push_back({{"type", std::string(side) == "inputs" ? "RECIPE_INPUT" : "RECIPE_OUTPUT"},
                       {"objectType", "RECIPE"},
                       {"projectKey", project},
                       {"objectId", d.id},
                       {"recipeType", r.value("type", "")}});
    }
  }
  return out;
}

void DatasetService::Rename(const auth::Principal& who, const std::string& project,
                            const std::string& old_name, const std::string& new_name) {
  if (old_name.empty()) throw ApiError::BadRequest("Missing required field 'oldName'");
  ValidateName(new_name);
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, project, old_name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound,
                     "dataset does not exist: " + project + "." + old_name);
    if (old_name == new_name) return;
    if (txn.Get(kKindDataset, project, new_name))
      throw ApiError(ErrorCode::kConflict, "Dataset '" + new_name + "' already exists");
    Json def = *doc->data;
    def["name"] = new_name;
    if (def.value("managed", false) && def.contains("params") && def["params"].is_object() &&
        def["params"].value("path", "") == "${projectKey}/" + old_name)
      def["params"]["path"] = "${projectKey}/" + new_name;
    def = Stamp(who, std::move(def), false);
    txn.Put(kKindDataset, project, new_name, def);
    txn.Delete(kKindDataset, project, old_name);
    for (const auto& r : txn.List(kKindRecipe, project)) {
      Json rec = *r.data;
      bool changed = false;
      for (const char* side : {"inputs", "outputs"})
        if (rec.contains(side))
          ForEachRef(rec[side], [&](Json& item) {
            if (item["ref"] == old_name) {
              item["ref"] = new_name;
              changed = true;
            }
          });
      if (changed) txn.Put(kKindRecipe, project, r.id, rec);
    }
    data_.Rename(txn, project, old_name, new_name);
    MetricsService::ForgetDataset(txn, project, old_name, new_name);
    txn.AppendEvent("timeline", project,
                    Json{{"action", "RENAME"},
                         {"objectType", "DATASET"},
                         {"objectId", new_name},
                         {"user", who.AuthIdentifier()},
                         {"time", NowMs()},
                         {"projectKey", project}});
  });
}

void DatasetService::Delete(const auth::Principal& who, const std::string& project,
                            const std::string& name, bool drop_data) {
  Json def;
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, project, name);
    if (!doc)
      throw ApiError(ErrorCode::kDatasetNotFound,
                     "dataset does not exist: " + project + "." + name);
    def = *doc->data;
    txn.Delete(kKindDataset, project, name);
    MetricsService::ForgetDataset(txn, project, name);
    txn.AppendEvent("timeline", project,
                    Json{{"action", "DELETE"},
                         {"objectType", "DATASET"},
                         {"objectId", name},
                         {"user", who.AuthIdentifier()},
                         {"time", NowMs()},
                         {"projectKey", project}});
  });
  if (!drop_data) return;
  if (def.value("managed", false)) data_.Drop(project, name);
  if (def.value("type", "") == "UploadedFiles") {
    std::error_code ec;
    fs::remove_all(dir_.UploadsDir() / project / name, ec);
  }
}

}  // namespace dss::core
