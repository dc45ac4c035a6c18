#pragma once
// core/visual_recipe_executor.h: visual recipes (sync, prepare/shaker, grouping, window, join,
// distinct, sort, topn, split, vstack, sampling, pivot) and the SQL query recipe, compiled to
// SQL (engine::RecipeCompiler) and run where the data lives:
//  - in-database on PostgreSQL when every input and output is a PostgreSQL dataset of one
//    connection: DROP + CREATE TABLE AS in one transaction, so no row passes through dssd and
//    the outputs are replaced only when every statement succeeded;
//  - otherwise on the embedded DuckDB: inputs are read through DatasetDataService (pinned
//    versions of managed data; PostgreSQL inputs are first copied into a temporary table);
//    a managed Filesystem output is written as a new version, a PostgreSQL output (a table
//    on any connection) is re-created and filled by COPY in one transaction.
// As in DSS, a build updates each output's schema to what the recipe produces. A SQL error
// fails the activity with the engine's message (and the job with it).

#include "core/recipe_executor.h"

namespace dss::core {

/// Stateless; Execute may run concurrently for different activities.
class VisualRecipeExecutor : public RecipeExecutor {
 public:
  /// Throws ApiError: kInvalidRecipe when the recipe does not compile, kSqlError (with the
  /// engine's message) when a query fails, kBadRequest when an input or output cannot be used
  /// (e.g. a partitioned PostgreSQL output, an Inline output), kAborted.
  void Execute(const RecipeRunEnv& env, jobs::ActivityContext& ctx) override;
};

}  // namespace dss::core
