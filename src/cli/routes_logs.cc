#include "cli/routes_logs.h"

#include <spdlog/spdlog.h>

#include "store/json_codec.h"

namespace hostmind {

void RegisterLogRoutes(HttpServer& server, const LogAnalyzer& logs) {
  server.Get("/api/v1/logs/templates", [&logs](const HttpRequest& req) {
    auto limit = IntParam(req, "limit", 100, 1000);
    if (!limit.ok()) return HttpResponse::Error(400, limit.status().message());
    LogSummary s = logs.Summary();
    nlohmann::json list = nlohmann::json::array();
    for (const LogTemplateView& t : logs.Templates(static_cast<size_t>(*limit))) {
      list.push_back({{"id", t.id},
                      {"template", t.text},
                      {"count", t.count},
                      {"first_seen", t.first_seen},
                      {"last_seen", t.last_seen},
                      {"per_minute", t.per_minute},
                      {"origin", t.origin},
                      {"example", t.example}});
    }
    return HttpResponse::Json({{"lines", s.lines},
                               {"templates_total", s.templates},
                               {"templates_created", s.created},
                               {"templates_merged", s.merged},
                               {"templates_evicted", s.evicted},
                               {"learning", !s.judging},
                               {"templates", list}});
  });
  server.Get("/api/v1/logs/anomalies", [&logs](const HttpRequest& req) {
    auto limit = IntParam(req, "limit", 100, 1000);
    if (!limit.ok()) return HttpResponse::Error(400, limit.status().message());
    nlohmann::json list = nlohmann::json::array();
    for (const Finding& f : logs.RecentAnomalies(static_cast<size_t>(*limit))) list.push_back(FindingToJson(f));
    return HttpResponse::Json(
        {{"anomalies", list}, {"suppressed", logs.Summary().suppressed_findings}, {"learning", !logs.Summary().judging}});
  });
}

void LoadLogState(const Store& store, LogAnalyzer& logs) {
  auto blob = store.GetModel(kLogModelName);
  if (!blob) return;
  Status s = logs.LoadState(*blob);
  if (!s.ok()) spdlog::warn("log analyzer: saved state not used, learning again: {}", s.ToString());
  else spdlog::info("log analyzer: restored {} templates", logs.miner().stats().templates);
}

Status SaveLogState(Store& store, const LogAnalyzer& logs, TimeMs now) {
  return store.PutModel(kLogModelName, logs.SaveState(), now);
}

void LogStateSaver::Consume(const Batch& batch, Analysis&) {
  last_batch_ = std::max(last_batch_, batch.ts);
  if (last_ == 0) last_ = batch.ts;
  if (batch.ts - last_ < every_) return;
  last_ = batch.ts;
  Status s = SaveLogState(store_, logs_, batch.ts);
  if (!s.ok()) spdlog::warn("log analyzer: saving state failed: {}", s.ToString());
}

void LogStateSaver::Flush() {
  Status s = SaveLogState(store_, logs_, last_batch_);
  if (!s.ok()) spdlog::warn("log analyzer: saving state at stop failed: {}", s.ToString());
}

}  // namespace hostmind
