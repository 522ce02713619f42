#pragma once
// The log analyzer's endpoints (docs/API.md): /api/v1/logs/templates, /api/v1/logs/anomalies.
// And its state across restarts: loaded from the store's model blobs at start, saved there
// periodically (LogStateSaver, a sink on the analysis thread) and at stop.
#include "core/pipeline.h"
#include "detect/log_analyzer.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace hostmind {

inline constexpr const char* kLogModelName = "logs";

void RegisterLogRoutes(HttpServer& server, const LogAnalyzer& logs);

// Restores the analyzer from the store; a missing blob is a fresh start, a bad one is logged
// and ignored (the analyzer learns again rather than refusing to start).
void LoadLogState(const Store& store, LogAnalyzer& logs);
Status SaveLogState(Store& store, const LogAnalyzer& logs, TimeMs now);

// Saves the analyzer's state every `every` of batch time. A sink, so that it runs on the
// analysis thread, which owns the analyzer.
class LogStateSaver final : public Sink {
 public:
  LogStateSaver(Store& store, const LogAnalyzer& logs, TimeMs every) : store_(store), logs_(logs), every_(every) {}
  void Consume(const Batch& batch, Analysis& analysis) override;
  void Flush() override;

 private:
  Store& store_;
  const LogAnalyzer& logs_;
  TimeMs every_;
  TimeMs last_ = 0;
  TimeMs last_batch_ = 0;
};

}  // namespace hostmind
