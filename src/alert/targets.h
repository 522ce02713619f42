#pragma once
// The alert targets: the agent's log (structured journal fields under systemd), a webhook that
// speaks Prometheus Alertmanager's POST /api/v2/alerts, and NATS.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "alert/alert_target.h"

struct __natsConnection;
struct __natsOptions;

namespace hostmind {

// One line per alert in the agent's log; with the systemd journal present, a journal entry
// whose fields carry the alert (HOSTMIND_FINGERPRINT, HOSTMIND_FINDING_ID, ...) and whose
// PRIORITY follows the severity.
class LogTarget final : public AlertTarget {
 public:
  const std::string& name() const override { return name_; }
  std::string Format(const Alert& alert) const override;
  Status Send(const std::vector<std::string>& payloads) override;
  size_t max_batch() const override { return 64; }

 private:
  std::string name_ = "log";
};

// POSTs JSON arrays of Alertmanager alerts to `url`; any 2xx is delivery.
class WebhookTarget final : public AlertTarget {
 public:
  WebhookTarget(std::string url, TimeMs timeout_ms, TimeMs resolve_after_ms, std::string dashboard_url);
  const std::string& name() const override { return name_; }
  std::string Format(const Alert& alert) const override;
  Status Send(const std::vector<std::string>& payloads) override;
  size_t max_batch() const override { return 64; }

 private:
  std::string url_;
  std::string name_;
  TimeMs timeout_ms_;
  TimeMs resolve_after_ms_;
  std::string dashboard_url_;
};

// "hostmind.web-1_example_com": `prefix` and the host with the characters NATS subjects
// reserve ('.', '*', '>', whitespace) replaced by '_'.
std::string NatsSubjectBase(const std::string& prefix, const std::string& host);

// Publishes alerts on <base>.alerts (each confirmed by a flush round trip: at-least-once) and,
// best effort, findings and events on <base>.events. The connection is made and re-made in
// the background by libnats, so nothing here blocks while the server is down.
class NatsTarget final : public AlertTarget {
 public:
  NatsTarget(std::string url, std::string subject_base);
  ~NatsTarget() override;
  const std::string& name() const override { return name_; }
  std::string Format(const Alert& alert) const override;
  Status Send(const std::vector<std::string>& payloads) override;
  size_t max_batch() const override { return 64; }

  // Publishes `json` on <base>.events if connected; otherwise counts it as dropped.
  void PublishEvent(const std::string& json);
  uint64_t events_published() const { return events_published_; }
  uint64_t events_dropped() const { return events_dropped_; }

 private:
  bool Connected();

  std::string url_;
  std::string name_;
  std::string alerts_subject_;
  std::string events_subject_;
  std::mutex mu_;
  __natsOptions* options_ = nullptr;
  __natsConnection* conn_ = nullptr;
  std::string connect_error_;
  std::atomic<uint64_t> events_published_{0};
  std::atomic<uint64_t> events_dropped_{0};
};

}  // namespace hostmind
