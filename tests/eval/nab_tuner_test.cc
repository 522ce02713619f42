#include "eval/nab_tuner.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(NabTunerTest, SetTuningKnobChangesOnlyTheNamedConstant) {
  AnomalyTuning t = DefaultAnomalyTuning();
  ASSERT_TRUE(SetTuningKnob(t, "weight.volatility=0.25").ok());
  EXPECT_EQ(t.weight[static_cast<int>(AnomalyView::kVolatility)], 0.25);
  ASSERT_TRUE(SetTuningKnob(t, "suppression_samples=50").ok());
  EXPECT_EQ(t.suppression_samples, 50);
  AnomalyTuning expected = DefaultAnomalyTuning();
  expected.weight[static_cast<int>(AnomalyView::kVolatility)] = 0.25;
  expected.suppression_samples = 50;
  EXPECT_EQ(DescribeTuning(t), DescribeTuning(expected));
}

TEST(NabTunerTest, SetTuningKnobRejectsUnknownNamesAndBadValues) {
  AnomalyTuning t = DefaultAnomalyTuning();
  const std::string before = DescribeTuning(t);
  EXPECT_FALSE(SetTuningKnob(t, "no_such_knob=1").ok());
  EXPECT_FALSE(SetTuningKnob(t, "mean_rate").ok());
  EXPECT_FALSE(SetTuningKnob(t, "mean_rate=").ok());
  EXPECT_FALSE(SetTuningKnob(t, "mean_rate=0.1x").ok());
  EXPECT_FALSE(SetTuningKnob(t, "mean_rate=nan").ok());
  EXPECT_EQ(DescribeTuning(t), before);
}

}  // namespace
}  // namespace hostmind
