#include "engine/recipes/shaker_compiler.h"

#include <functional>
#include <regex>
#include <set>

#include "common/api_error.h"
#include "common/strings.h"
#include "engine/recipes/filter_compiler.h"
#include "engine/recipes/formula_compiler.h"

namespace dss::engine {

namespace {

[[noreturn]] void Refuse(const std::string& what, const std::string& msg) {
  throw ApiError(ErrorCode::kInvalidRecipe, what + ": " + msg);
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

// Escapes regex metacharacters so user text matches literally in RE2 and PostgreSQL AREs.
std::string RegexLiteral(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Relation ShakerCompiler::Apply(const Relation& in, const Json& steps) const {
  if (steps.is_null()) return in;
  if (!steps.is_array()) Refuse("Prepare recipe", "'steps' must be an array");
  Relation cur = in;
  int n = 0;
  std::function<void(const Json&)> run = [&](const Json& arr) {
    for (const auto& s : arr) {
      ++n;
      if (!s.is_object()) Refuse("Prepare step #" + std::to_string(n), "not an object");
      if (s.value("disabled", false)) continue;
      if (s.value("metaType", "PROCESSOR") == "GROUP") {
        Json inner = s.contains("steps")
                         ? s["steps"]
                         : s.value("params", Json::object()).value("steps", Json::array());
        run(inner);
        continue;
      }
      std::string what = "Prepare step #" + std::to_string(n) + " (" + GetString(s, "type") + ")";
      cur = Step(cur, s, what);
    }
  };
  run(steps);
  return cur;
}

Relation ShakerCompiler::Step(const Relation& in, const Json& step, const std::string& what) const {
  const std::string type = GetString(step, "type");
  const Json p = step.value("params", Json::object());
  auto q = [this](const std::string& s) { return d_.Ident(s); };
  auto need_col = [&](const std::string& c) -> size_t {
    auto i = in.Find(c);
    if (!i) Refuse(what, "column '" + c + "' does not exist");
    return *i;
  };
  // Columns a step applies to (appliesTo: SINGLE_COLUMN | COLUMNS | PATTERN | ALL).
  auto targets = [&]() {
    std::vector<size_t> out;
    std::string mode = p.value("appliesTo", "");
    if (mode == "ALL") {
      for (size_t i = 0; i < in.columns.size(); ++i) out.push_back(i);
    } else if (mode == "PATTERN") {
      std::string pat = p.value("appliesToPattern", p.value("pattern", ""));
      std::regex re;
      try {
        re = std::regex(pat);
      } catch (const std::regex_error&) {
        Refuse(what, "invalid column pattern '" + pat + "'");
      }
      for (size_t i = 0; i < in.columns.size(); ++i)
        if (std::regex_match(in.columns[i].name, re)) out.push_back(i);
    } else {
      Json cols = p.value("columns", Json::array());
      if (cols.is_array() && !cols.empty()) {
        for (const auto& c : cols) out.push_back(need_col(Text(c)));
      } else if (p.contains("column")) {
        out.push_back(need_col(Text(p["column"])));
      } else if (p.contains("inCol")) {
        out.push_back(need_col(Text(p["inCol"])));
      }
    }
    if (out.empty()) Refuse(what, "no column selected");
    return out;
  };
  auto identity = [&]() {
    std::vector<Projected> items;
    for (const auto& c : in.columns) items.push_back({q(c.name), c});
    return items;
  };
  auto text_of = [&](size_t i) {
    const auto& c = in.columns[i];
    return c.type == "string" ? q(c.name) : d_.ToText(q(c.name));
  };
  auto empty_of = [&](size_t i) {
    return "(" + q(in.columns[i].name) + " IS NULL OR " + text_of(i) + " = '')";
  };
  // Row filters and cell clearing share one shape: a per-cell "matches" predicate.
  auto filter_or_clear = [&](const std::function<std::string(size_t)>& matches) {
    std::string action = p.value("action", "REMOVE_ROW");
    bool and_mode = p.value("booleanMode", "OR") == "AND";
    auto cols = targets();
    if (action == "REMOVE_ROW" || action == "KEEP_ROW") {
      std::string cond;
      for (size_t i : cols)
        cond += (cond.empty() ? ""
                 : and_mode   ? " AND "
                              : " OR ") +
                ("coalesce(" + matches(i) + ", FALSE)");
      cond = "(" + cond + ")";
      return SelectFrom(in, identity(), q, action == "KEEP_ROW" ? cond : "NOT " + cond);
    }
    if (action == "CLEAR_CELL" || action == "DONTCLEAR_CELL") {
      auto items = identity();
      for (size_t i : cols) {
        std::string m = "coalesce(" + matches(i) + ", FALSE)";
        if (action == "DONTCLEAR_CELL") m = "NOT " + m;
        items[i].sql = "(CASE WHEN " + m + " THEN NULL ELSE " + q(in.columns[i].name) + " END)";
      }
      return SelectFrom(in, items, q);
    }
    Refuse(what, "unsupported action '" + action + "'");
  };

  if (type == "ColumnRenamer") {
    auto items = identity();
    Json ren = p.value("renamings", Json::array());
    if (!ren.is_array() || ren.empty()) Refuse(what, "'renamings' must be a non-empty array");
    for (const auto& r : ren) {
      size_t i = need_col(GetString(r, "from"));
      std::string to = GetString(r, "to");
      if (to.empty()) Refuse(what, "empty new name for column '" + in.columns[i].name + "'");
      items[i].column.name = to;
    }
    std::set<std::string> seen;
    for (auto& it : items)
      if (!seen.insert(it.column.name).second)
        Refuse(what, "renaming yields duplicate column '" + it.column.name + "'");
    return SelectFrom(in, items, q);
  }
  if (type == "ColumnsSelector") {
    auto cols = targets();
    bool keep = p.value("keep", true);
    std::set<size_t> sel(cols.begin(), cols.end());
    std::vector<Projected> items;
    if (keep) {
      for (size_t i : cols) items.push_back({q(in.columns[i].name), in.columns[i]});
    } else {
      for (size_t i = 0; i < in.columns.size(); ++i)
        if (!sel.count(i)) items.push_back({q(in.columns[i].name), in.columns[i]});
    }
    return SelectFrom(in, items, q);
  }
  if (type == "ColumnReorder") {
    auto cols = targets();
    std::set<size_t> moved(cols.begin(), cols.end());
    std::vector<size_t> rest;
    for (size_t i = 0; i < in.columns.size(); ++i)
      if (!moved.count(i)) rest.push_back(i);
    std::string action = p.value("reorderAction", "AT_START");
    std::vector<size_t> order;
    if (action == "AT_START") {
      order = cols;
      order.insert(order.end(), rest.begin(), rest.end());
    } else if (action == "AT_END") {
      order = rest;
      order.insert(order.end(), cols.begin(), cols.end());
    } else if (action == "BEFORE_COLUMN" || action == "AFTER_COLUMN") {
      size_t ref = need_col(GetString(p, "referenceColumn"));
      if (moved.count(ref)) Refuse(what, "the reference column is among the moved columns");
      for (size_t i : rest) {
        if (i == ref && action == "BEFORE_COLUMN")
          order.insert(order.end(), cols.begin(), cols.end());
        order.push_back(i);
        if (i == ref && action == "AFTER_COLUMN")
          order.insert(order.end(), cols.begin(), cols.end());
      }
    } else {
      Refuse(what, "unsupported reorderAction '" + action + "'");
    }
    std::vector<Projected> items;
    for (size_t i : order) items.push_back({q(in.columns[i].name), in.columns[i]});
    return SelectFrom(in, items, q);
  }
  if (type == "FillEmptyWithValue") {
    auto items = identity();
    std::string v = Text(p.value("value", Json("")));
    for (size_t i : targets()) {
      const auto& c = in.columns[i];
      std::string lit = c.type == "string" ? d_.Str(v) : d_.TryCast(d_.Str(v), c.type);
      if (c.type != "string" && !IsNumeric(c.type) && c.type != "boolean")
        lit = d_.Cast(d_.Str(v), c.type);
      items[i].sql = "(CASE WHEN " + empty_of(i) + " THEN " + lit + " ELSE " + q(c.name) + " END)";
    }
    return SelectFrom(in, items, q);
  }
  if (type == "FilterOnValue") {
    Json vals = p.value("values", Json::array());
    if (!vals.is_array() || vals.empty()) Refuse(what, "'values' must be a non-empty array");
    std::string mm = p.value("matchingMode", "FULL_STRING");
    std::string norm = p.value("normalizationMode", "EXACT");
    return filter_or_clear([&](size_t i) {
      std::string col = text_of(i);
      if (norm == "LOWERCASE")
        col = "lower(" + col + ")";
      else if (norm == "NORMALIZED")
        col = d_.Normalize(col);
      else if (norm != "EXACT")
        Refuse(what, "unsupported normalizationMode '" + norm + "'");
      std::string any;
      for (const auto& v : vals) {
        std::string lit = d_.Str(Text(v));
        if (norm == "LOWERCASE") lit = "lower(" + lit + ")";
        if (norm == "NORMALIZED") lit = d_.Normalize(lit);
        std::string m;
        if (mm == "FULL_STRING")
          m = col + " = " + lit;
        else if (mm == "SUBSTRING")
          m = "strpos(" + col + ", " + lit + ") > 0";
        else if (mm == "PATTERN")
          m = d_.RegexMatches(col, d_.Str(Text(v)));
        else
          Refuse(what, "unsupported matchingMode '" + mm + "'");
        any += (any.empty() ? "" : " OR ") + ("(" + m + ")");
      }
      return "(" + any + ")";
    });
  }
  if (type == "FilterOnNumericalRange") {
    Json mn = p.value("min", Json()), mx = p.value("max", Json());
    if (mn.is_null() && mx.is_null()) Refuse(what, "'min' or 'max' is required");
    return filter_or_clear([&](size_t i) {
      const auto& c = in.columns[i];
      std::string v = IsNumeric(c.type) ? q(c.name) : d_.TryCast(q(c.name), "double");
      std::string cond;
      if (!mn.is_null()) cond += v + " >= " + d_.Num(Text(mn));
      if (!mx.is_null()) cond += (cond.empty() ? "" : " AND ") + v + " <= " + d_.Num(Text(mx));
      return "(" + cond + ")";
    });
  }
  if (type == "FilterOnBadType") {
    std::string meaning = p.value("type", "");
    std::string target;
    if (meaning == "Integer" || meaning == "LongMeaning")
      target = "bigint";
    else if (meaning == "Decimal" || meaning == "DoubleMeaning")
      target = "double";
    else if (meaning == "Boolean")
      target = "boolean";
    else if (meaning == "Date")
      target = "date";
    else
      Refuse(what, "unsupported meaning '" + meaning + "'");
    return filter_or_clear([&](size_t i) {
      std::string parsed = target == "date" ? d_.ParseDate(text_of(i), "yyyy-MM-dd'T'HH:mm:ss")
                                            : d_.TryCast(text_of(i), target);
      if (target == "date")
        parsed = "coalesce(" + parsed + ", " + d_.ParseDate(text_of(i), "yyyy-MM-dd") + ")";
      return "(NOT " + empty_of(i) + " AND " + parsed + " IS NULL)";
    });
  }
  if (type == "RemoveRowsOnEmpty") {
    bool keep = p.value("keep", false);
    std::string cond;
    for (size_t i : targets()) cond += (cond.empty() ? "" : " OR ") + empty_of(i);
    cond = "(" + cond + ")";
    return SelectFrom(in, identity(), q, keep ? cond : "NOT " + cond);
  }
  if (type == "CreateColumnWithGREL") {
    std::string col = GetString(p, "column");
    if (col.empty()) Refuse(what, "'column' is required");
    std::string expr = GetString(p, "expression");
    TypedSql t;
    try {
      t = FormulaCompiler(d_, in.columns).Compile(expr);
    } catch (const ApiError& e) {
      Refuse(what, e.what());
    }
    std::string ty = t.type == "null" ? "string" : t.type;
    std::string sql = t.type == "null" ? "CAST(NULL AS " + d_.SqlType("string") + ")" : t.sql;
    auto items = identity();
    if (auto i = in.Find(col))
      items[*i] = {sql, {col, ty}};
    else
      items.push_back({sql, {col, ty}});
    return SelectFrom(in, items, q);
  }
  if (type == "DateParser") {
    Json fmts = p.value("formats", Json::array());
    if (p.contains("format")) fmts = Json::array({p["format"]});
    if (!fmts.is_array() || fmts.empty()) Refuse(what, "'formats' must be a non-empty array");
    std::string out_col = p.value("outCol", "");
    auto items = identity();
    for (size_t i : targets()) {
      std::string e;
      for (const auto& f : fmts) {
        std::string one;
        try {
          one = d_.ParseDate(text_of(i), Text(f));
        } catch (const ApiError& err) {
          Refuse(what, err.what());
        }
        e += (e.empty() ? "" : ", ") + one;
      }
      e = fmts.size() > 1 ? "coalesce(" + e + ")" : e;
      if (out_col.empty() || out_col == in.columns[i].name)
        items[i] = {e, {in.columns[i].name, "date"}};
      else if (auto j = in.Find(out_col))
        items[*j] = {e, {out_col, "date"}};
      else
        items.push_back({e, {out_col, "date"}});
    }
    return SelectFrom(in, items, q);
  }
  if (type == "DateFormatter") {
    size_t i = need_col(GetString(p, "inCol"));
    std::string out_col = p.value("outCol", "");
    if (out_col.empty()) out_col = in.columns[i].name;
    std::string src = q(in.columns[i].name);
    if (!IsTemporal(in.columns[i].type)) src = d_.ParseDate(text_of(i), "yyyy-MM-dd'T'HH:mm:ss");
    std::string e;
    try {
      e = d_.FormatDate(src, p.value("format", "yyyy-MM-dd"));
    } catch (const ApiError& err) {
      Refuse(what, err.what());
    }
    auto items = identity();
    if (auto j = in.Find(out_col))
      items[*j] = {e, {out_col, "string"}};
    else
      items.push_back({e, {out_col, "string"}});
    return SelectFrom(in, items, q);
  }
  if (type == "ColumnSplitter") {
    size_t i = need_col(GetString(p, "inCol"));
    std::string sep = GetString(p, "separator");
    if (sep.empty()) Refuse(what, "'separator' is required");
    long long limit = GetInt(p, "limit", 0);
    if (!p.value("limitOutput", limit > 0) || limit <= 0)
      Refuse(what,
             "a column limit ('limitOutput' with 'limit' > 0) is required: without it the "
             "output schema depends on the data");
    std::string prefix = p.value("outColPrefix", in.columns[i].name + "_");
    auto items = identity();
    for (long long k = 0; k < limit; ++k)
      items.push_back({"NULLIF(split_part(" + text_of(i) + ", " + d_.Str(sep) + ", " +
                           std::to_string(k + 1) + "), '')",
                       {prefix + std::to_string(k), "string"}});
    return SelectFrom(in, items, q);
  }
  if (type == "StringTransformer") {
    std::string mode = p.value("mode", "");
    auto items = identity();
    for (size_t i : targets()) {
      std::string t = text_of(i), e;
      if (mode == "TO_UPPER")
        e = "upper(" + t + ")";
      else if (mode == "TO_LOWER")
        e = "lower(" + t + ")";
      else if (mode == "TRIM")
        e = "trim(" + t + ")";
      else if (mode == "NORMALIZE_WHITESPACE")
        e = d_.RegexReplaceAll("trim(" + t + ")", d_.Str("\\s+"), d_.Str(" "));
      else if (mode == "CAPITALIZE")
        e = "(upper(substr(" + t + ", 1, 1)) || substr(" + t + ", 2))";
      else
        Refuse(what, "unsupported mode '" + mode + "'");
      items[i] = {e, {in.columns[i].name, "string"}};
    }
    return SelectFrom(in, items, q);
  }
  if (type == "FindReplace") {
    Json map = p.value("mapping", Json::array());
    if (!map.is_array() || map.empty()) Refuse(what, "'mapping' must be a non-empty array");
    std::string matching = p.value("matching", "SUBSTRING");
    std::string norm = p.value("normalization", "EXACT");
    if (norm != "EXACT" && norm != "LOWERCASE")
      Refuse(what, "unsupported normalization '" + norm + "'");
    std::string out_col = p.value("output", "");
    auto items = identity();
    auto cols = targets();
    if (!out_col.empty() && cols.size() != 1)
      Refuse(what, "an output column needs exactly one input column");
    for (size_t i : cols) {
      std::string e = text_of(i);
      if (matching == "FULL_STRING") {
        std::string cases;
        for (const auto& m : map) {
          std::string from = d_.Str(GetString(m, "from"));
          std::string lhs =
              norm == "LOWERCASE" ? "lower(" + e + ") = lower(" + from + ")" : e + " = " + from;
          cases += " WHEN " + lhs + " THEN " + d_.Str(GetString(m, "to"));
        }
        e = "(CASE" + cases + " ELSE " + e + " END)";
      } else if (matching == "SUBSTRING" || matching == "PATTERN") {
        for (const auto& m : map) {
          std::string from = GetString(m, "from");
          if (from.empty()) Refuse(what, "empty 'from' in mapping");
          std::string pat = matching == "PATTERN" ? from : RegexLiteral(from);
          if (norm == "LOWERCASE") pat = "(?i)" + pat;
          if (matching == "SUBSTRING" && norm == "EXACT")
            e = "replace(" + e + ", " + d_.Str(from) + ", " + d_.Str(GetString(m, "to")) + ")";
          else
            e = d_.RegexReplaceAll(e, d_.Str(pat), d_.Str(GetString(m, "to")));
        }
      } else {
        Refuse(what, "unsupported matching '" + matching + "'");
      }
      if (out_col.empty())
        items[i] = {e, {in.columns[i].name, "string"}};
      else if (auto j = in.Find(out_col))
        items[*j] = {e, {out_col, "string"}};
      else
        items.push_back({e, {out_col, "string"}});
    }
    return SelectFrom(in, items, q);
  }
  if (type == "RoundProcessor") {
    std::string mode = p.value("mode", "ROUND");
    int places = static_cast<int>(GetInt(p, "places", 0));
    if (places < 0 || places > 15) Refuse(what, "'places' must be between 0 and 15");
    auto items = identity();
    for (size_t i : targets()) {
      const auto& c = in.columns[i];
      std::string v =
          IsNumeric(c.type) ? d_.Cast(q(c.name), "double") : d_.TryCast(q(c.name), "double");
      std::string e;
      std::string scale = "1e" + std::to_string(places);
      if (mode == "ROUND")
        e = d_.Round(v, places);
      else if (mode == "FLOOR")
        e = "(floor(" + v + " * " + scale + ") / " + scale + ")";
      else if (mode == "CEIL")
        e = "(ceil(" + v + " * " + scale + ") / " + scale + ")";
      else
        Refuse(what, "unsupported mode '" + mode + "'");
      std::string ty = places == 0 ? "bigint" : "double";
      items[i] = {d_.Cast(e, ty), {c.name, ty}};
    }
    return SelectFrom(in, items, q);
  }
  if (type == "TypeSetter") {
    std::string ty = p.value("type", "");
    try {
      d_.SqlType(ty);
    } catch (const ApiError&) {
      Refuse(what, "unsupported type '" + ty + "'");
    }
    auto items = identity();
    for (size_t i : targets()) {
      const auto& c = in.columns[i];
      std::string e;
      if (ty == "string")
        e = text_of(i);
      else if (IsNumeric(ty) || ty == "boolean")
        e = d_.TryCast(q(c.name), ty);
      else if (IsTemporal(ty))
        e = IsTemporal(c.type) ? d_.Cast(q(c.name), ty)
                               : d_.Cast(d_.ParseDate(text_of(i), "yyyy-MM-dd"), ty);
      else
        Refuse(what, "unsupported type '" + ty + "'");
      items[i] = {e, {c.name, ty}};
    }
    return SelectFrom(in, items, q);
  }
  if (type == "Binner") {
    size_t i = need_col(p.value("inCol", p.value("column", "")));
    const auto& c = in.columns[i];
    std::string v =
        IsNumeric(c.type) ? d_.Cast(q(c.name), "double") : d_.TryCast(q(c.name), "double");
    std::string out_col = p.value("outCol", c.name + "_binned");
    std::string mode = p.value("mode", "FIXED_SIZE");
    Projected pr;
    if (mode == "FIXED_SIZE") {
      Json w = p.value("width", Json());
      if (!w.is_number() || w.get<double>() <= 0) Refuse(what, "'width' must be a positive number");
      std::string width = d_.Num(Text(w));
      std::string off = d_.Num(Text(p.value("offset", Json(0))));
      pr = {"(floor((" + v + " - " + off + ") / " + width + ") * " + width + " + " + off + ")",
            {out_col, "double"}};
    } else if (mode == "CUSTOM") {
      Json bins = p.value("bins", Json::array());
      if (!bins.is_array() || bins.empty()) Refuse(what, "'bins' must be a non-empty array");
      std::string cases;
      for (const auto& b : bins) {
        std::string cond;
        if (b.contains("lowerBound") && !b["lowerBound"].is_null())
          cond += v + " >= " + d_.Num(Text(b["lowerBound"]));
        if (b.contains("upperBound") && !b["upperBound"].is_null())
          cond += (cond.empty() ? "" : " AND ") + v + " < " + d_.Num(Text(b["upperBound"]));
        if (cond.empty()) cond = v + " IS NOT NULL";
        cases += " WHEN " + cond + " THEN " + d_.Str(GetString(b, "name"));
      }
      pr = {"(CASE" + cases + " END)", {out_col, "string"}};
    } else {
      Refuse(what, "unsupported mode '" + mode + "'");
    }
    auto items = identity();
    if (auto j = in.Find(out_col))
      items[*j] = pr;
    else
      items.push_back(pr);
    return SelectFrom(in, items, q);
  }
  Refuse(what, "processor type '" + type + "' cannot be compiled to SQL");
}

}  // namespace dss::engine
