#include "detect/rules/rule_engine.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "detect/rules/compiled_rule.h"

namespace hostmind::rules {

namespace {

constexpr int kMaxAncestors = 16;

bool IContains(const std::string& haystack, const std::string& lower_needle) {
  auto it = std::search(haystack.begin(), haystack.end(), lower_needle.begin(), lower_needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

bool PathMatch(const std::string& path, const std::string& prefix) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

// Fields of the process or user (known only from the process table), as opposed to fields of
// the event (evt.*, fd.*), whose presence depends on the event type.
bool IsProcessField(const FieldSpec& f) {
  if (std::string(f.name).rfind("fd.", 0) == 0) return false;
  const FieldId id = f.id;
  switch (id) {
    case FieldId::kEvtType: case FieldId::kEvtDir: case FieldId::kEvtRes: case FieldId::kEvtRawres:
    case FieldId::kEvtFailed: case FieldId::kEvtIsOpenRead: case FieldId::kEvtIsOpenWrite:
    case FieldId::kEvtArgFlags: case FieldId::kEvtArgRequest: case FieldId::kEvtArgUid: case FieldId::kEvtArgName:
    case FieldId::kEvtNum:
      return false;
    default: return true;
  }
}

// One sample event of each type our events produce, for deciding which types a rule can match.
std::vector<Event> TypeSamples() {
  std::vector<Event> out;
  auto add = [&](EventBody b) { out.push_back(Event{0, std::move(b)}); };
  add(ProcessExec{});
  add(ProcessExit{});
  add(ProcessFork{});
  add(FileOpen{});
  NetConnection c;
  add(c);
  c.direction = NetConnection::Direction::kInbound;
  add(c);
  for (const char* call : {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
                           "setfsgid", "capset"}) {
    CredentialChange cc;
    cc.call = call;
    add(cc);
  }
  for (const char* call : {"init_module", "finit_module"}) {
    ModuleLoad m;
    m.call = call;
    add(m);
  }
  add(PtraceRequest{});
  return out;
}

}  // namespace

const char* RuleStateName(RuleState s) {
  switch (s) {
    case RuleState::kLoaded: return "loaded";
    case RuleState::kDisabled: return "disabled";
    case RuleState::kSkipped: return "skipped";
    case RuleState::kInvalid: return "invalid";
  }
  return "unknown";
}

Severity PriorityToSeverity(const std::string& priority) {
  std::string p;
  for (char c : priority) p += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (p == "EMERGENCY" || p == "ALERT" || p == "CRITICAL" || p == "ERROR") return Severity::kCritical;
  if (p == "WARNING" || p == "NOTICE") return Severity::kWarning;
  return Severity::kInfo;
}

bool Node::Test(const FieldValue& v) const {
  if (!v.present) return false;
  if (op == Op::kExists) return true;
  if (field->type != FieldType::kString) {
    int64_t x = v.num;
    switch (op) {
      case Op::kEq: return x == nums[0];
      case Op::kNe: return x != nums[0];
      case Op::kLt: return x < nums[0];
      case Op::kLe: return x <= nums[0];
      case Op::kGt: return x > nums[0];
      case Op::kGe: return x >= nums[0];
      case Op::kIn: return std::find(nums.begin(), nums.end(), x) != nums.end();
      default: return false;
    }
  }
  const std::string& s = v.str;
  switch (op) {
    case Op::kEq: return s == strs[0];
    case Op::kNe: return s != strs[0];
    case Op::kIn: return str_set.count(s) > 0;
    case Op::kContains: return s.find(strs[0]) != std::string::npos;
    case Op::kIContains: return IContains(s, strs[0]);
    case Op::kStartsWith: return s.compare(0, strs[0].size(), strs[0]) == 0;
    case Op::kEndsWith: return s.size() >= strs[0].size() && s.compare(s.size() - strs[0].size(), strs[0].size(), strs[0]) == 0;
    case Op::kGlob: return fnmatch(strs[0].c_str(), s.c_str(), 0) == 0;
    case Op::kIGlob: return fnmatch(strs[0].c_str(), s.c_str(), FNM_CASEFOLD) == 0;
    case Op::kPmatch:
      return std::any_of(strs.begin(), strs.end(), [&](const std::string& p) { return PathMatch(s, p); });
    default: return false;
  }
}

bool Node::Eval(const EventView& view) const {
  switch (kind) {
    case Kind::kAnd:
      for (const auto& c : children)
        if (!c->Eval(view)) return false;
      return true;
    case Kind::kOr:
      for (const auto& c : children)
        if (c->Eval(view)) return true;
      return false;
    case Kind::kNot: return !children[0]->Eval(view);
    case Kind::kCheck: break;
  }
  if (index >= 0) return Test(Extract(*field, index, view));
  for (int i = 1; i <= kMaxAncestors; ++i) {  // any ancestor
    FieldValue v = Extract(*field, i, view);
    if (!v.present) return false;
    if (Test(v)) return true;
  }
  return false;
}

Tri Node::Partial(const EventView& view) const {
  switch (kind) {
    case Kind::kAnd: {
      Tri r = Tri::kTrue;
      for (const auto& c : children) {
        Tri t = c->Partial(view);
        if (t == Tri::kFalse) return Tri::kFalse;
        if (t == Tri::kUnknown) r = Tri::kUnknown;
      }
      return r;
    }
    case Kind::kOr: {
      Tri r = Tri::kFalse;
      for (const auto& c : children) {
        Tri t = c->Partial(view);
        if (t == Tri::kTrue) return Tri::kTrue;
        if (t == Tri::kUnknown) r = Tri::kUnknown;
      }
      return r;
    }
    case Kind::kNot: {
      Tri t = children[0]->Partial(view);
      return t == Tri::kUnknown ? t : t == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
    }
    case Kind::kCheck: break;
  }
  if (field->id == FieldId::kEvtType) return Eval(view) ? Tri::kTrue : Tri::kFalse;
  if (IsProcessField(*field)) return Tri::kUnknown;
  // Event fields: absent for this type means every comparison is false.
  return Extract(*field, std::max(index, 0), view).present ? Tri::kUnknown : Tri::kFalse;
}

RuleEngine::~RuleEngine() = default;

Status RuleEngine::first_error() const {
  for (const auto& r : report_)
    if (r.state == RuleState::kInvalid) return Status::InvalidArgument(r.reason);
  return Status::Ok();
}

std::unique_ptr<RuleEngine> RuleEngine::Build(const RuleSet& set) {
  std::unique_ptr<RuleEngine> engine(new RuleEngine());
  RuleCompiler compiler(set);
  std::vector<Event> samples = TypeSamples();
  for (const RuleDef& def : set.rules()) {
    RuleStatus status{def.name, def.pos, RuleState::kLoaded, ""};
    if (def.source != "syscall") {
      status.state = RuleState::kSkipped;
      status.reason = "source '" + def.source + "' is not supported (only syscall)";
      engine->report_.push_back(status);
      continue;
    }
    CompileOutcome outcome = compiler.Compile(def);
    if (!outcome.error.ok()) {
      status.state = RuleState::kInvalid;
      status.reason = outcome.error.message();
    } else if (!outcome.skip_reason.empty()) {
      status.state = RuleState::kSkipped;
      status.reason = outcome.skip_reason;
    } else if (!def.enabled) {
      status.state = RuleState::kDisabled;
    }
    engine->report_.push_back(status);
    if (status.state != RuleState::kLoaded) continue;

    auto rule = std::make_unique<CompiledRule>();
    rule->def = def;
    rule->severity = PriorityToSeverity(def.priority);
    rule->root = std::move(outcome.root);
    rule->output = ParseOutput(def.output);
    std::vector<const Node*> stack{rule->root.get()};
    while (!stack.empty()) {
      const Node* n = stack.back();
      stack.pop_back();
      for (const auto& c : n->children) stack.push_back(c.get());
      if (n->kind != Node::Kind::kCheck) continue;
      std::pair<const FieldSpec*, int> f{n->field, n->index};
      if (std::find(rule->fields.begin(), rule->fields.end(), f) == rule->fields.end()) rule->fields.push_back(f);
    }
    std::reverse(rule->fields.begin(), rule->fields.end());
    for (const Event& sample : samples) {
      EventView view;
      view.event = &sample;
      view.evt_type = FalcoEventType(sample.body);
      if (rule->root->Partial(view) != Tri::kFalse) engine->by_type_[view.evt_type].push_back(rule.get());
    }
    engine->rules_.push_back(std::move(rule));
  }
  return engine;
}

void RuleEngine::Evaluate(const Event& ev, ProcessTable& table, std::vector<RuleMatch>& out) const {
  const char* type = FalcoEventType(ev.body);
  if (!type) return;
  auto it = by_type_.find(type);
  if (it == by_type_.end()) return;
  EventView view;
  view.event = &ev;
  view.evt_type = type;
  view.proc = table.Find(EventPid(ev.body));
  view.table = &table;
  view.user_name = &user_names_;
  view.evt_num = ++evt_num_;
  for (const CompiledRule* rule : it->second) {
    if (!rule->root->Eval(view)) continue;
    RuleMatch m;
    m.rule = rule;
    m.name = rule->def.name;
    m.severity = rule->severity;
    m.priority = rule->def.priority;
    m.tags = rule->def.tags;
    m.kill = rule->def.action == "kill";
    for (const OutputPart& p : rule->output) {
      m.output += p.literal;
      if (p.field) m.output += FieldText(*p.field, p.index, view);
    }
    for (auto [field, index] : rule->fields) {
      std::string name = field->name;
      if (field->indexed && index >= 0) name += "[" + std::to_string(index) + "]";
      m.fields.emplace_back(name, index < 0 ? FieldText(*field, 1, view) : FieldText(*field, index, view));
    }
    out.push_back(std::move(m));
  }
}

}  // namespace hostmind::rules
