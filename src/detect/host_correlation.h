#pragma once
// HostCorrelation: the host's core gauges (CPU, memory, pressure, disk and network throughput,
// scheduler activity) watched together by a CorrelationDetector, so that series each inside
// their own band but no longer moving together (traffic up while CPU stays flat, writes without
// the page-outs that came with them) raise an anomaly onset like a single series does. The
// same model and calibration `hostmind eval smd` measures: learnt evenly over a learning period
// whose own residuals set the alert level (the share `tail` of them above it), then following
// the host. MetricAnomalyAnalyzer feeds it one value per series per step.
//
// The watched series are the core gauges seen in the first `discover_steps` steps, fixed from
// then on (a series that goes away keeps its last value). Values enter as log(1 + x): rates
// and byte counts are heavy-tailed, and a relation between them is multiplicative.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/sample.h"
#include "detect/incident_grouper.h"
#include "learn/correlation_detector.h"

namespace hostmind {

struct HostCorrelationOptions {
  uint32_t discover_steps = 6;     // steps over which the watched series are found
  size_t max_series = 64;          // watched at most (the first found, by id)
  uint64_t learning_steps = 750;   // as the per-series detectors' warm-up
  double tail = 0.001;             // share of the learning period's residuals above the alert level
  // After the learning period, the weight of a new step: the 100-minute memory `eval smd`
  // measured (0.01 a minute), at the analyzer's 10 s step.
  double rate = 0.01 / 6;
};

class HostCorrelation {
 public:
  // The series id this view reports as (also its derived residual series' name).
  static constexpr const char* kSeries = "hostmind_anomaly_correlation_residual";

  explicit HostCorrelation(HostCorrelationOptions options = {});

  // Whether `key` is a core gauge this view watches: host-wide series only (CPU as a whole,
  // not per core: a 64-core host would otherwise fill the vector with cores).
  static bool Watches(const SeriesKey& key);

  // One completed step ending at `end`: the latest step mean of every watched series seen so
  // far (series id -> value). Returns an onset when the residual first passes the alert level;
  // none again until it has fallen back under it.
  std::optional<AnomalyOnset> Step(TimeMs end, const std::map<std::string, double>& values);

  bool learning() const { return level_ <= 0; }
  double last_residual() const { return last_residual_; }
  double alert_level() const { return level_; }  // 0 while learning
  size_t series() const { return ids_.size(); }
  size_t StateBytes() const;

 private:
  std::string Explain(size_t n) const;

  HostCorrelationOptions options_;
  uint32_t steps_seen_ = 0;
  std::vector<std::string> ids_;  // the watched series, fixed after discovery
  std::vector<double> values_;    // their latest values, transformed
  std::optional<CorrelationDetector> detector_;
  uint64_t learnt_ = 0;
  std::vector<double> learning_residuals_;
  double level_ = 0;
  double last_residual_ = 0;
  bool above_ = false;
};

}  // namespace hostmind
