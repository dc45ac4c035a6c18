#pragma once
// engine/recipes/sql_dialect.h: every difference between the SQL engines recipes compile to.
//
// The recipe compilers build dialect-neutral SQL and ask this class for anything that is
// spelt differently on DuckDB and PostgreSQL (type names, safe casts, regexes, dates,
// median, rounding, hashing...). Keeping them here is what lets the same recipe run
// in-database on PostgreSQL or locally on DuckDB.

#include <string>
#include <string_view>

namespace dss::engine {

class SqlDialect {
 public:
  enum class Kind { kDuckDB, kPostgreSQL };

  explicit SqlDialect(Kind kind) : kind_(kind) {}
  static SqlDialect DuckDB() { return SqlDialect(Kind::kDuckDB); }
  static SqlDialect PostgreSQL() { return SqlDialect(Kind::kPostgreSQL); }

  Kind kind() const { return kind_; }
  const char* Name() const { return kind_ == Kind::kDuckDB ? "DuckDB" : "PostgreSQL"; }

  // All functions are pure and thread-safe. The ones taking a DSS storage type throw
  // ApiError(kInvalidRecipe) for a type the engine cannot store.

  /// "name" with embedded quotes doubled. Throws ApiError(kInvalidRecipe) on a NUL byte.
  std::string Ident(std::string_view name) const;
  /// 'text' with embedded quotes doubled. Throws ApiError(kInvalidRecipe) on a NUL byte.
  std::string Str(std::string_view text) const;
  /// A numeric literal from a JSON-ish number text; throws unless it is a plain number.
  std::string Num(std::string_view number) const;

  /// The engine's column type for a DSS storage type (string, int, bigint, double, date...).
  std::string SqlType(std::string_view dss_type) const;
  /// CAST(expr AS <type>).
  std::string Cast(const std::string& expr, std::string_view dss_type) const;
  /// A cast that yields NULL instead of failing when `expr` (text) does not parse as the type.
  /// Supported for numeric and boolean DSS types.
  std::string TryCast(const std::string& expr, std::string_view dss_type) const;
  /// Text form of any expression.
  std::string ToText(const std::string& expr) const;

  /// Whether text `expr` matches regex `pattern_sql` (a SQL string expression) anywhere.
  std::string RegexMatches(const std::string& expr, const std::string& pattern_sql) const;
  /// Whether the whole text matches.
  std::string RegexFullMatch(const std::string& expr, const std::string& pattern_sql) const;
  /// Replaces every match.
  std::string RegexReplaceAll(const std::string& expr, const std::string& pattern_sql,
                              const std::string& repl_sql) const;
  /// Whether `expr` ends with `suffix`.
  std::string EndsWith(const std::string& expr, const std::string& suffix) const;
  /// Lowercase, accents removed. Throws ApiError(kInvalidRecipe) where the engine has no
  /// accent folding (PostgreSQL without unaccent).
  std::string Normalize(const std::string& expr) const;

  std::string Median(const std::string& expr) const;
  std::string StdDev(const std::string& expr) const;
  /// string_agg over text; `order_by` may be empty. `distinct` removes duplicates.
  std::string StringAgg(const std::string& expr, const std::string& sep_sql,
                        const std::string& order_by, bool distinct) const;
  /// First / last value of `expr` by `order_by` (an ORDER BY list without the keywords).
  std::string FirstValue(const std::string& expr, const std::string& order_by) const;
  /// round(x, places) on a double (PostgreSQL has round(numeric, int) only).
  std::string Round(const std::string& expr, int places) const;
  /// x mod y for doubles.
  std::string Mod(const std::string& a, const std::string& b) const;
  /// Uniform value in [0, 1) from random().
  std::string Random() const;
  /// Deterministic value in [0, 1) derived from a text expression (used to split rows so
  /// that the SELECTs of several outputs agree on which row goes where).
  std::string UnitHash(const std::string& text_expr) const;

  /// Current time as a timestamp in UTC (DSS "date").
  std::string Now() const;
  /// Parses text with a Java (DSS) date pattern such as "yyyy-MM-dd HH:mm:ss"; NULL when it
  /// does not parse. Throws ApiError(kInvalidRecipe) for a pattern letter not supported.
  std::string ParseDate(const std::string& expr, std::string_view java_pattern) const;
  /// Formats a timestamp with a Java pattern.
  std::string FormatDate(const std::string& expr, std::string_view java_pattern) const;
  /// Extracts a date part (year, month, day, hour, minute, second, dayofweek) as bigint.
  std::string DatePart(const std::string& expr, std::string_view part) const;
  /// ts + n units (unit: years, months, days, hours, minutes, seconds).
  std::string DateAdd(const std::string& expr, const std::string& n, std::string_view unit) const;
  /// (a - b) in the unit, as double.
  std::string DateDiff(const std::string& a, const std::string& b, std::string_view unit) const;

 private:
  Kind kind_;
};

}  // namespace dss::engine
