#include "alert/alert_router.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "store/json_codec.h"

namespace hostmind {

namespace {
constexpr const char* kStateModel = "alerts.open";  // the open alerts, as a JSON array in the models table
}

AlertRouter::AlertRouter(AlertRouterOptions options, const SilenceBook* silences, Store* store)
    : options_(std::move(options)), silences_(silences), store_(store) {
  Load();
}

void AlertRouter::Load() {
  if (!store_) return;
  auto blob = store_->GetModel(kStateModel);
  if (!blob) return;
  auto j = nlohmann::json::parse(*blob, nullptr, false);
  if (!j.is_array()) return;
  for (const auto& item : j) {
    auto a = AlertFromJson(item);
    if (a.ok()) open_[a->fingerprint] = *std::move(a);
    else spdlog::warn("alerts: dropping a saved open alert: {}", a.status().message());
  }
}

void AlertRouter::Save() const {
  if (!store_) return;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [fp, a] : open_) j.push_back(AlertToJson(a));
  Status s = store_->PutModel(kStateModel, JsonText(j), 0);
  if (!s.ok()) spdlog::warn("alerts: cannot save open alerts: {}", s.message());
}

void AlertRouter::Notify(Alert& alert, TimeMs now, std::vector<Alert>& out) {
  alert.last_notified = now;
  alert.notified_severity = alert.finding.severity;
  if (silences_ && silences_->Silencing(alert.Labels(), now)) {
    ++stats_.silenced;
    return;
  }
  ++stats_.notified;
  out.push_back(alert);
}

std::vector<Alert> AlertRouter::Route(const Finding& finding, TimeMs now) {
  std::vector<Alert> out;
  if (finding.severity < options_.min_severity) return out;
  std::lock_guard lock(mu_);
  ++stats_.findings;
  std::string fp = AlertFingerprint(options_.host, finding);
  auto it = open_.find(fp);
  if (it == open_.end()) {
    // A finding already older than resolve_after (a kernel log replayed from boot, a backlog read
    // after a restart) would fire and resolve in the same breath: it is history, not an alert.
    if (now - finding.ts >= options_.resolve_after_ms) {
      ++stats_.stale;
      return out;
    }
    Alert& a = open_[fp];
    a.fingerprint = fp;
    a.host = options_.host;
    a.finding = finding;
    a.first_finding_id = finding.id;
    a.starts_at = finding.ts;
    a.last_seen = finding.ts;
    a.count = 1;
    Notify(a, now, out);
    Save();
    return out;
  }
  Alert& a = it->second;
  ++a.count;
  a.finding = finding;
  a.last_seen = std::max(a.last_seen, finding.ts);
  bool escalated = finding.severity > a.notified_severity;
  bool due = now - a.last_notified >= options_.repeat_interval_ms;
  if (escalated || due) Notify(a, now, out);
  else ++stats_.deduplicated;
  Save();
  return out;
}

std::vector<Alert> AlertRouter::Expire(TimeMs now) {
  std::vector<Alert> out;
  std::lock_guard lock(mu_);
  bool changed = false;
  for (auto it = open_.begin(); it != open_.end();) {
    Alert& a = it->second;
    if (now - a.last_seen < options_.resolve_after_ms) {
      ++it;
      continue;
    }
    a.ends_at = a.last_seen + options_.resolve_after_ms;
    Notify(a, now, out);
    it = open_.erase(it);
    changed = true;
  }
  if (changed) Save();
  return out;
}

std::vector<AlertRouter::OpenAlert> AlertRouter::Open(TimeMs now) const {
  std::lock_guard lock(mu_);
  std::vector<OpenAlert> out;
  for (const auto& [fp, a] : open_)
    out.push_back({a, silences_ ? silences_->Silencing(a.Labels(), now) : std::nullopt});
  std::sort(out.begin(), out.end(), [](const OpenAlert& x, const OpenAlert& y) { return x.alert.last_seen > y.alert.last_seen; });
  return out;
}

AlertRouterStats AlertRouter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace hostmind
