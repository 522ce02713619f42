#pragma once
// Findings: what the detectors conclude, with the explanation carried as data. The API, the
// dashboard, alert text and `hostmind explain` all render this one structure.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace hostmind {

enum class FindingKind {
  kAnomaly,     // one series behaves unlike its learned normal
  kIncident,    // anomalies that started together, grouped
  kForecast,    // a resource will run out
  kLeak,        // a process or cgroup grows steadily
  kLogAnomaly,  // a new, rare, bursting or out-of-order log template
  kPrecursor,   // a pattern that preceded failures has recurred
  kRuleMatch,   // a security rule matched an event
  kBehaviour,   // a program did something it never did while learning
  kHealth,      // the agent's own health: a collector went down, a queue dropped data
};

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };

// One contributing factor: a series, a template, a process, a rule field.
struct Evidence {
  std::string subject;  // e.g. a series id, "template 17", "pid 4242 (java)"
  double score = 0;     // the factor's weight, larger = more responsible
  std::string detail;   // e.g. "value 97.0, normal 12.0-30.0"
};

struct Finding {
  uint64_t id = 0;  // assigned by the store; 0 until stored
  TimeMs ts = 0;
  FindingKind kind = FindingKind::kAnomaly;
  Severity severity = Severity::kInfo;
  std::string subject;  // what the finding is about: a series id, a mount point, an exe
  std::string summary;  // the sentence a person reads first
  double score = 0;
  std::vector<Evidence> evidence;                          // ranked, most responsible first
  std::vector<std::pair<std::string, std::string>> facts;  // named inputs behind the summary
};

const char* FindingKindName(FindingKind kind);
const char* SeverityName(Severity severity);

}  // namespace hostmind
