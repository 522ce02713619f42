#include "detect/metric_anomaly_analyzer.h"

#include <gtest/gtest.h>

#include <random>

namespace hostmind {
namespace {

constexpr TimeMs kStep = 10 * kMsPerSecond;

class MetricAnomalyAnalyzerTest : public ::testing::Test {
 protected:
  MetricAnomalyAnalyzerTest() : clock_(1704067200000) {}

  MetricAnomalyOptions Options() {
    MetricAnomalyOptions o;
    o.warmup_steps = 300;
    return o;
  }

  // One batch with a value for each named gauge, at the next step.
  Analysis Step(MetricAnomalyAnalyzer& a, const std::vector<std::pair<std::string, double>>& values) {
    clock_.Advance(kStep);
    Batch b;
    b.source = "test";
    b.ts = clock_.Now();
    for (const auto& [name, v] : values) b.Gauge(SeriesKey(name), v);
    Analysis out;
    a.Analyze(b, out);
    return out;
  }

  std::vector<std::pair<std::string, double>> Normal() {
    return {{"cpu", 20 + noise_(rng_)}, {"disk", 5 + noise_(rng_) / 4}, {"net", 100 + 5 * noise_(rng_)}};
  }

  FakeClock clock_;
  std::mt19937 rng_{1};
  std::normal_distribution<double> noise_{0, 1};
};

TEST_F(MetricAnomalyAnalyzerTest, GroupsAnomaliesThatStartTogetherIntoARankedIncident) {
  MetricAnomalyAnalyzer a(Options());
  for (int i = 0; i < 600; ++i) {
    // Single series may misfire on noise; nothing reaches the alerts.
    for (const Finding& f : Step(a, Normal()).findings) ASSERT_LT(f.severity, Severity::kWarning) << f.summary;
  }
  const uint64_t noise_onsets = a.Snapshot().onsets_total;
  // cpu and disk jump together (disk by more), net stays normal.
  std::vector<Finding> findings;
  for (int i = 0; i < 30; ++i) {
    auto v = Normal();
    v[0].second += 60;
    v[1].second += 50;
    for (Finding& f : Step(a, v).findings) findings.push_back(std::move(f));
  }
  int anomalies = 0;
  const Finding* incident = nullptr;
  for (const Finding& f : findings) {
    anomalies += f.kind == FindingKind::kAnomaly;
    if (f.kind == FindingKind::kIncident) incident = &f;
  }
  EXPECT_EQ(anomalies, 2);  // cpu and disk, once each
  ASSERT_NE(incident, nullptr);
  ASSERT_EQ(incident->evidence.size(), 2u);
  EXPECT_EQ(incident->severity, Severity::kInfo);  // two series: info; three or more: warning
  EXPECT_NE(incident->summary.find("2 series turned anomalous together"), std::string::npos) << incident->summary;
  EXPECT_GE(incident->evidence[0].score, incident->evidence[1].score);

  const MetricAnomalySnapshot snap = a.Snapshot();
  EXPECT_EQ(snap.series_watched, 3u);
  EXPECT_EQ(snap.onsets_total, noise_onsets + 2);
  ASSERT_GE(snap.incidents.size(), 1u);
  EXPECT_EQ(snap.incidents[0].members.size(), 2u);
  EXPECT_EQ(snap.recent[0].series == "cpu" || snap.recent[0].series == "disk", true);
}

TEST_F(MetricAnomalyAnalyzerTest, ThreeSeriesMakeAWarning) {
  MetricAnomalyAnalyzer a(Options());
  for (int i = 0; i < 600; ++i) Step(a, Normal());
  std::vector<Finding> incidents;
  for (int i = 0; i < 30; ++i) {
    auto v = Normal();
    for (auto& [name, value] : v) value *= 5;
    for (Finding& f : Step(a, v).findings) {
      if (f.kind == FindingKind::kIncident) incidents.push_back(f);
    }
  }
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].severity, Severity::kWarning);
  EXPECT_EQ(incidents[0].evidence.size(), 3u);
}

TEST_F(MetricAnomalyAnalyzerTest, CoreGaugesThatStopMovingTogetherAreAnOnsetWithTheResidualExported) {
  MetricAnomalyAnalyzer a(Options());
  std::uniform_real_distribution<double> load(0.2, 0.8);
  auto core = [&](double net, double cpu) {
    return std::vector<std::pair<std::string, double>>{
        {"hostmind_network_transmit_bytes_per_second", 1e6 * net * (1 + noise_(rng_) / 50)},
        {"hostmind_context_switches_per_second", 1e4 * cpu * (1 + noise_(rng_) / 50)},
        {"hostmind_procs_running", 3 + noise_(rng_) / 10}};
  };
  bool residual_exported = false;
  for (int i = 0; i < 500; ++i) {
    const double l = load(rng_);
    for (const Sample& s : Step(a, core(l, l)).samples) residual_exported |= s.key.name() == HostCorrelation::kSeries;
  }
  EXPECT_TRUE(residual_exported);
  const TimeMs broken_at = clock_.Now();
  std::vector<AnomalyOnset> correlation;
  for (int i = 0; i < 3; ++i) Step(a, core(0.8, 0.2));
  for (const AnomalyOnset& o : a.Snapshot().recent)
    if (o.view == "correlation" && o.ts >= broken_at) correlation.push_back(o);
  ASSERT_EQ(correlation.size(), 1u);
  EXPECT_EQ(correlation[0].series, HostCorrelation::kSeries);
  EXPECT_FALSE(correlation[0].detail.empty());
}

TEST_F(MetricAnomalyAnalyzerTest, ExportsBoundedScoreSeries) {
  MetricAnomalyAnalyzer a(Options());
  Analysis out;
  for (int i = 0; i < 400; ++i) out = Step(a, Normal());
  int per_metric = 0;
  bool watched = false;
  for (const Sample& s : out.samples) {
    if (s.key.name() == "hostmind_anomaly_score") {
      ++per_metric;
      EXPECT_GE(s.value, 0.0);
      EXPECT_LE(s.value, 1.0);
    }
    if (s.key.name() == "hostmind_anomaly_series_watched") watched = s.value == 3;
  }
  EXPECT_EQ(per_metric, 3);  // one per metric name
  EXPECT_TRUE(watched);
}

TEST_F(MetricAnomalyAnalyzerTest, WatchesOnlyGaugesAndNotItsOwnOutput) {
  MetricAnomalyAnalyzer a(Options());
  clock_.Advance(kStep);
  Batch b;
  b.ts = clock_.Now();
  b.Gauge(SeriesKey("cpu"), 1);
  b.Counter(SeriesKey("errors_total"), 3);
  b.Gauge(SeriesKey("hostmind_process_info", {{"pid", "1"}}), 1);
  b.Gauge(SeriesKey("hostmind_anomaly_score", {{"metric", "cpu"}}), 0.5);
  Analysis out;
  a.Analyze(b, out);
  EXPECT_EQ(a.Snapshot().series_watched, 1u);  // cpu only
}

TEST_F(MetricAnomalyAnalyzerTest, DropsTheLeastRecentlySeenSeriesAtTheCap) {
  MetricAnomalyOptions o = Options();
  o.max_series = 2;
  MetricAnomalyAnalyzer a(o);
  Step(a, {{"a", 1}, {"b", 1}});
  Step(a, {{"b", 1}, {"c", 1}});  // c arrives at the cap: a (seen least recently) goes
  const MetricAnomalySnapshot snap = a.Snapshot();
  EXPECT_EQ(snap.series_watched, 2u);
  EXPECT_EQ(snap.series_dropped, 1u);
  EXPECT_LE(MetricAnomalyAnalyzer::BytesPerSeries(), 2048u);
}

TEST_F(MetricAnomalyAnalyzerTest, ServesEachSeriesLearnedBandAsSteps) {
  MetricAnomalyAnalyzer a(Options());
  for (int i = 0; i < 200; ++i) Step(a, Normal());
  const TimeMs now = clock_.Now();
  EXPECT_TRUE(a.Band("cpu", now - kMsPerHour, now).empty()) << "no band while learning";
  for (int i = 0; i < 400; ++i) Step(a, Normal());
  EXPECT_TRUE(a.Band("nothing", 0, clock_.Now()).empty());

  // An hour: a step of the band at each 15-minute boundary, two points per stretch.
  const TimeMs to = clock_.Now(), from = to - kMsPerHour;
  const std::vector<BandPoint> band = a.Band("cpu", from, to);
  ASSERT_GE(band.size(), 8u);
  EXPECT_LE(band.size(), 10u);
  EXPECT_EQ(band.front().ts, from);
  EXPECT_EQ(band.back().ts, to);
  for (size_t i = 0; i < band.size(); ++i) {
    EXPECT_LT(band[i].low, 20) << i;
    EXPECT_GT(band[i].high, 20) << i;
    EXPECT_LT(band[i].high - band[i].low, 20) << "the cpu series wiggles by about 1";
    if (i > 0) {
      EXPECT_GT(band[i].ts, band[i - 1].ts);
    }
  }
  // Not before the series was first seen (its first sample, 600 steps ago).
  EXPECT_EQ(a.Band("cpu", 0, to).front().ts, to - 599 * kStep);
  // A span longer than the cap is cut to its most recent part.
  for (int i = 0; i < 20000; ++i) Step(a, Normal());
  EXPECT_EQ(a.Band("cpu", 0, clock_.Now()).front().ts, clock_.Now() - MetricAnomalyAnalyzer::kMaxBandSpan);
}

}  // namespace
}  // namespace hostmind
