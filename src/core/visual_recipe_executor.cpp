#include "core/visual_recipe_executor.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "common/api_error.h"
#include "common/tabular_encoder.h"
#include "core/data_source.h"
#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/duck_file_source.h"
#include "core/partitioning.h"
#include "core/pg_data_source.h"
#include "core/services.h"
#include "engine/duckdb_engine.h"
#include "engine/postgres_connection.h"
#include "engine/postgres_types.h"
#include "engine/recipes/recipe_compiler.h"
#include "engine/recipes/sql_dialect.h"

namespace dss::core {

namespace {

namespace fs = std::filesystem;

/// One input or output of the run, resolved.
struct Io {
  std::string ref;  // as written in the recipe ("name" or "PROJ.name")
  FlowRef flow;
  Json def;
};

std::vector<engine::Column> SchemaColumns(const Json& def) {
  std::vector<engine::Column> cols;
  if (!def.contains("schema") || !def["schema"].is_object()) return cols;
  for (const auto& c : def["schema"].value("columns", Json::array()))
    cols.push_back({c.value("name", ""), c.value("type", "string")});
  return cols;
}

/// The refs of every role of `recipe[key]` ("inputs" / "outputs"), in role order.
std::vector<std::string> RoleRefs(const Json& recipe, const char* key) {
  std::vector<std::string> out;
  if (!recipe.contains(key) || !recipe[key].is_object()) return out;
  for (const auto& [role, v] : recipe[key].items())
    if (v.is_object() && v.contains("items") && v["items"].is_array())
      for (const auto& it : v["items"])
        if (it.is_object() && it.contains("ref") && it["ref"].is_string())
          out.push_back(it["ref"].get<std::string>());
  return out;
}

std::vector<Io> Resolve(const RecipeRunEnv& env, const char* key) {
  std::vector<Io> out;
  for (const auto& ref : RoleRefs(env.run.recipe, key)) {
    FlowRef f = ParseFlowRef(env.services.store(), env.project_key, ref);
    if (f.type != "DATASET")
      throw ApiError::BadRequest("Recipe '" + env.run.recipe_name + "' (type " +
                                 env.run.recipe_type + ") has '" + ref + "' as " +
                                 (std::string(key) == "inputs" ? "input" : "output") +
                                 ": only datasets can be read or written by this recipe type");
    Json def = env.services.datasets().Get(f.project_key, f.id);
    out.push_back({ref, f, std::move(def)});
  }
  return out;
}

bool IsPartitioned(const Json& def) {
  return Partitioning::FromJson(def.value("partitioning", Json())).partitioned();
}

/// The partitions of an input to read: the run's partition for a partitioned input (DSS's
/// default "equals" dependency, as the planner assumes), else everything.
std::vector<std::string> InputPartitions(const RecipeRunEnv& env, const Json& def) {
  if (env.run.partition.empty() || env.run.partition == "NP" || !IsPartitioned(def)) return {};
  return {env.run.partition};
}

std::string TrimSql(std::string sql) {
  while (!sql.empty() &&
         (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back()))))
    sql.pop_back();
  size_t b = 0;
  while (b < sql.size() && std::isspace(static_cast<unsigned char>(sql[b]))) ++b;
  return sql.substr(b);
}

bool SameSchema(const Json& def, const std::vector<engine::Column>& cols) {
  auto cur = SchemaColumns(def);
  if (cur.size() != cols.size()) return false;
  for (size_t i = 0; i < cols.size(); ++i)
    if (cur[i].name != cols[i].name || cur[i].type != cols[i].type) return false;
  return true;
}

/// Sets an output's schema to what the recipe produces (DSS updates output schemas on build).
/// A failed activity puts it back (JobService), with the rest of its outputs.
void SyncSchema(Services& svc, const FlowRef& out, const std::vector<engine::Column>& cols) {
  svc.store().Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDataset, out.project_key, out.id);
    if (!doc)
      throw ApiError(
          ErrorCode::kDatasetNotFound,
          "Output dataset '" + out.id + "' does not exist in project " + out.project_key);
    if (SameSchema(*doc->data, cols)) return;
    Json d = *doc->data;
    Json c = Json::array();
    for (const auto& col : cols) c.push_back({{"name", col.name}, {"type", col.type}});
    d["schema"] = {{"columns", c}, {"userModified", false}};
    txn.Put(kKindDataset, out.project_key, out.id, d);
  });
}

/// The PostgreSQL connection every input and output lives on, or nullopt.
std::optional<std::string> SharedPgConnection(const std::vector<Io>& ins,
                                              const std::vector<Io>& outs) {
  if (ins.empty() || outs.empty()) return std::nullopt;
  std::optional<std::string> conn;
  for (const auto* list : {&ins, &outs})
    for (const auto& io : *list) {
      if (io.def.value("type", "") != "PostgreSQL") return std::nullopt;
      std::string c = io.def.value("params", Json::object()).value("connection", "");
      if (c.empty() || (conn && *conn != c)) return std::nullopt;
      conn = c;
    }
  return conn;
}

/// The compiled SELECTs: the compiler's for visual recipes, the payload for sql_query.
std::vector<engine::CompiledOutput> CompileOutputs(const RecipeRunEnv& env,
                                                   const engine::RecipeCompiler& rc,
                                                   const engine::CompileRequest& req,
                                                   const std::vector<Io>& outs) {
  if (env.run.recipe_type != "sql_query") return rc.Compile(req);
  std::string sql = TrimSql(env.run.payload);
  if (sql.empty())
    throw ApiError(ErrorCode::kInvalidRecipe,
                   "SQL query recipe '" + env.run.recipe_name + "' has an empty query");
  if (outs.size() != 1)
    throw ApiError(ErrorCode::kInvalidRecipe, "SQL query recipe '" + env.run.recipe_name +
                                                  "' must have exactly one output (it has " +
                                                  std::to_string(outs.size()) + ")");
  engine::CompiledOutput c;
  c.role = "main";
  c.ref = outs[0].ref;
  c.sql = sql;
  const Json& recipe = env.run.recipe;
  if (recipe.contains("outputs") && recipe["outputs"].is_object())
    for (const auto& [role, v] : recipe["outputs"].items())
      if (v.is_object() && v.contains("items") && v["items"].is_array())
        for (const auto& it : v["items"])
          if (it.is_object() && it.value("ref", "") == c.ref)
            c.append = it.value("appendMode", false);
  return {c};
}

const Io& OutputFor(const std::vector<Io>& outs, const std::string& ref) {
  for (const auto& o : outs)
    if (o.ref == ref) return o;
  throw ApiError::Internal("Compiled output '" + ref + "' is not an output of the recipe");
}

/// Throws unless `o` is a PostgreSQL dataset a recipe can replace: a non-partitioned table.
void CheckPgOutput(const Io& o) {
  const Json params = o.def.value("params", Json::object());
  std::string mode = params.value("mode", "table");
  if (!mode.empty() && mode != "table")
    throw ApiError::BadRequest("Output dataset '" + o.flow.id +
                               "' is a PostgreSQL query dataset: a recipe can only write to a "
                               "table (params.mode 'table')");
  if (IsPartitioned(o.def))
    throw ApiError::BadRequest("Output dataset '" + o.flow.id +
                               "' is a partitioned PostgreSQL dataset: dssd cannot write "
                               "partitions of a SQL table");
}

/// The column definitions ("a" integer, ...) and the column list ("a", ...) of a PostgreSQL
/// table holding `cols`.
std::pair<std::string, std::string> PgColumns(const std::vector<engine::Column>& cols) {
  std::string ddl, names;
  for (size_t i = 0; i < cols.size(); ++i) {
    ddl += (i ? ", " : "") + engine::PgQuoteIdent(cols[i].name) + " " +
           engine::PgTypeOfDssType(cols[i].type);
    names += (i ? ", " : "") + engine::PgQuoteIdent(cols[i].name);
  }
  return {ddl, names};
}

// ---------------------------------------------------------------------------------------
// In-database on PostgreSQL

void RunInDatabase(const RecipeRunEnv& env, jobs::ActivityContext& ctx,
                   const std::string& conn_name, const std::vector<Io>& ins,
                   const std::vector<Io>& outs) {
  Services& svc = env.services;
  PgDataSource& pg_source = svc.pg_datasets();
  ctx.Log("Engine: in-database on PostgreSQL connection '" + conn_name + "'");
  engine::SqlDialect dialect = engine::SqlDialect::PostgreSQL();
  engine::RecipeCompiler rc(dialect);
  engine::CompileRequest req;
  req.recipe = env.run.recipe;
  req.payload = env.run.payload;
  for (const auto& in : ins) {
    std::string rel = pg_source.Relation(in.flow.project_key, in.def);
    std::string pred = PgDataSource::PartitionPredicate(in.def, InputPartitions(env, in.def));
    if (!pred.empty()) rel = "(SELECT * FROM " + rel + " AS _p WHERE " + pred + ")";
    req.inputs[in.ref] = engine::Relation{rel, SchemaColumns(in.def), true};
  }
  auto pg = pg_source.Connect(outs.front().def);
  jobs::ActivityContext::InterruptGuard cancel(ctx, [&pg] { pg->Cancel(); });
  if (env.run.recipe_type != "sql_query")
    for (const auto& probe : rc.Probes(req)) {
      auto& vals = req.probed[probe.key];
      for (auto& row : pg->QueryAll(probe.sql))
        if (!row.empty() && row[0]) vals.push_back(*row[0]);
    }
  auto compiled = CompileOutputs(env, rc, req, outs);

  // One transaction: the outputs are replaced together, and only if everything succeeded.
  std::string script = "BEGIN;\n";
  for (const auto& c : compiled) {
    const Io& o = OutputFor(outs, c.ref);
    CheckPgOutput(o);
    std::string table = pg_source.Relation(o.flow.project_key, o.def);
    std::string sql = TrimSql(c.sql);
    if (!c.append) script += "DROP TABLE IF EXISTS " + table + ";\n";
    if (c.columns.empty()) {
      // SQL query recipe: the table takes the columns of the result.
      script += c.append ? "CREATE TABLE IF NOT EXISTS " + table + " AS SELECT * FROM (" + sql +
                               ") AS _s WITH NO DATA;\nINSERT INTO " + table + " " + sql + ";\n"
                         : "CREATE TABLE " + table + " AS " + sql + ";\n";
    } else {
      // Visual recipe: the table is made from the output schema, as DSS does.
      auto [ddl, names] = PgColumns(c.columns);
      script += std::string(c.append ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ") + table +
                " (" + ddl + ");\nINSERT INTO " + table + " (" + names + ") " + sql + ";\n";
    }
    ctx.Log(std::string(c.append ? "Appending to " : "Writing ") + o.flow.id + " (" + table +
            ") in-database");
  }
  script += "COMMIT;";
  ctx.ThrowIfAborted();
  try {
    pg->Execute(script);
  } catch (const ApiError& e) {
    ctx.Log(std::string("SQL failed: ") + e.what());
    try {
      pg->Execute("ROLLBACK");
    } catch (...) {
      // The connection is dropped right after: the server rolls back anyway.
    }
    throw;
  }
  for (const auto& c : compiled) {
    const Io& o = OutputFor(outs, c.ref);
    std::vector<engine::Column> cols = c.columns;
    if (cols.empty()) {
      // SQL query recipe: the schema is what the table now holds.
      for (const auto& col : pg_source.DetectColumns(o.flow.project_key, o.def))
        cols.push_back({col.value("name", ""), col.value("type", "string")});
    }
    SyncSchema(svc, o.flow, cols);
    auto rows =
        pg->QueryAll("SELECT count(*) FROM " + pg_source.Relation(o.flow.project_key, o.def));
    ctx.Log("Wrote " + (rows.empty() || rows[0].empty() || !rows[0][0] ? "?" : *rows[0][0]) +
            " records to " + o.flow.id + " in-database");
  }
}

// ---------------------------------------------------------------------------------------
// DuckDB

/// Copies the rows of a PostgreSQL dataset into a DuckDB temporary table `table` typed by
/// the dataset's schema (through a TSV file in the activity's work directory).
void CopyPgInput(const RecipeRunEnv& env, jobs::ActivityContext& ctx, engine::DuckConnection& conn,
                 const Io& in, const std::string& table) {
  auto schema = SchemaColumns(in.def);
  if (schema.empty())
    throw ApiError::BadRequest("Input dataset '" + in.flow.id + "' has no schema");
  ReadSpec spec;
  spec.partitions = InputPartitions(env, in.def);
  auto stream = env.services.pg_datasets().Open(in.flow.project_key, in.def, spec);
  fs::path file = fs::path(env.work_dir) / ("input_" + table + ".tsv");
  FILE* f = fopen(file.c_str(), "wbe");
  if (!f) throw ApiError::Internal("Cannot create " + file.string());
  std::string buf;
  TabularEncoder enc(TabularFormat::kTsvExcelNoHeader, &buf);
  try {
    jobs::ActivityContext::InterruptGuard stop(ctx, [&stream] { stream->Interrupt(); });
    bool more = true;
    while (more) {
      more = stream->Next(enc, 1 << 20);
      if (!buf.empty() && fwrite(buf.data(), 1, buf.size(), f) != buf.size())
        throw ApiError::Internal("Cannot write " + file.string());
      buf.clear();
    }
  } catch (...) {
    fclose(f);
    throw;
  }
  if (fclose(f) != 0) throw ApiError::Internal("Cannot write " + file.string());
  std::string reader = "read_csv(" + QuoteSqlString(file.string()) +
                       ", delim = '\t', quote = '\"', escape = '\"', header = false, "
                       "auto_detect = false, strict_mode = true, null_padding = false, "
                       "allow_quoted_nulls = false, compression = 'none', columns = {";
  std::string typed = "SELECT ";
  for (size_t i = 0; i < schema.size(); ++i) {
    std::string c = "c" + std::to_string(i);
    reader += (i ? ", '" : "'") + c + "': 'VARCHAR'";
    std::string duck = DuckFileSource::DuckTypeOf(schema[i].type);
    if (i) typed += ", ";
    typed += duck == "VARCHAR" ? c : "CAST(NULLIF(TRIM(" + c + "), '') AS " + duck + ")";
    typed += " AS " + QuoteSqlIdent(schema[i].name);
  }
  reader += "})";
  conn.Execute("CREATE TEMP TABLE " + QuoteSqlIdent(table) + " AS " + typed + " FROM " + reader);
  ctx.Log("Read " + std::to_string(enc.rows()) + " records of PostgreSQL dataset " + in.flow.id);
}

/// Writes the result of `c` (run on DuckDB) into the PostgreSQL table of output `o`: the
/// rows go through a CSV file in the work directory and COPY ... FROM STDIN; the table is
/// dropped and re-created (or appended to) in the same transaction as the copy. Returns the
/// schema written.
std::vector<engine::Column> WritePgOutput(const RecipeRunEnv& env, jobs::ActivityContext& ctx,
                                          engine::DuckConnection& duck, const Io& o,
                                          const engine::CompiledOutput& c, size_t index) {
  PgDataSource& pg_source = env.services.pg_datasets();
  std::string table = pg_source.Relation(o.flow.project_key, o.def);
  std::vector<engine::Column> cols = c.columns;
  if (cols.empty()) {  // SQL query recipe: the columns of the result
    std::string desc = duck.QueryScalar(
        "SELECT to_json(list({'name': column_name, 'type': column_type})) FROM (DESCRIBE " + c.sql +
        ")");
    for (const auto& d : Json::parse(desc.empty() ? "[]" : desc))
      cols.push_back({d.value("name", ""), DuckFileSource::DssTypeOf(d.value("type", ""))});
  }
  if (cols.empty())
    throw ApiError::BadRequest("Recipe output '" + o.flow.id + "' would have no column");
  std::string aliases, typed = "SELECT ";
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string a = "c" + std::to_string(i);
    aliases += (i ? ", " : "") + a;
    typed += (i ? ", CAST(_w." : "CAST(_w.") + a + " AS " +
             DuckFileSource::DuckTypeOf(cols[i].type) + ")";
  }
  auto [ddl, names] = PgColumns(cols);
  typed += " FROM (" + TrimSql(c.sql) + ") AS _w(" + aliases + ")";
  fs::path file = fs::path(env.work_dir) / ("output_" + std::to_string(index) + ".csv");
  duck.Execute("COPY (" + typed + ") TO " + QuoteSqlString(file.string()) +
               " (FORMAT csv, HEADER false, QUOTE '\"', ESCAPE '\"')");
  ctx.ThrowIfAborted();
  std::unique_ptr<FILE, int (*)(FILE*)> f(fopen(file.c_str(), "rbe"), &fclose);
  if (!f) throw ApiError::Internal("Cannot read " + file.string());
  auto pg = pg_source.Connect(o.def);
  jobs::ActivityContext::InterruptGuard cancel(ctx, [&pg] { pg->Cancel(); });
  long long n = 0;
  try {
    pg->Execute("BEGIN");
    if (c.append)
      pg->Execute("CREATE TABLE IF NOT EXISTS " + table + " (" + ddl + ")");
    else
      pg->Execute("DROP TABLE IF EXISTS " + table + ";\nCREATE TABLE " + table + " (" + ddl + ")");
    n = pg->CopyIn("COPY " + table + " (" + names + ") FROM STDIN (FORMAT csv)",
                   [&f, &file](char* buf, size_t size) {
                     size_t got = fread(buf, 1, size, f.get());
                     if (got == 0 && ferror(f.get()))
                       throw ApiError::Internal("Cannot read " + file.string());
                     return got;
                   });
    pg->Execute("COMMIT");
  } catch (const ApiError& e) {
    ctx.Log(std::string("Writing ") + o.flow.id + " failed: " + e.what());
    try {
      pg->Execute("ROLLBACK");
    } catch (...) {
      // The connection is dropped right after: the server rolls back anyway.
    }
    throw;
  }
  ctx.Log("Wrote " + std::to_string(n) + " records to " + o.flow.id + " (PostgreSQL table " +
          table + ")");
  return cols;
}

void RunOnDuckDB(const RecipeRunEnv& env, jobs::ActivityContext& ctx, const std::vector<Io>& ins,
                 const std::vector<Io>& outs) {
  Services& svc = env.services;
  ctx.Log("Engine: DuckDB (local)");
  for (const auto& o : outs)
    if (o.def.value("type", "") == "PostgreSQL") CheckPgOutput(o);
  engine::SqlDialect dialect = engine::SqlDialect::DuckDB();
  engine::RecipeCompiler rc(dialect);
  engine::CompileRequest req;
  req.recipe = env.run.recipe;
  req.payload = env.run.payload;
  std::vector<DatasetRelation> pinned;  // keeps the input versions alive while running
  auto conn = svc.engine().Connect();
  jobs::ActivityContext::InterruptGuard interrupt(ctx, [&conn] { conn->Interrupt(); });
  const bool sql_query = env.run.recipe_type == "sql_query";
  for (size_t i = 0; i < ins.size(); ++i) {
    const Io& in = ins[i];
    std::string rel;
    if (in.def.value("type", "") == "PostgreSQL") {
      std::string table = "_dss_input_" + std::to_string(i);
      CopyPgInput(env, ctx, *conn, in, table);
      rel = QuoteSqlIdent(table);
    } else if (DuckFileSource::Handles(in.def)) {
      pinned.push_back(svc.dataset_data().RelationFor(in.flow.project_key, in.flow.id,
                                                      InputPartitions(env, in.def)));
      rel = pinned.back().sql;
    } else {
      throw ApiError::BadRequest("Input dataset '" + in.flow.id + "' (type " +
                                 in.def.value("type", "") + ") cannot be read by recipes");
    }
    req.inputs[in.ref] = engine::Relation{rel, SchemaColumns(in.def), true};
    if (sql_query) {
      // The query names its inputs as tables: each is a temporary view named after the
      // dataset (and after the ref when it is project-qualified).
      conn->Execute("CREATE OR REPLACE TEMP VIEW " + QuoteSqlIdent(in.flow.id) +
                    " AS SELECT * FROM " + rel + " AS _v");
      if (in.ref != in.flow.id)
        conn->Execute("CREATE OR REPLACE TEMP VIEW " + QuoteSqlIdent(in.ref) +
                      " AS SELECT * FROM " + rel + " AS _v");
    }
  }
  if (!sql_query)
    for (const auto& probe : rc.Probes(req)) {
      std::string json = conn->QueryScalar("SELECT to_json(list(CAST(_p.v AS VARCHAR))) FROM (" +
                                           probe.sql + ") AS _p");
      auto& vals = req.probed[probe.key];
      for (const auto& v : Json::parse(json.empty() ? "[]" : json))
        if (v.is_string()) vals.push_back(v.get<std::string>());
    }
  auto compiled = CompileOutputs(env, rc, req, outs);
  for (size_t i = 0; i < compiled.size(); ++i) {
    const engine::CompiledOutput& c = compiled[i];
    ctx.ThrowIfAborted();
    const Io& o = OutputFor(outs, c.ref);
    if (o.def.value("type", "") == "PostgreSQL") {
      SyncSchema(svc, o.flow, WritePgOutput(env, ctx, *conn, o, c, i));
      continue;
    }
    // The writer casts to the output schema, so the schema is updated first. The write is
    // staged: it becomes current, with the other outputs, only when the activity succeeds.
    if (!c.columns.empty()) SyncSchema(svc, o.flow, c.columns);
    WriteOptions opts;
    opts.staging = env.staging;
    opts.mode = c.append ? "append" : "overwrite";
    opts.partition = env.run.partition == "NP" ? "" : env.run.partition;
    opts.sync_schema = c.columns.empty();  // SQL query recipe: the schema of the result
    opts.on_statement = [&ctx](const std::string& stmt) { ctx.Log("SQL: " + stmt); };
    Json r;
    try {
      r = svc.dataset_data().WriteFromSql(*conn, o.flow.project_key, o.flow.id, c.sql, opts);
    } catch (const ApiError& e) {
      ctx.Log(std::string("Writing ") + o.flow.id + " failed: " + e.what());
      throw;
    }
    ctx.Log("Wrote " + r.value("records", Json(0)).dump() + " records to " + o.flow.id +
            " (version " + r.value("version", Json(0)).dump() + ")");
  }
}

}  // namespace

void VisualRecipeExecutor::Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) {
  const std::string& type = env.run.recipe_type;
  if (type != "sql_query" && !engine::RecipeCompiler::IsCompilable(type))
    throw ApiError(ErrorCode::kInvalidRecipe, "Recipe '" + env.run.recipe_name + "' has type '" +
                                                  type + "', which is not a visual recipe");
  std::vector<Io> ins = Resolve(env, "inputs");
  std::vector<Io> outs = Resolve(env, "outputs");
  if (outs.empty())
    throw ApiError(ErrorCode::kInvalidRecipe,
                   "Recipe '" + env.run.recipe_name + "' has no output dataset");
  if (auto pg = SharedPgConnection(ins, outs)) {
    RunInDatabase(env, ctx, *pg, ins, outs);
    return;
  }
  RunOnDuckDB(env, ctx, ins, outs);
}

}  // namespace dss::core
