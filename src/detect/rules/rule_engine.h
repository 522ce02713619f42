#pragma once
// The rule engine: Falco rules compiled once into evaluators over our events. Macros and lists
// are expanded and fields bound at build time; each rule is indexed by the event types its
// condition can match, so an event is only tested against the rules that can fire on it.
// Rules that need fields or operators we lack are reported by name with the reason and skipped;
// syntax errors make the build fail with file, rule and position.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/finding.h"
#include "detect/process_table.h"
#include "detect/rules/rule_set.h"

namespace hostmind::rules {

enum class RuleState { kLoaded, kDisabled, kSkipped, kInvalid };
const char* RuleStateName(RuleState s);

// What became of one rule: loaded, disabled (enabled: false) or skipped (with why).
struct RuleStatus {
  std::string name;
  SourcePos pos;
  RuleState state = RuleState::kLoaded;
  // skipped: "field 'k8s.ns.name' is not available (via macro 'k8s')"; invalid: the error with
  // file, rule and position.
  std::string reason;
};

struct CompiledRule;

struct RuleMatch {
  const CompiledRule* rule = nullptr;
  std::string name;
  std::string output;  // the rule's output with %fields filled in
  Severity severity = Severity::kWarning;
  std::string priority;
  std::vector<std::string> tags;
  bool kill = false;  // the rule asks for the process to be killed (action: kill)
  // The condition's fields with this event's values, for the finding's evidence.
  std::vector<std::pair<std::string, std::string>> fields;
};

class RuleEngine {
 public:
  using UserNameFn = std::function<std::string(uint32_t uid)>;

  // Compiles every rule of `set`. A condition that does not parse, an undefined macro or a value
  // of the wrong type makes that rule invalid (see first_error()); the others still load.
  static std::unique_ptr<RuleEngine> Build(const RuleSet& set);
  ~RuleEngine();

  const std::vector<RuleStatus>& report() const { return report_; }
  size_t loaded_count() const { return rules_.size(); }
  // The first invalid rule's error, OK when every rule compiled or was skipped.
  Status first_error() const;

  void SetUserNames(UserNameFn fn) { user_names_ = std::move(fn); }
  // Tests `ev` against the rules that can match its type; matches are appended to `out`.
  void Evaluate(const Event& ev, ProcessTable& table, std::vector<RuleMatch>& out) const;

 private:
  RuleEngine() = default;
  std::vector<std::unique_ptr<CompiledRule>> rules_;
  std::unordered_map<std::string, std::vector<const CompiledRule*>> by_type_;
  std::vector<RuleStatus> report_;
  UserNameFn user_names_;
  mutable std::atomic<uint64_t> evt_num_{0};
};

// Falco priority -> severity: EMERGENCY..ERROR critical, WARNING/NOTICE warning, else info.
Severity PriorityToSeverity(const std::string& priority);

}  // namespace hostmind::rules
