#include "core/data_source.h"

#include <cstdio>

namespace dss::core {

std::string QuoteSqlIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

std::string QuoteSqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

std::string ReadSpec::WrapSelect(const std::string& relation,
                                 const std::vector<std::string>& all_columns) const {
  const auto& cols = columns.empty() ? all_columns : columns;
  std::string sql = "SELECT ";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) sql += ", ";
    sql += "_t." + QuoteSqlIdent(cols[i]);
  }
  if (cols.empty()) sql += "*";
  sql += " FROM " + relation + " AS _t";
  std::string where = filter_sql;
  if (sampling_method == "RANDOM_FIXED_RATIO") {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", target_ratio);
    where =
        where.empty() ? std::string("random() < ") + buf : "(" + where + ") AND random() < " + buf;
  }
  if (!where.empty()) sql += " WHERE " + where;
  long long lim = -1;
  if (sampling_method == "HEAD_SEQUENCIAL" || sampling_method == "RANDOM_FIXED_NB")
    lim = max_records;
  if (sampling_method == "RANDOM_FIXED_NB") sql += " ORDER BY random()";
  if (lim >= 0 || limit >= 0 || offset > 0) {
    // Sampling first, then the limit/offset extension over the sample.
    if (lim >= 0 && (limit >= 0 || offset > 0)) {
      sql = "SELECT * FROM (" + sql + " LIMIT " + std::to_string(lim) + ") AS _s";
      lim = -1;
    }
    long long l = lim >= 0 ? lim : limit;
    if (l >= 0) sql += " LIMIT " + std::to_string(l);
    if (offset > 0) sql += " OFFSET " + std::to_string(offset);
  }
  return sql;
}

}  // namespace dss::core
