// HostCorrelation on synthetic steps of core gauges: a broken relation is one onset naming the
// series, a move along the relation none; only core gauges are watched.
#include "detect/host_correlation.h"

#include <gtest/gtest.h>

#include <random>

#include "learn/anomaly_detector.h"

namespace hostmind {
namespace {

constexpr TimeMs kStep = 10 * kMsPerSecond;

// Network traffic and CPU both follow one load; forks are independent.
std::map<std::string, double> CoreStep(std::mt19937& rng, double net_load, double cpu_load) {
  std::normal_distribution<double> noise(0, 0.02);
  return {{"hostmind_network_receive_bytes_per_second", 1e6 * net_load * (1 + noise(rng))},
          {"hostmind_cpu_utilization_ratio{mode=\"user\"}", 0.5 * cpu_load * (1 + noise(rng))},
          {"hostmind_forks_per_second", 20 * (1 + 5 * noise(rng))}};
}

TEST(HostCorrelationTest, WatchesOnlyHostWideCoreGauges) {
  EXPECT_TRUE(HostCorrelation::Watches(SeriesKey("hostmind_cpu_utilization_ratio", {{"cpu", "total"}, {"mode", "user"}})));
  EXPECT_FALSE(HostCorrelation::Watches(SeriesKey("hostmind_cpu_utilization_ratio", {{"cpu", "3"}, {"mode", "user"}})));
  EXPECT_TRUE(HostCorrelation::Watches(SeriesKey("hostmind_network_transmit_bytes_per_second", {{"device", "eth0"}})));
  EXPECT_FALSE(HostCorrelation::Watches(SeriesKey("hostmind_process_rss_bytes", {{"pid", "1"}})));
  EXPECT_FALSE(HostCorrelation::Watches(SeriesKey(HostCorrelation::kSeries)));
}

TEST(HostCorrelationTest, ABrokenRelationIsOneOnsetThatNamesItsSeries) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> load(0.2, 0.8);
  HostCorrelationOptions options;
  options.learning_steps = 1000;
  HostCorrelation h(options);
  TimeMs ts = 0;
  int chance_onsets = 0;
  for (int i = 0; i < 3000; ++i) {
    const double l = load(rng);
    ts += kStep;
    chance_onsets += h.Step(ts, CoreStep(rng, l, l)).has_value();
  }
  // The level lets through a share `tail` (0.1%) of the learning period's residuals; the model
  // that follows afterwards is a little noisier: 4 chance onsets in 2,000 normal steps here.
  EXPECT_LE(chance_onsets, 6);
  ASSERT_FALSE(h.learning());
  EXPECT_EQ(h.series(), 3u);
  EXPECT_GT(h.alert_level(), 0);
  // Along the relation, at the edge of the learnt range: well under the level.
  h.Step(ts += kStep, CoreStep(rng, 0.8, 0.8));
  EXPECT_LT(h.last_residual(), h.alert_level() * 2);
  // Traffic at its busiest while the CPU idles: each inside its range, together not.
  auto onset = h.Step(ts += kStep, CoreStep(rng, 0.8, 0.2));
  ASSERT_TRUE(onset.has_value()) << "residual " << h.last_residual() << " level " << h.alert_level();
  EXPECT_GT(h.last_residual(), 10 * h.alert_level());
  EXPECT_EQ(onset->series, HostCorrelation::kSeries);
  EXPECT_EQ(onset->view, "correlation");
  EXPECT_GE(onset->score, kAnomalyThreshold);
  EXPECT_NE(onset->detail.find("hostmind_network_receive_bytes_per_second"), std::string::npos) << onset->detail;
  // Still broken: the same excursion, not a new onset.
  EXPECT_FALSE(h.Step(ts += kStep, CoreStep(rng, 0.8, 0.2)).has_value());
}

}  // namespace
}  // namespace hostmind
