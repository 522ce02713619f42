#include "learn/exhaustion_forecaster.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hostmind {
namespace {

constexpr TimeMs kStart = 1704067200000;  // midnight UTC

// Feeds one value a minute for `minutes` minutes from `from`; returns the next minute.
template <typename F>
int Feed(ExhaustionForecaster& f, int from, int minutes, F value) {
  for (int m = from; m < from + minutes; ++m) f.Observe(kStart + m * kMsPerMinute, value(m));
  return from + minutes;
}

TEST(ExhaustionForecasterTest, NeedsAnHourBeforeForecasting) {
  ExhaustionForecaster f;
  Feed(f, 0, 30, [](int m) { return 10.0 + m; });
  const ExhaustionForecast fc = f.Forecast(1000);
  EXPECT_FALSE(fc.growing);
  EXPECT_EQ(fc.eta, -1);
}

TEST(ExhaustionForecasterTest, LinearFillIsForecastWithinAFewPercent) {
  ExhaustionForecaster f;
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 0.2);
  // 100 GiB disk, 40 GiB used, +0.5 GiB/h: full at 120 h.
  const int now = Feed(f, 0, 12 * 60, [&](int m) { return 40 + 0.5 * m / 60.0 + noise(rng); });
  const ExhaustionForecast fc = f.Forecast(100);
  ASSERT_TRUE(fc.growing);
  EXPECT_NEAR(fc.rate_per_hour, 0.5, 0.05);
  const double truth_h = 120.0 - now / 60.0;
  EXPECT_NEAR(static_cast<double>(fc.eta) / kMsPerHour, truth_h, 0.05 * truth_h);
  EXPECT_LE(fc.eta_low, fc.eta);
  EXPECT_GE(fc.eta_high, fc.eta);
  EXPECT_NEAR(fc.level, 46, 0.5);
}

TEST(ExhaustionForecasterTest, DailyCycleDoesNotBiasTheRate) {
  ExhaustionForecaster f;
  // +0.2/h with a +-15 daily swing: a 6-hour line fit would see slopes of +-4/h.
  auto value = [](int m) { return 300 + 0.2 * m / 60.0 + 15 * std::sin(2 * M_PI * m / 1440.0); };
  const int now = Feed(f, 0, 3 * 1440, value);
  const ExhaustionForecast fc = f.Forecast(500);
  ASSERT_TRUE(fc.growing);
  EXPECT_NEAR(fc.rate_per_hour, 0.2, 0.01);
  // The value first reaches 500 at a daily peak: find it by simulation.
  int full = now;
  while (value(full) < 500) ++full;
  const double truth_h = (full - now) / 60.0;
  EXPECT_NEAR(static_cast<double>(fc.eta) / kMsPerHour, truth_h, 0.03 * truth_h);
}

TEST(ExhaustionForecasterTest, OneOffDropIsSplicedOut) {
  ExhaustionForecaster f;
  // +1/h; a log rotation frees 30 at hour 20; then growth goes on.
  auto value = [](int m) { return 50 + m / 60.0 - (m >= 20 * 60 ? 30 : 0); };
  Feed(f, 0, 30 * 60, value);
  const ExhaustionForecast fc = f.Forecast(200);
  ASSERT_TRUE(fc.growing);
  EXPECT_NEAR(fc.rate_per_hour, 1.0, 0.05);
  EXPECT_NEAR(fc.level, value(30 * 60 - 1), 1.0);
  EXPECT_GE(fc.since, kStart + 20 * kMsPerHour);  // growth is reported since the rotation
}

TEST(ExhaustionForecasterTest, RecurringRotationsCountInTheNetRate) {
  ExhaustionForecaster f;
  // +2/h, and every night at 03:00 the rotation frees 36 of the day's 48: net +0.5/h.
  double level = 100;
  Feed(f, 0, 3 * 1440, [&](int m) {
    level += 2.0 / 60;
    if (m % 1440 == 180) level -= 36;
    return level;
  });
  const ExhaustionForecast fc = f.Forecast(1000);
  ASSERT_TRUE(fc.growing);
  EXPECT_NEAR(fc.rate_per_hour, 0.5, 0.05);
}

TEST(ExhaustionForecasterTest, StationarySeriesIsNotGrowing) {
  ExhaustionForecaster f;
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 2);
  Feed(f, 0, 3 * 1440, [&](int m) { return 70 + 10 * std::sin(2 * M_PI * m / 1440.0) + noise(rng); });
  const ExhaustionForecast fc = f.Forecast(100);
  EXPECT_FALSE(fc.growing);
  EXPECT_EQ(fc.eta, -1);
}

TEST(ExhaustionForecasterTest, AlreadyFullIsNow) {
  ExhaustionForecaster f;
  Feed(f, 0, 600, [](int m) { return 90 + m / 60.0; });
  const ExhaustionForecast fc = f.Forecast(95);
  ASSERT_TRUE(fc.growing);
  EXPECT_EQ(fc.eta, 0);
}

TEST(ExhaustionForecasterTest, SurvivesGapsAndResumesFromSavedState) {
  ExhaustionForecaster a;
  int m = Feed(a, 0, 600, [](int t) { return 10 + t / 60.0; });
  m = Feed(a, m + 180, 600, [](int t) { return 10 + t / 60.0; });  // three hours missing
  ExhaustionForecaster b;
  ASSERT_TRUE(b.LoadState(a.SaveState()).ok());
  Feed(a, m, 60, [](int t) { return 10 + t / 60.0; });
  Feed(b, m, 60, [](int t) { return 10 + t / 60.0; });
  const ExhaustionForecast fa = a.Forecast(100), fb = b.Forecast(100);
  ASSERT_TRUE(fa.growing);
  EXPECT_NEAR(fa.rate_per_hour, 1.0, 0.02);
  EXPECT_EQ(fa.eta, fb.eta);
  EXPECT_FALSE(b.LoadState("garbage").ok());
}

TEST(ExhaustionForecasterTest, StateFitsTheBudget) {
  EXPECT_LE(ExhaustionForecaster::MemoryBytes(), 2048u);
  ExhaustionForecaster f;
  Feed(f, 0, 3 * 1440, [](int m) { return m * 1.0; });
  EXPECT_LE(f.SaveState().size(), 2048u);
}

}  // namespace
}  // namespace hostmind
