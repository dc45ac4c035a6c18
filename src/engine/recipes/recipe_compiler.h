#pragma once
// engine/recipes/recipe_compiler.h: THE entry point that turns a visual recipe into SQL.
//
// Usage (the jobs engine, the recipe service):
//   RecipeCompiler rc(SqlDialect::DuckDB());
//   CompileRequest req{recipe_json, payload_text, {{"in_ds", Relation{"\"t_in\"", cols, true}}}};
//   for (auto& probe : rc.Probes(req)) req.probed[probe.key] = <first column of probe.sql>;
//   for (auto& out : rc.Compile(req)) run "CREATE TABLE ... AS " + out.sql;
//
// Pure: no I/O, no engine calls. Each output is one SELECT over the inputs' table
// references; its `columns` are the output dataset's schema.

#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/recipes/relation.h"
#include "engine/recipes/sql_dialect.h"

namespace dss::engine {

struct CompileRequest {
  Json recipe;          // the DSS recipe object: type, inputs, outputs, params
  std::string payload;  // the recipe payload text (JSON for visual recipes)
  /// Every input by the `ref` used in recipe.inputs.*.items[].ref: a table reference (or a
  /// SELECT) and its DSS schema columns.
  std::map<std::string, Relation> inputs;
  /// Answers to Probes(): probe key → first column of the probe's rows, as text.
  std::map<std::string, std::vector<std::string>> probed;
};

/// A query whose result the compilation depends on (the distinct values a pivot spreads into
/// columns). Run `sql` and put its first column into CompileRequest::probed[key].
struct Probe {
  std::string key;
  std::string sql;
};

struct CompiledOutput {
  std::string role;  // "main", "unmatchedLeft"...
  size_t index = 0;  // position in outputs.<role>.items
  std::string ref;   // the output dataset ref
  bool append = false;
  std::string sql;              // one SELECT
  std::vector<Column> columns;  // the output schema
  bool ordered = false;         // the SELECT ends with an ORDER BY the output should keep
};

class RecipeCompiler {
 public:
  explicit RecipeCompiler(const SqlDialect& dialect) : d_(dialect) {}

  /// Whether `type` is a visual recipe type Compile() handles: sync, grouping, window, join,
  /// distinct, sort, topn, split, vstack, sampling, pivot, shaker (alias prepare).
  static bool IsCompilable(const std::string& type);
  /// Whether `type` is a code recipe (payload = code): sql_query, sql_script, python, shell...
  static bool IsCode(const std::string& type);

  /// Queries to run before Compile() (empty for most recipes). Throws like Compile().
  std::vector<Probe> Probes(const CompileRequest& req) const;

  /// One SELECT per output. Throws ApiError(kInvalidRecipe) naming the step, column, join
  /// condition or formula that cannot be compiled (never ignores a setting it does not know
  /// how to honour), and when an input schema is missing from `req.inputs`. Pure;
  /// thread-compatible (a compiler may be shared, it has no mutable state).
  std::vector<CompiledOutput> Compile(const CompileRequest& req) const;

 private:
  const SqlDialect& d_;
};

}  // namespace dss::engine
