#include "detect/rules/condition.h"

#include <cctype>

namespace hostmind::rules {

namespace {

const char* const kOperators[] = {"=",        "==",         "!=",     "<",         "<=",      ">",
                                  ">=",       "contains",   "icontains", "bcontains", "startswith",
                                  "bstartswith", "endswith", "glob",   "iglob",     "in",      "intersects",
                                  "pmatch",   "exists",     "regex"};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Result<std::unique_ptr<Expr>> Parse() {
    auto e = ParseOr();
    if (!error_.ok()) return error_;
    SkipSpace();
    if (i_ < s_.size()) return Fail("unexpected '" + PeekWord() + "'");
    return e;
  }

 private:
  std::unique_ptr<Expr> ParseOr() { return ParseChain("or", Expr::Kind::kOr, &Parser::ParseAnd); }
  std::unique_ptr<Expr> ParseAnd() { return ParseChain("and", Expr::Kind::kAnd, &Parser::ParseUnary); }

  std::unique_ptr<Expr> ParseChain(const char* word, Expr::Kind kind, std::unique_ptr<Expr> (Parser::*next)()) {
    auto first = (this->*next)();
    if (!error_.ok()) return nullptr;
    std::unique_ptr<Expr> chain;
    while (AcceptKeyword(word)) {
      if (!chain) {
        chain = std::make_unique<Expr>();
        chain->kind = kind;
        chain->pos = first->pos;
        chain->children.push_back(std::move(first));
      }
      auto rhs = (this->*next)();
      if (!error_.ok()) return nullptr;
      chain->children.push_back(std::move(rhs));
    }
    return chain ? std::move(chain) : std::move(first);
  }

  std::unique_ptr<Expr> ParseUnary() {
    SkipSpace();
    size_t at = i_;
    if (AcceptKeyword("not")) {
      auto inner = ParseUnary();
      if (!error_.ok()) return nullptr;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kNot;
      e->pos = at;
      e->children.push_back(std::move(inner));
      return e;
    }
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      auto inner = ParseOr();
      if (!error_.ok()) return nullptr;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ')') return FailNull("expected ')'");
      ++i_;
      return inner;
    }
    std::string name = ReadIdentifier();
    if (name.empty()) return FailNull(i_ < s_.size() ? "expected a field or macro, got '" + PeekWord() + "'"
                                                     : "expected a field or macro, got the end of the condition");
    auto e = std::make_unique<Expr>();
    e->pos = at;
    e->field = name;
    if (i_ < s_.size() && s_[i_] == '[') {
      size_t close = s_.find(']', i_);
      if (close == std::string::npos) return FailNull("expected ']' after '" + name + "['");
      e->field_arg = s_.substr(i_ + 1, close - i_ - 1);
      i_ = close + 1;
    }
    SkipSpace();
    std::string op = PeekOperator();
    if (op.empty()) {
      if (!e->field_arg.empty()) return FailNull("expected an operator after '" + name + "[" + e->field_arg + "]'");
      e->kind = Expr::Kind::kMacro;
      return e;
    }
    i_ += op.size();
    e->kind = Expr::Kind::kCheck;
    e->op = op;
    if (op == "exists") return e;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '(') {
      e->list_value = true;
      ++i_;
      for (;;) {
        SkipSpace();
        if (i_ < s_.size() && s_[i_] == ')') {
          ++i_;
          break;
        }
        std::string v;
        if (!ReadValue(v, /*in_list=*/true)) return FailNull("expected a value or ')' in the list after '" + op + "'");
        e->values.push_back(std::move(v));
        SkipSpace();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
        else if (i_ >= s_.size() || s_[i_] != ')') return FailNull("expected ',' or ')' in the list after '" + op + "'");
      }
    } else {
      std::string v;
      if (!ReadValue(v, /*in_list=*/false)) return FailNull("expected a value after '" + op + "'");
      e->values.push_back(std::move(v));
    }
    return e;
  }

  // A quoted string ('...' or "..." with backslash escapes) or a bare word.
  bool ReadValue(std::string& out, bool in_list) {
    SkipSpace();
    if (i_ >= s_.size()) return false;
    char q = s_[i_];
    if (q == '"' || q == '\'') {
      ++i_;
      while (i_ < s_.size() && s_[i_] != q) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        out += s_[i_++];
      }
      if (i_ >= s_.size()) return false;
      ++i_;
      return true;
    }
    // Bare words end at whitespace, and in lists also at ',' and ')'. Outside lists a bare word
    // may hold parentheses only when balanced (e.g. "(deleted)" is written quoted in practice).
    size_t start = i_;
    while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_]))) {
      char c = s_[i_];
      if (c == ')' || (in_list && c == ',')) break;
      if (c == '(' && !in_list) break;
      ++i_;
    }
    out = s_.substr(start, i_ - start);
    return !out.empty();
  }

  std::string ReadIdentifier() {
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.' ||
                              s_[i_] == '-'))
      ++i_;
    return s_.substr(start, i_ - start);
  }

  std::string PeekOperator() const {
    for (const char* sym : {"==", "!=", "<=", ">=", "=", "<", ">"})
      if (s_.compare(i_, std::char_traits<char>::length(sym), sym) == 0) return sym;
    std::string w = PeekWord();
    for (const char* op : kOperators)
      if (w == op && std::isalpha(static_cast<unsigned char>(op[0]))) return w;
    return "";
  }

  std::string PeekWord() const {
    size_t j = i_;
    while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || s_[j] == '.')) ++j;
    if (j == i_) return s_.substr(i_, 1);
    return s_.substr(i_, j - i_);
  }

  bool AcceptKeyword(const char* word) {
    SkipSpace();
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) != 0) return false;
    if (i_ + n < s_.size()) {
      char next = s_[i_ + n];
      if (std::isalnum(static_cast<unsigned char>(next)) || next == '_' || next == '.') return false;
    }
    i_ += n;
    return true;
  }

  void SkipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  Status Fail(const std::string& what) {
    if (error_.ok()) error_ = Status::InvalidArgument("at " + std::to_string(i_) + ": " + what);
    return error_;
  }
  std::unique_ptr<Expr> FailNull(const std::string& what) {
    (void)Fail(what);
    return nullptr;
  }

  const std::string& s_;
  size_t i_ = 0;
  Status error_;
};

}  // namespace

std::unique_ptr<Expr> Expr::Clone() const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->field = field;
  e->field_arg = field_arg;
  e->op = op;
  e->values = values;
  e->list_value = list_value;
  e->pos = pos;
  for (const auto& c : children) e->children.push_back(c->Clone());
  return e;
}

Result<std::unique_ptr<Expr>> ParseCondition(const std::string& text) { return Parser(text).Parse(); }

bool IsOperator(const std::string& word) {
  for (const char* op : kOperators)
    if (word == op) return true;
  return false;
}

}  // namespace hostmind::rules
