#include "alert/alert.h"

#include <ctime>

#include <fmt/format.h>

#include "core/explain_text.h"
#include "store/json_codec.h"

namespace hostmind {

AlertLabels Alert::Labels() const {
  return {{"alertname", std::string("hostmind_") + FindingKindName(finding.kind)},
          {"kind", FindingKindName(finding.kind)},
          {"severity", SeverityName(finding.severity)},
          {"subject", finding.subject},
          {"instance", host}};
}

std::string AlertFingerprint(const std::string& host, const Finding& f) {
  // FNV-1a over the identity; stable across restarts and versions.
  uint64_t h = 1469598103934665603ull;
  for (const std::string& part : {host, std::string(FindingKindName(f.kind)), f.subject}) {
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // separator: ("ab","c") != ("a","bc")
  }
  return fmt::format("{:016x}", h);
}

std::string Rfc3339(TimeMs ts) {
  std::time_t secs = static_cast<std::time_t>(ts / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ts % 1000));
}

nlohmann::json AlertToJson(const Alert& a) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : a.Labels()) labels[k] = v;
  return {{"status", a.resolved() ? "resolved" : "firing"},
          {"fingerprint", a.fingerprint},
          {"host", a.host},
          {"count", a.count},
          {"starts_at", a.starts_at},
          {"last_seen", a.last_seen},
          {"ends_at", a.ends_at},
          {"first_finding_id", a.first_finding_id},
          {"last_notified", a.last_notified},
          {"notified_severity", SeverityName(a.notified_severity)},
          {"labels", labels},
          {"finding", FindingToJson(a.finding)}};
}

Result<Alert> AlertFromJson(const nlohmann::json& j) {
  try {
    Alert a;
    auto f = FindingFromJson(j.at("finding"));
    if (!f.ok()) return f.status();
    a.finding = *std::move(f);
    a.fingerprint = j.at("fingerprint").get<std::string>();
    a.host = j.at("host").get<std::string>();
    a.count = j.at("count").get<uint32_t>();
    a.starts_at = j.at("starts_at").get<TimeMs>();
    a.last_seen = j.at("last_seen").get<TimeMs>();
    a.ends_at = j.at("ends_at").get<TimeMs>();
    a.first_finding_id = j.at("first_finding_id").get<uint64_t>();
    a.last_notified = j.at("last_notified").get<TimeMs>();
    std::string sev = j.at("notified_severity").get<std::string>();
    for (int s = 0; s <= static_cast<int>(Severity::kCritical); ++s)
      if (sev == SeverityName(static_cast<Severity>(s))) a.notified_severity = static_cast<Severity>(s);
    return a;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("alert: ") + e.what());
  }
}

nlohmann::json AlertmanagerAlert(const Alert& a, TimeMs resolve_after, const std::string& dashboard_url) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : a.Labels())
    if (!v.empty()) labels[k] = v;  // Alertmanager rejects empty label values
  nlohmann::json out = {
      {"labels", labels},
      {"annotations",
       {{"summary", a.finding.summary},
        {"description", ExplainText(a.finding)},
        {"finding_id", std::to_string(a.finding.id)},
        {"count", std::to_string(a.count)},
        {"score", fmt::format("{:.2f}", a.finding.score)}}},
      {"startsAt", Rfc3339(a.starts_at)},
      {"endsAt", Rfc3339(a.resolved() ? a.ends_at : a.last_seen + resolve_after)},
  };
  if (!dashboard_url.empty()) out["generatorURL"] = dashboard_url + "#finding/" + std::to_string(a.finding.id);
  return out;
}

}  // namespace hostmind
