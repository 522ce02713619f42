// CorrelationDetector on synthetic vectors: a broken relation scores and names its series, a
// joint move along the relation does not, the kept components follow the data's structure,
// a frozen model stops learning, and after the learning period a new relation is learnt.
#include "learn/correlation_detector.h"

#include <gtest/gtest.h>

#include <random>

namespace hostmind {
namespace {

// Three series driven by one load (the second and third follow the first), plus one of noise.
std::vector<double> Related(std::mt19937& rng, double load_shift = 0) {
  std::normal_distribution<double> noise(0, 0.01);
  std::uniform_real_distribution<double> load(0.2, 0.8);
  const double l = load(rng) + load_shift;
  return {l + noise(rng), 0.5 * l + noise(rng), 1 - l + noise(rng), 0.5 + 5 * noise(rng)};
}

TEST(CorrelationDetectorTest, ScoresABrokenRelationAndNamesItsSeries) {
  std::mt19937 rng(1);
  CorrelationDetector d(4);
  double typical = 0;
  for (int i = 0; i < 2000; ++i) {
    const double r = d.Observe(Related(rng));
    if (i >= 1000) typical = std::max(typical, r);
  }
  ASSERT_GT(d.components(), 0u);
  ASSERT_LT(d.components(), 4u);
  // Each value inside its usual range, but the second no longer follows the first.
  const double broken = d.Observe(std::vector<double>{0.7, 0.1, 0.3, 0.5});
  EXPECT_GT(broken, 10 * typical) << "typical " << typical;
  const auto why = d.Contributors(2);
  ASSERT_EQ(why.size(), 2u);
  EXPECT_TRUE(why[0] == 1 || why[1] == 1) << why[0] << " " << why[1];
  // A move along the relation, even to the edge of the range, is not a break.
  EXPECT_LT(d.Observe(std::vector<double>{0.79, 0.395, 0.21, 0.5}), typical * 2);
}

TEST(CorrelationDetectorTest, KeepsTheComponentsThatExplainTheVariance) {
  // Two independent drivers, each copied into three series: two components explain it all.
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 0.01);
  CorrelationDetector d(6);
  for (int i = 0; i < 600; ++i) {
    const double a = u(rng), b = u(rng);
    d.Observe(std::vector<double>{a + noise(rng), a + noise(rng), a + noise(rng), b + noise(rng), b + noise(rng),
                                  b + noise(rng)});
  }
  EXPECT_EQ(d.components(), 2u);
  EXPECT_GT(d.StateBytes(), 6u * 6u * sizeof(double));
}

TEST(CorrelationDetectorTest, LearnsANewRelationAfterItsLearningPeriodButNotWhenFrozen) {
  std::mt19937 rng(3);
  CorrelationOptions options;
  options.learning_steps = 1000;
  CorrelationDetector online(4, options), frozen(4, options);
  for (int i = 0; i < 1000; ++i) {
    const auto v = Related(rng);
    online.Observe(v);
    frozen.Observe(v);
  }
  frozen.Freeze(true);
  // From now on the second series follows the first the other way round.
  auto changed = [&] {
    auto v = Related(rng);
    v[1] = 0.5 - 0.5 * v[0];
    return v;
  };
  double online_first = 0, online_last = 0, frozen_last = 0;
  for (int i = 0; i < 1500; ++i) {
    const auto v = changed();
    const double r = online.Observe(v), f = frozen.Observe(v);
    if (i == 0) online_first = r;
    if (i >= 1400) online_last = std::max(online_last, r), frozen_last = std::max(frozen_last, f);
  }
  EXPECT_LT(online_last, online_first / 10);  // ~100-step memory: long learnt by now
  EXPECT_GT(frozen_last, online_last * 10);   // the frozen model still sees the break
}

}  // namespace
}  // namespace hostmind
