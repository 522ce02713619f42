#pragma once
// AlertSink: alert delivery as the pipeline's last step. It runs after the store (findings
// have ids), routes each finding through the AlertRouter (de-duplication, grouping, silences)
// and queues the resulting notifications durably for every configured target: the log, each
// webhook, NATS. With NATS, every finding and event is also published, best effort, on
// hostmind.<host>.events.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alert/alert_router.h"
#include "alert/delivery.h"
#include "alert/silences.h"
#include "alert/targets.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/pipeline.h"

namespace hostmind {

class AlertSink final : public Sink {
 public:
  static Result<std::unique_ptr<AlertSink>> Create(const AlertConfig& config, const std::string& host, Store& store,
                                                   const Clock& clock);
  ~AlertSink() override;

  // Starts the delivery threads (what a previous run left queued goes first).
  void Start();
  void Consume(const Batch& batch, Analysis& analysis) override;
  // Stops the delivery threads; undelivered notifications stay queued on disk.
  void Flush() override;

  AlertRouter& router() { return *router_; }
  SilenceBook& silences() { return *silences_; }
  const Clock& clock() const { return clock_; }
  // The "alerting" section of /api/v1/health: router counters and each target's state.
  nlohmann::json HealthJson() const;

 private:
  AlertSink(const Clock& clock) : clock_(clock) {}

  const Clock& clock_;
  std::unique_ptr<SilenceBook> silences_;
  std::unique_ptr<AlertRouter> router_;
  std::vector<std::unique_ptr<DeliveryWorker>> workers_;
  NatsTarget* nats_ = nullptr;  // owned by its worker; for the events stream
  bool nats_events_ = false;
};

// Parses "info", "warning" or "critical".
Result<Severity> ParseSeverity(const std::string& name);

}  // namespace hostmind
