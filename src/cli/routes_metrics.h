#pragma once
// /api/v1/anomalies, /api/v1/incidents and /api/v1/forecasts (docs/API.md), served from the
// snapshots of the metric analyzers.
#include <memory>
#include <vector>

#include "core/pipeline.h"
#include "serve/http_server.h"

namespace hostmind {

// Registers the routes for the analyzers found in `analyzers`; a route whose analyzer is
// disabled answers 404 saying which key disables it.
void RegisterMetricRoutes(HttpServer& server, const std::vector<std::unique_ptr<Analyzer>>& analyzers);

}  // namespace hostmind
