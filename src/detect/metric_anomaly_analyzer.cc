#include "detect/metric_anomaly_analyzer.h"

#include <algorithm>
#include <cmath>

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

constexpr int kMaxAnomalyFindingsPerMinute = 10;  // beyond this, onsets only feed incidents
constexpr TimeMs kChanceMemory = 6 * kMsPerHour;  // the rate of onsets forgets over this
constexpr double kPriorOnsetsPerHour = 1;         // until there is history

bool Watchable(const Sample& s) {
  if (s.kind != MetricKind::kGauge || !std::isfinite(s.value)) return false;
  const std::string& name = s.key.name();
  // Our own outputs are not fed back; info series are constant 1 by construction.
  if (name.rfind("hostmind_anomal", 0) == 0 || name.rfind("hostmind_forecast_", 0) == 0) return false;
  return !(name.size() > 5 && name.compare(name.size() - 5, 5, "_info") == 0);
}

}  // namespace

MetricAnomalyAnalyzer::MetricAnomalyAnalyzer(MetricAnomalyOptions options)
    : options_(options),
      grouper_(options.incident_window, options.max_incident_members),
      host_correlation_(HostCorrelationOptions{
          .learning_steps = options.warmup_steps,
          .rate = std::min(1.0, 0.01 * static_cast<double>(options.step) / kMsPerMinute)}) {
  detector_options_.warmup_samples = options.warmup_steps;
  DescribeMetric("hostmind_anomaly_score", "Highest anomaly score (0-1) among the series of a metric in the last step.");
  DescribeMetric("hostmind_anomalous_series", "Series whose latest anomaly score is at or above the alert threshold.");
  DescribeMetric("hostmind_anomaly_series_watched", "Series with an anomaly detector.");
  DescribeMetric("hostmind_anomaly_state_bytes", "Memory held by the anomaly detectors.");
  DescribeMetric("hostmind_anomaly_series_dropped_total", "Series dropped at the detector cap (least recently seen first).");
  DescribeMetric(HostCorrelation::kSeries,
                 "How far the host's core gauges are off their learned relation (squared standardised residual).");
}

size_t MetricAnomalyAnalyzer::BytesPerSeries() {
  // The map node: key string, value, hash bucket; series ids average ~60 bytes.
  return sizeof(Watched) + sizeof(std::string) + 64 + 2 * sizeof(void*);
}

MetricAnomalyAnalyzer::Watched* MetricAnomalyAnalyzer::Find(const Sample& s) {
  auto it = watched_.find(s.key.id());
  if (it != watched_.end()) return &it->second;
  if (watched_.size() >= options_.max_series) {
    auto oldest = std::min_element(watched_.begin(), watched_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
    watched_.erase(oldest);
    ++dropped_;
  }
  auto [pos, inserted] =
      watched_.try_emplace(s.key.id(), Watched{AnomalyDetector(detector_options_), s.key.name(),
                                               HostCorrelation::Watches(s.key)});
  pos->second.first_seen = s.ts;
  return &pos->second;
}

std::optional<AnomalyOnset> MetricAnomalyAnalyzer::CompleteStep(const std::string& id, Watched& w) {
  const TimeMs end = (w.step + 1) * options_.step;
  if (w.core) core_values_[id] = w.sum / w.count;
  w.last = w.detector.Observe(end, w.sum / w.count);
  w.sum = 0;
  w.count = 0;
  if (w.last.score < options_.threshold) return std::nullopt;
  return AnomalyOnset{end, id, w.last.score, AnomalyViewName(w.last.view), w.last.observed, w.last.low, w.last.high, {}};
}

void MetricAnomalyAnalyzer::Analyze(const Batch& batch, Analysis& out) {
  std::vector<AnomalyOnset> onsets;
  std::map<std::string, double> metric_score;  // metric -> highest raw score of a step completed now
  std::unique_lock watched_lock(watched_mu_);
  for (const Sample& s : batch.samples) {
    if (!Watchable(s)) continue;
    Watched& w = *Find(s);
    w.last_seen = s.ts;
    const int64_t step = s.ts / options_.step;
    if (w.count > 0 && step != w.step) {
      if (auto onset = CompleteStep(s.key.id(), w)) onsets.push_back(*onset);
      if (!w.last.learning) {
        double& m = metric_score[w.metric];
        m = std::max(m, w.last.raw_score);
      }
      if (w.last.raw_score >= options_.threshold) {
        anomalous_now_[s.key.id()] = AnomalyOnset{s.ts, s.key.id(), w.last.raw_score, AnomalyViewName(w.last.view),
                                                  w.last.observed, w.last.low, w.last.high, {}};
      } else {
        anomalous_now_.erase(s.key.id());
      }
    }
    w.step = step;
    w.sum += s.value;
    ++w.count;
  }
  const size_t watched_count = watched_.size();
  watched_lock.unlock();
  if (auto onset = StepHostCorrelation(batch.ts, out)) onsets.push_back(*onset);

  std::sort(onsets.begin(), onsets.end(), [](const AnomalyOnset& a, const AnomalyOnset& b) { return a.ts < b.ts; });
  std::vector<Incident> closed;
  for (const AnomalyOnset& o : onsets) {
    for (Incident& i : grouper_.Add(o)) closed.push_back(std::move(i));
  }
  for (Incident& i : grouper_.Tick(batch.ts)) closed.push_back(std::move(i));

  // Findings: every onset (up to a per-minute budget), every incident of two or more series.
  for (const AnomalyOnset& o : onsets) {
    const int64_t minute = o.ts / kMsPerMinute;
    if (minute != budget_minute_) budget_minute_ = minute, budget_used_ = 0;
    if (budget_used_++ < kMaxAnomalyFindingsPerMinute) out.findings.push_back(AnomalyFinding(o));
  }
  const double expected = ExpectedByChance(batch.ts, onsets.size());
  for (const Incident& i : closed) {
    if (i.members.size() >= 2) out.findings.push_back(IncidentFinding(i, expected));
  }
  onsets_total_ += onsets.size();

  for (const auto& [metric, score] : metric_score) {
    out.samples.push_back({SeriesKey("hostmind_anomaly_score", {{"metric", metric}}), score, batch.ts, MetricKind::kGauge});
  }
  out.samples.push_back({SeriesKey("hostmind_anomalous_series"), static_cast<double>(anomalous_now_.size()), batch.ts,
                         MetricKind::kGauge});
  out.samples.push_back({SeriesKey("hostmind_anomaly_series_watched"), static_cast<double>(watched_count), batch.ts,
                         MetricKind::kGauge});
  out.samples.push_back({SeriesKey("hostmind_anomaly_state_bytes"),
                         static_cast<double>(watched_count * BytesPerSeries() + host_correlation_.StateBytes()),
                         batch.ts, MetricKind::kGauge});
  out.samples.push_back({SeriesKey("hostmind_anomaly_series_dropped_total"), static_cast<double>(dropped_), batch.ts,
                         MetricKind::kCounter});
  Publish(onsets, closed);
}

std::optional<AnomalyOnset> MetricAnomalyAnalyzer::StepHostCorrelation(TimeMs now, Analysis& out) {
  const int64_t step = now / options_.step;
  if (step == host_step_ || core_values_.empty()) return std::nullopt;
  host_step_ = step;
  auto onset = host_correlation_.Step(step * options_.step, core_values_);
  if (!host_correlation_.learning()) {
    out.samples.push_back({SeriesKey(HostCorrelation::kSeries), host_correlation_.last_residual(), now,
                           MetricKind::kGauge});
  }
  return onset;
}

double MetricAnomalyAnalyzer::ExpectedByChance(TimeMs now, size_t onsets) {
  const double dt = last_batch_ > 0 ? static_cast<double>(std::max<TimeMs>(0, now - last_batch_)) : 0.0;
  last_batch_ = now;
  const double keep = std::exp(-dt / kChanceMemory);
  decayed_onsets_ = decayed_onsets_ * keep + static_cast<double>(onsets);
  decayed_time_ = decayed_time_ * keep + dt;
  const double rate = (decayed_onsets_ + kPriorOnsetsPerHour) / (decayed_time_ + kMsPerHour);  // per ms
  return rate * static_cast<double>(options_.incident_window);
}

void MetricAnomalyAnalyzer::Publish(const std::vector<AnomalyOnset>& onsets, const std::vector<Incident>& closed) {
  std::lock_guard lock(mu_);
  for (const AnomalyOnset& o : onsets) {
    recent_.push_front(o);
    if (recent_.size() > kRecentOnsets) recent_.pop_back();
  }
  for (const Incident& i : closed) {
    if (i.members.size() < 2) continue;
    incidents_.push_front(i);
    if (incidents_.size() > kRecentIncidents) incidents_.pop_back();
  }
  snapshot_.series_watched = watched_.size();
  snapshot_.state_bytes = watched_.size() * BytesPerSeries() + host_correlation_.StateBytes();
  snapshot_.onsets_total = onsets_total_;
  snapshot_.series_dropped = dropped_;
  snapshot_.correlation_series = host_correlation_.series();
  snapshot_.correlation_learning = host_correlation_.learning();
  snapshot_.correlation_level = host_correlation_.alert_level();
  snapshot_.correlation_residual = host_correlation_.last_residual();
  snapshot_.anomalous.clear();
  for (const auto& [id, onset] : anomalous_now_) snapshot_.anomalous.push_back(onset);
  const Incident* open = grouper_.open();
  if (open && open->members.size() >= 2) {
    open_incident_ = *open;
  } else {
    open_incident_.reset();
  }
}

std::vector<BandPoint> MetricAnomalyAnalyzer::Band(const std::string& id, TimeMs from, TimeMs to) const {
  std::vector<BandPoint> band;
  from = std::max(from, to - kMaxBandSpan);
  std::lock_guard lock(watched_mu_);
  auto it = watched_.find(id);
  if (it == watched_.end()) return band;
  const AnomalyDetector& detector = it->second.detector;
  // Not before the series was first seen: a band over time it never saw would claim too much.
  from = std::max(from, it->second.first_seen);
  constexpr TimeMs kStretch = AnomalyDetector::kSeasonalResolution;
  for (TimeMs start = from; start <= to;) {
    const TimeMs end = std::min(to, (start / kStretch + 1) * kStretch - 1);
    if (auto range = detector.Normal(start, options_.threshold)) {
      band.push_back({start, range->low, range->high});
      if (end > start) band.push_back({end, range->low, range->high});
    }
    start = end + 1;
  }
  return band;
}

MetricAnomalySnapshot MetricAnomalyAnalyzer::Snapshot() const {
  std::lock_guard lock(mu_);
  MetricAnomalySnapshot s = snapshot_;
  s.recent.assign(recent_.begin(), recent_.end());
  if (open_incident_) s.incidents.push_back(*open_incident_);
  s.incidents.insert(s.incidents.end(), incidents_.begin(), incidents_.end());
  return s;
}

}  // namespace hostmind
