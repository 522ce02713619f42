#pragma once
// MetricAnomalyAnalyzer: an AnomalyDetector on every collected gauge series, incidents from
// anomalies that start together, and anomaly scores as derived series.
//
// Each series is fed one value per `step` (the mean of its samples in that step), so the
// detector's time constants mean the same thing for a 1 s CPU series and a 10 s filesystem one:
// with the default 10 s step, warm-up is ~2 h, the short-term mean spans 5 min, and an old spike
// stops masking new ones within a day. At most `max_series` series are watched; when a new one
// arrives at the cap, the one seen least recently is dropped (and counted).
//
// Findings: one kAnomaly (info) per series onset (at most 10 a minute), and one kIncident per
// group of 2+ onsets that began within `incident_window` of each other. Single series misfire:
// at the NAB threshold a detector flags about 6 in 10,000 steps of pure noise, so a host with
// thousands of series sees several onsets a minute by chance. An incident is therefore a warning
// (what reaches the alerts) only when it has 3+ series and that many within one window is
// improbable (p < 0.001) given the host's own recent rate of onsets. Derived series, bounded by the number of metric names, not series:
//   hostmind_anomaly_score{metric}       the highest raw score among that metric's series this step
//   hostmind_anomalous_series            series whose latest score is at or above the threshold
//   hostmind_anomaly_series_watched      series with a detector
//   hostmind_anomaly_state_bytes         memory held by the detectors
//   hostmind_anomaly_series_dropped_total  series evicted at the cap
//   hostmind_anomaly_correlation_residual  how far the host's core gauges are off their learned
//                                         relation (HostCorrelation), once it has learnt
// The correlation view's onsets are onsets like any series' (series
// hostmind_anomaly_correlation_residual, view "correlation", the series most off named in detail).
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pipeline.h"
#include "detect/host_correlation.h"
#include "detect/incident_grouper.h"
#include "learn/anomaly_detector.h"

namespace hostmind {

struct MetricAnomalyOptions {
  size_t max_series = 2000;
  TimeMs step = 10 * kMsPerSecond;
  TimeMs incident_window = 2 * kMsPerMinute;
  uint32_t warmup_steps = 750;
  double threshold = kAnomalyThreshold;
  size_t max_incident_members = 20;
};

// What readers on other threads (the HTTP API) see.
struct MetricAnomalySnapshot {
  size_t series_watched = 0;
  size_t state_bytes = 0;
  uint64_t onsets_total = 0;
  uint64_t series_dropped = 0;
  std::vector<AnomalyOnset> recent;      // newest first
  std::vector<Incident> incidents;       // the open one (if any) first, then newest first
  std::vector<AnomalyOnset> anomalous;   // series whose latest score is at or above the threshold
  // The correlation view (HostCorrelation): core series watched (0 until found), whether it is
  // still learning, its alert level (0 while learning) and its latest residual.
  size_t correlation_series = 0;
  bool correlation_learning = true;
  double correlation_level = 0;
  double correlation_residual = 0;
};

// One point of a series' learned normal band (AnomalyDetector::Normal), in the series' units.
struct BandPoint {
  TimeMs ts = 0;
  double low = 0;
  double high = 0;
};

class MetricAnomalyAnalyzer final : public Analyzer {
 public:
  static constexpr size_t kRecentOnsets = 200;
  static constexpr size_t kRecentIncidents = 50;

  explicit MetricAnomalyAnalyzer(MetricAnomalyOptions options = {});
  void Analyze(const Batch& batch, Analysis& out) override;
  MetricAnomalySnapshot Snapshot() const;

  // The learned normal band of series `id` over [from, to] (thread-safe), as its detector sees it
  // now: a point at both ends of each stretch where it is constant, so it draws as steps. At
  // most the last `kMaxBandSpan` of the span, and not before the series was first seen; empty
  // when the series has no detector or is still learning. The band bounds the series' step means, which wiggle less than its raw samples.
  static constexpr TimeMs kMaxBandSpan = 2 * kMsPerDay;
  std::vector<BandPoint> Band(const std::string& id, TimeMs from, TimeMs to) const;

  // Bytes per watched series: the detector plus the analyzer's bookkeeping.
  static size_t BytesPerSeries();

 private:
  struct Watched {
    AnomalyDetector detector;
    std::string metric;
    bool core = false;     // one of HostCorrelation's core gauges
    int64_t step = -1;     // the step being accumulated
    double sum = 0;
    uint32_t count = 0;
    TimeMs first_seen = 0;  // the band is not drawn before it
    TimeMs last_seen = 0;
    AnomalyVerdict last{};  // verdict of the last completed step
  };

  Watched* Find(const Sample& s);
  // Once per step of the batches: the core gauges' latest step means to HostCorrelation.
  std::optional<AnomalyOnset> StepHostCorrelation(TimeMs now, Analysis& out);
  // Feeds a completed step to the detector; returns the onset when it is one.
  std::optional<AnomalyOnset> CompleteStep(const std::string& id, Watched& w);
  void Publish(const std::vector<AnomalyOnset>& onsets, const std::vector<Incident>& closed);
  // Updates the rate of onsets with this batch's; returns how many a window expects by chance.
  double ExpectedByChance(TimeMs now, size_t onsets);

  MetricAnomalyOptions options_;
  AnomalyDetectorOptions detector_options_;
  // Written by Analyze (the analysis thread), read by Band (HTTP threads): guarded by
  // watched_mu_, taken once per batch.
  mutable std::mutex watched_mu_;
  std::unordered_map<std::string, Watched> watched_;
  IncidentGrouper grouper_;
  HostCorrelation host_correlation_;
  std::map<std::string, double> core_values_;  // core gauges' latest step means, by series id
  int64_t host_step_ = -1;
  std::map<std::string, AnomalyOnset> anomalous_now_;  // series at or above the threshold now
  uint64_t onsets_total_ = 0;
  uint64_t dropped_ = 0;
  double decayed_onsets_ = 0;  // onsets and time, exponentially forgotten (6 h): the chance rate
  double decayed_time_ = 0;
  TimeMs last_batch_ = 0;
  int64_t budget_minute_ = -1;  // the per-minute budget of anomaly findings
  int budget_used_ = 0;

  mutable std::mutex mu_;  // guards what Snapshot() reads: the fields below
  MetricAnomalySnapshot snapshot_;  // counters and the anomalous list
  std::deque<AnomalyOnset> recent_;
  std::deque<Incident> incidents_;
  std::optional<Incident> open_incident_;
};

}  // namespace hostmind
