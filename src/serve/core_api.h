#pragma once
// The foundation's endpoints: /metrics, /api/v1/health, /api/v1/series, /api/v1/events,
// /api/v1/alerts, /api/v1/findings/<id>, and / (a plain status page). Documented in docs/API.md.
#include <functional>
#include <string>

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
  // Extra health sections from other modules (e.g. the sensor), merged into /api/v1/health.
  std::function<void(nlohmann::json&)> extend_health;
};

void RegisterCoreApi(HttpServer& server, CoreApiContext ctx);
// The /api/v1/health document (also used by `hostmind status`).
nlohmann::json HealthJson(const CoreApiContext& ctx);

}  // namespace hostmind
