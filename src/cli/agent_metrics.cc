#include "cli/agent_metrics.h"

#include "detect/exhaustion_analyzer.h"
#include "detect/metric_anomaly_analyzer.h"

namespace hostmind {

std::vector<std::unique_ptr<Analyzer>> BuildMetricAnalyzers(const Config& config) {
  const MetricsConfig& c = config.metrics;
  std::vector<std::unique_ptr<Analyzer>> out;
  if (c.anomalies_enabled) {
    MetricAnomalyOptions o;
    o.step = c.step_ms;
    o.warmup_steps = static_cast<uint32_t>(c.warmup_steps);
    o.max_series = static_cast<size_t>(c.max_series);
    o.incident_window = c.incident_window_ms;
    out.push_back(std::make_unique<MetricAnomalyAnalyzer>(o));
  }
  if (c.forecasts_enabled) {
    ExhaustionOptions o;
    o.horizon = c.horizon_ms;
    o.critical = c.critical_ms;
    o.leak_after = c.leak_after_ms;
    o.max_resources = static_cast<size_t>(c.max_resources);
    out.push_back(std::make_unique<ExhaustionAnalyzer>(o));
  }
  return out;
}

}  // namespace hostmind
