#pragma once
// The foundation's endpoints: /metrics, /api/v1 (the route index), /api/v1/health,
// /api/v1/series, /api/v1/events, /api/v1/alerts, /api/v1/findings/<id>, and the dashboard at /.
// Documented in docs/API.md.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/pipeline.h"
#include "serve/http_server.h"
#include "store/series_table.h"
#include "store/store.h"

namespace hostmind {

struct CoreApiContext {
  const Pipeline* pipeline = nullptr;  // health of collectors and queue
  const SeriesTable* series = nullptr;
  const Store* store = nullptr;
  const Clock* clock = nullptr;
  std::string hostname;
  TimeMs started_at = 0;
  // Extra health sections from other modules (the sensor, an actuator's mode, alert delivery),
  // each applied to /api/v1/health in turn. Convention: an actor appends
  // {"name", "mode", "detail"} to health["actors"] (docs/API.md).
  std::vector<std::function<void(nlohmann::json&)>> health_extensions;
  // Learned context for one series, added to GET /api/v1/series?id=: a detector adds "band"
  // ([[ts, low, high]...]), "anomalies" ([[ts, score]...]) or "forecast" (docs/API.md).
  using SeriesAnnotator = std::function<void(const std::string& id, TimeMs since, nlohmann::json& out)>;
  std::vector<SeriesAnnotator> series_annotators;
};

void RegisterCoreApi(HttpServer& server, CoreApiContext ctx);
// The /api/v1/health document (also used by `hostmind status`).
nlohmann::json HealthJson(const CoreApiContext& ctx);

}  // namespace hostmind
