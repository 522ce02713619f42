#include "eval/forecast_eval.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(ForecastEvalTest, PredictLinearIsPrometheusLeastSquares) {
  std::vector<double> line(1000);
  for (size_t m = 0; m < line.size(); ++m) line[m] = 5 + 0.5 * m;  // +0.5 per minute
  // At minute 900, 2 hours ahead: 5 + 0.5 * (900 + 120).
  EXPECT_NEAR(PredictLinear(line, 900, 6 * kMsPerHour, 2 * kMsPerHour), 515.0, 1e-6);
  EXPECT_NEAR(PredictLinear(line, 900, 6 * kMsPerHour, 0), 455.0, 1e-6);
}

TEST(ForecastEvalTest, GeneratedSeriesReachCapacityWhenTheySay) {
  const auto series = GenerateForecastSeries(2, 7);
  ASSERT_EQ(series.size(), 20u);  // 6 filling kinds + 4 stationary, two each
  for (const auto& s : series) {
    if (s.exhaustion < 0) {
      for (double v : s.value) ASSERT_LT(v, s.capacity) << s.kind;
      continue;
    }
    const size_t full = static_cast<size_t>(s.exhaustion / kMsPerMinute);
    ASSERT_EQ(full + 1, s.value.size()) << s.kind;
    EXPECT_GE(s.value[full], s.capacity) << s.kind;
    for (size_t m = 0; m < full; ++m) ASSERT_LT(s.value[m], s.capacity) << s.kind;
  }
}

TEST(ForecastEvalTest, OursBeatsPredictLinearOnASmallSample) {
  const ForecastEvaluation e = EvaluateForecasts(GenerateForecastSeries(2, 3));
  EXPECT_EQ(e.filling, 12);
  EXPECT_LT(e.ours.median_error, e.predict_linear.median_error);
  EXPECT_EQ(e.ours.stationary_series, 8);
  EXPECT_EQ(e.ours.alarm_checks, 8 * 97);
}

}  // namespace
}  // namespace hostmind
