#pragma once
// Falco condition syntax: parsing into an expression tree. Macro and list names are kept as
// written; the compiler (rule_compiler.h) expands them and binds fields.
//
//   expr    := and ('or' and)*
//   and     := unary ('and' unary)*
//   unary   := 'not' unary | '(' expr ')' | check | MACRO
//   check   := FIELD ['[' ARG ']'] ( 'exists' | OP value )
//   value   := QUOTED | BARE | '(' [value (',' value)*] ')'
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace hostmind::rules {

struct Expr {
  enum class Kind { kAnd, kOr, kNot, kCheck, kMacro };
  Kind kind = Kind::kCheck;
  std::vector<std::unique_ptr<Expr>> children;  // and/or: 2+, not: 1
  // kCheck: field (with its [arg] if any), operator, values; kMacro: the name in `field`.
  std::string field;
  std::string field_arg;  // "2" in proc.aname[2]; "" when absent
  std::string op;         // "=", "in", "exists", ...
  std::vector<std::string> values;
  bool list_value = false;  // the value was written as a parenthesised list
  size_t pos = 0;           // byte offset in the condition, for error messages

  std::unique_ptr<Expr> Clone() const;
};

// Parses `text`. Errors say what was expected and where: "at 17: expected a value after 'in'".
Result<std::unique_ptr<Expr>> ParseCondition(const std::string& text);

// Falco's comparison operators; `exists` is the only unary one.
bool IsOperator(const std::string& word);

}  // namespace hostmind::rules
