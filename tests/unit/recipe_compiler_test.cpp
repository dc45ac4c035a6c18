// Data-driven recipe compiler tests: every tests/recipes/<type>/*.json case is loaded into
// DuckDB (and into PostgreSQL when DSSD_TEST_PG_* are set), compiled, run, and its rows
// compared with the expected ones. Rows compare as a multiset unless the output is ordered.
//
// Case file: {"inputs": {name: {"schema": [{name, type}], "rows": [[...]]}},
//             "recipe": {type, inputs?, outputs?, ..., "payload": {...} | "text"},
//             "expected": {"schema"?: [...], "rows": [[...]]}            (output "out")
//                       | {"outputs": {ref: {"schema"?, "rows"?, "rowCountBetween"?}}}
//                       | {"error": "text the error message contains"}}
#include <duckdb.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/api_error.h"
#include "common/json.h"
#include "engine/duckdb_engine.h"
#include "engine/recipes/recipe_compiler.h"

namespace fs = std::filesystem;
using dss::Json;
using dss::engine::Column;
using dss::engine::CompileRequest;
using dss::engine::RecipeCompiler;
using dss::engine::Relation;
using dss::engine::SqlDialect;

namespace {

using Rows = std::vector<std::vector<std::string>>;
const char* kNull = "\x01NULL";

std::string Norm(const std::optional<std::string>& v, const std::string& type) {
  if (!v) return kNull;
  if (type == "double" || type == "float") {
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (end && *end == '\0') {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", std::fabs(d) < 1e-12 ? 0.0 : d);
      return buf;
    }
  }
  if (type == "boolean") {
    if (*v == "t" || *v == "true" || *v == "1") return "true";
    if (*v == "f" || *v == "false" || *v == "0") return "false";
  }
  if ((type == "date" || type == "datetimenotz") && v->size() > 19 && (*v)[19] == '.') {
    // Fractional zeros differ between engines ("...:05" vs "...:05.000").
    std::string s = *v;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  return *v;
}

std::string ExpectedCell(const Json& v, const std::string& type) {
  if (v.is_null()) return kNull;
  if (v.is_string()) return Norm(v.get<std::string>(), type);
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() && (type == "double" || type == "float"))
    return Norm(std::to_string(v.get<long long>()), type);
  if (v.is_number_float()) return Norm(v.dump(), "double");
  return v.dump();
}

// One engine able to load tables, run a SELECT and return text cells.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual const SqlDialect& dialect() const = 0;
  virtual void Exec(const std::string& sql) = 0;
  virtual Rows Query(const std::string& sql) = 0;
  virtual std::string Table(const std::string& name) = 0;
  virtual void Reset() = 0;
};

class DuckEngineT : public Engine {
 public:
  DuckEngineT() : db_(dss::engine::DuckOptions{"512MB", 1, ""}), conn_(db_.Connect()) {}
  const SqlDialect& dialect() const override { return d_; }
  void Exec(const std::string& sql) override { conn_->Execute(sql); }
  Rows Query(const std::string& sql) override {
    duckdb_result r;
    if (duckdb_query(conn_->raw(), sql.c_str(), &r) == DuckDBError) {
      std::string msg = duckdb_result_error(&r);
      duckdb_destroy_result(&r);
      throw std::runtime_error("DuckDB: " + msg + "\nSQL: " + sql);
    }
    Rows rows;
    idx_t nc = duckdb_column_count(&r), nr = duckdb_row_count(&r);
    for (idx_t i = 0; i < nr; ++i) {
      std::vector<std::string> row;
      for (idx_t c = 0; c < nc; ++c) {
        if (duckdb_value_is_null(&r, c, i)) {
          row.push_back(kNull);
          continue;
        }
        char* v = duckdb_value_varchar(&r, c, i);
        row.push_back(v ? v : "");
        duckdb_free(v);
      }
      rows.push_back(row);
    }
    duckdb_destroy_result(&r);
    return rows;
  }
  std::string Table(const std::string& name) override { return "\"rc\".\"" + name + "\""; }
  void Reset() override { Exec("DROP SCHEMA IF EXISTS rc CASCADE; CREATE SCHEMA rc"); }

 private:
  SqlDialect d_ = SqlDialect::DuckDB();
  dss::engine::DuckEngine db_;
  std::unique_ptr<dss::engine::DuckConnection> conn_;
};

class PgEngineT : public Engine {
 public:
  PgEngineT() {
    auto env = [](const char* k) {
      const char* v = std::getenv(k);
      return std::string(v ? v : "");
    };
    std::string conninfo =
        "host=" + env("DSSD_TEST_PG_HOST") + " port=" + env("DSSD_TEST_PG_PORT") +
        " user=" + env("DSSD_TEST_PG_USER") + " password=" + env("DSSD_TEST_PG_PASSWORD") +
        " dbname=" + env("DSSD_TEST_PG_DB") + " connect_timeout=10";
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK)
      throw std::runtime_error(std::string("PostgreSQL unreachable: ") + PQerrorMessage(conn_));
    schema_ = "rc_" + std::to_string(getpid());
    Exec("SET TimeZone = 'UTC'");
  }
  ~PgEngineT() override {
    if (conn_) {
      PQclear(PQexec(conn_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
      PQfinish(conn_);
    }
  }
  const SqlDialect& dialect() const override { return d_; }
  void Exec(const std::string& sql) override { Query(sql); }
  Rows Query(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("PostgreSQL: " + msg + "\nSQL: " + sql);
    }
    Rows rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int c = 0; c < PQnfields(r); ++c)
        row.push_back(PQgetisnull(r, i, c) ? kNull : PQgetvalue(r, i, c));
      rows.push_back(row);
    }
    PQclear(r);
    return rows;
  }
  std::string Table(const std::string& name) override {
    return "\"" + schema_ + "\".\"" + name + "\"";
  }
  void Reset() override {
    Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    Exec("CREATE SCHEMA " + schema_);
  }

 private:
  SqlDialect d_ = SqlDialect::PostgreSQL();
  PGconn* conn_ = nullptr;
  std::string schema_;
};

std::vector<Column> ColumnsOf(const Json& schema) {
  std::vector<Column> out;
  for (const auto& c : schema)
    out.push_back({c.at("name").get<std::string>(), c.at("type").get<std::string>()});
  return out;
}

std::string Literal(const SqlDialect& d, const Json& v, const std::string& type) {
  if (v.is_null()) return "NULL";
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  return d.Cast(d.Str(text), type);
}

// Runs one case on one engine; returns a failure description or "".
std::string RunCase(Engine& e, const Json& c) {
  const SqlDialect& d = e.dialect();
  e.Reset();
  CompileRequest req;
  Json recipe = c.at("recipe");
  Json payload = recipe.value("payload", Json::object());
  recipe.erase("payload");
  req.payload = payload.is_string() ? payload.get<std::string>() : payload.dump();
  Json main_inputs = Json::array();
  for (const auto& [name, in] : c.at("inputs").items()) {
    auto cols = ColumnsOf(in.at("schema"));
    std::string ddl;
    for (const auto& col : cols)
      ddl += (ddl.empty() ? "" : ", ") + d.Ident(col.name) + " " + d.SqlType(col.type);
    e.Exec("CREATE TABLE " + e.Table(name) + " (" + ddl + ")");
    for (const auto& row : in.value("rows", Json::array())) {
      std::string vals;
      for (size_t i = 0; i < cols.size(); ++i)
        vals += (i ? ", " : "") + Literal(d, row.at(i), cols[i].type);
      e.Exec("INSERT INTO " + e.Table(name) + " VALUES (" + vals + ")");
    }
    req.inputs[name] = Relation{e.Table(name), cols, true};
    main_inputs.push_back({{"ref", name}});
  }
  if (!recipe.contains("inputs")) recipe["inputs"] = {{"main", {{"items", main_inputs}}}};
  if (!recipe.contains("outputs"))
    recipe["outputs"] = {{"main", {{"items", Json::array({{{"ref", "out"}}})}}}};
  req.recipe = recipe;
  const Json& exp = c.at("expected");
  RecipeCompiler rc(d);
  std::vector<dss::engine::CompiledOutput> outs;
  try {
    for (const auto& p : rc.Probes(req)) {
      std::vector<std::string> vals;
      for (auto& row : e.Query(p.sql)) vals.push_back(row[0]);
      req.probed[p.key] = vals;
    }
    outs = rc.Compile(req);
  } catch (const dss::ApiError& err) {
    if (!exp.contains("error")) return std::string("unexpected compile error: ") + err.what();
    if (err.status() != 400) return "error status " + std::to_string(err.status());
    std::string want = exp["error"];
    if (std::string(err.what()).find(want) == std::string::npos)
      return "error '" + std::string(err.what()) + "' does not contain '" + want + "'";
    return "";
  }
  if (exp.contains("error"))
    return "expected an error containing '" + exp["error"].get<std::string>() + "'";
  Json want_outputs = exp.contains("outputs") ? exp["outputs"] : Json{{"out", exp}};
  for (const auto& [ref, want] : want_outputs.items()) {
    auto it = std::find_if(outs.begin(), outs.end(), [&](auto& o) { return o.ref == ref; });
    if (it == outs.end()) return "no compiled output '" + ref + "'";
    if (want.contains("schema")) {
      auto ws = ColumnsOf(want["schema"]);
      std::string got, exp_s;
      for (auto& col : it->columns) got += col.name + ":" + col.type + " ";
      for (auto& col : ws) exp_s += col.name + ":" + col.type + " ";
      if (got != exp_s)
        return "output '" + ref + "' schema [" + got + "] != expected [" + exp_s + "]";
    }
    Rows rows = e.Query(it->sql);
    for (auto& row : rows) {
      if (row.size() != it->columns.size()) return "column count differs from the compiled schema";
      for (size_t i = 0; i < row.size(); ++i)
        row[i] = row[i] == kNull ? std::string(kNull) : Norm(row[i], it->columns[i].type);
    }
    if (want.contains("rowCountBetween")) {
      size_t lo = want["rowCountBetween"][0], hi = want["rowCountBetween"][1];
      if (rows.size() < lo || rows.size() > hi)
        return "output '" + ref + "' has " + std::to_string(rows.size()) + " rows, expected " +
               std::to_string(lo) + ".." + std::to_string(hi);
    }
    if (!want.contains("rows")) continue;
    Rows expected;
    for (const auto& row : want["rows"]) {
      std::vector<std::string> r;
      for (size_t i = 0; i < row.size(); ++i)
        r.push_back(ExpectedCell(row[i], i < it->columns.size() ? it->columns[i].type : "string"));
      expected.push_back(r);
    }
    if (!it->ordered) {
      std::sort(rows.begin(), rows.end());
      std::sort(expected.begin(), expected.end());
    }
    if (rows != expected) {
      std::ostringstream os;
      os << "output '" << ref << "' rows differ\n  got:      ";
      for (auto& r : rows) {
        os << "[";
        for (auto& v : r) os << (v == kNull ? "null" : v) << "|";
        os << "] ";
      }
      os << "\n  expected: ";
      for (auto& r : expected) {
        os << "[";
        for (auto& v : r) os << (v == kNull ? "null" : v) << "|";
        os << "] ";
      }
      os << "\n  SQL: " << it->sql;
      return os.str();
    }
  }
  return "";
}

std::vector<std::string> CaseFiles() {
  std::vector<std::string> out;
  for (auto& p : fs::recursive_directory_iterator(DSS_RECIPE_CASES_DIR))
    if (p.path().extension() == ".json") out.push_back(p.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Json LoadCase(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return Json::parse(ss.str());
}

DuckEngineT& Duck() {
  static DuckEngineT e;
  return e;
}

bool PgConfigured() {
  return std::getenv("DSSD_TEST_PG_HOST") != nullptr;
}

PgEngineT& Pg() {
  static PgEngineT e;  // throws (test fails) when configured but unreachable
  return e;
}

class RecipeCase : public ::testing::TestWithParam<std::string> {};

TEST_P(RecipeCase, DuckDB) {
  Json c = LoadCase(GetParam());
  std::string err;
  try {
    err = RunCase(Duck(), c);
  } catch (const std::exception& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "") << GetParam();
}

TEST_P(RecipeCase, PostgreSQL) {
  if (!PgConfigured()) GTEST_SKIP() << "DSSD_TEST_PG_* not set";
  Json c = LoadCase(GetParam());
  if (c.value("duckdbOnly", false)) GTEST_SKIP() << c.value("duckdbOnlyReason", "");
  std::string err;
  try {
    err = RunCase(Pg(), c);
  } catch (const std::exception& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "") << GetParam();
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  fs::path p(info.param);
  std::string n = p.parent_path().filename().string() + "_" + p.stem().string();
  for (auto& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, RecipeCase, ::testing::ValuesIn(CaseFiles()), CaseName);

TEST(RecipeCompilerApi, DialectsQuoteIdentifiersAndLiterals) {
  auto d = SqlDialect::DuckDB();
  EXPECT_EQ(d.Ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(d.Str("it's"), "'it''s'");
  EXPECT_THROW(d.Num("1; DROP TABLE x"), dss::ApiError);
  EXPECT_EQ(SqlDialect::PostgreSQL().SqlType("double"), "DOUBLE PRECISION");
  EXPECT_EQ(d.SqlType("double"), "DOUBLE");
}

TEST(RecipeCompilerApi, CodeRecipesAreNotCompilable) {
  EXPECT_TRUE(RecipeCompiler::IsCode("python"));
  EXPECT_FALSE(RecipeCompiler::IsCompilable("python"));
  EXPECT_TRUE(RecipeCompiler::IsCompilable("prepare"));
}

}  // namespace
