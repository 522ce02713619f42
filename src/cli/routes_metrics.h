#pragma once
// /api/v1/anomalies, /api/v1/incidents and /api/v1/forecasts (docs/API.md), served from the
// snapshots of the metric analyzers, and what they add to a series' chart.
#include <memory>
#include <vector>

#include "core/pipeline.h"
#include "serve/core_api.h"
#include "serve/http_server.h"

namespace hostmind {

// Registers the routes for the analyzers found in `analyzers`; a route whose analyzer is
// disabled answers 404 saying which key disables it.
void RegisterMetricRoutes(HttpServer& server, const std::vector<std::unique_ptr<Analyzer>>& analyzers);

// Adds to GET /api/v1/series?id= what the metric analyzers know of that series: "band" (the
// learned normal band since `since`), "anomalies" (onsets since `since`) and "forecast" (the
// exhaustion forecast read from it, a day ahead at most).
void AddMetricAnnotators(CoreApiContext& api, const std::vector<std::unique_ptr<Analyzer>>& analyzers);

}  // namespace hostmind
