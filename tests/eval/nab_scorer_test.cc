#include "eval/nab_scorer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hostmind {
namespace {

constexpr NabCostMatrix kStandard{1.0, 0.11, 1.0};

// 100 rows (probation 15) with one window at rows 50..59; detections where `hits` say.
std::vector<NabThresholdScore> Sweep(const std::vector<size_t>& hits, const NabCostMatrix& cost = kStandard) {
  std::vector<double> scores(100, 0.0);
  for (size_t h : hits) scores[h] = 1.0;
  std::vector<NabSweepRow> rows;
  AppendSweepRows(scores, {{50, 59}}, cost, 0, rows);
  return ScoreByThreshold(rows, cost);
}

double ScoreAtOne(const std::vector<size_t>& hits, const NabCostMatrix& cost = kStandard) {
  return ScoreAtThreshold(Sweep(hits, cost), 1.0).score;
}

TEST(NabScorerTest, ScaledSigmoidMatchesNab) {
  EXPECT_NEAR(NabScaledSigmoid(-1.0), 2.0 / (1.0 + std::exp(-5.0)) - 1.0, 1e-12);  // 0.98661
  EXPECT_NEAR(NabScaledSigmoid(-0.5), 0.848283, 1e-6);
  EXPECT_NEAR(NabScaledSigmoid(0.0), 0.0, 1e-12);
  EXPECT_NEAR(NabScaledSigmoid(1.0), -0.986614, 1e-6);
  EXPECT_EQ(NabScaledSigmoid(3.0), -1.0);
  EXPECT_EQ(NabScaledSigmoid(10.0), -1.0);
}

TEST(NabScorerTest, ProbationIsFifteenPercentCappedAt750) {
  EXPECT_EQ(NabProbationRows(100), 15u);
  EXPECT_EQ(NabProbationRows(4032), 604u);
  EXPECT_EQ(NabProbationRows(5000), 750u);
  EXPECT_EQ(NabProbationRows(22695), 750u);
}

TEST(NabScorerTest, NoDetectionCostsOneFalseNegative) { EXPECT_NEAR(ScoreAtOne({}), -1.0, 1e-12); }

TEST(NabScorerTest, DetectionAtLeftEdgeEarnsFullReward) { EXPECT_NEAR(ScoreAtOne({50}), 1.0, 1e-12); }

TEST(NabScorerTest, LaterDetectionsEarnLess) {
  // Hand-computed: position -(59-55+1)/10 = -0.5 -> sigmoid 0.848283 / 0.986614.
  EXPECT_NEAR(ScoreAtOne({55}), 0.8597925669, 1e-9);
  // The right edge still earns a little (NAB's "+ 1"): position -0.1.
  EXPECT_NEAR(ScoreAtOne({59}), 0.2482415498, 1e-9);
}

TEST(NabScorerTest, OnlyTheEarliestDetectionInAWindowCounts) {
  EXPECT_NEAR(ScoreAtOne({52, 55, 59}), ScoreAtOne({52}), 1e-12);
}

TEST(NabScorerTest, FalsePositivesCostByDistanceFromThePreviousWindow) {
  // Before any window: the full fpWeight.
  EXPECT_NEAR(ScoreAtOne({20}), -1.0 - 0.11, 1e-12);
  // After the window: position (70-59)/(10-1) -> 0.11 * sigmoid(-5 * 1.2222).
  EXPECT_NEAR(ScoreAtOne({70}), -1.0 - 0.1095131013, 1e-9);
  // Right after the window a false positive costs about a quarter: position 1/9.
  EXPECT_NEAR(ScoreAtOne({60}), -1.0 + 0.11 * (2.0 / (1.0 + std::exp(5.0 / 9)) - 1.0), 1e-9);
}

TEST(NabScorerTest, ProbationRowsAreIgnored) { EXPECT_NEAR(ScoreAtOne({3, 10}), -1.0, 1e-12); }

TEST(NabScorerTest, ProfilesWeighFalseNegativesAndPositives) {
  const NabCostMatrix low_fn{1.0, 0.11, 2.0};
  const NabCostMatrix low_fp{1.0, 0.22, 1.0};
  EXPECT_NEAR(ScoreAtOne({}, low_fn), -2.0, 1e-12);
  EXPECT_NEAR(ScoreAtOne({20}, low_fp), -1.0 - 0.22, 1e-12);
}

TEST(NabScorerTest, SweepListsEveryDistinctThresholdAndCounts) {
  // Scores 0.9 at row 55 (in the window), 0.5 at row 20 (false positive), 0 elsewhere.
  std::vector<double> scores(100, 0.0);
  scores[55] = 0.9;
  scores[20] = 0.5;
  std::vector<NabSweepRow> rows;
  AppendSweepRows(scores, {{50, 59}}, kStandard, 0, rows);
  const auto sweep = ScoreByThreshold(rows, kStandard);
  ASSERT_EQ(sweep.size(), 4u);  // 1.1 (nothing), 0.9, 0.5, 0.0 (everything)
  EXPECT_EQ(sweep[0].threshold, 1.1);
  EXPECT_NEAR(sweep[0].score, -1.0, 1e-12);
  EXPECT_EQ(sweep[1].threshold, 0.9);
  EXPECT_NEAR(sweep[1].score, 0.8597925669, 1e-9);
  EXPECT_EQ(sweep[1].tp, 1);
  EXPECT_EQ(sweep[1].fn, 9);
  EXPECT_EQ(sweep[2].threshold, 0.5);
  EXPECT_NEAR(sweep[2].score, 0.8597925669 - 0.11, 1e-9);
  EXPECT_EQ(sweep[2].fp, 1);
  const NabThresholdScore best = BestThreshold(sweep);
  EXPECT_EQ(best.threshold, 0.9);
  // A threshold between two scores counts every score at or above it.
  EXPECT_EQ(ScoreAtThreshold(sweep, 0.7).threshold, 0.9);
  EXPECT_EQ(ScoreAtThreshold(sweep, 0.5).threshold, 0.5);
}

TEST(NabScorerTest, NormalisesBetweenNullAndPerfect) {
  EXPECT_NEAR(NormalizeNabScore(-116, -116, 116), 0.0, 1e-12);
  EXPECT_NEAR(NormalizeNabScore(116, -116, 116), 100.0, 1e-12);
  EXPECT_NEAR(NormalizeNabScore(57.6607515786, -116, 116), 74.85377, 1e-5);  // ARTime, standard
}

}  // namespace
}  // namespace hostmind
