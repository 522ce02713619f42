#include "detect/security_analyzer.h"

namespace hostmind {

SecurityAnalyzer::SecurityAnalyzer(std::unique_ptr<rules::RuleEngine> rules, SecurityOptions options)
    : rules_(std::move(rules)), options_(options), behaviour_(options.behaviour_options) {}

void SecurityAnalyzer::SetUserNames(rules::RuleEngine::UserNameFn fn) {
  if (rules_) rules_->SetUserNames(std::move(fn));
}

Finding SecurityAnalyzer::RuleFinding(const Event& ev, const rules::RuleMatch& m) {
  Finding f;
  f.ts = ev.ts;
  f.kind = FindingKind::kRuleMatch;
  f.severity = m.severity;
  f.subject = m.name;
  f.summary = m.output.empty() ? m.name : m.output;
  f.score = 1;
  for (const auto& [field, value] : m.fields) f.evidence.push_back({field, 1, value});
  int32_t pid = EventPid(ev.body);
  f.facts = {{"rule", m.name}, {"priority", m.priority}, {"event", EventTypeName(ev.body)}, {"pid", std::to_string(pid)}};
  std::string tags;
  for (const auto& t : m.tags) tags += (tags.empty() ? "" : ",") + t;
  if (!tags.empty()) f.facts.emplace_back("tags", tags);
  if (m.kill) {
    if (!options_.allow_actions) {
      f.facts.emplace_back("action", "kill not taken: security.rules.allow_actions is false");
    } else if (!killer_) {
      f.facts.emplace_back("action", "kill not taken: no killer configured");
    } else {
      Status s = killer_(pid);
      f.facts.emplace_back("action", s.ok() ? "killed pid " + std::to_string(pid) : "kill failed: " + s.ToString());
    }
  }
  return f;
}

void SecurityAnalyzer::Analyze(const Batch& batch, Analysis& out) {
  if (batch.events.empty()) return;
  std::vector<rules::RuleMatch> matches;
  for (const Event& ev : batch.events) {
    table_.Apply(ev);
    if (rules_) {
      matches.clear();
      rules_->Evaluate(ev, table_, matches);
      for (const auto& m : matches) {
        ++rule_matches_;
        out.findings.push_back(RuleFinding(ev, m));
      }
    }
    if (options_.behaviour) behaviour_.Observe(ev, table_, out.findings);
  }
  table_.Expire(batch.ts);
}

}  // namespace hostmind
