#pragma once
// engine/recipes/relation.h: a typed SQL relation, the value recipe compilers pass around.

#include <optional>
#include <string>
#include <vector>

namespace dss::engine {

/// One column: its name and DSS storage type ("string", "bigint", "double", "date"...).
struct Column {
  std::string name;
  std::string type;
};

/// A SELECT (or table reference) and the columns it yields, in order.
struct Relation {
  std::string sql;  // a complete SELECT, or a table reference when `is_table`
  std::vector<Column> columns;
  bool is_table = false;

  /// Text usable after FROM: the table reference, or the SELECT in parentheses with `alias`.
  std::string From(const std::string& alias) const {
    return is_table ? sql + " AS " + alias : "(" + sql + ") AS " + alias;
  }
  /// Index of the column named `name`, or nullopt. Exact (case-sensitive) match, as DSS.
  std::optional<size_t> Find(const std::string& name) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == name) return i;
    return std::nullopt;
  }
};

/// Whether a DSS storage type is numeric, integral, temporal.
inline bool IsIntegral(const std::string& t) {
  return t == "tinyint" || t == "smallint" || t == "int" || t == "bigint";
}
inline bool IsNumeric(const std::string& t) {
  return IsIntegral(t) || t == "float" || t == "double";
}
inline bool IsTemporal(const std::string& t) {
  return t == "date" || t == "datetimenotz" || t == "dateonly";
}

/// One output item of a projection: a SQL expression and the column it becomes.
struct Projected {
  std::string sql;
  Column column;
};

/// SELECT <items> FROM <in> AS t [WHERE where]. Identifiers quoted with `quote`.
template <typename Quote>
Relation SelectFrom(const Relation& in, const std::vector<Projected>& items, Quote quote,
                    const std::string& where = "") {
  Relation out;
  std::string list;
  for (const auto& it : items) {
    if (!list.empty()) list += ", ";
    list += it.sql + " AS " + quote(it.column.name);
    out.columns.push_back(it.column);
  }
  if (list.empty()) list = "NULL AS " + quote("_empty");
  out.sql = "SELECT " + list + " FROM " + in.From("t") + (where.empty() ? "" : " WHERE " + where);
  return out;
}

}  // namespace dss::engine
