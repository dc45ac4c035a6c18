#pragma once
// engine/recipes/filter_compiler.h: DSS filter objects ({enabled, uiData: {mode, conditions},
// expression}) compiled to a SQL boolean expression.

#include <optional>
#include <string>

#include "common/json.h"
#include "engine/recipes/relation.h"
#include "engine/recipes/sql_dialect.h"

namespace dss::engine {

class FilterCompiler {
 public:
  FilterCompiler(const SqlDialect& dialect, const std::vector<Column>& columns)
      : d_(dialect), columns_(columns) {}

  /// The condition, or nullopt when the filter is absent or disabled. Modes: "&&" / "||"
  /// over uiData.conditions, "CUSTOM" (a DSS formula in `expression`), "SQL" (a SQL
  /// expression used as is: DSS lets users write SQL there). `what` names the filter in
  /// errors ("pre-filter"...). Throws ApiError(kInvalidRecipe) for an unknown operator, a
  /// missing column or a bad formula. Pure.
  std::optional<std::string> Compile(const Json& filter, const std::string& what) const;

  /// One condition {input, operator, string|num|num2|date|date2}. Throws like Compile.
  std::string Condition(const Json& cond, const std::string& what) const;

 private:
  const SqlDialect& d_;
  const std::vector<Column>& columns_;
};

}  // namespace dss::engine
