#include "alert/targets.h"

#include <nats/nats.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/explain_text.h"
#include "serve/http_client.h"
#include "store/json_codec.h"

namespace hostmind {

// ---- log -------------------------------------------------------------------------------------

std::string LogTarget::Format(const Alert& alert) const { return JsonText(AlertToJson(alert)); }

Status LogTarget::Send(const std::vector<std::string>& payloads) {
  // Under systemd, stderr already goes to the journal (JOURNAL_STREAM is set): write one
  // structured entry instead of a second copy of the line.
  static const bool journal = access("/run/systemd/journal/socket", W_OK) == 0;
  static const bool stderr_is_journal = std::getenv("JOURNAL_STREAM") != nullptr;
  for (const auto& payload : payloads) {
    auto alert = AlertFromJson(nlohmann::json::parse(payload, nullptr, false));
    if (!alert.ok()) continue;  // cannot happen for what Format wrote; never block the queue on it
    const Finding& f = alert->finding;
    std::string status = alert->resolved() ? "resolved" : "firing";
    std::string line = fmt::format("ALERT {} [{}] {} on {}: {} (finding #{}, seen {}x)", status, SeverityName(f.severity),
                                   FindingKindName(f.kind), alert->host, f.summary, f.id, alert->count);
    if (journal) {
      int priority = alert->resolved() ? LOG_NOTICE : f.severity == Severity::kCritical ? LOG_CRIT : LOG_WARNING;
      sd_journal_send("MESSAGE=%s", line.c_str(), "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=hostmind",
                      "HOSTMIND_ALERT_STATUS=%s", status.c_str(), "HOSTMIND_FINGERPRINT=%s", alert->fingerprint.c_str(),
                      "HOSTMIND_FINDING_ID=%llu", static_cast<unsigned long long>(f.id), "HOSTMIND_KIND=%s",
                      FindingKindName(f.kind), "HOSTMIND_SEVERITY=%s", SeverityName(f.severity), "HOSTMIND_SUBJECT=%s",
                      f.subject.c_str(), "HOSTMIND_EXPLANATION=%s", ExplainText(f).c_str(), nullptr);
    }
    if (!journal || !stderr_is_journal) {
      if (alert->resolved()) spdlog::info("{}", line);
      else if (f.severity == Severity::kCritical) spdlog::error("{}", line);
      else spdlog::warn("{}", line);
    }
  }
  return Status::Ok();
}

// ---- webhook ---------------------------------------------------------------------------------

namespace {

// The URL without credentials, for names and messages.
std::string RedactUrl(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, scheme + 3) + "***@" + url.substr(at + 1);
}

}  // namespace

WebhookTarget::WebhookTarget(std::string url, TimeMs timeout_ms, TimeMs resolve_after_ms, std::string dashboard_url)
    : url_(std::move(url)),
      name_("webhook " + RedactUrl(url_)),
      timeout_ms_(timeout_ms),
      resolve_after_ms_(resolve_after_ms),
      dashboard_url_(std::move(dashboard_url)) {}

std::string WebhookTarget::Format(const Alert& alert) const {
  return JsonText(AlertmanagerAlert(alert, resolve_after_ms_, dashboard_url_));
}

Status WebhookTarget::Send(const std::vector<std::string>& payloads) {
  std::string body = "[";
  for (size_t i = 0; i < payloads.size(); ++i) body += (i ? "," : "") + payloads[i];
  body += "]";
  auto r = HttpPostUrl(url_, body, {}, static_cast<int>(timeout_ms_));
  if (!r.ok()) return r.status();
  if (r->status / 100 != 2)
    return Status::Unavailable(fmt::format("{} answered HTTP {}: {}", RedactUrl(url_), r->status, r->body.substr(0, 200)));
  return Status::Ok();
}

// ---- NATS ------------------------------------------------------------------------------------

std::string NatsSubjectBase(const std::string& prefix, const std::string& host) {
  std::string safe = host.empty() ? "unknown" : host;
  for (char& c : safe)
    if (c == '.' || c == '*' || c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n') c = '_';
  return prefix + "." + safe;
}

NatsTarget::NatsTarget(std::string url, std::string subject_base)
    : url_(std::move(url)),
      name_("nats " + RedactUrl(url_)),
      alerts_subject_(subject_base + ".alerts"),
      events_subject_(subject_base + ".events") {
  natsStatus s = natsOptions_Create(&options_);
  if (s == NATS_OK) s = natsOptions_SetURL(options_, url_.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(options_, "hostmind");
  if (s == NATS_OK) s = natsOptions_SetTimeout(options_, 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options_, -1);  // forever: the outbox holds alerts meanwhile
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options_, 1000);
  // Connect in the background when the server is down at start; nothing here blocks.
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(options_, true, nullptr, nullptr);
  if (s == NATS_OK) s = natsConnection_Connect(&conn_, options_);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    connect_error_ = fmt::format("nats {}: {}", RedactUrl(url_), natsStatus_GetText(s));
    spdlog::warn("alerts: {}", connect_error_);
  }
}

NatsTarget::~NatsTarget() {
  if (conn_) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
  }
  if (options_) natsOptions_Destroy(options_);
}

bool NatsTarget::Connected() { return conn_ && natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED; }

std::string NatsTarget::Format(const Alert& alert) const { return JsonText(AlertToJson(alert)); }

Status NatsTarget::Send(const std::vector<std::string>& payloads) {
  std::lock_guard lock(mu_);
  if (!conn_) return Status::Unavailable(connect_error_);
  // Publish only on a live connection: libnats would otherwise buffer the message for the
  // reconnect while this send fails and is retried, and the alert would arrive twice.
  if (!Connected()) return Status::Unavailable(fmt::format("not connected to {}", RedactUrl(url_)));
  for (const auto& p : payloads) {
    natsStatus s = natsConnection_Publish(conn_, alerts_subject_.c_str(), p.data(), static_cast<int>(p.size()));
    if (s != NATS_OK) return Status::Unavailable(fmt::format("nats publish: {}", natsStatus_GetText(s)));
  }
  // A flush is a round trip: when it returns, the server has every message above.
  natsStatus s = natsConnection_FlushTimeout(conn_, 2000);
  if (s != NATS_OK) return Status::Unavailable(fmt::format("nats flush: {}", natsStatus_GetText(s)));
  return Status::Ok();
}

void NatsTarget::PublishEvent(const std::string& json) {
  if (!Connected() ||
      natsConnection_Publish(conn_, events_subject_.c_str(), json.data(), static_cast<int>(json.size())) != NATS_OK) {
    ++events_dropped_;
    return;
  }
  ++events_published_;
}

}  // namespace hostmind
