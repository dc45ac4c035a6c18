#include "engine/recipes/sql_dialect.h"

#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::engine {

namespace {

[[noreturn]] void Refuse(const std::string& msg) {
  throw ApiError(ErrorCode::kInvalidRecipe, msg);
}

std::string Quote(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    if (c == '\0') Refuse("NUL character in SQL text");
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}

// One run of a Java SimpleDateFormat pattern: a letter repeated `count` times, or literal text.
struct PatternToken {
  char letter = 0;  // 0 = literal
  int count = 0;
  std::string literal;
};

std::vector<PatternToken> TokenizeJava(std::string_view p) {
  std::vector<PatternToken> out;
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {
      size_t j = i + 1;
      std::string lit;
      while (j < p.size()) {
        if (p[j] == '\'') {
          if (j + 1 < p.size() && p[j + 1] == '\'') {
            lit += '\'';
            j += 2;
            continue;
          }
          break;
        }
        lit += p[j++];
      }
      if (i + 1 < p.size() && p[i + 1] == '\'') lit = "'";
      out.push_back({0, 0, lit});
      i = j + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < p.size() && p[j] == c) ++j;
      out.push_back({c, static_cast<int>(j - i), ""});
      i = j;
    } else {
      out.push_back({0, 0, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

std::string RegexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string UnsupportedLetter(char c, std::string_view pattern) {
  return std::string("Date pattern letter '") + c + "' in \"" + std::string(pattern) +
         "\" is not supported";
}

/// One Java date pattern letter in each engine's format language, and the regular expression
/// its text matches (to refuse unparseable values on PostgreSQL, whose to_timestamp throws).
struct DateField {
  const char* pg;
  const char* duck;
  const char* re;
  bool parsable;  // ParseDate accepts it (day names only format)
};

/// The field of `letter` repeated `count` times; nullopt for letters not supported.
std::optional<DateField> DateFieldOf(char letter, int count) {
  switch (letter) {
    case 'y':
      return count == 2 ? DateField{"YY", "%y", "[0-9]{2}", true}
                        : DateField{"YYYY", "%Y", "[0-9]{4}", true};
    case 'M':
      if (count >= 4) return DateField{"FMMonth", "%B", "[A-Za-z]+", true};
      if (count == 3) return DateField{"Mon", "%b", "[A-Za-z]{3}", true};
      return DateField{"MM", "%m", "[0-9]{1,2}", true};
    case 'd':
      return DateField{"DD", "%d", "[0-9]{1,2}", true};
    case 'H':
      return DateField{"HH24", "%H", "[0-9]{1,2}", true};
    case 'h':
      return DateField{"HH12", "%I", "[0-9]{1,2}", true};
    case 'm':
      return DateField{"MI", "%M", "[0-9]{1,2}", true};
    case 's':
      return DateField{"SS", "%S", "[0-9]{1,2}", true};
    case 'S':
      return DateField{"MS", "%g", "[0-9]{1,3}", true};
    case 'a':
      return DateField{"AM", "%p", "[AaPp][Mm]", true};
    case 'E':
      return count >= 4 ? DateField{"FMDay", "%A", "[A-Za-z]+", false}
                        : DateField{"Dy", "%a", "[A-Za-z]{3}", false};
    default:
      return std::nullopt;
  }
}

/// A Java date pattern as a format string of the engine (`pg`: PostgreSQL to_char /
/// to_timestamp, else DuckDB strftime / strptime), plus the anchored regular expression of
/// the text it describes. Refuses letters not supported (for parsing, when `parsing`).
std::pair<std::string, std::string> TranslateDatePattern(std::string_view jp, bool pg,
                                                         bool parsing) {
  std::string fmt, re = "^";
  for (const auto& t : TokenizeJava(jp)) {
    if (t.letter == 0) {
      if (pg) {
        // PostgreSQL format strings treat letters as patterns: quote literal text.
        bool alpha = false;
        for (char c : t.literal) alpha = alpha || std::isalpha(static_cast<unsigned char>(c));
        fmt += alpha ? "\"" + t.literal + "\"" : t.literal;
      } else {
        for (char c : t.literal) fmt += c == '%' ? std::string("%%") : std::string(1, c);
      }
      re += RegexEscape(t.literal);
      continue;
    }
    auto f = DateFieldOf(t.letter, t.count);
    if (!f || (parsing && !f->parsable)) Refuse(UnsupportedLetter(t.letter, jp));
    fmt += pg ? f->pg : f->duck;
    re += f->re;
  }
  return {fmt, re + "$"};
}

}  // namespace

std::string SqlDialect::Ident(std::string_view name) const {
  return Quote(name, '"');
}

std::string SqlDialect::Str(std::string_view text) const {
  return Quote(text, '\'');
}

std::string SqlDialect::Num(std::string_view n) const {
  if (n.empty()) Refuse("Empty number");
  size_t i = 0;
  if (n[0] == '-' || n[0] == '+') ++i;
  bool digits = false, dot = false, exp = false;
  for (; i < n.size(); ++i) {
    char c = n[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < n.size() && (n[i + 1] == '-' || n[i + 1] == '+')) ++i;
    } else {
      Refuse("Not a number: " + std::string(n));
    }
  }
  if (!digits) Refuse("Not a number: " + std::string(n));
  std::string s(n);
  // A bare negative literal would glue onto a preceding minus sign ("x - -1" is fine, but
  // "x--1" would be a comment); parenthesise it.
  return s[0] == '-' ? "(" + s + ")" : s;
}

std::string SqlDialect::SqlType(std::string_view t) const {
  bool pg = kind_ == Kind::kPostgreSQL;
  if (t == "string" || t == "geopoint" || t == "geometry" || t == "array" || t == "map" ||
      t == "object")
    return pg ? "TEXT" : "VARCHAR";
  if (t == "tinyint") return pg ? "SMALLINT" : "TINYINT";
  if (t == "smallint") return "SMALLINT";
  if (t == "int") return "INTEGER";
  if (t == "bigint") return "BIGINT";
  if (t == "float") return "REAL";
  if (t == "double") return pg ? "DOUBLE PRECISION" : "DOUBLE";
  if (t == "boolean") return "BOOLEAN";
  // DSS "date" is an instant; recipes compute on it as a UTC timestamp so that both engines
  // give the same text without a time-zone extension.
  if (t == "date" || t == "datetimenotz") return "TIMESTAMP";
  if (t == "dateonly") return "DATE";
  Refuse("Unsupported storage type: " + std::string(t));
}

std::string SqlDialect::Cast(const std::string& expr, std::string_view t) const {
  return "CAST(" + expr + " AS " + SqlType(t) + ")";
}

std::string SqlDialect::TryCast(const std::string& expr, std::string_view t) const {
  if (kind_ == Kind::kDuckDB) {
    if (t == "boolean")
      return "(CASE lower(trim(CAST(" + expr +
             " AS VARCHAR))) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE WHEN 'yes' THEN TRUE "
             "WHEN 'false' THEN FALSE WHEN '0' THEN FALSE WHEN 'no' THEN FALSE END)";
    return "TRY_CAST(trim(CAST(" + expr + " AS VARCHAR)) AS " + SqlType(t) + ")";
  }
  std::string txt = "trim(CAST(" + expr + " AS TEXT))";
  std::string re;
  if (t == "tinyint" || t == "smallint" || t == "int" || t == "bigint") {
    re = "^[-+]?[0-9]+$";
  } else if (t == "float" || t == "double") {
    re = "^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$";
  } else if (t == "boolean") {
    return "(CASE lower(" + txt +
           ") WHEN 'true' THEN TRUE WHEN '1' THEN TRUE WHEN 'yes' THEN TRUE "
           "WHEN 'false' THEN FALSE WHEN '0' THEN FALSE WHEN 'no' THEN FALSE END)";
  } else if (t == "string") {
    return txt;
  } else {
    Refuse("Safe conversion to " + std::string(t) + " is not supported on PostgreSQL");
  }
  return "(CASE WHEN " + txt + " ~ " + Str(re) + " THEN CAST(" + txt + " AS " + SqlType(t) +
         ") END)";
}

std::string SqlDialect::ToText(const std::string& expr) const {
  return "CAST(" + expr + " AS " + SqlType("string") + ")";
}

std::string SqlDialect::RegexMatches(const std::string& e, const std::string& p) const {
  if (kind_ == Kind::kDuckDB) return "regexp_matches(" + e + ", " + p + ")";
  return "(" + e + " ~ " + p + ")";
}

std::string SqlDialect::RegexFullMatch(const std::string& e, const std::string& p) const {
  if (kind_ == Kind::kDuckDB) return "regexp_full_match(" + e + ", " + p + ")";
  return "(" + e + " ~ ('^(?:' || " + p + " || ')$'))";
}

std::string SqlDialect::RegexReplaceAll(const std::string& e, const std::string& p,
                                        const std::string& r) const {
  return "regexp_replace(" + e + ", " + p + ", " + r + ", 'g')";
}

std::string SqlDialect::EndsWith(const std::string& e, const std::string& s) const {
  if (kind_ == Kind::kDuckDB) return "ends_with(" + e + ", " + s + ")";
  return "(right(" + e + ", length(" + s + ")) = " + s + ")";
}

std::string SqlDialect::Normalize(const std::string& e) const {
  if (kind_ == Kind::kDuckDB) return "lower(strip_accents(" + e + "))";
  Refuse("Accent-insensitive (NORMALIZED) matching is not available on PostgreSQL");
}

std::string SqlDialect::Median(const std::string& e) const {
  if (kind_ == Kind::kDuckDB) return "median(" + e + ")";
  return "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + e + ")";
}

std::string SqlDialect::StdDev(const std::string& e) const {
  return "stddev_samp(" + e + ")";
}

std::string SqlDialect::StringAgg(const std::string& e, const std::string& sep,
                                  const std::string& order_by, bool distinct) const {
  std::string arg = ToText(e);
  std::string s = "string_agg(" + std::string(distinct ? "DISTINCT " : "") + arg + ", " + sep;
  // DISTINCT aggregates may only be ordered by the aggregated expression.
  if (distinct)
    s += " ORDER BY " + arg;
  else if (!order_by.empty())
    s += " ORDER BY " + order_by;
  return s + ")";
}

std::string SqlDialect::FirstValue(const std::string& e, const std::string& order_by) const {
  // Both engines accept an ordered array_agg and 1-based subscripts; DuckDB's first() has
  // no PostgreSQL equivalent.
  return "(array_agg(" + e + (order_by.empty() ? "" : " ORDER BY " + order_by) + "))[1]";
}

std::string SqlDialect::Round(const std::string& e, int places) const {
  if (kind_ == Kind::kDuckDB) return "round(" + e + ", " + std::to_string(places) + ")";
  return "CAST(round(CAST(" + e + " AS NUMERIC), " + std::to_string(places) +
         ") AS DOUBLE PRECISION)";
}

std::string SqlDialect::Mod(const std::string& a, const std::string& b) const {
  if (kind_ == Kind::kDuckDB) return "(" + a + " % " + b + ")";
  return "CAST(mod(CAST(" + a + " AS NUMERIC), CAST(" + b + " AS NUMERIC)) AS DOUBLE PRECISION)";
}

std::string SqlDialect::Random() const {
  return "random()";
}

std::string SqlDialect::UnitHash(const std::string& t) const {
  if (kind_ == Kind::kDuckDB) return "(CAST(hash(" + t + ") % 1000003 AS DOUBLE) / 1000003.0)";
  return "(CAST(mod(CAST(hashtext(" + t +
         ") AS BIGINT) + 2147483648, 1000003) AS DOUBLE PRECISION) / 1000003.0)";
}

std::string SqlDialect::Now() const {
  if (kind_ == Kind::kDuckDB) return "CAST(get_current_timestamp() AS TIMESTAMP)";
  return "(now() AT TIME ZONE 'UTC')";
}

std::string SqlDialect::ParseDate(const std::string& e, std::string_view jp) const {
  bool pg = kind_ == Kind::kPostgreSQL;
  auto [fmt, re] = TranslateDatePattern(jp, pg, /*parsing=*/true);
  if (!pg) return "try_strptime(" + ToText(e) + ", " + Str(fmt) + ")";
  std::string txt = "CAST(" + e + " AS TEXT)";
  return "(CASE WHEN " + txt + " ~ " + Str(re) + " THEN CAST(to_timestamp(" + txt + ", " +
         Str(fmt) + ") AT TIME ZONE current_setting('TimeZone') AS TIMESTAMP) END)";
}

std::string SqlDialect::FormatDate(const std::string& e, std::string_view jp) const {
  bool pg = kind_ == Kind::kPostgreSQL;
  std::string fmt = TranslateDatePattern(jp, pg, /*parsing=*/false).first;
  if (pg) return "to_char(" + e + ", " + Str(fmt) + ")";
  return "strftime(" + e + ", " + Str(fmt) + ")";
}

std::string SqlDialect::DatePart(const std::string& e, std::string_view part) const {
  std::string p = ToLower(part);
  if (p == "dayofweek" || p == "dow") p = "dow";
  static const char* kAllowed[] = {"year",   "month", "day",     "hour", "minute",
                                   "second", "dow",   "quarter", "week", "doy"};
  bool ok = false;
  for (auto* a : kAllowed) ok = ok || p == a;
  if (!ok) Refuse("Unsupported date part: " + std::string(part));
  return "CAST(floor(extract(" + p + " FROM " + e + ")) AS BIGINT)";
}

std::string SqlDialect::DateAdd(const std::string& e, const std::string& n,
                                std::string_view unit) const {
  std::string u = ToLower(unit);
  if (!u.empty() && u.back() == 's') u.pop_back();
  static const char* kUnits[] = {"year", "month", "week", "day", "hour", "minute", "second"};
  bool ok = false;
  for (auto* a : kUnits) ok = ok || u == a;
  if (!ok) Refuse("Unsupported date unit: " + std::string(unit));
  // Both engines accept "interval '1 day' * n".
  return "(" + e + " + " + n + " * INTERVAL '1 " + u + "')";
}

std::string SqlDialect::DateDiff(const std::string& a, const std::string& b,
                                 std::string_view unit) const {
  std::string u = ToLower(unit);
  if (!u.empty() && u.back() == 's') u.pop_back();
  double div;
  if (u == "second")
    div = 1;
  else if (u == "minute")
    div = 60;
  else if (u == "hour")
    div = 3600;
  else if (u == "day")
    div = 86400;
  else if (u == "week")
    div = 604800;
  else
    Refuse("Unsupported date difference unit: " + std::string(unit));
  std::string secs = "(extract(epoch FROM " + a + ") - extract(epoch FROM " + b + "))";
  return "(CAST(" + secs + " AS " + SqlType("double") + ") / " +
         std::to_string(static_cast<long long>(div)) + ")";
}

}  // namespace dss::engine
