#pragma once
// engine/recipes/formula_compiler.h: DSS formulas (the "GREL-like" expression language of
// Prepare steps, computed columns and CUSTOM filters) compiled to one SQL expression.
// The supported subset is documented in docs/RECIPES.md; anything outside it is refused.

#include <string>

#include "engine/recipes/relation.h"
#include "engine/recipes/sql_dialect.h"

namespace dss::engine {

/// A compiled expression and its DSS type ("string", "bigint", "double", "boolean", "date",
/// or "null" for a bare null literal).
struct TypedSql {
  std::string sql;
  std::string type;
};

class FormulaCompiler {
 public:
  /// `columns` are the columns the formula may reference (unqualified in the SQL).
  FormulaCompiler(const SqlDialect& dialect, const std::vector<Column>& columns)
      : d_(dialect), columns_(columns) {}

  /// Compiles `formula`. Throws ApiError(kInvalidRecipe) naming the unknown function, the
  /// unknown column or the position of a syntax error. Pure; thread-compatible.
  TypedSql Compile(const std::string& formula) const;

 private:
  const SqlDialect& d_;
  const std::vector<Column>& columns_;
};

}  // namespace dss::engine
