#pragma once
// The metric analyzers of the agent (anomalies on every gauge series, exhaustion forecasts and
// leaks), built from the `metrics:` config section. Their routes: cli/routes_metrics.h.
#include <memory>
#include <vector>

#include "core/config.h"
#include "core/pipeline.h"

namespace hostmind {

// The enabled analyzers: MetricAnomalyAnalyzer, ExhaustionAnalyzer.
std::vector<std::unique_ptr<Analyzer>> BuildMetricAnalyzers(const Config& config);

}  // namespace hostmind
