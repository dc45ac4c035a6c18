#pragma once
// core/filter_formula.h: the subset of DSS formulas accepted by the `filter` parameter of
// dataset reads, compiled to a SQL boolean expression (portable between DuckDB and
// PostgreSQL) over the dataset's columns.
//
// Supported (anything else is refused with a 400 naming the offending token):
//   literals       123, -1.5, "text", 'text', true, false, null
//   columns        bare names (letters, digits, '_') or val("any name")
//   comparisons    ==  =  !=  <>  <  <=  >  >=
//   logic          &&  ||  !   and  or  not   and(a, b, ...)  or(a, b, ...)  not(a)
//   functions      isBlank(x)  isNonBlank(x)  isNotBlank(x)  isNull(x)  isNotNull(x)
//                  contains(x, "s")  startsWith(x, "s")  endsWith(x, "s")
//   grouping       ( ... )

#include <map>
#include <string>

namespace dss::core {

/// Compiles `formula` against `column_types` (column name → DSS type). Returns the SQL
/// expression, referring to columns as double-quoted identifiers. Throws
/// ApiError(kBadRequest) naming what is unsupported or unknown. Pure; thread-safe.
std::string CompileFilterFormula(const std::string& formula,
                                 const std::map<std::string, std::string>& column_types);

}  // namespace dss::core
