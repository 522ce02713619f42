#pragma once
// An alert: what a person is told about findings that matter. Findings with the same kind and
// subject on one host are one alert (its fingerprint); repeats raise its count instead of
// notifying again. The latest finding travels with it, so every sink can show the explanation.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/finding.h"
#include "core/status.h"

namespace hostmind {

using AlertLabels = std::map<std::string, std::string>;

struct Alert {
  std::string fingerprint;     // hex digest of host, kind and subject
  std::string host;
  Finding finding;             // the latest finding (with its id and explanation)
  uint64_t first_finding_id = 0;
  TimeMs starts_at = 0;        // first finding of this run of repeats
  TimeMs last_seen = 0;        // latest finding
  TimeMs ends_at = 0;          // when resolved: no repeat for resolve_after; 0 while firing
  uint32_t count = 0;          // findings grouped into this alert
  TimeMs last_notified = 0;
  Severity notified_severity = Severity::kInfo;

  bool resolved() const { return ends_at != 0; }
  // What silences match on: alertname (hostmind_<kind>), kind, severity, subject, instance.
  AlertLabels Labels() const;
};

std::string AlertFingerprint(const std::string& host, const Finding& finding);

// hostmind's own shape (NATS, log, /api/v1/alerts/active): status, fingerprint, count, times,
// labels and the finding with its whole explanation.
nlohmann::json AlertToJson(const Alert& alert);
Result<Alert> AlertFromJson(const nlohmann::json& j);

// Prometheus Alertmanager's POST /api/v2/alerts body: a list of {labels, annotations,
// startsAt, endsAt, generatorURL}. `dashboard_url` (may be empty) links each alert to its
// explanation. Firing alerts get endsAt = last_seen + resolve_after, so Alertmanager resolves
// them by itself if the agent goes quiet.
nlohmann::json AlertmanagerAlert(const Alert& alert, TimeMs resolve_after, const std::string& dashboard_url);

// RFC 3339 UTC with milliseconds: "2026-05-01T10:05:00.123Z".
std::string Rfc3339(TimeMs ts);

}  // namespace hostmind
