#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "detect/rules/compiled_rule.h"
#include "detect/rules/condition.h"

namespace hostmind::rules {

namespace {

constexpr int kMaxMacroDepth = 32;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ParseOp(const std::string& op, Op& out) {
  static const std::pair<const char*, Op> kOps[] = {
      {"=", Op::kEq},          {"==", Op::kEq},         {"!=", Op::kNe},        {"<", Op::kLt},
      {"<=", Op::kLe},         {">", Op::kGt},          {">=", Op::kGe},        {"contains", Op::kContains},
      {"icontains", Op::kIContains}, {"startswith", Op::kStartsWith}, {"endswith", Op::kEndsWith},
      {"glob", Op::kGlob},     {"iglob", Op::kIGlob},   {"in", Op::kIn},        {"intersects", Op::kIn},
      {"pmatch", Op::kPmatch}, {"exists", Op::kExists}};
  for (auto [name, op_value] : kOps)
    if (op == name) {
      out = op_value;
      return true;
    }
  return false;
}

std::string Quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Exceptions as condition text: (f1 c1 v1 and f2 c2 v2) or (...), one group per value tuple.
std::string ExceptionsCondition(const std::vector<RuleException>& exceptions) {
  std::string out;
  auto value_text = [](const std::string& comp, const std::string& v) {
    if (!v.empty() && v.front() == '(') return v;
    if (comp == "in" || comp == "pmatch" || comp == "intersects") return "(" + v + ")";
    return Quote(v);
  };
  for (const auto& ex : exceptions) {
    if (ex.values.empty()) continue;
    std::string group;
    if (ex.single_field) {
      std::string list;
      for (const auto& tuple : ex.values)
        for (const auto& v : tuple) list += (list.empty() ? "" : ", ") + (v.front() == '(' ? v.substr(1, v.size() - 2) : v);
      group = ex.fields[0] + " " + ex.comps[0] + " (" + list + ")";
    } else {
      for (const auto& tuple : ex.values) {
        std::string conj;
        for (size_t i = 0; i < ex.fields.size(); ++i)
          conj += (i ? " and " : "") + ex.fields[i] + " " + ex.comps[i] + " " + value_text(ex.comps[i], tuple[i]);
        group += (group.empty() ? "(" : " or (") + conj + ")";
      }
    }
    out += (out.empty() ? "(" : " or (") + group + ")";
  }
  return out;
}

}  // namespace

struct RuleCompiler::Context {
  const RuleDef* rule = nullptr;
  std::string via;           // "macro 'x'" while inside a macro
  SourcePos pos;             // of the text being compiled
  std::string skip_reason;   // first unsupported feature met
  Status error;
};

void RuleCompiler::ExpandValue(const std::string& v, std::vector<std::string>& out, int depth) const {
  auto it = set_.lists().find(v);
  if (it == set_.lists().end() || depth > kMaxMacroDepth) {
    // List items are condition text: '"(systemd)"' in YAML is the quoted value (systemd).
    bool quoted = v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front();
    out.push_back(depth > 0 && quoted ? v.substr(1, v.size() - 2) : v);
    return;
  }
  for (const auto& item : it->second) ExpandValue(item, out, depth + 1);
}

std::unique_ptr<Node> RuleCompiler::BuildCheck(const Expr& e, Context& ctx) {
  auto skip = [&](const std::string& why) -> std::unique_ptr<Node> {
    if (ctx.skip_reason.empty()) ctx.skip_reason = why + (ctx.via.empty() ? "" : " (via " + ctx.via + ")");
    return nullptr;
  };
  auto fail = [&](const std::string& why) -> std::unique_ptr<Node> {
    if (ctx.error.ok())
      ctx.error = Status::InvalidArgument(ctx.pos.ToString() + ": rule '" + ctx.rule->name + "'" +
                                          (ctx.via.empty() ? "" : " in " + ctx.via) + ": " + why);
    return nullptr;
  };
  const FieldSpec* field = LookupField(e.field);
  if (!field) return skip("field '" + e.field + "' is not available");
  Op op;
  if (!ParseOp(e.op, op)) return skip("operator '" + e.op + "' is not supported");
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kCheck;
  n->field = field;
  n->op = op;
  if (field->indexed) {
    n->index = -1;
    if (!e.field_arg.empty()) {
      char* end = nullptr;
      long idx = std::strtol(e.field_arg.c_str(), &end, 10);
      if (*end != '\0' || idx < 0 || idx > 64) return fail("bad index [" + e.field_arg + "] for " + e.field);
      n->index = static_cast<int>(idx);
    }
  } else if (!e.field_arg.empty()) {
    return skip("field '" + e.field + "[" + e.field_arg + "]' is not available");
  }
  if (op == Op::kExists) return n;
  std::vector<std::string> values;
  for (const auto& v : e.values) {
    if (e.list_value) ExpandValue(v, values, 0);
    else values.push_back(v);
  }
  bool multi = op == Op::kIn || op == Op::kPmatch;
  if (!multi && values.size() != 1) return fail("operator '" + e.op + "' takes one value");
  if (field->type == FieldType::kString) {
    if (op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe)
      return fail("operator '" + e.op + "' needs a numeric field, " + e.field + " is a string");
    for (auto& v : values) n->strs.push_back(op == Op::kIContains || op == Op::kIGlob ? Lower(v) : v);
    if (op == Op::kIn) n->str_set.insert(n->strs.begin(), n->strs.end());
    return n;
  }
  if (op != Op::kEq && op != Op::kNe && op != Op::kIn && !(field->type == FieldType::kNumber && op <= Op::kGe))
    return fail("operator '" + e.op + "' does not apply to " + e.field);
  for (const auto& v : values) {
    if (field->type == FieldType::kBool) {
      if (v != "true" && v != "false") return fail("value '" + v + "' is not true or false for " + e.field);
      n->nums.push_back(v == "true");
      continue;
    }
    char* end = nullptr;
    long long x = std::strtoll(v.c_str(), &end, 0);
    if (v.empty() || *end != '\0') return fail("value '" + v + "' is not a number for " + e.field);
    n->nums.push_back(x);
  }
  return n;
}

std::unique_ptr<Node> RuleCompiler::Build(const Expr& e, Context& ctx, int depth) {
  if (e.kind == Expr::Kind::kCheck) return BuildCheck(e, ctx);
  if (e.kind == Expr::Kind::kMacro) {
    auto it = set_.macros().find(e.field);
    if (it == set_.macros().end()) {
      if (ctx.error.ok())
        ctx.error = Status::InvalidArgument(ctx.pos.ToString() + ": rule '" + ctx.rule->name + "': undefined macro '" +
                                            e.field + "' at " + std::to_string(e.pos));
      return nullptr;
    }
    if (depth > kMaxMacroDepth) {
      ctx.error = Status::InvalidArgument(it->second.pos.ToString() + ": macro '" + e.field + "' expands into itself");
      return nullptr;
    }
    auto parsed = ParseCondition(it->second.condition);
    if (!parsed.ok()) {
      if (ctx.error.ok())
        ctx.error = Status::InvalidArgument(it->second.pos.ToString() + ": macro '" + e.field + "': condition " +
                                            parsed.status().message());
      return nullptr;
    }
    Context inner = ctx;
    inner.via = "macro '" + e.field + "'";
    inner.pos = it->second.pos;
    auto n = Build(**parsed, inner, depth + 1);
    if (ctx.skip_reason.empty()) ctx.skip_reason = inner.skip_reason;
    if (ctx.error.ok()) ctx.error = inner.error;
    return n;
  }
  auto n = std::make_unique<Node>();
  n->kind = e.kind == Expr::Kind::kAnd ? Node::Kind::kAnd : e.kind == Expr::Kind::kOr ? Node::Kind::kOr : Node::Kind::kNot;
  for (const auto& c : e.children) {
    auto child = Build(*c, ctx, depth);
    if (!child) return nullptr;
    n->children.push_back(std::move(child));
  }
  return n;
}

CompileOutcome RuleCompiler::Compile(const RuleDef& rule) {
  CompileOutcome out;
  Context ctx;
  ctx.rule = &rule;
  ctx.pos = rule.condition_pos;
  auto parsed = ParseCondition(rule.condition);
  if (!parsed.ok()) {
    out.error = Status::InvalidArgument(rule.condition_pos.ToString() + ": rule '" + rule.name + "': condition " +
                                        parsed.status().message());
    return out;
  }
  auto root = Build(**parsed, ctx, 0);
  std::string exceptions = ExceptionsCondition(rule.exceptions);
  if (root && !exceptions.empty()) {
    auto exc = ParseCondition(exceptions);
    if (!exc.ok()) {
      out.error = Status::InvalidArgument(rule.pos.ToString() + ": rule '" + rule.name + "': exceptions " +
                                          exc.status().message() + " in: " + exceptions);
      return out;
    }
    ctx.via = "exceptions";
    auto exc_node = Build(**exc, ctx, 0);
    if (exc_node) {
      auto negated = std::make_unique<Node>();
      negated->kind = Node::Kind::kNot;
      negated->children.push_back(std::move(exc_node));
      auto both = std::make_unique<Node>();
      both->kind = Node::Kind::kAnd;
      both->children.push_back(std::move(root));
      both->children.push_back(std::move(negated));
      root = std::move(both);
    } else {
      root = nullptr;
    }
  }
  out.error = ctx.error;
  if (!out.error.ok()) return out;
  if (!ctx.skip_reason.empty()) {
    out.skip_reason = ctx.skip_reason;
    return out;
  }
  out.root = std::move(root);
  return out;
}

std::vector<OutputPart> ParseOutput(const std::string& format) {
  std::vector<OutputPart> parts;
  std::string literal;
  for (size_t i = 0; i < format.size();) {
    if (format[i] != '%' || i + 1 >= format.size() || !std::isalpha(static_cast<unsigned char>(format[i + 1]))) {
      literal += format[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < format.size() && (std::isalnum(static_cast<unsigned char>(format[j])) || format[j] == '_' || format[j] == '.')) ++j;
    std::string name = format.substr(i + 1, j - i - 1);
    while (!name.empty() && name.back() == '.') name.pop_back(), --j;
    int index = 0;
    if (j < format.size() && format[j] == '[') {
      size_t close = format.find(']', j);
      if (close != std::string::npos) {
        index = std::atoi(format.substr(j + 1, close - j - 1).c_str());
        j = close + 1;
      }
    }
    OutputPart p;
    p.literal = std::move(literal);
    literal.clear();
    p.field = LookupField(name);
    if (!p.field) p.literal += "<NA>";
    p.index = index;
    parts.push_back(std::move(p));
    i = j;
  }
  if (!literal.empty()) parts.push_back(OutputPart{literal, nullptr, 0});
  return parts;
}

}  // namespace hostmind::rules
