#include "engine/recipes/formula_compiler.h"

#include <cctype>
#include <functional>
#include <map>
#include <vector>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::engine {

namespace {

enum class Tok { kEnd, kNum, kStr, kIdent, kOp, kLParen, kRParen, kComma, kDot };

struct Token {
  Tok kind;
  std::string text;
  size_t pos;
};

[[noreturn]] void Fail(const std::string& formula, const std::string& msg) {
  throw ApiError(ErrorCode::kInvalidRecipe, "Invalid formula \"" + formula + "\": " + msg);
}

std::vector<Token> Lex(const std::string& f) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < f.size()) {
    char c = f[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < f.size() && std::isdigit(static_cast<unsigned char>(f[i + 1])))) {
      while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) || f[i] == '.')) ++i;
      if (i < f.size() && (f[i] == 'e' || f[i] == 'E')) {
        ++i;
        if (i < f.size() && (f[i] == '+' || f[i] == '-')) ++i;
        while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) ++i;
      }
      out.push_back({Tok::kNum, f.substr(start, i - start), start});
    } else if (c == '"' || c == '\'') {
      std::string s;
      ++i;
      bool closed = false;
      while (i < f.size()) {
        if (f[i] == '\\' && i + 1 < f.size()) {
          char e = f[i + 1];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          i += 2;
        } else if (f[i] == c) {
          closed = true;
          ++i;
          break;
        } else {
          s += f[i++];
        }
      }
      if (!closed) Fail(f, "unterminated string at position " + std::to_string(start));
      out.push_back({Tok::kStr, s, start});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < f.size() && (std::isalnum(static_cast<unsigned char>(f[i])) || f[i] == '_')) ++i;
      out.push_back({Tok::kIdent, f.substr(start, i - start), start});
    } else if (c == '(') {
      out.push_back({Tok::kLParen, "(", i++});
    } else if (c == ')') {
      out.push_back({Tok::kRParen, ")", i++});
    } else if (c == ',') {
      out.push_back({Tok::kComma, ",", i++});
    } else if (c == '.') {
      out.push_back({Tok::kDot, ".", i++});
    } else {
      static const char* kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
      std::string two = f.substr(i, 2);
      bool matched = false;
      for (auto* t : kTwo)
        if (two == t) {
          out.push_back({Tok::kOp, two, i});
          i += 2;
          matched = true;
          break;
        }
      if (matched) continue;
      if (std::string_view("+-*/%<>=!").find(c) != std::string_view::npos) {
        out.push_back({Tok::kOp, std::string(1, c), i++});
      } else {
        Fail(f, std::string("unexpected character '") + c + "' at position " + std::to_string(i));
      }
    }
  }
  out.push_back({Tok::kEnd, "", f.size()});
  return out;
}

class Parser {
 public:
  Parser(const std::string& f, const SqlDialect& d, const std::vector<Column>& cols)
      : f_(f), d_(d), cols_(cols), toks_(Lex(f)) {}

  TypedSql Run() {
    TypedSql e = Or();
    if (Peek().kind != Tok::kEnd)
      Fail(f_, "unexpected '" + Peek().text + "' at position " + std::to_string(Peek().pos));
    return e;
  }

 private:
  const Token& Peek() const { return toks_[i_]; }
  Token Next() { return toks_[i_++]; }
  bool IsOp(const char* op) const { return Peek().kind == Tok::kOp && Peek().text == op; }
  void Expect(Tok k, const char* what) {
    if (Peek().kind != k)
      Fail(f_, std::string("expected ") + what + " at position " + std::to_string(Peek().pos));
    ++i_;
  }

  std::string Num(const TypedSql& e) const {
    if (IsNumeric(e.type)) return e.sql;
    if (e.type == "boolean") return "CAST(" + e.sql + " AS INTEGER)";
    if (e.type == "null") return "CAST(NULL AS " + d_.SqlType("double") + ")";
    return d_.TryCast(e.sql, "double");
  }
  std::string Bool(const TypedSql& e) const {
    if (e.type == "boolean") return e.sql;
    if (e.type == "null") return "CAST(NULL AS BOOLEAN)";
    if (IsNumeric(e.type)) return "(" + e.sql + " <> 0)";
    return d_.TryCast(e.sql, "boolean");
  }
  std::string Text(const TypedSql& e) const {
    if (e.type == "string") return e.sql;
    return d_.ToText(e.sql);
  }
  static std::string NumType(const TypedSql& a, const TypedSql& b) {
    return IsIntegral(a.type) && IsIntegral(b.type) ? "bigint" : "double";
  }

  TypedSql Or() {
    TypedSql l = And();
    while (IsOp("||")) {
      ++i_;
      TypedSql r = And();
      l = {"(" + Bool(l) + " OR " + Bool(r) + ")", "boolean"};
    }
    return l;
  }
  TypedSql And() {
    TypedSql l = Not();
    while (IsOp("&&")) {
      ++i_;
      TypedSql r = Not();
      l = {"(" + Bool(l) + " AND " + Bool(r) + ")", "boolean"};
    }
    return l;
  }
  TypedSql Not() {
    if (IsOp("!")) {
      ++i_;
      TypedSql e = Not();
      return {"(NOT " + Bool(e) + ")", "boolean"};
    }
    return Cmp();
  }
  TypedSql Cmp() {
    TypedSql l = Add();
    static const std::map<std::string, std::string> kOps = {
        {"==", "="}, {"=", "="}, {"!=", "<>"}, {"<", "<"}, {">", ">"}, {"<=", "<="}, {">=", ">="}};
    if (Peek().kind == Tok::kOp && kOps.count(Peek().text)) {
      std::string op = kOps.at(Next().text);
      TypedSql r = Add();
      return {"(" + Comparable(l, r, true) + " " + op + " " + Comparable(r, l, false) + ")",
              "boolean"};
    }
    return l;
  }
  // Brings both sides of a comparison to one type: numbers compare as numbers, dates as
  // dates, everything else as text.
  std::string Comparable(const TypedSql& a, const TypedSql& other, bool) const {
    if (IsNumeric(a.type) || IsNumeric(other.type)) return Num(a);
    if (a.type == "boolean" && other.type == "boolean") return a.sql;
    if (IsTemporal(a.type) && IsTemporal(other.type)) return a.sql;
    if (a.type == "null") return a.sql;
    return Text(a);
  }
  TypedSql Add() {
    TypedSql l = Mul();
    while (IsOp("+") || IsOp("-")) {
      std::string op = Next().text;
      TypedSql r = Mul();
      if (op == "+" && (l.type == "string" || r.type == "string")) {
        l = {"concat(" + Text(l) + ", " + Text(r) + ")", "string"};
      } else {
        l = {"(" + Num(l) + " " + op + " " + Num(r) + ")", NumType(l, r)};
      }
    }
    return l;
  }
  TypedSql Mul() {
    TypedSql l = Unary();
    while (IsOp("*") || IsOp("/") || IsOp("%")) {
      std::string op = Next().text;
      TypedSql r = Unary();
      if (op == "*") {
        l = {"(" + Num(l) + " * " + Num(r) + ")", NumType(l, r)};
      } else if (op == "/") {
        // Always a real division (PostgreSQL divides integers otherwise), NULL on zero.
        l = {"(" + d_.Cast(Num(l), "double") + " / NULLIF(" + d_.Cast(Num(r), "double") + ", 0))",
             "double"};
      } else if (NumType(l, r) == "bigint") {
        l = {"(" + Num(l) + " % NULLIF(" + Num(r) + ", 0))", "bigint"};
      } else {
        l = {d_.Mod(Num(l), "NULLIF(" + Num(r) + ", 0)"), "double"};
      }
    }
    return l;
  }
  TypedSql Unary() {
    if (IsOp("-")) {
      ++i_;
      TypedSql e = Unary();
      return {"(-" + Num(e) + ")", IsIntegral(e.type) ? "bigint" : "double"};
    }
    if (IsOp("+")) {
      ++i_;
      return Unary();
    }
    return Postfix();
  }
  TypedSql Postfix() {
    TypedSql e = Primary();
    while (Peek().kind == Tok::kDot) {
      ++i_;
      if (Peek().kind != Tok::kIdent) Fail(f_, "expected a method name after '.'");
      std::string name = Next().text;
      std::vector<TypedSql> args{e};
      Expect(Tok::kLParen, "'('");
      Args(args);
      e = Call(name, args);
    }
    return e;
  }
  void Args(std::vector<TypedSql>& args) {
    if (Peek().kind == Tok::kRParen) {
      ++i_;
      return;
    }
    while (true) {
      args.push_back(Or());
      if (Peek().kind == Tok::kComma) {
        ++i_;
        continue;
      }
      Expect(Tok::kRParen, "')'");
      return;
    }
  }
  TypedSql ColumnRef(const std::string& name) const {
    for (const auto& c : cols_)
      if (c.name == name) {
        std::string t = c.type;
        if (t == "int" || t == "tinyint" || t == "smallint") t = "bigint";
        if (t == "float") t = "double";
        return {d_.Ident(name), t};
      }
    Fail(f_, "unknown column '" + name + "'");
  }
  TypedSql Primary() {
    Token t = Next();
    switch (t.kind) {
      case Tok::kNum:
        return {d_.Num(t.text),
                t.text.find_first_of(".eE") == std::string::npos ? "bigint" : "double"};
      case Tok::kStr:
        return {d_.Str(t.text), "string"};
      case Tok::kLParen: {
        TypedSql e = Or();
        Expect(Tok::kRParen, "')'");
        return e;
      }
      case Tok::kIdent: {
        if (Peek().kind == Tok::kLParen) {
          ++i_;
          std::vector<TypedSql> args;
          // val("col"), strval("col"), numval("col") take a column *name* literal.
          std::string lname = ToLower(t.text);
          if ((lname == "val" || lname == "strval" || lname == "numval") &&
              Peek().kind == Tok::kStr) {
            std::string col = Next().text;
            Expect(Tok::kRParen, "')'");
            TypedSql c = ColumnRef(col);
            if (lname == "strval") return {Text(c), "string"};
            if (lname == "numval") return {Num(c), IsNumeric(c.type) ? c.type : "double"};
            return c;
          }
          Args(args);
          return Call(t.text, args);
        }
        if (t.text == "true") return {"TRUE", "boolean"};
        if (t.text == "false") return {"FALSE", "boolean"};
        if (t.text == "null") return {"NULL", "null"};
        return ColumnRef(t.text);
      }
      default:
        Fail(f_, "unexpected '" + t.text + "' at position " + std::to_string(t.pos));
    }
  }

  void Arity(const std::string& name, const std::vector<TypedSql>& a, size_t lo, size_t hi) {
    if (a.size() < lo || a.size() > hi)
      Fail(f_, "function " + name + "() takes " + std::to_string(lo) +
                   (hi != lo ? ".." + std::to_string(hi) : "") + " arguments, got " +
                   std::to_string(a.size()));
  }
  std::string Unify(const TypedSql& a, const TypedSql& b) const {
    if (a.type == b.type) return a.type;
    if (a.type == "null") return b.type;
    if (b.type == "null") return a.type;
    if (IsNumeric(a.type) && IsNumeric(b.type)) return "double";
    return "string";
  }
  std::string As(const TypedSql& e, const std::string& type) const {
    if (e.type == type) return e.sql;
    if (type == "string") return Text(e);
    if (IsNumeric(type)) return d_.Cast(Num(e), type);
    if (e.type == "null") return "CAST(NULL AS " + d_.SqlType(type) + ")";
    return d_.Cast(e.sql, type);
  }
  std::string StrLit(const TypedSql& e, const std::string& fn) const {
    if (e.type != "string" || e.sql.empty() || e.sql[0] != '\'')
      Fail(f_, "function " + fn + "() needs a literal text argument");
    std::string s = e.sql.substr(1, e.sql.size() - 2);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      out += s[i];
      if (s[i] == '\'') ++i;
    }
    return out;
  }

  TypedSql Call(const std::string& fname, std::vector<TypedSql>& a) {
    std::string n = ToLower(fname);
    if (n == "if") {
      Arity(fname, a, 2, 3);
      if (a.size() == 2) a.push_back({"NULL", "null"});
      std::string t = Unify(a[1], a[2]);
      if (t == "null") t = "string";
      return {
          "(CASE WHEN " + Bool(a[0]) + " THEN " + As(a[1], t) + " ELSE " + As(a[2], t) + " END)",
          t};
    }
    if (n == "and" || n == "or") {
      if (a.empty()) Fail(f_, "function " + fname + "() needs arguments");
      std::string s;
      for (auto& x : a) s += (s.empty() ? "" : (n == "and" ? " AND " : " OR ")) + Bool(x);
      return {"(" + s + ")", "boolean"};
    }
    if (n == "not") {
      Arity(fname, a, 1, 1);
      return {"(NOT " + Bool(a[0]) + ")", "boolean"};
    }
    if (n == "isblank" || n == "isempty") {
      Arity(fname, a, 1, 1);
      return {"(" + a[0].sql + " IS NULL OR " + Text(a[0]) + " = '')", "boolean"};
    }
    if (n == "isnotblank" || n == "isnonblank" || n == "isnotempty") {
      Arity(fname, a, 1, 1);
      return {"(" + a[0].sql + " IS NOT NULL AND " + Text(a[0]) + " <> '')", "boolean"};
    }
    if (n == "isnull") {
      Arity(fname, a, 1, 1);
      return {"(" + a[0].sql + " IS NULL)", "boolean"};
    }
    if (n == "isnotnull") {
      Arity(fname, a, 1, 1);
      return {"(" + a[0].sql + " IS NOT NULL)", "boolean"};
    }
    if (n == "coalesce") {
      if (a.empty()) Fail(f_, "function coalesce() needs arguments");
      std::string t = a[0].type;
      for (auto& x : a) t = Unify({"", t}, x);
      std::string s;
      for (auto& x : a) s += (s.empty() ? "" : ", ") + As(x, t);
      return {"coalesce(" + s + ")", t};
    }
    if (n == "length" || n == "len") {
      Arity(fname, a, 1, 1);
      return {"CAST(length(" + Text(a[0]) + ") AS BIGINT)", "bigint"};
    }
    if (n == "tolowercase" || n == "lower") {
      Arity(fname, a, 1, 1);
      return {"lower(" + Text(a[0]) + ")", "string"};
    }
    if (n == "touppercase" || n == "upper") {
      Arity(fname, a, 1, 1);
      return {"upper(" + Text(a[0]) + ")", "string"};
    }
    if (n == "trim" || n == "strip") {
      Arity(fname, a, 1, 1);
      return {"trim(" + Text(a[0]) + ")", "string"};
    }
    if (n == "substring" || n == "substr") {
      // 0-based [from, to) as in DSS formulas.
      Arity(fname, a, 2, 3);
      std::string from = "(" + As(a[1], "bigint") + " + 1)";
      if (a.size() == 2) return {"substr(" + Text(a[0]) + ", " + from + ")", "string"};
      return {"substr(" + Text(a[0]) + ", " + from + ", greatest(" + As(a[2], "bigint") + " - " +
                  As(a[1], "bigint") + ", 0))",
              "string"};
    }
    if (n == "startswith") {
      Arity(fname, a, 2, 2);
      return {"starts_with(" + Text(a[0]) + ", " + Text(a[1]) + ")", "boolean"};
    }
    if (n == "endswith") {
      Arity(fname, a, 2, 2);
      return {d_.EndsWith(Text(a[0]), Text(a[1])), "boolean"};
    }
    if (n == "contains") {
      Arity(fname, a, 2, 2);
      return {"(strpos(" + Text(a[0]) + ", " + Text(a[1]) + ") > 0)", "boolean"};
    }
    if (n == "indexof") {
      Arity(fname, a, 2, 2);
      return {"(CAST(strpos(" + Text(a[0]) + ", " + Text(a[1]) + ") AS BIGINT) - 1)", "bigint"};
    }
    if (n == "replace") {
      Arity(fname, a, 3, 3);
      return {"replace(" + Text(a[0]) + ", " + Text(a[1]) + ", " + Text(a[2]) + ")", "string"};
    }
    if (n == "concat") {
      if (a.empty()) return {"''", "string"};
      std::string s;
      for (auto& x : a) s += (s.empty() ? "" : ", ") + Text(x);
      return {"concat(" + s + ")", "string"};
    }
    if (n == "tostring") {
      Arity(fname, a, 1, 1);
      return {Text(a[0]), "string"};
    }
    if (n == "tonumber" || n == "numval" || n == "parsenumber") {
      Arity(fname, a, 1, 1);
      return {Num(a[0]), IsNumeric(a[0].type) ? a[0].type : "double"};
    }
    if (n == "strval") {
      Arity(fname, a, 1, 1);
      return {Text(a[0]), "string"};
    }
    if (n == "round" || n == "floor" || n == "ceil") {
      Arity(fname, a, 1, 1);
      if (IsIntegral(a[0].type)) return a[0];
      return {"CAST(" + n + "(" + Num(a[0]) + ") AS BIGINT)", "bigint"};
    }
    if (n == "abs") {
      Arity(fname, a, 1, 1);
      return {"abs(" + Num(a[0]) + ")", IsIntegral(a[0].type) ? "bigint" : "double"};
    }
    if (n == "sqrt" || n == "exp" || n == "log" || n == "ln" || n == "log10") {
      Arity(fname, a, 1, 1);
      std::string f = n == "log" ? "ln" : n;
      return {f + "(" + d_.Cast(Num(a[0]), "double") + ")", "double"};
    }
    if (n == "pow") {
      Arity(fname, a, 2, 2);
      return {"power(" + d_.Cast(Num(a[0]), "double") + ", " + d_.Cast(Num(a[1]), "double") + ")",
              "double"};
    }
    if (n == "min" || n == "max") {
      if (a.size() < 2) Fail(f_, "function " + fname + "() needs at least two arguments");
      std::string t = "bigint";
      for (auto& x : a) t = IsIntegral(x.type) && t == "bigint" ? "bigint" : "double";
      std::string s;
      for (auto& x : a) s += (s.empty() ? "" : ", ") + As(x, t);
      return {std::string(n == "min" ? "least" : "greatest") + "(" + s + ")", t};
    }
    if (n == "now") {
      Arity(fname, a, 0, 0);
      return {d_.Now(), "date"};
    }
    if (n == "datepart") {
      Arity(fname, a, 2, 2);
      return {d_.DatePart(a[0].sql, StrLit(a[1], fname)), "bigint"};
    }
    if (n == "inc") {
      Arity(fname, a, 3, 3);
      return {d_.DateAdd(a[0].sql, As(a[1], "bigint"), StrLit(a[2], fname)), "date"};
    }
    if (n == "diff") {
      Arity(fname, a, 3, 3);
      return {d_.DateDiff(a[0].sql, a[1].sql, StrLit(a[2], fname)), "double"};
    }
    if (n == "asdate" || n == "parsedate") {
      Arity(fname, a, 2, 2);
      return {d_.ParseDate(Text(a[0]), StrLit(a[1], fname)), "date"};
    }
    if (n == "formatdate") {
      Arity(fname, a, 2, 2);
      return {d_.FormatDate(a[0].sql, StrLit(a[1], fname)), "string"};
    }
    Fail(f_, "unsupported function " + fname + "()");
  }

  const std::string& f_;
  const SqlDialect& d_;
  const std::vector<Column>& cols_;
  std::vector<Token> toks_;
  size_t i_ = 0;
};

}  // namespace

TypedSql FormulaCompiler::Compile(const std::string& formula) const {
  if (Trim(formula).empty())
    throw ApiError(ErrorCode::kInvalidRecipe, "Invalid formula: the expression is empty");
  return Parser(formula, d_, columns_).Run();
}

}  // namespace dss::engine
