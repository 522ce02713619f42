#pragma once
// The security analyzer: keeps the process table from the sensor's events, runs the rule engine
// and the behaviour detector on each event, and turns matches into findings. A rule with
// `action: kill` kills the process only when actions are allowed (off by default); the attempt
// and its outcome are part of the finding.
#include <functional>
#include <memory>

#include "core/pipeline.h"
#include "detect/behaviour_detector.h"
#include "detect/process_table.h"
#include "detect/rules/rule_engine.h"

namespace hostmind {

struct SecurityOptions {
  bool allow_actions = false;
  bool behaviour = true;
  BehaviourOptions behaviour_options;
};

class SecurityAnalyzer final : public Analyzer {
 public:
  using Killer = std::function<Status(int32_t pid)>;
  // `rules` may be null (rules disabled).
  SecurityAnalyzer(std::unique_ptr<rules::RuleEngine> rules, SecurityOptions options);

  void SetResolver(ProcessTable::Resolver r) { table_.SetResolver(std::move(r)); }
  void SetUserNames(rules::RuleEngine::UserNameFn fn);
  void SetKiller(Killer k) { killer_ = std::move(k); }

  void Analyze(const Batch& batch, Analysis& out) override;

  uint64_t rule_matches() const { return rule_matches_; }
  const BehaviourDetector& behaviour() const { return behaviour_; }

 private:
  Finding RuleFinding(const Event& ev, const rules::RuleMatch& m);

  std::unique_ptr<rules::RuleEngine> rules_;
  SecurityOptions options_;
  ProcessTable table_;
  BehaviourDetector behaviour_;
  Killer killer_;
  uint64_t rule_matches_ = 0;
};

}  // namespace hostmind
