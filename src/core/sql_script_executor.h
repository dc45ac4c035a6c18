#pragma once
// core/sql_script_executor.h: the SQL script recipe (sql_script). Its payload runs as is, in
// one transaction, on the PostgreSQL connection of its datasets; the script itself writes the
// outputs (as in DSS). Afterwards each output's schema is read back from its table.

#include "core/recipe_executor.h"

namespace dss::core {

/// Stateless; Execute may run concurrently for different activities.
class SqlScriptExecutor : public RecipeExecutor {
 public:
  /// Throws ApiError: kBadRequest when the outputs are not PostgreSQL datasets of one
  /// connection (there is nothing to run the script on), kSqlError with PostgreSQL's message
  /// when a statement fails (the script's changes are rolled back), kAborted.
  void Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) override;
};

}  // namespace dss::core
