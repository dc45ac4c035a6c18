#include "core/sql_script_executor.h"

#include <optional>

#include "common/api_error.h"
#include "core/dataset_service.h"
#include "core/pg_data_source.h"
#include "core/services.h"
#include "engine/postgres_connection.h"

namespace dss::core {

void SqlScriptExecutor::Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) {
  Services& svc = env.services;
  std::optional<std::string> conn;
  std::optional<Json> conn_def;
  std::vector<std::pair<FlowRef, Json>> pg_outputs;
  auto consider = [&](const FlowRef& r, bool output) {
    if (r.type != "DATASET") return;
    Json def = svc.datasets().Get(r.project_key, r.id);
    if (def.value("type", "") != "PostgreSQL") {
      if (output)
        throw ApiError::BadRequest("SQL script recipe '" + env.run.recipe_name + "' writes '" +
                                   r.id +
                                   "', which is not a PostgreSQL dataset: a SQL script can "
                                   "only write tables of its SQL connection");
      return;
    }
    std::string c = def.value("params", Json::object()).value("connection", "");
    if (conn && *conn != c)
      throw ApiError::BadRequest("SQL script recipe '" + env.run.recipe_name +
                                 "' uses datasets of two connections ('" + *conn + "' and '" + c +
                                 "'): a script runs on one connection");
    conn = c;
    if (!conn_def) conn_def = def;
    if (output) pg_outputs.emplace_back(r, def);
  };
  for (const auto& r : env.run.outputs) consider(r, true);
  for (const auto& r : env.run.inputs) consider(r, false);
  if (!conn || conn->empty())
    throw ApiError::BadRequest("SQL script recipe '" + env.run.recipe_name +
                               "' has no PostgreSQL dataset among its outputs or inputs: "
                               "there is no connection to run the script on");
  ctx.Log("Engine: SQL script on PostgreSQL connection '" + *conn + "'");
  auto pg = svc.pg_datasets().Connect(*conn_def);
  jobs::ActivityContext::InterruptGuard cancel(ctx, [&pg] { pg->Cancel(); });
  ctx.ThrowIfAborted();
  try {
    pg->Execute("BEGIN;\n" + env.run.payload + "\n;COMMIT;");
  } catch (const ApiError& e) {
    ctx.Log(std::string("SQL failed: ") + e.what());
    try {
      pg->Execute("ROLLBACK");
    } catch (...) {
      // The connection is dropped right after: the server rolls back anyway.
    }
    throw;
  }
  ctx.Log("SQL script done");
  for (const auto& [ref, def] : pg_outputs) {
    Json cols = Json::array();
    for (const auto& c : svc.pg_datasets().DetectColumns(ref.project_key, def))
      cols.push_back({{"name", c.value("name", "")}, {"type", c.value("type", "string")}});
    svc.store().Transact([&](storage::Txn& txn) {
      auto doc = txn.Get(kKindDataset, ref.project_key, ref.id);
      if (!doc) return;
      Json d = *doc->data;
      Json schema = {{"columns", cols}, {"userModified", false}};
      if (d.contains("schema") && d["schema"].is_object() &&
          d["schema"].value("columns", Json()) == cols)
        return;
      d["schema"] = schema;
      txn.Put(kKindDataset, ref.project_key, ref.id, d);
    });
    ctx.Log("Output " + ref.id + ": schema of " + std::to_string(cols.size()) + " columns");
  }
}

}  // namespace dss::core
