#pragma once
// Internal to the rule engine: a condition compiled into a tree of bound checks, and a rule's
// compiled output format. rule_compiler.cc builds them, rule_engine.cc runs them.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/finding.h"
#include "detect/rules/fields.h"
#include "detect/rules/rule_set.h"

namespace hostmind::rules {

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kContains, kIContains, kStartsWith, kEndsWith, kGlob, kIGlob, kIn, kPmatch, kExists };

// Three-valued truth for deciding which event types a condition can match.
enum class Tri { kFalse, kTrue, kUnknown };

struct Node {
  enum class Kind { kAnd, kOr, kNot, kCheck };
  Kind kind = Kind::kCheck;
  std::vector<std::unique_ptr<Node>> children;
  const FieldSpec* field = nullptr;
  int index = 0;  // for indexed fields; -1 = any ancestor
  Op op = Op::kEq;
  std::vector<std::string> strs;  // lower-cased for icontains/iglob
  std::vector<int64_t> nums;
  std::unordered_set<std::string> str_set;  // for `in`

  bool Eval(const EventView& view) const;
  // The truth for an event of this type when only its type is known.
  Tri Partial(const EventView& typed_view) const;

 private:
  bool Test(const FieldValue& v) const;
};

struct OutputPart {
  std::string literal;
  const FieldSpec* field = nullptr;  // null: literal only
  int index = 0;
};

struct CompiledRule {
  RuleDef def;
  Severity severity = Severity::kWarning;
  std::unique_ptr<Node> root;
  std::vector<OutputPart> output;
  std::vector<std::pair<const FieldSpec*, int>> fields;  // distinct fields of the condition
};

// The outcome of compiling one rule: a tree, or a reason to skip it, or an error.
struct CompileOutcome {
  std::unique_ptr<Node> root;
  std::string skip_reason;
  Status error;
};

class RuleCompiler {
 public:
  explicit RuleCompiler(const RuleSet& set) : set_(set) {}
  CompileOutcome Compile(const RuleDef& rule);

 private:
  struct Context;
  std::unique_ptr<Node> Build(const struct Expr& e, Context& ctx, int depth);
  std::unique_ptr<Node> BuildCheck(const struct Expr& e, Context& ctx);
  void ExpandValue(const std::string& v, std::vector<std::string>& out, int depth) const;

  const RuleSet& set_;
};

std::vector<OutputPart> ParseOutput(const std::string& format);

}  // namespace hostmind::rules
