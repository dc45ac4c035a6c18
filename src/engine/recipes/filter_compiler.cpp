#include "engine/recipes/filter_compiler.h"

#include <cctype>

#include "common/api_error.h"
#include "common/strings.h"
#include "engine/recipes/formula_compiler.h"

namespace dss::engine {

namespace {

[[noreturn]] void Refuse(const std::string& what, const std::string& msg) {
  throw ApiError(ErrorCode::kInvalidRecipe, what + ": " + msg);
}

// "==  [string]" and "== [string]" are the same operator in DSS payloads.
std::string NormalizeOp(const std::string& op) {
  std::string out;
  for (char c : op) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string ValueText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

}  // namespace

std::optional<std::string> FilterCompiler::Compile(const Json& f, const std::string& what) const {
  if (!f.is_object() || f.empty()) return std::nullopt;
  if (f.contains("enabled") && f["enabled"].is_boolean() && !f["enabled"].get<bool>())
    return std::nullopt;
  std::string mode;
  Json ui = f.value("uiData", Json::object());
  if (ui.is_object()) mode = ui.value("mode", "");
  std::string expr = f.contains("expression") && f["expression"].is_string()
                         ? f["expression"].get<std::string>()
                         : "";
  if (mode.empty()) mode = expr.empty() ? "&&" : "CUSTOM";
  if (mode == "CUSTOM") {
    if (Trim(expr).empty()) Refuse(what, "CUSTOM filter without an expression");
    FormulaCompiler fc(d_, columns_);
    TypedSql t = fc.Compile(expr);
    if (t.type == "boolean") return t.sql;
    return "(" + t.sql + " IS NOT NULL AND " + d_.ToText(t.sql) + " NOT IN ('', 'false', '0'))";
  }
  if (mode == "SQL") {
    if (Trim(expr).empty()) Refuse(what, "SQL filter without an expression");
    if (expr.find(';') != std::string::npos)
      Refuse(what, "SQL filter expression may not contain ';'");
    return "(" + expr + ")";
  }
  if (mode != "&&" && mode != "||") Refuse(what, "unsupported filter mode '" + mode + "'");
  Json conds = ui.value("conditions", Json::array());
  if (!conds.is_array()) Refuse(what, "uiData.conditions must be an array");
  std::string out;
  for (const auto& c : conds) {
    if (!out.empty()) out += mode == "&&" ? " AND " : " OR ";
    out += Condition(c, what);
  }
  if (out.empty()) return std::nullopt;
  return "(" + out + ")";
}

std::string FilterCompiler::Condition(const Json& c, const std::string& what) const {
  if (!c.is_object()) Refuse(what, "a condition must be an object");
  std::string col = GetString(c, "input");
  if (col.empty()) col = GetString(c, "column");
  const Column* column = nullptr;
  for (const auto& x : columns_)
    if (x.name == col) column = &x;
  if (!column) Refuse(what, "condition on unknown column '" + col + "'");
  std::string op = NormalizeOp(GetString(c, "operator"));
  std::string id = d_.Ident(col);
  std::string txt = column->type == "string" ? id : d_.ToText(id);
  auto num = [&](const char* key) {
    if (!c.contains(key) || !(c[key].is_number() || c[key].is_string()))
      Refuse(what, "operator '" + op + "' on '" + col + "' needs a numeric '" + key + "'");
    return d_.Num(ValueText(c[key]));
  };
  std::string numcol = IsNumeric(column->type) ? id : d_.TryCast(id, "double");
  auto date = [&](const char* key, const char* time_key) {
    std::string v = ValueText(c.value(key, Json()));
    if (v.empty()) Refuse(what, "operator '" + op + "' on '" + col + "' needs '" + key + "'");
    std::string t = ValueText(c.value(time_key, Json()));
    if (!t.empty()) v += " " + t;
    // Only the ISO form is accepted so the literal cannot be anything but a timestamp.
    for (char ch : v)
      if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == ':' || ch == ' ' ||
            ch == 'T' || ch == '.'))
        Refuse(what, "date '" + v + "' is not in ISO form");
    return d_.Cast(d_.Str(v), "date");
  };
  std::string datecol =
      IsTemporal(column->type) ? d_.Cast(id, "date") : d_.ParseDate(id, "yyyy-MM-dd");
  std::string s = d_.Str(ValueText(c.value("string", Json(""))));
  if (op == "== [string]") return "(" + txt + " = " + s + ")";
  if (op == "!= [string]") return "(" + txt + " IS NULL OR " + txt + " <> " + s + ")";
  if (op == "== [string]i") return "(lower(" + txt + ") = lower(" + s + "))";
  if (op == "!= [string]i")
    return "(" + txt + " IS NULL OR lower(" + txt + ") <> lower(" + s + "))";
  if (op == "contains") return "(strpos(" + txt + ", " + s + ") > 0)";
  if (op == "not contains") return "(" + txt + " IS NULL OR strpos(" + txt + ", " + s + ") = 0)";
  if (op == "starts with") return "starts_with(" + txt + ", " + s + ")";
  if (op == "ends with") return d_.EndsWith(txt, s);
  if (op == "regex") return d_.RegexMatches(txt, s);
  if (op == "== [number]") return "(" + numcol + " = " + num("num") + ")";
  if (op == "!= [number]")
    return "(" + numcol + " IS NULL OR " + numcol + " <> " + num("num") + ")";
  if (op == "> [number]") return "(" + numcol + " > " + num("num") + ")";
  if (op == "< [number]") return "(" + numcol + " < " + num("num") + ")";
  if (op == ">= [number]") return "(" + numcol + " >= " + num("num") + ")";
  if (op == "<= [number]") return "(" + numcol + " <= " + num("num") + ")";
  if (op == ">< [number]")
    return "(" + numcol + " >= " + num("num") + " AND " + numcol + " <= " + num("num2") + ")";
  if (op == "is empty") return "(" + id + " IS NULL OR " + txt + " = '')";
  if (op == "not empty") return "(" + id + " IS NOT NULL AND " + txt + " <> '')";
  if (op == "is true")
    return "(" + (column->type == "boolean" ? id : d_.TryCast(id, "boolean")) + " IS TRUE)";
  if (op == "is false")
    return "(" + (column->type == "boolean" ? id : d_.TryCast(id, "boolean")) + " IS FALSE)";
  if (op == "== [date]") return "(" + datecol + " = " + date("date", "time") + ")";
  if (op == "> [date]") return "(" + datecol + " > " + date("date", "time") + ")";
  if (op == "< [date]") return "(" + datecol + " < " + date("date", "time") + ")";
  if (op == ">< [date]")
    return "(" + datecol + " >= " + date("date", "time") + " AND " + datecol + " < " +
           date("date2", "time2") + ")";
  Refuse(what, "unsupported filter operator '" + op + "' on column '" + col + "'");
}

}  // namespace dss::engine
