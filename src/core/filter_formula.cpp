#include "core/filter_formula.h"

#include <cctype>
#include <vector>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::core {

namespace {

enum class Tok { kEnd, kNum, kStr, kIdent, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind;
  std::string text;
  size_t pos;
};

// A compiled sub-expression: SQL text plus what it is, so comparisons can render literals
// in the type of the column they meet.
struct Node {
  enum Kind { kColumn, kNumber, kString, kBool, kNull, kPredicate } kind;
  std::string sql;
  std::string type;  // DSS type for columns
  std::string raw;   // literal text for numbers/strings
};

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

std::string QuoteIdent(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

bool IsNumericType(const std::string& t) {
  return t == "tinyint" || t == "smallint" || t == "int" || t == "bigint" || t == "float" ||
         t == "double";
}

class Parser {
 public:
  Parser(const std::string& f, const std::map<std::string, std::string>& cols)
      : f_(f), cols_(cols) {
    Lex();
  }

  std::string Compile() {
    Node n = Or();
    if (Peek().kind != Tok::kEnd) Fail("unexpected '" + Peek().text + "'");
    return AsPredicate(n);
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw ApiError::BadRequest("Unsupported or invalid filter formula '" + f_ + "': " + what);
  }

  void Lex() {
    size_t i = 0;
    while (i < f_.size()) {
      char c = f_[i];
      if (isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      size_t start = i;
      bool after_value =
          !toks_.empty() && (toks_.back().kind == Tok::kNum || toks_.back().kind == Tok::kStr ||
                             toks_.back().kind == Tok::kIdent || toks_.back().kind == Tok::kRParen);
      if (c == '-' && !after_value && i + 1 < f_.size() &&
          (isdigit(static_cast<unsigned char>(f_[i + 1])) || f_[i + 1] == '.'))
        ++i;
      if (isdigit(static_cast<unsigned char>(f_[i])) ||
          (f_[i] == '.' && i + 1 < f_.size() && isdigit(static_cast<unsigned char>(f_[i + 1])))) {
        while (i < f_.size() && (isdigit(static_cast<unsigned char>(f_[i])) || f_[i] == '.' ||
                                 f_[i] == 'e' || f_[i] == 'E' ||
                                 ((f_[i] == '-' || f_[i] == '+') && i > start &&
                                  (f_[i - 1] == 'e' || f_[i - 1] == 'E'))))
          ++i;
        std::string num = f_.substr(start, i - start);
        try {
          size_t used = 0;
          std::stod(num, &used);
          if (used != num.size()) throw std::invalid_argument("x");
        } catch (...) {
          Fail("bad number '" + num + "'");
        }
        toks_.push_back({Tok::kNum, num, start});
        continue;
      }
      if (c == '"' || c == '\'') {
        std::string s;
        ++i;
        bool closed = false;
        while (i < f_.size()) {
          if (f_[i] == '\\' && i + 1 < f_.size()) {
            char e = f_[i + 1];
            s.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
            i += 2;
            continue;
          }
          if (f_[i] == c) {
            closed = true;
            ++i;
            break;
          }
          s.push_back(f_[i++]);
        }
        if (!closed) Fail("unterminated string");
        toks_.push_back({Tok::kStr, s, start});
        continue;
      }
      if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
        while (i < f_.size() && (isalnum(static_cast<unsigned char>(f_[i])) || f_[i] == '_')) ++i;
        toks_.push_back({Tok::kIdent, f_.substr(start, i - start), start});
        continue;
      }
      if (c == '(') {
        toks_.push_back({Tok::kLParen, "(", i++});
        continue;
      }
      if (c == ')') {
        toks_.push_back({Tok::kRParen, ")", i++});
        continue;
      }
      if (c == ',') {
        toks_.push_back({Tok::kComma, ",", i++});
        continue;
      }
      static const char* kOps[] = {"&&", "||", "==", "!=", "<>", "<=", ">=", "<", ">", "=", "!"};
      bool found = false;
      for (const char* op : kOps) {
        std::string o = op;
        if (f_.compare(i, o.size(), o) == 0) {
          toks_.push_back({Tok::kOp, o, i});
          i += o.size();
          found = true;
          break;
        }
      }
      if (!found) Fail(std::string("unsupported character '") + c + "'");
    }
    toks_.push_back({Tok::kEnd, "end of formula", f_.size()});
  }

  const Token& Peek() const { return toks_[pos_]; }
  Token Take() { return toks_[pos_++]; }
  bool TakeOp(const std::string& op) {
    if (Peek().kind == Tok::kOp && Peek().text == op) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool TakeWord(const std::string& w) {
    // Keyword form only when not followed by '(' (then it is the function form).
    if (Peek().kind == Tok::kIdent && Peek().text == w && toks_[pos_ + 1].kind != Tok::kLParen) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Expect(Tok k, const char* what) {
    if (Peek().kind != k) Fail(std::string("expected ") + what + " at '" + Peek().text + "'");
    ++pos_;
  }

  std::string AsPredicate(const Node& n) {
    switch (n.kind) {
      case Node::kPredicate:
        return n.sql;
      case Node::kBool:
        return n.sql;
      case Node::kColumn:
        if (n.type == "boolean") return "(" + n.sql + " = TRUE)";
        Fail("column " + n.sql + " is not a condition");
      default:
        Fail("'" + n.raw + "' is not a condition");
    }
  }

  Node Pred(std::string sql) { return Node{Node::kPredicate, std::move(sql), "", ""}; }

  Node Or() {
    Node l = And();
    while (TakeOp("||") || TakeWord("or")) {
      Node r = And();
      l = Pred("(" + AsPredicate(l) + " OR " + AsPredicate(r) + ")");
    }
    return l;
  }
  Node And() {
    Node l = Not();
    while (TakeOp("&&") || TakeWord("and")) {
      Node r = Not();
      l = Pred("(" + AsPredicate(l) + " AND " + AsPredicate(r) + ")");
    }
    return l;
  }
  Node Not() {
    if (TakeOp("!") || TakeWord("not")) return Pred("(NOT " + AsPredicate(Not()) + ")");
    return Cmp();
  }

  // Renders `n` for a comparison against `other` (literal typed after the column).
  std::string Operand(const Node& n, const Node& other) {
    if (n.kind == Node::kNumber && other.kind == Node::kColumn && !IsNumericType(other.type))
      return SqlString(n.raw);
    if (n.kind == Node::kString && other.kind == Node::kColumn && IsNumericType(other.type)) {
      try {
        size_t used = 0;
        std::stod(n.raw, &used);
        if (used == n.raw.size()) return n.raw;
      } catch (...) {
      }
      return SqlString(n.raw);
    }
    return n.sql;
  }

  Node Cmp() {
    Node l = Primary();
    static const char* kCmp[] = {"==", "=", "!=", "<>", "<=", ">=", "<", ">"};
    for (const char* op : kCmp) {
      if (TakeOp(op)) {
        Node r = Primary();
        std::string o = op;
        if (o == "==") o = "=";
        if (o == "!=") o = "<>";
        if (l.kind == Node::kNull || r.kind == Node::kNull) {
          const Node& x = l.kind == Node::kNull ? r : l;
          if (o == "=") return Pred("(" + x.sql + " IS NULL)");
          if (o == "<>") return Pred("(" + x.sql + " IS NOT NULL)");
          Fail("null can only be compared with == or !=");
        }
        if (l.kind == Node::kColumn && r.kind == Node::kColumn && l.type != r.type &&
            !(IsNumericType(l.type) && IsNumericType(r.type)))
          return Pred("(CAST(" + l.sql + " AS VARCHAR) " + o + " CAST(" + r.sql + " AS VARCHAR))");
        return Pred("(" + Operand(l, r) + " " + o + " " + Operand(r, l) + ")");
      }
    }
    return l;
  }

  std::vector<Node> Args() {
    Expect(Tok::kLParen, "'('");
    std::vector<Node> args;
    if (Peek().kind != Tok::kRParen) {
      args.push_back(Or());
      while (Peek().kind == Tok::kComma) {
        Take();
        args.push_back(Or());
      }
    }
    Expect(Tok::kRParen, "')'");
    return args;
  }

  Node Column(const std::string& name) {
    auto it = cols_.find(name);
    if (it == cols_.end()) Fail("unknown column '" + name + "'");
    return Node{Node::kColumn, QuoteIdent(name), it->second, name};
  }

  std::string Text(const Node& n) {
    if (n.kind == Node::kString) return SqlString(n.raw);
    if (n.kind == Node::kColumn) return "CAST(" + n.sql + " AS VARCHAR)";
    if (n.kind == Node::kNumber) return SqlString(n.raw);
    Fail("expected a text argument");
  }

  Node Primary() {
    Token t = Take();
    switch (t.kind) {
      case Tok::kNum:
        return Node{Node::kNumber, t.text, "", t.text};
      case Tok::kStr:
        return Node{Node::kString, SqlString(t.text), "", t.text};
      case Tok::kLParen: {
        Node n = Or();
        Expect(Tok::kRParen, "')'");
        return n;
      }
      case Tok::kOp:
        Fail("unexpected operator '" + t.text + "'");
      case Tok::kIdent: {
        const std::string& w = t.text;
        if (Peek().kind != Tok::kLParen) {
          if (w == "true" || w == "false") return Node{Node::kBool, ToUpper(w), "", w};
          if (w == "null") return Node{Node::kNull, "NULL", "", w};
          return Column(w);
        }
        std::vector<Node> a = Args();
        auto arity = [&](size_t n) {
          if (a.size() != n) Fail("function " + w + " takes " + std::to_string(n) + " argument(s)");
        };
        if (w == "val") {
          arity(1);
          if (a[0].kind != Node::kString) Fail("val() takes a column name string");
          return Column(a[0].raw);
        }
        if (w == "isBlank") {
          arity(1);
          return Pred("(" + a[0].sql + " IS NULL OR CAST(" + a[0].sql + " AS VARCHAR) = '')");
        }
        if (w == "isNonBlank" || w == "isNotBlank") {
          arity(1);
          return Pred("(" + a[0].sql + " IS NOT NULL AND CAST(" + a[0].sql + " AS VARCHAR) <> '')");
        }
        if (w == "isNull") {
          arity(1);
          return Pred("(" + a[0].sql + " IS NULL)");
        }
        if (w == "isNotNull") {
          arity(1);
          return Pred("(" + a[0].sql + " IS NOT NULL)");
        }
        if (w == "and" || w == "or") {
          if (a.empty()) Fail(w + "() needs arguments");
          std::string s = "(";
          for (size_t i = 0; i < a.size(); ++i) {
            if (i) s += w == "and" ? " AND " : " OR ";
            s += AsPredicate(a[i]);
          }
          return Pred(s + ")");
        }
        if (w == "not") {
          arity(1);
          return Pred("(NOT " + AsPredicate(a[0]) + ")");
        }
        if (w == "contains") {
          arity(2);
          return Pred("(strpos(" + Text(a[0]) + ", " + Text(a[1]) + ") > 0)");
        }
        if (w == "startsWith") {
          arity(2);
          return Pred("(" + Text(a[0]) + " LIKE " + LikePrefix(a[1], false) + ")");
        }
        if (w == "endsWith") {
          arity(2);
          return Pred("(" + Text(a[0]) + " LIKE " + LikePrefix(a[1], true) + ")");
        }
        Fail("unsupported function '" + w + "'");
      }
      default:
        break;
    }
    Fail("unexpected '" + t.text + "'");
  }

  std::string LikePrefix(const Node& n, bool suffix) {
    if (n.kind != Node::kString) Fail("startsWith/endsWith take a string literal");
    std::string esc;
    for (char c : n.raw) {
      if (c == '%' || c == '_' || c == '\\') esc.push_back('\\');
      esc.push_back(c);
    }
    return SqlString(suffix ? "%" + esc : esc + "%") + " ESCAPE '\\'";
  }

  const std::string& f_;
  const std::map<std::string, std::string>& cols_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

std::string CompileFilterFormula(const std::string& formula,
                                 const std::map<std::string, std::string>& column_types) {
  if (Trim(formula).empty()) throw ApiError::BadRequest("Empty filter formula");
  Parser p(formula, column_types);
  return p.Compile();
}

}  // namespace dss::core
