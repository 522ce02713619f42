#include "alert/alert_sink.h"

#include <spdlog/spdlog.h>

#include "store/json_codec.h"

namespace hostmind {

Result<Severity> ParseSeverity(const std::string& name) {
  for (int s = 0; s <= static_cast<int>(Severity::kCritical); ++s)
    if (name == SeverityName(static_cast<Severity>(s))) return static_cast<Severity>(s);
  return Status::InvalidArgument("severity '" + name + "': expected info, warning or critical");
}

Result<std::unique_ptr<AlertSink>> AlertSink::Create(const AlertConfig& config, const std::string& host, Store& store,
                                                     const Clock& clock) {
  auto min_severity = ParseSeverity(config.min_severity);
  if (!min_severity.ok()) return Status::InvalidArgument("alerts.min_severity: " + min_severity.status().message());
  std::unique_ptr<AlertSink> sink(new AlertSink(clock));
  auto silences = SilenceBook::Open(store);
  if (!silences.ok()) return silences.status();
  sink->silences_ = *std::move(silences);
  sink->router_ = std::make_unique<AlertRouter>(
      AlertRouterOptions{host, *min_severity, config.repeat_interval_ms, config.resolve_after_ms}, sink->silences_.get(), &store);

  RetryPolicy retry{config.retry_initial_ms, config.retry_max_ms};
  auto add = [&](std::unique_ptr<AlertTarget> target) -> Status {
    // Each target's queue is keyed by its name, so a restart finds its backlog.
    auto outbox = Outbox::Open(store, target->name(), static_cast<size_t>(config.queue_capacity));
    if (!outbox.ok()) return outbox.status();
    sink->workers_.push_back(std::make_unique<DeliveryWorker>(std::move(target), *std::move(outbox), retry));
    return Status::Ok();
  };
  if (config.log) HM_RETURN_IF_ERROR(add(std::make_unique<LogTarget>()));
  for (const auto& url : config.webhook_urls)
    HM_RETURN_IF_ERROR(add(std::make_unique<WebhookTarget>(url, config.webhook_timeout_ms, config.resolve_after_ms,
                                                           config.dashboard_url)));
  if (!config.nats_url.empty()) {
    auto nats = std::make_unique<NatsTarget>(config.nats_url, NatsSubjectBase(config.nats_subject_prefix, host));
    sink->nats_ = nats.get();
    sink->nats_events_ = config.nats_events;
    HM_RETURN_IF_ERROR(add(std::move(nats)));
  }
  return sink;
}

AlertSink::~AlertSink() { Flush(); }

void AlertSink::Start() {
  for (auto& w : workers_) w->Start();
}

void AlertSink::Flush() {
  for (auto& w : workers_) w->Stop();
}

void AlertSink::Consume(const Batch& batch, Analysis& analysis) {
  TimeMs now = clock_.Now();
  std::vector<Alert> notes;
  for (const Finding& f : analysis.findings) {
    for (Alert& a : router_->Route(f, now)) notes.push_back(std::move(a));
    if (nats_ && nats_events_) {
      nlohmann::json j = FindingToJson(f);
      j["type"] = "finding";
      nats_->PublishEvent(JsonText(j));
    }
  }
  for (Alert& a : router_->Expire(now)) notes.push_back(std::move(a));
  for (const Alert& a : notes)
    for (auto& w : workers_) {
      Status s = w->Enqueue(a, now);
      if (!s.ok()) spdlog::error("alerts: cannot queue for {}: {}", w->name(), s.message());
    }
  if (nats_ && nats_events_)
    for (const Event& e : batch.events) nats_->PublishEvent(JsonText(EventToJson(e)));
}

nlohmann::json AlertSink::HealthJson() const {
  AlertRouterStats s = router_->stats();
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& w : workers_) targets.push_back(w->Report());
  nlohmann::json out = {{"findings", s.findings}, {"notified", s.notified}, {"deduplicated", s.deduplicated},
                        {"silenced", s.silenced}, {"stale", s.stale}, {"open", router_->Open(clock_.Now()).size()}, {"targets", targets}};
  if (nats_)
    out["nats_events"] = {{"published", nats_->events_published()}, {"dropped", nats_->events_dropped()}};
  return out;
}

}  // namespace hostmind
