#include "core/metrics_service.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"
#include "core/data_source.h"
#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/partitioning.h"
#include "core/pg_data_source.h"
#include "engine/duckdb_engine.h"

namespace dss::core {

namespace {
constexpr const char* kKindLast = "metrics_last";       // one doc per dataset, scope = project
constexpr const char* kKindHistory = "metric_history";  // events, scope = project
constexpr int kHistoryScanLimit = 100000;

struct Metric {
  std::string id;
  std::string probe;  // basic | records | col_stats
  std::string agg;    // SIZE, COUNT_FILES, COUNT_COLUMNS, COUNT_RECORDS, MIN...
  std::string column;
  std::string column_type;
};

const std::set<std::string>& ColAggs() {
  static const std::set<std::string> k = {"MIN",   "MAX",    "AVG",        "SUM",
                                          "COUNT", "STDDEV", "COUNT_NULL", "COUNT_DISTINCT"};
  return k;
}

bool IsIntType(const std::string& t) {
  return t == "tinyint" || t == "smallint" || t == "int" || t == "bigint";
}
bool IsFloatType(const std::string& t) {
  return t == "float" || t == "double";
}

std::string DataTypeOf(const Metric& m) {
  if (m.probe != "col_stats") return "BIGINT";
  if (m.agg == "COUNT" || m.agg == "COUNT_NULL" || m.agg == "COUNT_DISTINCT") return "BIGINT";
  if (m.agg == "AVG" || m.agg == "STDDEV") return "DOUBLE";
  if (m.agg == "SUM") return IsIntType(m.column_type) ? "BIGINT" : "DOUBLE";
  if (IsIntType(m.column_type)) return "BIGINT";
  if (IsFloatType(m.column_type)) return "DOUBLE";
  return "STRING";
}

// Portable aggregate (DuckDB and PostgreSQL) over the relation aliased _m.
std::string SqlOf(const Metric& m) {
  if (m.probe == "records") return "count(*)";
  std::string c = "_m." + QuoteSqlIdent(m.column);
  if (m.agg == "MIN") return "min(" + c + ")";
  if (m.agg == "MAX") return "max(" + c + ")";
  if (m.agg == "AVG") return "avg(" + c + ")";
  if (m.agg == "SUM") return "sum(" + c + ")";
  if (m.agg == "COUNT") return "count(" + c + ")";
  if (m.agg == "STDDEV") return "stddev_samp(" + c + ")";
  if (m.agg == "COUNT_NULL") return "count(*) - count(" + c + ")";
  return "count(DISTINCT " + c + ")";
}

Metric ParseMetricId(const std::string& id, const Json& def) {
  auto parts = Split(id, ':');
  Metric m;
  m.id = id;
  if (parts.size() == 2 && parts[0] == "basic" &&
      (parts[1] == "SIZE" || parts[1] == "COUNT_FILES" || parts[1] == "COUNT_COLUMNS")) {
    m.probe = "basic";
    m.agg = parts[1];
    return m;
  }
  if (parts.size() == 2 && parts[0] == "records" && parts[1] == "COUNT_RECORDS") {
    m.probe = "records";
    m.agg = parts[1];
    return m;
  }
  if (parts.size() >= 3 && parts[0] == "col_stats" && ColAggs().count(parts[1])) {
    m.probe = "col_stats";
    m.agg = parts[1];
    // Column names may hold ':' themselves: the column is everything after the 2nd ':'.
    m.column = id.substr(parts[0].size() + parts[1].size() + 2);
    const Json schema = def.value("schema", Json::object());
    const Json cols = schema.is_object() ? schema.value("columns", Json::array()) : Json::array();
    for (const auto& c : cols)
      if (c.is_object() && c.value("name", "") == m.column)
        m.column_type = c.value("type", "string");
    if (m.column_type.empty())
      throw ApiError::BadRequest("Metric '" + id + "': column '" + m.column +
                                 "' is not in the schema of dataset '" + def.value("name", "") +
                                 "'");
    if ((m.agg == "AVG" || m.agg == "SUM" || m.agg == "STDDEV") && !IsIntType(m.column_type) &&
        !IsFloatType(m.column_type))
      throw ApiError::BadRequest("Metric '" + id + "': " + m.agg + " needs a numeric column, '" +
                                 m.column + "' is " + m.column_type);
    return m;
  }
  throw ApiError::BadRequest("Unknown metric id '" + id +
                             "': supported are basic:SIZE, basic:COUNT_FILES, "
                             "basic:COUNT_COLUMNS, records:COUNT_RECORDS and "
                             "col_stats:<MIN|MAX|AVG|SUM|COUNT|STDDEV|COUNT_NULL|COUNT_DISTINCT>"
                             ":<column>");
}

/// The partition values are stored under ("NP", "ALL" or an id); fills `read` with the
/// partition ids to read (empty = all). Throws kBadRequest for a bad partition.
std::string NormalisePartition(const Json& def, const std::string& partition,
                               std::vector<std::string>& read) {
  Partitioning parting = Partitioning::FromJson(def.value("partitioning", Json()));
  if (!parting.partitioned()) {
    if (!partition.empty() && partition != "NP" && partition != "ALL")
      throw ApiError::BadRequest("Dataset '" + def.value("name", "") +
                                 "' is not partitioned: partition '" + partition +
                                 "' does not exist (use NP)");
    return "NP";
  }
  if (partition.empty() || partition == "ALL" || partition == "NP") return "ALL";
  parting.ValidateId(partition);
  read.push_back(partition);
  return partition;
}

bool IsGlobalPartition(const std::string& p) {
  return p.empty() || p == "NP" || p == "ALL";
}

std::string NumberText(double v) {
  return Json(v).dump();
}

// Renders a DOUBLE value the same way whichever engine produced it ("2.5", "3.0").
std::string NormaliseValue(const std::string& dtype, const std::string& v) {
  if (dtype != "DOUBLE") return v;
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return NumberText(d);
  } catch (const std::exception&) {
  }
  return v;
}

Json MetricJson(const Metric& m) {
  Json metric = {
      {"id", m.id}, {"type", m.probe}, {"metricType", m.agg}, {"dataType", DataTypeOf(m)}};
  if (!m.column.empty()) metric["column"] = m.column;
  return metric;
}

struct CheckSel {
  Json check;
  std::string id;    // check:CHECK:<name>
  std::string name;  // meta.name / meta.label
  std::string metric_id;
};

std::string CheckName(const Json& c, size_t index) {
  const Json meta = c.value("meta", Json::object());
  std::string name;
  if (meta.is_object()) name = meta.value("name", meta.value("label", std::string()));
  if (name.empty()) name = c.value("name", std::string());
  if (name.empty()) name = "check_" + std::to_string(index);
  return name;
}

/// Evaluates a numericRange check on a value. Hard bounds first, then soft ones; a bound
/// applies when it is a number and its *Enabled flag is not false.
Json EvaluateRange(const Json& c, const std::optional<std::string>& value,
                   const std::string& metric_id) {
  if (!value) return {{"outcome", "EMPTY"}, {"message", "No value for " + metric_id}};
  const std::string& v = *value;
  double x = 0;
  bool numeric = false;
  try {
    size_t used = 0;
    x = std::stod(v, &used);
    numeric = used == v.size();
  } catch (const std::exception&) {
  }
  if (!numeric)
    return {{"outcome", "ERROR"},
            {"message", "Value '" + v + "' of " + metric_id + " is not numeric"}};
  auto bound = [&](const char* f, const char* en, double& out) {
    if (!c.contains(f) || !c[f].is_number()) return false;
    if (c.contains(en) && c[en].is_boolean() && !c[en].get<bool>()) return false;
    out = c[f].get<double>();
    return true;
  };
  double b = 0;
  if (bound("minimum", "minimumEnabled", b) && x < b)
    return {{"outcome", "ERROR"}, {"message", v + " is below the minimum " + NumberText(b)}};
  if (bound("maximum", "maximumEnabled", b) && x > b)
    return {{"outcome", "ERROR"}, {"message", v + " is above the maximum " + NumberText(b)}};
  if (bound("softMinimum", "softMinimumEnabled", b) && x < b)
    return {{"outcome", "WARNING"}, {"message", v + " is below the soft minimum " + NumberText(b)}};
  if (bound("softMaximum", "softMaximumEnabled", b) && x > b)
    return {{"outcome", "WARNING"}, {"message", v + " is above the soft maximum " + NumberText(b)}};
  return {{"outcome", "OK"}, {"message", v + " is in range"}};
}

/// Metric ids of a probe list. `strict`: unsupported or malformed probes are errors (a body
/// sent by the caller); otherwise they are skipped (a stored definition may hold DSS probes
/// dssd does not compute).
std::vector<std::string> MetricIdsOfProbes(const Json& probes, bool strict) {
  std::vector<std::string> ids;
  if (probes.is_null()) return ids;
  if (!probes.is_array()) {
    if (strict) throw ApiError::BadRequest("Field 'probes' must be an array");
    return ids;
  }
  for (const auto& p : probes) {
    if (!p.is_object()) {
      if (strict) throw ApiError::BadRequest("Each probe must be an object");
      continue;
    }
    if (p.contains("enabled") && p["enabled"].is_boolean() && !p["enabled"].get<bool>()) continue;
    std::string type = p.value("type", "");
    if (type == "basic") {
      ids.insert(ids.end(), {"basic:COUNT_COLUMNS", "basic:SIZE", "basic:COUNT_FILES"});
    } else if (type == "records") {
      ids.push_back("records:COUNT_RECORDS");
    } else if (type == "col_stats") {
      const Json conf = p.value("configuration", Json::object());
      const Json aggs = conf.is_object() ? conf.value("aggregates", Json::array()) : Json();
      if (!aggs.is_array()) {
        if (strict)
          throw ApiError::BadRequest(
              "col_stats probe: 'configuration.aggregates' must be an array");
        continue;
      }
      for (const auto& a : aggs) {
        if (!a.is_object() || !a.value("column", Json()).is_string()) {
          if (strict)
            throw ApiError::BadRequest(
                "col_stats probe: each aggregate must be {aggregated, column}");
          continue;
        }
        std::string fn = a.value("aggregated", a.value("function", std::string()));
        ids.push_back("col_stats:" + fn + ":" + a["column"].get<std::string>());
      }
    } else if (strict) {
      throw ApiError::BadRequest("Probe type '" + type +
                                 "' is not supported: supported are basic, records, col_stats");
    }
  }
  return ids;
}
}  // namespace

MetricsService::MetricsService(storage::MetadataStore& store, DatasetService& datasets,
                               DatasetDataService& data, PgDataSource& pg,
                               engine::DuckEngine& engine)
    : store_(store), datasets_(datasets), data_(data), pg_(pg), engine_(engine) {}

Json MetricsService::ComputeProbes(const std::string& project, const std::string& dataset,
                                   const std::string& partition, const Json& probes) {
  std::vector<std::string> ids;
  if (!probes.is_null()) {
    ids = MetricIdsOfProbes(probes, true);
    if (ids.empty()) throw ApiError::BadRequest("The probes sent enable no metric");
  } else {
    Json def = datasets_.Get(project, dataset);
    const Json metrics = def.value("metrics", Json::object());
    if (metrics.is_object()) ids = MetricIdsOfProbes(metrics.value("probes", Json()), false);
    if (ids.empty())
      ids = {"basic:COUNT_COLUMNS", "basic:SIZE", "basic:COUNT_FILES", "records:COUNT_RECORDS"};
  }
  return Compute(project, dataset, partition, ids);
}

Json MetricsService::Compute(const std::string& project, const std::string& dataset,
                             const std::string& partition,
                             const std::vector<std::string>& metric_ids) {
  Json def = datasets_.Get(project, dataset);
  std::vector<std::string> read_parts;
  std::string part = NormalisePartition(def, partition, read_parts);
  if (metric_ids.empty()) throw ApiError::BadRequest("No metric to compute");
  std::vector<Metric> metrics;
  std::set<std::string> seen;
  for (const auto& id : metric_ids)
    if (seen.insert(id).second) metrics.push_back(ParseMetricId(id, def));

  int64_t start = NowMs();
  std::vector<const Metric*> sql_metrics;
  bool wants_files = false;
  for (const auto& m : metrics) {
    if (m.probe != "basic")
      sql_metrics.push_back(&m);
    else if (m.agg != "COUNT_COLUMNS")
      wants_files = true;
  }

  std::map<std::string, std::optional<std::string>> computed;
  const std::string type = def.value("type", "");
  if (type == "PostgreSQL") {
    // In-database: one SELECT of every aggregate, on the partition's rows.
    auto conn = pg_.Connect(def);
    std::string rel = pg_.Relation(project, def);
    std::string where = PgDataSource::PartitionPredicate(def, read_parts);
    if (!sql_metrics.empty()) {
      std::string sql = "SELECT ";
      for (size_t i = 0; i < sql_metrics.size(); ++i)
        sql += (i ? ", " : "") + SqlOf(*sql_metrics[i]);
      sql += " FROM " + rel + " AS _m" + (where.empty() ? "" : " WHERE " + where);
      auto rows = conn->QueryAll(sql);
      if (rows.empty() || rows[0].size() != sql_metrics.size())
        throw ApiError::Internal("Metrics query on dataset '" + dataset + "' returned no row");
      for (size_t i = 0; i < sql_metrics.size(); ++i) computed[sql_metrics[i]->id] = rows[0][i];
    }
    // The size of a whole table is known to PostgreSQL; a partition's or a query's is not.
    const Json params = def.value("params", Json::object());
    if (wants_files && where.empty() && params.is_object() &&
        params.value("mode", "table") == "table") {
      auto rows =
          conn->QueryAll("SELECT pg_total_relation_size(" + QuoteSqlString(rel) + "::regclass)");
      if (!rows.empty() && !rows[0].empty()) computed["basic:SIZE"] = rows[0][0];
    }
  } else {
    DatasetRelation rel = data_.RelationFor(project, dataset, read_parts);
    if (!sql_metrics.empty()) {
      // One scan for every aggregate; values come back as one JSON array of texts so that
      // NULL and "" stay apart.
      std::string inner = "SELECT ";
      std::string outer = "SELECT CAST(to_json([";
      for (size_t i = 0; i < sql_metrics.size(); ++i) {
        std::string a = "a" + std::to_string(i);
        inner += (i ? ", " : "") + SqlOf(*sql_metrics[i]) + " AS " + a;
        outer += (i ? ", " : "") + std::string("CAST(") + a + " AS VARCHAR)";
      }
      std::string sql = outer + "]) AS VARCHAR) FROM (" + inner + " FROM " + rel.sql + " AS _m)";
      auto conn = engine_.Connect();
      Json arr = ParseJson(conn->QueryScalar(sql), "metrics result");
      if (!arr.is_array() || arr.size() != sql_metrics.size())
        throw ApiError::Internal("Metrics query on dataset '" + dataset + "' returned " +
                                 arr.dump());
      for (size_t i = 0; i < sql_metrics.size(); ++i)
        computed[sql_metrics[i]->id] = arr[i].is_string()
                                           ? std::optional<std::string>(arr[i].get<std::string>())
                                           : std::nullopt;
    }
    if (wants_files && type != "Inline") {
      uintmax_t size = 0;
      for (const auto& f : rel.files) {
        std::error_code ec;
        auto s = std::filesystem::file_size(f, ec);
        if (!ec) size += s;
      }
      computed["basic:SIZE"] = std::to_string(size);
      computed["basic:COUNT_FILES"] = std::to_string(rel.files.size());
    }
  }
  const Json schema = def.value("schema", Json::object());
  const Json cols = schema.is_object() ? schema.value("columns", Json::array()) : Json::array();
  computed["basic:COUNT_COLUMNS"] = std::to_string(cols.is_array() ? cols.size() : 0);

  int64_t end = NowMs();
  Json out = Json::array();
  for (const auto& m : metrics) {
    auto it = computed.find(m.id);
    if (it == computed.end() || !it->second) continue;  // no value (see header)
    std::string dtype = DataTypeOf(m);
    out.push_back({{"metricId", m.id},
                   {"metric", MetricJson(m)},
                   {"partition", part},
                   {"value", NormaliseValue(dtype, *it->second)},
                   {"dataType", dtype},
                   {"computed", end}});
  }
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindLast, project, dataset);
    Json last = doc ? *doc->data : Json::object();
    for (const auto& v : out) {
      last[part][v["metricId"].get<std::string>()] = {{"metric", v["metric"]},
                                                      {"value", v["value"]},
                                                      {"dataType", v["dataType"]},
                                                      {"computed", end}};
      txn.AppendEvent(kKindHistory, project,
                      {{"dataset", dataset},
                       {"partition", part},
                       {"metricId", v["metricId"]},
                       {"metric", v["metric"]},
                       {"value", v["value"]},
                       {"dataType", v["dataType"]},
                       {"time", end}});
    }
    txn.Put(kKindLast, project, dataset, last);
  });
  return {{"partition", part}, {"startTime", start}, {"endTime", end}, {"computed", out}};
}

void MetricsService::ForgetDataset(storage::Txn& txn, const std::string& project,
                                   const std::string& name, const std::string& new_name) {
  if (auto doc = txn.Get(kKindLast, project, name)) {
    if (!new_name.empty()) txn.Put(kKindLast, project, new_name, *doc->data);
    txn.Delete(kKindLast, project, name);
  }
  // History is an append-only event log: a marker ends the old dataset's history.
  txn.AppendEvent(kKindHistory, project, {{"dataset", name}, {"reset", true}, {"time", NowMs()}});
}

Json MetricsService::Last(const std::string& project, const std::string& dataset,
                          const std::string& partition) {
  datasets_.Get(project, dataset);  // existence
  auto doc = store_.Get(kKindLast, project, dataset);
  const Json last = doc ? *doc->data : Json::object();
  std::vector<std::string> parts;
  if (IsGlobalPartition(partition))
    parts = {"NP", "ALL"};
  else
    parts = {partition};
  std::map<std::string, Json> by_metric;
  std::vector<std::string> order;
  for (const auto& p : parts) {
    if (!last.contains(p)) continue;
    for (auto it = last[p].begin(); it != last[p].end(); ++it) {
      if (!by_metric.count(it.key())) {
        order.push_back(it.key());
        by_metric[it.key()] = {{"metric", it.value()["metric"]},
                               {"lastValues", Json::array()},
                               {"displayedAsMetric", true}};
      }
      by_metric[it.key()]["lastValues"].push_back({{"partition", p},
                                                   {"value", it.value()["value"]},
                                                   {"dataType", it.value()["dataType"]},
                                                   {"computed", it.value()["computed"]}});
    }
  }
  Json metrics = Json::array();
  for (const auto& id : order) metrics.push_back(by_metric[id]);
  return {{"metrics", metrics}};
}

Json MetricsService::History(const std::string& project, const std::string& dataset,
                             const std::string& partition, const std::string& lookup) {
  datasets_.Get(project, dataset);
  std::string id = lookup;
  if (!lookup.empty() && lookup[0] == '{') {
    Json j = ParseJson(lookup, "metricLookup");
    const Json v = j.value("metricId", j.value("id", Json()));
    id = v.is_string() ? v.get<std::string>() : "";
  }
  if (id.empty())
    throw ApiError::BadRequest(
        "Query parameter 'metricLookup' must be a metric id or a JSON object with 'metricId'");
  bool global = IsGlobalPartition(partition);
  Json values = Json::array();
  Json metric = {{"id", id}};
  for (auto& e : store_.ListEvents(kKindHistory, project, kHistoryScanLimit)) {
    const Json& d = e.data;
    if (d.value("dataset", "") != dataset) continue;
    if (d.value("reset", false)) break;  // older events belong to a deleted dataset
    if (d.value("metricId", "") != id) continue;
    std::string p = d.value("partition", "");
    if (global ? (p != "NP" && p != "ALL") : p != partition) continue;
    metric = d.value("metric", metric);
    values.push_back({{"time", d.value("time", int64_t{0})}, {"value", d.value("value", "")}});
  }
  std::reverse(values.begin(), values.end());  // events come newest first
  Json out = {{"metricId", id}, {"metric", metric}, {"values", values}};
  if (!values.empty()) {
    out["from"] = values.front()["time"];
    out["to"] = values.back()["time"];
    out["lastValue"] = values.back();
  }
  return out;
}

Json MetricsService::RunChecks(const std::string& project, const std::string& dataset,
                               const std::string& partition,
                               const std::vector<std::string>& check_ids) {
  Json def = datasets_.Get(project, dataset);
  std::vector<std::string> read_parts;
  std::string part = NormalisePartition(def, partition, read_parts);
  const Json mc = def.value("metricsChecks", Json::object());
  const Json checks = mc.is_object() ? mc.value("checks", Json::array()) : Json();
  if (!checks.is_array())
    throw ApiError::BadRequest("Field 'metricsChecks.checks' of dataset '" + dataset +
                               "' must be an array");

  // Select and validate every check before anything is computed or stored.
  std::vector<CheckSel> selected;
  std::set<std::string> matched;
  for (size_t i = 0; i < checks.size(); ++i) {
    const Json& c = checks[i];
    if (!c.is_object()) continue;
    CheckSel s;
    s.check = c;
    s.name = CheckName(c, i);
    s.id = "check:CHECK:" + s.name;
    std::string own_id = c.value("id", Json()).is_string() ? c["id"].get<std::string>() : "";
    if (!check_ids.empty()) {
      bool hit = false;
      for (const auto& want : check_ids)
        if (want == s.id || want == s.name || (!own_id.empty() && want == own_id)) {
          matched.insert(want);
          hit = true;
        }
      if (!hit) continue;
    }
    std::string type = c.value("type", Json()).is_string() ? c["type"].get<std::string>() : "";
    if (type != "numericRange")
      throw ApiError::BadRequest("Check '" + s.name + "': type '" + type +
                                 "' is not supported (only numericRange)");
    const Json mid = c.value("metricId", Json());
    if (!mid.is_string() || mid.get<std::string>().empty())
      throw ApiError::BadRequest("Check '" + s.name + "' has no 'metricId'");
    s.metric_id = mid.get<std::string>();
    ParseMetricId(s.metric_id, def);  // throws for an unknown metric or column
    selected.push_back(std::move(s));
  }
  for (const auto& want : check_ids)
    if (!matched.count(want))
      throw ApiError::BadRequest("Dataset '" + dataset + "' has no check '" + want + "'");

  // Compute the metrics that have no value yet on this partition.
  auto last_values = [&]() {
    auto doc = store_.Get(kKindLast, project, dataset);
    return doc ? *doc->data : Json::object();
  };
  Json last = last_values();
  std::vector<std::string> missing;
  for (const auto& s : selected)
    if (!last.contains(part) || !last[part].contains(s.metric_id))
      if (std::find(missing.begin(), missing.end(), s.metric_id) == missing.end())
        missing.push_back(s.metric_id);
  if (!missing.empty()) {
    Compute(project, dataset, partition, missing);
    last = last_values();
  }

  int64_t now = NowMs();
  Json results = Json::array();
  for (const auto& s : selected) {
    std::optional<std::string> v;
    if (last.contains(part) && last[part].contains(s.metric_id) &&
        last[part][s.metric_id].value("value", Json()).is_string())
      v = last[part][s.metric_id]["value"].get<std::string>();
    Json value = EvaluateRange(s.check, v, s.metric_id);
    results.push_back(
        {{"check", s.check}, {"checkId", s.id}, {"partition", part}, {"value", value}});
  }
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindLast, project, dataset);
    Json cur = doc ? *doc->data : Json::object();
    for (const auto& r : results) {
      std::string cid = r["checkId"].get<std::string>();
      Json metric = {{"id", cid}, {"type", "check"}, {"dataType", "STRING"}};
      cur[part][cid] = {{"metric", metric},
                        {"value", r["value"]["outcome"]},
                        {"dataType", "STRING"},
                        {"computed", now}};
      txn.AppendEvent(kKindHistory, project,
                      {{"dataset", dataset},
                       {"partition", part},
                       {"metricId", cid},
                       {"metric", metric},
                       {"value", r["value"]["outcome"]},
                       {"message", r["value"]["message"]},
                       {"dataType", "STRING"},
                       {"time", now}});
    }
    txn.Put(kKindLast, project, dataset, cur);
  });
  return {{"partition", part}, {"results", results}};
}

}  // namespace dss::core
