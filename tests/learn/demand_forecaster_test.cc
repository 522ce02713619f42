#include "learn/demand_forecaster.h"

#include <gtest/gtest.h>

#include <random>

namespace hostmind {
namespace {

TEST(DemandForecaster, FollowsALinearRampAndPredictsAhead) {
  DemandForecaster f;
  for (int i = 0; i <= 60; ++i) f.Observe(i * 2000, 100.0 + 5.0 * i);  // +2.5 per second
  DemandForecast d = f.Forecast(10000);
  EXPECT_NEAR(d.trend_per_s, 2.5, 0.1);
  EXPECT_NEAR(d.mean, 400.0 + 25.0, 3.0);
  EXPECT_GE(d.upper, d.mean);
  EXPECT_NEAR(static_cast<double>(f.TimeToReach(500.0)), 40000, 3000);
  EXPECT_EQ(f.TimeToReach(100.0), -1);  // behind us
}

TEST(DemandForecaster, UpperCoversNoiseAndKeepsRecentPeaks) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 0.1);
  DemandForecaster f;
  int above = 0;
  for (int i = 0; i < 500; ++i) {
    double v = 1.0 + noise(rng);
    if (i > 50 && v > f.Forecast(2000).upper) ++above;
    f.Observe(i * 2000, v);
  }
  EXPECT_LT(above, 25);  // ~98% coverage claimed; allow 5%
  f.Observe(1000 * 2000, 3.0);  // a burst
  EXPECT_GE(f.Forecast(2000).upper, 2.9);
}

TEST(DemandForecaster, StateRoundTrips) {
  DemandForecaster a;
  for (int i = 0; i < 20; ++i) a.Observe(i * 1000, i * 1.5);
  DemandForecaster b;
  ASSERT_TRUE(b.LoadState(a.SaveState()).ok());
  EXPECT_DOUBLE_EQ(a.Forecast(5000).mean, b.Forecast(5000).mean);
  EXPECT_FALSE(b.LoadState("nope").ok());
}

}  // namespace
}  // namespace hostmind
