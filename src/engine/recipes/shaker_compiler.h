#pragma once
// engine/recipes/shaker_compiler.h: Prepare ("shaker") steps compiled to nested SELECTs.

#include <string>

#include "common/json.h"
#include "engine/recipes/relation.h"
#include "engine/recipes/sql_dialect.h"

namespace dss::engine {

class ShakerCompiler {
 public:
  explicit ShakerCompiler(const SqlDialect& dialect) : d_(dialect) {}

  /// Applies every enabled step of `steps` (a DSS steps array, GROUP steps flattened) to
  /// `in`. Throws ApiError(kInvalidRecipe) naming the step number and processor type when a
  /// processor is unknown, a parameter is wrong or a column is missing — never skips a step.
  /// Pure.
  Relation Apply(const Relation& in, const Json& steps) const;

 private:
  Relation Step(const Relation& in, const Json& step, const std::string& what) const;
  const SqlDialect& d_;
};

}  // namespace dss::engine
