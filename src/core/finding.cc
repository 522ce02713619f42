#include "core/finding.h"

namespace hostmind {

const char* FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kAnomaly: return "anomaly";
    case FindingKind::kIncident: return "incident";
    case FindingKind::kForecast: return "forecast";
    case FindingKind::kLeak: return "leak";
    case FindingKind::kLogAnomaly: return "log_anomaly";
    case FindingKind::kPrecursor: return "precursor";
    case FindingKind::kRuleMatch: return "rule_match";
    case FindingKind::kBehaviour: return "behaviour";
    case FindingKind::kHealth: return "health";
  }
  return "unknown";
}

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

}  // namespace hostmind
