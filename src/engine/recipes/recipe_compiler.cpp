#include "engine/recipes/recipe_compiler.h"

#include <set>

#include "common/api_error.h"
#include "common/strings.h"
#include "engine/recipes/filter_compiler.h"
#include "engine/recipes/formula_compiler.h"
#include "engine/recipes/shaker_compiler.h"

namespace dss::engine {

namespace {

[[noreturn]] void Refuse(const std::string& msg) {
  throw ApiError(ErrorCode::kInvalidRecipe, msg);
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

bool Flag(const Json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_boolean() && o[key].get<bool>();
}

const Json& ArrayOr(const Json& o, const char* key) {
  static const Json kEmpty = Json::array();
  if (!o.is_object() || !o.contains(key) || o[key].is_null()) return kEmpty;
  if (!o[key].is_array()) Refuse("'" + std::string(key) + "' must be an array");
  return o[key];
}

struct OutputItem {
  std::string role;
  size_t index;
  std::string ref;
  bool append;
};

std::vector<OutputItem> Outputs(const Json& recipe, const std::string& role) {
  std::vector<OutputItem> out;
  Json outs = recipe.value("outputs", Json::object());
  if (!outs.is_object() || !outs.contains(role)) return out;
  const Json& items = outs[role].value("items", Json::array());
  for (size_t i = 0; i < items.size(); ++i)
    out.push_back({role, i, GetString(items[i], "ref"), items[i].value("appendMode", false)});
  return out;
}

class Builder {
 public:
  Builder(const SqlDialect& d, const CompileRequest& req) : d_(d), req_(req) {
    type_ = GetString(req.recipe, "type");
    if (type_ == "prepare") type_ = "shaker";
    std::string text = Trim(req.payload);
    payload_ = text.empty() ? Json::object() : ParseJson(text, "recipe payload");
    if (!payload_.is_object())
      Refuse("The payload of a " + type_ + " recipe must be a JSON object");
  }

  std::string Q(const std::string& s) const { return d_.Ident(s); }
  auto Quoter() const {
    return [this](const std::string& s) { return d_.Ident(s); };
  }

  // The inputs of role main, in order.
  std::vector<std::string> InputRefs() const {
    std::vector<std::string> out;
    Json ins = req_.recipe.value("inputs", Json::object());
    if (ins.is_object() && ins.contains("main"))
      for (const auto& it : ins["main"].value("items", Json::array()))
        out.push_back(GetString(it, "ref"));
    return out;
  }
  Relation Input(size_t i) const {
    auto refs = InputRefs();
    if (i >= refs.size())
      Refuse("The recipe has no input #" + std::to_string(i) + " (it has " +
             std::to_string(refs.size()) + ")");
    auto it = req_.inputs.find(refs[i]);
    if (it == req_.inputs.end()) Refuse("No schema for input dataset '" + refs[i] + "'");
    return it->second;
  }
  OutputItem MainOutput() const {
    auto outs = Outputs(req_.recipe, "main");
    if (outs.empty()) Refuse("The " + type_ + " recipe has no output");
    return outs[0];
  }

  std::vector<Projected> Identity(const Relation& r) const {
    std::vector<Projected> items;
    for (const auto& c : r.columns) items.push_back({Q(c.name), c});
    return items;
  }

  Relation ApplyFilter(const Relation& r, const Json& filter, const std::string& what) const {
    auto cond = FilterCompiler(d_, r.columns).Compile(filter, what);
    if (!cond) return r;
    return SelectFrom(r, Identity(r), Quoter(), *cond);
  }

  Relation ApplyComputed(const Relation& r, const Json& computed) const {
    if (computed.is_null()) return r;
    if (!computed.is_array()) Refuse("'computedColumns' must be an array");
    Relation cur = r;
    for (const auto& cc : computed) {
      std::string name = GetString(cc, "name");
      if (name.empty()) Refuse("A computed column has no name");
      std::string what = "Computed column '" + name + "'";
      std::string mode = cc.value("mode", "GREL");
      std::string type = cc.value("type", "");
      std::string expr = GetString(cc, "expr");
      TypedSql t;
      if (mode == "GREL") {
        try {
          t = FormulaCompiler(d_, cur.columns).Compile(expr);
        } catch (const ApiError& e) {
          Refuse(what + ": " + e.what());
        }
      } else if (mode == "SQL") {
        if (Trim(expr).empty() || expr.find(';') != std::string::npos)
          Refuse(what + ": invalid SQL expression");
        if (type.empty()) Refuse(what + ": a SQL computed column needs a 'type'");
        t = {"(" + expr + ")", type};
      } else {
        Refuse(what + ": unsupported mode '" + mode + "'");
      }
      if (type.empty()) type = t.type == "null" ? "string" : t.type;
      std::string sql = t.type == type ? t.sql : d_.Cast(t.sql, type);
      auto items = Identity(cur);
      if (auto i = cur.Find(name))
        items[*i] = {sql, {name, type}};
      else
        items.push_back({sql, {name, type}});
      cur = SelectFrom(cur, items, Quoter());
    }
    return cur;
  }

  // preFilter → computedColumns, the common head of most visual recipes.
  Relation Prepared(const Relation& in, const Json& holder) const {
    Relation r = ApplyFilter(in, holder.value("preFilter", Json()), "pre-filter");
    return ApplyComputed(r, holder.value("computedColumns", Json()));
  }

  Relation Renamed(const Relation& r) const {
    Json ov = payload_.value("outputColumnNameOverrides", Json::object());
    if (!ov.is_object() || ov.empty()) return r;
    auto items = Identity(r);
    for (auto& it : items)
      if (ov.contains(it.column.name) && ov[it.column.name].is_string() &&
          !ov[it.column.name].get<std::string>().empty())
        it.column.name = ov[it.column.name].get<std::string>();
    return SelectFrom(r, items, Quoter());
  }

  // postFilter → output renames → unique-name check.
  Relation Finished(const Relation& r) const {
    Relation out = Renamed(ApplyFilter(r, payload_.value("postFilter", Json()), "post-filter"));
    std::set<std::string> seen;
    for (const auto& c : out.columns)
      if (!seen.insert(c.name).second) Refuse("Duplicate output column '" + c.name + "'");
    return out;
  }

  size_t Col(const Relation& r, const std::string& name, const std::string& what) const {
    auto i = r.Find(name);
    if (!i) Refuse(what + ": column '" + name + "' does not exist");
    return *i;
  }

  std::string OrderList(const Relation& r, const Json& orders, const std::string& what) const {
    std::string s;
    for (const auto& o : orders) {
      std::string c = GetString(o, "column");
      Col(r, c, what);
      bool desc = o.value("desc", false);
      s += (s.empty() ? "" : ", ") + Q(c) + (desc ? " DESC NULLS LAST" : " ASC NULLS FIRST");
    }
    return s;
  }

  std::vector<CompiledOutput> Single(const Relation& r, bool ordered = false) const {
    auto o = MainOutput();
    return {{o.role, o.index, o.ref, o.append, r.sql, r.columns, ordered}};
  }

  // ---- recipe types ------------------------------------------------------------------------

  std::vector<CompiledOutput> Sync() const {
    Relation in = Input(0);
    return Single(SelectFrom(in, Identity(in), Quoter()));
  }

  std::vector<CompiledOutput> Shaker() const {
    Relation in = Input(0);
    Relation r = ShakerCompiler(d_).Apply(SelectFrom(in, Identity(in), Quoter()),
                                          payload_.value("steps", Json::array()));
    std::set<std::string> seen;
    for (const auto& c : r.columns)
      if (!seen.insert(c.name).second) Refuse("Duplicate output column '" + c.name + "'");
    return Single(r);
  }

  std::vector<CompiledOutput> Grouping() const {
    Relation r = Prepared(Input(0), payload_);
    std::vector<Projected> items;
    std::string group_by;
    for (const auto& k : ArrayOr(payload_, "keys")) {
      std::string c = GetString(k, "column");
      size_t i = Col(r, c, "Group key");
      items.push_back({Q(c), r.columns[i]});
      group_by += (group_by.empty() ? "" : ", ") + Q(c);
    }
    if (Flag(payload_, "globalCount"))
      items.push_back({"CAST(count(*) AS BIGINT)", {"count", "bigint"}});
    for (const auto& v : ArrayOr(payload_, "values")) {
      std::string c = GetString(v, "column");
      size_t i = Col(r, c, "Aggregation");
      const Column& col = r.columns[i];
      std::string id = Q(c);
      std::string num = IsNumeric(col.type) ? id : d_.TryCast(id, "double");
      std::string order;
      if (v.contains("orderColumn") && !Text(v["orderColumn"]).empty()) {
        Col(r, Text(v["orderColumn"]), "Aggregation of '" + c + "' (first/last order)");
        order = Q(Text(v["orderColumn"]));
      }
      auto add = [&](const char* flag, const std::string& suffix, const std::string& sql,
                     const std::string& type) {
        if (Flag(v, flag)) items.push_back({sql, {c + "_" + suffix, type}});
      };
      add("count", "count", "CAST(count(" + id + ") AS BIGINT)", "bigint");
      add("countDistinct", "distinct", "CAST(count(DISTINCT " + id + ") AS BIGINT)", "bigint");
      add("min", "min", "min(" + id + ")", col.type);
      add("max", "max", "max(" + id + ")", col.type);
      add("avg", "avg", d_.Cast("avg(" + num + ")", "double"), "double");
      add("median", "median", d_.Cast(d_.Median(num), "double"), "double");
      bool integral = IsIntegral(col.type);
      add("sum", "sum", d_.Cast("sum(" + num + ")", integral ? "bigint" : "double"),
          integral ? "bigint" : "double");
      std::string sep = d_.Str(v.value("concatSeparator", ","));
      add("concat", "concat", d_.StringAgg(id, sep, order, false), "string");
      add("concatDistinct", "concatDistinct", d_.StringAgg(id, sep, "", true), "string");
      add("stddev", "stddev", d_.Cast(d_.StdDev(num), "double"), "double");
      std::string ord = order.empty() ? "" : order;
      if ((Flag(v, "first") || Flag(v, "last")) && ord.empty())
        Refuse("Aggregation of '" + c + "': first/last need an 'orderColumn'");
      add("first", "first", d_.FirstValue(id, ord + " ASC NULLS LAST"), col.type);
      add("last", "last", d_.FirstValue(id, ord + " DESC NULLS LAST"), col.type);
    }
    for (const auto& ca : ArrayOr(payload_, "customAggregates")) {
      std::string name = GetString(ca, "customName");
      std::string expr = GetString(ca, "customExpr");
      std::string type = ca.value("type", "double");
      if (name.empty() || Trim(expr).empty() || expr.find(';') != std::string::npos)
        Refuse("Custom aggregate '" + name + "': needs a name and a SQL expression");
      items.push_back({d_.Cast("(" + expr + ")", type), {name, type}});
    }
    if (items.empty()) Refuse("Grouping recipe: no key, aggregation or global count");
    Relation g = SelectFrom(r, items, Quoter());
    if (!group_by.empty()) g.sql += " GROUP BY " + group_by;
    return Single(Finished(g));
  }

  std::vector<CompiledOutput> Distinct() const {
    Relation r = Prepared(Input(0), payload_);
    std::vector<Projected> items;
    std::string group_by;
    const Json& keys = ArrayOr(payload_, "keys");
    if (keys.empty()) {
      items = Identity(r);
    } else {
      for (const auto& k : keys) {
        std::string c = k.is_string() ? k.get<std::string>() : GetString(k, "column");
        items.push_back({Q(c), r.columns[Col(r, c, "Distinct key")]});
      }
    }
    for (const auto& it : items) group_by += (group_by.empty() ? "" : ", ") + it.sql;
    if (Flag(payload_, "globalCount"))
      items.push_back({"CAST(count(*) AS BIGINT)", {"count", "bigint"}});
    Relation g = SelectFrom(r, items, Quoter());
    if (!group_by.empty()) g.sql += " GROUP BY " + group_by;
    return Single(Finished(g));
  }

  void RankColumns(std::vector<Projected>& items, const std::string& over) const {
    if (Flag(payload_, "rowNumber"))
      items.push_back(
          {"CAST(row_number() OVER (" + over + ") AS BIGINT)", {"row_number", "bigint"}});
    if (Flag(payload_, "rank"))
      items.push_back({"CAST(rank() OVER (" + over + ") AS BIGINT)", {"rank", "bigint"}});
    if (Flag(payload_, "denseRank"))
      items.push_back(
          {"CAST(dense_rank() OVER (" + over + ") AS BIGINT)", {"dense_rank", "bigint"}});
  }

  std::vector<CompiledOutput> Sort() const {
    Relation r = Prepared(Input(0), payload_);
    const Json& orders = ArrayOr(payload_, "orders");
    if (orders.empty()) Refuse("Sort recipe: 'orders' is empty");
    std::string order = OrderList(r, orders, "Sort");
    auto items = Identity(r);
    RankColumns(items, "ORDER BY " + order);
    Relation s = Finished(SelectFrom(r, items, Quoter()));
    // The output order is re-established last, after the post-filter's wrapping.
    std::string outer_order = OrderList(s, orders, "Sort");
    s = SelectFrom(s, Identity(s), Quoter());
    s.sql += " ORDER BY " + outer_order;
    return Single(s, true);
  }

  std::vector<CompiledOutput> TopN() const {
    Relation r = Prepared(Input(0), payload_);
    const Json& orders = ArrayOr(payload_, "orders");
    if (orders.empty()) Refuse("Top N recipe: 'orders' is empty");
    long long first = GetInt(payload_, "firstRows", 0), last = GetInt(payload_, "lastRows", 0);
    if (first < 0 || last < 0 || first + last == 0)
      Refuse("Top N recipe: 'firstRows' or 'lastRows' must be positive");
    std::string part;
    for (const auto& k : ArrayOr(payload_, "keys")) {
      std::string c = k.is_string() ? k.get<std::string>() : GetString(k, "column");
      Col(r, c, "Top N key");
      part += (part.empty() ? "" : ", ") + Q(c);
    }
    std::string order = OrderList(r, orders, "Top N");
    Json rev = orders;
    for (auto& o : rev) o["desc"] = !o.value("desc", false);
    std::string rorder = OrderList(r, rev, "Top N");
    std::string pb = part.empty() ? "" : "PARTITION BY " + part + " ";
    auto items = Identity(r);
    items.push_back(
        {"row_number() OVER (" + pb + "ORDER BY " + order + ")", {"__dss_rn_first", "bigint"}});
    items.push_back(
        {"row_number() OVER (" + pb + "ORDER BY " + rorder + ")", {"__dss_rn_last", "bigint"}});
    RankColumns(items, pb + "ORDER BY " + order);
    if (Flag(payload_, "duplicateCount"))
      items.push_back(
          {"CAST(count(*) OVER (" + pb + ") AS BIGINT)", {"duplicate_count", "bigint"}});
    Relation w = SelectFrom(r, items, Quoter());
    std::string cond = "(" + Q("__dss_rn_first") + " <= " + std::to_string(first) + " OR " +
                       Q("__dss_rn_last") + " <= " + std::to_string(last) + ")";
    std::vector<Projected> keep;
    const Json& retrieved = ArrayOr(payload_, "retrievedColumns");
    std::set<std::string> wanted;
    for (const auto& c : retrieved) wanted.insert(Text(c));
    for (const auto& c : w.columns) {
      if (StartsWith(c.name, "__dss_rn_")) continue;
      bool base = r.Find(c.name).has_value();
      if (base && !wanted.empty() && !wanted.count(c.name)) continue;
      keep.push_back({Q(c.name), c});
    }
    for (const auto& c : wanted) Col(r, c, "Top N retrieved columns");
    Relation s = Finished(SelectFrom(w, keep, Quoter(), cond));
    std::string outer;
    if (!part.empty()) {
      bool all = true;
      for (const auto& k : ArrayOr(payload_, "keys"))
        all = all && s.Find(k.is_string() ? k.get<std::string>() : GetString(k, "column"));
      if (all) outer = part;
    }
    bool orders_kept = true;
    for (const auto& o : orders) orders_kept = orders_kept && s.Find(GetString(o, "column"));
    if (orders_kept) outer += (outer.empty() ? "" : ", ") + OrderList(s, orders, "Top N");
    if (outer.empty()) return Single(s);
    s = SelectFrom(s, Identity(s), Quoter());
    s.sql += " ORDER BY " + outer;
    return Single(s, true);
  }

  std::vector<CompiledOutput> Window() const {
    Relation r = Prepared(Input(0), payload_);
    const Json& windows = ArrayOr(payload_, "windows");
    if (windows.size() > 1) Refuse("Window recipe: only one window definition is supported");
    Json w = windows.empty() ? Json::object() : windows[0];
    std::string part, order;
    if (w.value("enablePartitioning", !ArrayOr(w, "partitioningColumns").empty()))
      for (const auto& c : ArrayOr(w, "partitioningColumns")) {
        Col(r, Text(c), "Window partitioning");
        part += (part.empty() ? "" : ", ") + Q(Text(c));
      }
    if (w.value("enableOrdering", !ArrayOr(w, "orders").empty()))
      order = OrderList(r, ArrayOr(w, "orders"), "Window ordering");
    std::string base =
        (part.empty() ? "" : "PARTITION BY " + part) +
        (order.empty() ? "" : std::string(part.empty() ? "" : " ") + "ORDER BY " + order);
    std::string frame;
    if (Flag(w, "enableLimits")) {
      if (order.empty()) Refuse("Window recipe: window limits need an ordering");
      auto bound = [&](const char* key, const char* dir) {
        if (!w.contains(key) || w[key].is_null()) return std::string("UNBOUNDED ") + dir;
        long long n = GetInt(w, key, 0);
        if (n < 0) return std::string("UNBOUNDED ") + dir;
        return n == 0 ? std::string("CURRENT ROW") : std::to_string(n) + " " + dir;
      };
      frame = " ROWS BETWEEN " + bound("precedingRows", "PRECEDING") + " AND " +
              bound("followingRows", "FOLLOWING");
    }
    auto items = Identity(r);
    std::string over = "OVER (" + base + ")";
    std::string over_frame = "OVER (" + base + frame + ")";
    auto ranked = [&](const char* flag, const char* fn, const char* name, const char* type) {
      if (!Flag(payload_, flag)) return;
      if (order.empty()) Refuse(std::string("Window recipe: ") + flag + " needs an ordering");
      items.push_back(
          {"CAST(" + std::string(fn) + " " + over + " AS " + d_.SqlType(type) + ")", {name, type}});
    };
    ranked("rowNumber", "row_number()", "row_number", "bigint");
    ranked("rank", "rank()", "rank", "bigint");
    ranked("denseRank", "dense_rank()", "dense_rank", "bigint");
    ranked("cumeDist", "cume_dist()", "cume_dist", "double");
    ranked("percentRank", "percent_rank()", "percent_rank", "double");
    if (Flag(payload_, "ntile")) {
      long long n = GetInt(payload_, "nTile", 4);
      if (n <= 0) Refuse("Window recipe: 'nTile' must be positive");
      if (order.empty()) Refuse("Window recipe: ntile needs an ordering");
      items.push_back(
          {"CAST(ntile(" + std::to_string(n) + ") " + over + " AS BIGINT)", {"ntile", "bigint"}});
    }
    for (const auto& v : ArrayOr(payload_, "values")) {
      std::string c = GetString(v, "column");
      const Column& col = r.columns[Col(r, c, "Window aggregation")];
      std::string id = Q(c);
      std::string num = IsNumeric(col.type) ? id : d_.TryCast(id, "double");
      bool integral = IsIntegral(col.type);
      auto add = [&](const char* flag, const std::string& suffix, const std::string& sql,
                     const std::string& type) {
        if (Flag(v, flag)) items.push_back({sql, {c + "_" + suffix, type}});
      };
      add("min", "min", "min(" + id + ") " + over_frame, col.type);
      add("max", "max", "max(" + id + ") " + over_frame, col.type);
      add("avg", "avg", d_.Cast("avg(" + num + ") " + over_frame, "double"), "double");
      add("sum", "sum", d_.Cast("sum(" + num + ") " + over_frame, integral ? "bigint" : "double"),
          integral ? "bigint" : "double");
      add("count", "count", "CAST(count(" + id + ") " + over_frame + " AS BIGINT)", "bigint");
      add("stddev", "stddev", d_.Cast(d_.StdDev(num) + " " + over_frame, "double"), "double");
      add("first", "first", "first_value(" + id + ") " + over_frame, col.type);
      add("last", "last", "last_value(" + id + ") " + over_frame, col.type);
      auto shifts = [&](const char* flag, const char* list_key, const char* fn, const char* suffix,
                        bool diff) {
        if (!Flag(v, flag)) return;
        if (order.empty())
          Refuse(std::string("Window recipe: ") + fn + " on '" + c + "' needs an ordering");
        std::vector<std::string> ns;
        const Json& lv = v.value(list_key, Json("1"));
        if (lv.is_array())
          for (const auto& x : lv) ns.push_back(Text(x));
        else
          ns = Split(Text(lv), ',');
        for (auto n : ns) {
          n = Trim(n);
          if (n.empty()) continue;
          long long k = 0;
          try {
            k = std::stoll(n);
          } catch (...) {
            Refuse("Window recipe: bad offset '" + n + "' for " + fn + " on '" + c + "'");
          }
          if (k <= 0) Refuse("Window recipe: offsets must be positive");
          std::string e = std::string(fn) + "(" + id + ", " + std::to_string(k) + ") " + over;
          if (diff)
            items.push_back(
                {"(" + num + " - " + (IsNumeric(col.type) ? e : d_.TryCast(e, "double")) + ")",
                 {c + "_" + suffix + std::to_string(k), integral ? "bigint" : "double"}});
          else
            items.push_back({e, {c + "_" + suffix + std::to_string(k), col.type}});
        }
      };
      shifts("lag", "lagValues", "lag", "lag", false);
      shifts("lead", "leadValues", "lead", "lead", false);
      shifts("lagDiff", "lagDiffValues", "lag", "lagdiff", true);
      shifts("leadDiff", "leadDiffValues", "lead", "leaddiff", true);
    }
    return Single(Finished(SelectFrom(r, items, Quoter())));
  }

  // ---- join -------------------------------------------------------------------------------

  struct JoinSide {
    Relation rel;
    std::string alias;
    std::string name;
  };

  std::vector<CompiledOutput> JoinRecipe() const {
    const Json& vis = ArrayOr(payload_, "virtualInputs");
    std::vector<JoinSide> sides;
    if (vis.empty()) {
      for (size_t i = 0; i < InputRefs().size(); ++i)
        sides.push_back({Input(i), "t" + std::to_string(i), InputRefs()[i]});
    } else {
      for (size_t i = 0; i < vis.size(); ++i) {
        size_t idx = static_cast<size_t>(GetInt(vis[i], "index", static_cast<long long>(i)));
        Relation r = Prepared(Input(idx), vis[i]);
        sides.push_back({r, "t" + std::to_string(i), InputRefs()[idx]});
      }
    }
    if (sides.size() < 2) Refuse("Join recipe: needs at least two inputs");
    const Json& joins = ArrayOr(payload_, "joins");
    if (joins.size() != sides.size() - 1)
      Refuse("Join recipe: " + std::to_string(sides.size()) + " inputs need " +
             std::to_string(sides.size() - 1) + " join definitions, got " +
             std::to_string(joins.size()));
    // Which inputs' columns are visible in the output (anti joins hide one side).
    std::vector<bool> visible(sides.size(), true);
    std::string from = sides[0].rel.From(Q(sides[0].alias));
    std::string where;
    std::vector<std::string> conds(joins.size());
    for (size_t k = 0; k < joins.size(); ++k) {
      const Json& j = joins[k];
      size_t t1 = static_cast<size_t>(GetInt(j, "table1", static_cast<long long>(k)));
      size_t t2 = static_cast<size_t>(GetInt(j, "table2", static_cast<long long>(k + 1)));
      std::string what = "Join #" + std::to_string(k + 1);
      if (t2 != k + 1 || t1 > k)
        Refuse(what + ": table2 must be input " + std::to_string(k + 1) +
               " and table1 an earlier input");
      std::string type = ToUpper(j.value("type", "LEFT"));
      conds[k] = JoinCondition(j, sides, what);
      const JoinSide& right = sides[t2];
      std::string rfrom = right.rel.From(Q(right.alias));
      if (type == "INNER" || type == "LEFT" || type == "RIGHT" || type == "FULL") {
        std::string kw = type == "INNER"   ? "INNER JOIN"
                         : type == "LEFT"  ? "LEFT JOIN"
                         : type == "RIGHT" ? "RIGHT JOIN"
                                           : "FULL OUTER JOIN";
        from += " " + kw + " " + rfrom + " ON " + conds[k];
      } else if (type == "CROSS") {
        if (!ArrayOr(j, "on").empty())
          from += " INNER JOIN " + rfrom + " ON " + conds[k];
        else
          from += " CROSS JOIN " + rfrom;
      } else if (type == "LEFT_ANTI") {
        where += (where.empty() ? "" : " AND ") +
                 ("NOT EXISTS (SELECT 1 FROM " + rfrom + " WHERE " + conds[k] + ")");
        visible[t2] = false;
      } else if (type == "RIGHT_ANTI") {
        if (sides.size() != 2) Refuse(what + ": RIGHT_ANTI is supported between two inputs only");
        from = rfrom;
        where = "NOT EXISTS (SELECT 1 FROM " + sides[0].rel.From(Q(sides[0].alias)) + " WHERE " +
                conds[k] + ")";
        visible[0] = false;
      } else {
        Refuse(what + ": unsupported join type '" + type + "'");
      }
    }
    // Output columns.
    std::vector<Projected> items;
    std::set<std::string> used;
    const Json& top_sel = ArrayOr(payload_, "selectedColumns");
    for (size_t i = 0; i < sides.size(); ++i) {
      const Json vi = i < vis.size() ? vis[i] : Json::object();
      std::string mode = vi.value("outputColumnsSelectionMode", "");
      if (mode.empty())
        mode = vi.contains("autoSelectColumns") && !Flag(vi, "autoSelectColumns")
                   ? "MANUAL"
                   : "AUTO_NON_CONFLICTING";
      std::vector<Json> manual;
      if (mode == "MANUAL") {
        for (const auto& s : ArrayOr(vi, "selectedColumns")) manual.push_back(s);
        for (const auto& s : top_sel)
          if (static_cast<size_t>(GetInt(s, "table", -1)) == i) manual.push_back(s);
      } else if (mode != "AUTO_NON_CONFLICTING" && mode != "ALL") {
        Refuse("Join input '" + sides[i].name + "': unsupported outputColumnsSelectionMode '" +
               mode + "'");
      }
      if (!visible[i]) {
        if (!manual.empty())
          Refuse("Join input '" + sides[i].name +
                 "': columns cannot be selected from the excluded side of an anti join");
        continue;
      }
      std::string prefix = vi.value("prefix", "");
      auto emit = [&](const Column& c, std::string alias, bool auto_mode) {
        if (alias.empty()) alias = prefix.empty() ? c.name : prefix + "_" + c.name;
        if (used.count(alias)) {
          if (auto_mode) return;
          Refuse("Join: output column '" + alias + "' is selected twice; give it an alias");
        }
        used.insert(alias);
        items.push_back({Q(sides[i].alias) + "." + Q(c.name), {alias, c.type}});
      };
      if (mode == "MANUAL") {
        for (const auto& s : manual) {
          std::string n = GetString(s, "name");
          auto ci = sides[i].rel.Find(n);
          if (!ci)
            Refuse("Join: selected column '" + n + "' does not exist in input '" + sides[i].name +
                   "'");
          emit(sides[i].rel.columns[*ci],
               s.value("alias", Json("")).is_string() ? s.value("alias", "") : "", false);
        }
      } else {
        for (const auto& c : sides[i].rel.columns) emit(c, "", true);
      }
    }
    if (items.empty()) Refuse("Join recipe: no output column selected");
    std::string list;
    for (const auto& it : items)
      list += (list.empty() ? "" : ", ") + it.sql + " AS " + Q(it.column.name);
    Relation joined;
    joined.sql = "SELECT " + list + " FROM " + from + (where.empty() ? "" : " WHERE " + where);
    for (const auto& it : items) joined.columns.push_back(it.column);
    Relation out = Finished(ApplyComputed(joined, payload_.value("computedColumns", Json())));
    std::vector<CompiledOutput> result = Single(out);
    // Unmatched rows of a two-input join go to the unmatchedLeft / unmatchedRight outputs.
    for (const char* role : {"unmatchedLeft", "unmatchedRight"}) {
      auto outs = Outputs(req_.recipe, role);
      if (outs.empty()) continue;
      if (sides.size() != 2)
        Refuse(std::string("Join recipe: the ") + role + " output needs exactly two inputs");
      bool left = std::string(role) == "unmatchedLeft";
      const JoinSide& keep = sides[left ? 0 : 1];
      const JoinSide& other = sides[left ? 1 : 0];
      std::string list2;
      for (const auto& c : keep.rel.columns)
        list2 += (list2.empty() ? "" : ", ") + Q(keep.alias) + "." + Q(c.name) + " AS " + Q(c.name);
      CompiledOutput co{role,
                        0,
                        outs[0].ref,
                        outs[0].append,
                        "SELECT " + list2 + " FROM " + keep.rel.From(Q(keep.alias)) +
                            " WHERE NOT EXISTS (SELECT 1 FROM " + other.rel.From(Q(other.alias)) +
                            " WHERE " + conds[0] + ")",
                        keep.rel.columns,
                        false};
      result.push_back(co);
    }
    return result;
  }

  std::string JoinCondition(const Json& j, const std::vector<JoinSide>& sides,
                            const std::string& what) const {
    std::string mode = ToUpper(j.value("conditionsMode", "AND"));
    if (mode == "CUSTOM") {
      std::string sql = GetString(j, "customSQLCondition");
      if (Trim(sql).empty() || sql.find(';') != std::string::npos)
        Refuse(what + ": CUSTOM conditions need a SQL condition");
      return "(" + sql + ")";
    }
    if (mode == "NATURAL") {
      size_t t1 = static_cast<size_t>(GetInt(j, "table1", 0)),
             t2 = static_cast<size_t>(GetInt(j, "table2", 1));
      std::string s;
      for (const auto& c : sides[t1].rel.columns)
        if (sides[t2].rel.Find(c.name))
          s += (s.empty() ? "" : " AND ") + Q(sides[t1].alias) + "." + Q(c.name) + " = " +
               Q(sides[t2].alias) + "." + Q(c.name);
      if (s.empty()) Refuse(what + ": a NATURAL join needs common columns");
      return "(" + s + ")";
    }
    if (mode != "AND" && mode != "OR") Refuse(what + ": unsupported conditionsMode '" + mode + "'");
    std::string s;
    for (const auto& on : ArrayOr(j, "on")) {
      auto side = [&](const char* key, long long def_table) {
        Json c = on.value(key, Json::object());
        size_t t = static_cast<size_t>(GetInt(c, "table", def_table));
        if (t >= sides.size()) Refuse(what + ": condition refers to input #" + std::to_string(t));
        std::string n = GetString(c, "name");
        auto ci = sides[t].rel.Find(n);
        if (!ci)
          Refuse(what + ": join column '" + n + "' does not exist in input '" + sides[t].name +
                 "'");
        return std::make_pair(Q(sides[t].alias) + "." + Q(n), sides[t].rel.columns[*ci].type);
      };
      auto [a, ta] = side("column1", GetInt(j, "table1", 0));
      auto [b, tb] = side("column2", GetInt(j, "table2", 1));
      if (ta != tb) {
        // DSS joins on mixed types by comparing text unless both are numeric.
        if (IsNumeric(ta) && IsNumeric(tb)) {
        } else {
          a = d_.ToText(a);
          b = d_.ToText(b);
        }
      }
      std::string type = on.value("type", "EQ");
      std::string op = type == "EQ"    ? "="
                       : type == "NE"  ? "<>"
                       : type == "LT"  ? "<"
                       : type == "LTE" ? "<="
                       : type == "GT"  ? ">"
                       : type == "GTE" ? ">="
                                       : "";
      if (op.empty()) Refuse(what + ": unsupported condition type '" + type + "'");
      s += (s.empty() ? "" : mode == "AND" ? " AND " : " OR ") + a + " " + op + " " + b;
    }
    if (s.empty()) {
      std::string type = ToUpper(j.value("type", "LEFT"));
      if (type == "CROSS") return "TRUE";
      Refuse(what + ": no join condition");
    }
    return "(" + s + ")";
  }

  // ---- split ------------------------------------------------------------------------------

  std::vector<CompiledOutput> SplitRecipe() const {
    Relation r = Prepared(Input(0), payload_);
    auto outs = Outputs(req_.recipe, "main");
    if (outs.empty()) Refuse("Split recipe has no output");
    std::string mode = payload_.value("splitMode", payload_.value("mode", ""));
    // (condition, output index) in priority order: a row goes to the first match.
    std::vector<std::pair<std::string, long long>> rules;
    auto pick = [&](std::initializer_list<const char*> keys) -> const Json& {
      for (auto* k : keys)
        if (payload_.contains(k)) return ArrayOr(payload_, k);
      return ArrayOr(payload_, "__none");
    };
    if (mode == "VALUES") {
      std::string c = GetString(payload_, "column");
      const Column& col = r.columns[Col(r, c, "Split")];
      std::string txt = col.type == "string" ? Q(c) : d_.ToText(Q(c));
      for (const auto& v : pick({"valueSplits", "values"}))
        rules.push_back({"(" + txt + " = " + d_.Str(Text(v.value("value", Json("")))) + ")",
                         GetInt(v, "outputIndex", -1)});
    } else if (mode == "FILTERS") {
      FilterCompiler fc(d_, r.columns);
      int n = 0;
      for (const auto& f : pick({"filterSplits", "filters"})) {
        ++n;
        auto cond =
            fc.Compile(f.value("filter", Json::object()), "split filter #" + std::to_string(n));
        rules.push_back({cond ? *cond : "TRUE", GetInt(f, "outputIndex", -1)});
      }
    } else if (mode == "RANGE") {
      std::string c = GetString(payload_, "column");
      const Column& col = r.columns[Col(r, c, "Split")];
      std::string v = IsNumeric(col.type) ? Q(c) : d_.TryCast(Q(c), "double");
      for (const auto& rg : pick({"rangeSplits", "ranges"})) {
        std::string cond;
        if (rg.contains("min") && !rg["min"].is_null())
          cond += v + " >= " + d_.Num(Text(rg["min"]));
        if (rg.contains("max") && !rg["max"].is_null())
          cond += (cond.empty() ? "" : " AND ") + v + " < " + d_.Num(Text(rg["max"]));
        if (cond.empty()) cond = v + " IS NOT NULL";
        rules.push_back({"(" + cond + ")", GetInt(rg, "outputIndex", -1)});
      }
    } else if (mode == "RANDOM") {
      std::string row;
      for (const auto& c : r.columns) row += ", " + d_.ToText(Q(c.name));
      std::string seed = std::to_string(GetInt(payload_, "seed", 1337));
      std::string h = d_.UnitHash("concat_ws('|', " + d_.Str(seed) + row + ")");
      double acc = 0;
      for (const auto& s : pick({"randomSplits", "splits"})) {
        Json ratio = s.value("ratio", Json());
        if (!ratio.is_number() || ratio.get<double>() < 0)
          Refuse("Split: each random split needs a 'ratio' >= 0");
        double lo = acc;
        acc += ratio.get<double>();
        char buf[64];
        std::snprintf(buf, sizeof buf, "(%s >= %.9g AND %s < %.9g)", "%H", lo, "%H", acc);
        std::string cond = buf;
        for (size_t p; (p = cond.find("%H")) != std::string::npos;) cond.replace(p, 2, h);
        rules.push_back({cond, GetInt(s, "outputIndex", -1)});
      }
      if (acc > 1.0000001) Refuse("Split: random ratios add up to more than 1");
    } else {
      Refuse("Split recipe: unsupported mode '" + mode + "'");
    }
    long long def = GetInt(payload_, "defaultOutputIndex", -1);
    std::vector<CompiledOutput> result;
    for (const auto& o : outs) {
      std::string prior_none, mine;
      for (const auto& [cond, idx] : rules) {
        if (idx < -1 || idx >= static_cast<long long>(outs.size()))
          Refuse("Split: outputIndex " + std::to_string(idx) + " has no output");
        std::string c = "coalesce(" + cond + ", FALSE)";
        if (idx == static_cast<long long>(o.index))
          mine += (mine.empty() ? "" : " OR ") +
                  ("(" + c + (prior_none.empty() ? "" : " AND NOT (" + prior_none + ")") + ")");
        prior_none += (prior_none.empty() ? "" : " OR ") + c;
      }
      if (def == static_cast<long long>(o.index))
        mine += (mine.empty() ? "" : " OR ") +
                (prior_none.empty() ? "TRUE" : "NOT (" + prior_none + ")");
      if (mine.empty()) mine = "FALSE";
      Relation s = SelectFrom(r, Identity(r), Quoter(), mine);
      result.push_back({o.role, o.index, o.ref, o.append, s.sql, s.columns, false});
    }
    return result;
  }

  // ---- stack ------------------------------------------------------------------------------

  std::vector<CompiledOutput> Stack() const {
    const Json& vis = ArrayOr(payload_, "virtualInputs");
    std::vector<std::pair<Relation, Json>> ins;
    std::vector<std::string> names;
    if (vis.empty()) {
      for (size_t i = 0; i < InputRefs().size(); ++i) {
        ins.push_back({Input(i), Json::object()});
        names.push_back(InputRefs()[i]);
      }
    } else {
      for (size_t i = 0; i < vis.size(); ++i) {
        size_t idx = static_cast<size_t>(GetInt(vis[i], "index", static_cast<long long>(i)));
        ins.push_back({Prepared(Input(idx), vis[i]), vis[i]});
        names.push_back(InputRefs()[idx]);
      }
    }
    if (ins.empty()) Refuse("Stack recipe has no input");
    std::string mode = payload_.value("mode", "UNION");
    std::vector<Column> out_cols;
    auto add_col = [&](const Column& c) {
      for (auto& o : out_cols)
        if (o.name == c.name) {
          if (o.type != c.type)
            o.type = IsIntegral(o.type) && IsIntegral(c.type) ? "bigint"
                     : IsNumeric(o.type) && IsNumeric(c.type) ? "double"
                                                              : "string";
          return;
        }
      out_cols.push_back(c);
    };
    if (mode == "UNION") {
      for (auto& [r, _] : ins)
        for (const auto& c : r.columns) add_col(c);
    } else if (mode == "INTERSECT") {
      for (const auto& c : ins[0].first.columns) {
        bool everywhere = true;
        for (auto& [r, _] : ins) everywhere = everywhere && r.Find(c.name);
        if (everywhere) add_col(c);
      }
      for (auto& [r, _] : ins)
        for (const auto& c : r.columns)
          if (auto i = [&]() {
                for (size_t k = 0; k < out_cols.size(); ++k)
                  if (out_cols[k].name == c.name) return std::optional<size_t>(k);
                return std::optional<size_t>();
              }())
            add_col(c);
    } else if (mode == "FROM_DATASET") {
      std::string ds = GetString(payload_, "copySchemaFromDatasetWithName");
      bool found = false;
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == ds) {
          out_cols = ins[i].first.columns;
          found = true;
          break;
        }
      if (!found)
        Refuse("Stack recipe: copySchemaFromDatasetWithName '" + ds + "' is not an input");
    } else if (mode == "FROM_INDEX" || mode == "REMAP" || mode == "CUSTOM") {
      if (mode == "FROM_INDEX") {
        out_cols = ins[0].first.columns;
      } else {
        for (const auto& s : ArrayOr(payload_, "selectedColumns"))
          out_cols.push_back({GetString(s, "name"), s.value("type", "string")});
        if (out_cols.empty()) Refuse("Stack recipe: mode " + mode + " needs 'selectedColumns'");
      }
    } else {
      Refuse("Stack recipe: unsupported mode '" + mode + "'");
    }
    bool origin = Flag(payload_, "addOriginColumn");
    std::string origin_name = payload_.value("originColumnName", "original_dataset");
    std::string all;
    for (size_t i = 0; i < ins.size(); ++i) {
      const Relation& r = ins[i].first;
      std::vector<Projected> items;
      for (size_t k = 0; k < out_cols.size(); ++k) {
        const Column& oc = out_cols[k];
        std::string src;
        if (mode == "FROM_INDEX") {
          if (k < r.columns.size()) src = Q(r.columns[k].name);
        } else if (mode == "REMAP") {
          const Json& cm = ArrayOr(ins[i].second, "columnsMatch");
          if (k < cm.size() && cm[k].is_string() && !cm[k].get<std::string>().empty()) {
            std::string n = cm[k].get<std::string>();
            if (!r.Find(n))
              Refuse("Stack recipe: column '" + n + "' does not exist in input '" + names[i] + "'");
            src = Q(n);
          }
        } else if (r.Find(oc.name)) {
          src = Q(oc.name);
        }
        items.push_back(
            {src.empty() ? "CAST(NULL AS " + d_.SqlType(oc.type) + ")" : d_.Cast(src, oc.type),
             oc});
      }
      if (origin) {
        std::string label = ins[i].second.value("originLabel", names[i]);
        items.push_back({d_.Str(label), {origin_name, "string"}});
      }
      all += (all.empty() ? "" : " UNION ALL ") + SelectFrom(r, items, Quoter()).sql;
    }
    Relation u;
    u.sql = all;
    u.columns = out_cols;
    if (origin) u.columns.push_back({origin_name, "string"});
    return Single(Finished(SelectFrom(u, Identity(u), Quoter())));
  }

  // ---- sampling ---------------------------------------------------------------------------

  std::vector<CompiledOutput> Sampling() const {
    Relation in = Input(0);
    Json sel = payload_.value("selection", Json::object());
    Json filter = payload_.contains("filter") ? payload_["filter"] : sel.value("filter", Json());
    Relation r =
        ApplyComputed(ApplyFilter(in, filter, "filter"), payload_.value("computedColumns", Json()));
    std::string method = sel.value("samplingMethod", payload_.value("samplingMethod", "FULL"));
    long long max = GetInt(sel, "maxRecords", GetInt(payload_, "maxRecords", 10000));
    Relation s = SelectFrom(r, Identity(r), Quoter());
    if (method == "FULL") {
    } else if (method == "HEAD_SEQUENTIAL") {
      if (max < 0) Refuse("Sampling: 'maxRecords' must be >= 0");
      s.sql += " LIMIT " + std::to_string(max);
    } else if (method == "RANDOM_FIXED_NB" || method == "RANDOM_FIXED_NB_EXACT") {
      if (max < 0) Refuse("Sampling: 'maxRecords' must be >= 0");
      s.sql += " ORDER BY " + d_.Random() + " LIMIT " + std::to_string(max);
    } else if (method == "RANDOM_FIXED_RATIO" || method == "RANDOM_FIXED_RATIO_FULL") {
      Json ratio = sel.value("targetRatio", payload_.value("targetRatio", Json()));
      if (!ratio.is_number() || ratio.get<double>() < 0 || ratio.get<double>() > 1)
        Refuse("Sampling: 'targetRatio' must be a number between 0 and 1");
      s = SelectFrom(r, Identity(r), Quoter(), d_.Random() + " < " + d_.Num(ratio.dump()));
    } else {
      Refuse("Sampling: unsupported samplingMethod '" + method + "'");
    }
    return Single(s);
  }

  // ---- pivot ------------------------------------------------------------------------------

  struct PivotSpec {
    Relation prepared;
    Json pivot;
    std::string key_expr;  // text of the pivot key
    std::vector<std::string> ids;
  };

  PivotSpec Pivot0() const {
    PivotSpec s;
    s.prepared = Prepared(Input(0), payload_);
    const Json& pivots = ArrayOr(payload_, "pivots");
    if (pivots.size() != 1) Refuse("Pivot recipe: exactly one pivot definition is supported");
    s.pivot = pivots[0];
    const Json& keys = ArrayOr(s.pivot, "keyColumns");
    if (keys.empty()) Refuse("Pivot recipe: 'keyColumns' is empty");
    std::string e;
    for (const auto& k : keys) {
      const Column& c = s.prepared.columns[Col(s.prepared, Text(k), "Pivot key")];
      e += (e.empty() ? "" : ", '_', ") + (c.type == "string" ? Q(c.name) : d_.ToText(Q(c.name)));
    }
    s.key_expr = keys.size() == 1 ? e : "concat(" + e + ")";
    const Json& ids = payload_.contains("explicitIdentifiers")
                          ? ArrayOr(payload_, "explicitIdentifiers")
                          : ArrayOr(payload_, "identifierColumns");
    for (const auto& i : ids) {
      Col(s.prepared, Text(i), "Pivot row identifier");
      s.ids.push_back(Text(i));
    }
    return s;
  }

  std::vector<Probe> PivotProbes() const {
    PivotSpec s = Pivot0();
    std::string limit = ToUpper(s.pivot.value("valueLimit", "TOP_N"));
    if (limit == "EXPLICIT") return {};
    std::string base = "SELECT " + s.key_expr + " AS v, count(*) AS n FROM " +
                       s.prepared.From("t") + " WHERE " + s.key_expr + " IS NOT NULL GROUP BY 1";
    std::string sql;
    if (limit == "TOP_N")
      sql = base + " ORDER BY n DESC, v LIMIT " + std::to_string(GetInt(s.pivot, "topnLimit", 20));
    else if (limit == "AT_LEAST_N_OCC")
      sql = "SELECT v FROM (" + base +
            ") AS c WHERE n >= " + std::to_string(GetInt(s.pivot, "minOccLimit", 1)) +
            " ORDER BY v";
    else if (limit == "NO_LIMIT")
      sql = "SELECT v FROM (" + base + ") AS c ORDER BY v LIMIT 1001";
    else
      Refuse("Pivot recipe: unsupported valueLimit '" + limit + "'");
    return {{"pivot:0", sql}};
  }

  std::vector<CompiledOutput> PivotRecipe() const {
    PivotSpec s = Pivot0();
    std::string limit = ToUpper(s.pivot.value("valueLimit", "TOP_N"));
    std::vector<std::string> values;
    if (limit == "EXPLICIT") {
      for (const auto& v : ArrayOr(s.pivot, "explicitValues")) values.push_back(Text(v));
    } else {
      auto it = req_.probed.find("pivot:0");
      if (it == req_.probed.end())
        Refuse("Pivot recipe: the output columns depend on the data (valueLimit " + limit +
               "); its values must be probed first");
      values = it->second;
      if (values.size() > 1000) Refuse("Pivot recipe: more than 1000 pivot values");
    }
    if (values.empty()) Refuse("Pivot recipe: no pivot value");
    const Relation& r = s.prepared;
    std::vector<Projected> items;
    std::string group_by;
    for (const auto& i : s.ids) {
      items.push_back({Q(i), r.columns[*r.Find(i)]});
      group_by += (group_by.empty() ? "" : ", ") + Q(i);
    }
    bool count = s.pivot.value("globalCount", Flag(payload_, "globalCount"));
    const Json& vcols = s.pivot.contains("valuesColumns") ? ArrayOr(s.pivot, "valuesColumns")
                                                          : ArrayOr(s.pivot, "valueColumns");
    if (!count && vcols.empty())
      Refuse("Pivot recipe: no aggregation (globalCount or valuesColumns)");
    for (const auto& v : values) {
      std::string when = s.key_expr + " = " + d_.Str(v);
      if (count)
        items.push_back(
            {"CAST(count(CASE WHEN " + when + " THEN 1 END) AS BIGINT)", {v + "_count", "bigint"}});
      for (const auto& vc : vcols) {
        std::string c = GetString(vc, "column");
        const Column& col = r.columns[Col(r, c, "Pivot value")];
        std::string x = "CASE WHEN " + when + " THEN " + Q(c) + " END";
        std::string num = IsNumeric(col.type) ? x : d_.TryCast(x, "double");
        bool integral = IsIntegral(col.type);
        auto add = [&](const char* flag, const char* sfx, const std::string& sql,
                       const std::string& ty) {
          if (Flag(vc, flag)) items.push_back({sql, {v + "_" + c + "_" + sfx, ty}});
        };
        add("count", "count", "CAST(count(" + x + ") AS BIGINT)", "bigint");
        add("min", "min", "min(" + x + ")", col.type);
        add("max", "max", "max(" + x + ")", col.type);
        add("sum", "sum", d_.Cast("sum(" + num + ")", integral ? "bigint" : "double"),
            integral ? "bigint" : "double");
        add("avg", "avg", d_.Cast("avg(" + num + ")", "double"), "double");
      }
    }
    Relation g = SelectFrom(r, items, Quoter());
    if (!group_by.empty()) g.sql += " GROUP BY " + group_by;
    return Single(Finished(g));
  }

  std::vector<CompiledOutput> Run() const {
    if (type_ == "sync") return Sync();
    if (type_ == "shaker") return Shaker();
    if (type_ == "grouping") return Grouping();
    if (type_ == "window") return Window();
    if (type_ == "join") return JoinRecipe();
    if (type_ == "distinct") return Distinct();
    if (type_ == "sort") return Sort();
    if (type_ == "topn") return TopN();
    if (type_ == "split") return SplitRecipe();
    if (type_ == "vstack") return Stack();
    if (type_ == "sampling") return Sampling();
    if (type_ == "pivot") return PivotRecipe();
    Refuse("Recipe type '" + type_ + "' cannot be compiled to SQL");
  }

  std::vector<Probe> Probes() const {
    if (type_ == "pivot") return PivotProbes();
    return {};
  }

 private:
  const SqlDialect& d_;
  const CompileRequest& req_;
  std::string type_;
  Json payload_;
};

}  // namespace

bool RecipeCompiler::IsCompilable(const std::string& t) {
  static const std::set<std::string> kTypes = {
      "sync", "shaker", "prepare", "grouping", "window",   "join", "distinct",
      "sort", "topn",   "split",   "vstack",   "sampling", "pivot"};
  return kTypes.count(t) > 0;
}

bool RecipeCompiler::IsCode(const std::string& t) {
  static const std::set<std::string> kTypes = {
      "sql_query", "sql_script",           "python",          "shell", "r",      "pyspark",
      "sparkr",    "spark_scala",          "spark_sql_query", "hive",  "impala", "cpython",
      "ksql",      "streaming_spark_scala"};
  return kTypes.count(t) > 0;
}

std::vector<Probe> RecipeCompiler::Probes(const CompileRequest& req) const {
  return Builder(d_, req).Probes();
}

std::vector<CompiledOutput> RecipeCompiler::Compile(const CompileRequest& req) const {
  return Builder(d_, req).Run();
}

}  // namespace dss::engine
