#pragma once
// The prefetcher's API routes (docs/API.md, "Prefetch").
#include "act/prefetch_analyzer.h"
#include "serve/http_server.h"

namespace hostmind {

void RegisterPrefetchRoutes(HttpServer& server, PrefetchAnalyzer& prefetch);

}  // namespace hostmind
