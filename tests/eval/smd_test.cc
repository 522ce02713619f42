#include "eval/smd.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hostmind {
namespace {

const std::vector<uint8_t> kLabels = {0, 0, 1, 1, 1, 0, 0, 1, 1, 0};

TEST(SmdTest, PointwiseF1CountsEveryMinute) {
  // Flags rows 2 and 6: one true positive, one false positive, four false negatives.
  std::vector<double> scores(10, 0.0);
  scores[2] = scores[6] = 1.0;
  const F1Score s = PointwiseF1(scores, kLabels, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 0.5);
  EXPECT_DOUBLE_EQ(s.recall, 0.2);
}

TEST(SmdTest, PointAdjustmentCreditsWholeSegments) {
  // One hit in the first segment credits all three of its minutes; the second is missed.
  std::vector<double> scores(10, 0.0);
  scores[3] = scores[6] = 1.0;
  const F1Score s = PointAdjustedF1(scores, kLabels, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 0.75);  // 3 adjusted hits, 1 false positive
  EXPECT_DOUBLE_EQ(s.recall, 0.6);      // 3 of 5 anomalous minutes
  double threshold = 0;
  const F1Score best = BestPointAdjustedF1(scores, kLabels, &threshold);
  EXPECT_EQ(threshold, 1.0);
  EXPECT_DOUBLE_EQ(best.f1, s.f1);
}

TEST(SmdTest, ThresholdLetsTheGivenTailOfTrainThrough) {
  std::vector<double> train(1100, 0.0);
  for (size_t i = 100; i < 1100; ++i) train[i] = (i - 100) / 1000.0;  // 0.000 .. 0.999 after warm-up
  const double t = SmdThreshold(train, 100, 0.01);
  size_t above = 0;
  for (size_t i = 100; i < train.size(); ++i) above += train[i] >= t;
  EXPECT_LE(above, 10u);
  EXPECT_GE(above, 9u);
  // A quiet train period does not set the threshold below the detector's own.
  EXPECT_EQ(SmdThreshold(std::vector<double>(1100, 0.0), 100, 0.01), kAnomalyThreshold);
}

TEST(SmdTest, TailPositionIsTheShareAtOrBelowAndKeepsRanksPastTheTop) {
  std::vector<double> reference;
  for (int i = 1; i <= 100; ++i) reference.push_back(i);  // 1..100; the top 1% spread is 1
  EXPECT_DOUBLE_EQ(TailPosition(reference, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(TailPosition(reference, 50), 0.5);
  EXPECT_DOUBLE_EQ(TailPosition(reference, 100), 1.0);
  EXPECT_DOUBLE_EQ(TailPosition(reference, 102), 3.0);
  EXPECT_LT(TailPosition(reference, 102), TailPosition(reference, 103));
  // With a floor (a detector's own alert threshold), nothing up to it passes the top.
  EXPECT_DOUBLE_EQ(TailPosition(reference, 150, 200), 1.0);
  EXPECT_DOUBLE_EQ(TailPosition(reference, 202, 200), 3.0);
}

TEST(SmdTest, LoadsMachinesAndFindsAnInjectedAnomaly) {
  testing::TempDir dir;
  // Eight days of train: every daily and weekly bucket has been seen before test starts.
  std::string train, test, labels;
  for (int i = 0; i < 12000; ++i) train += std::to_string(0.5 + 0.01 * (i % 7)) + ",0.2\n";
  for (int i = 0; i < 1000; ++i) {
    const bool anomalous = i >= 600 && i < 620;
    test += std::to_string(anomalous ? 0.95 : 0.5 + 0.01 * ((12000 + i) % 7)) + ",0.2\n";
    labels += anomalous ? "1\n" : "0\n";
  }
  dir.Write("train/m-1.txt", train);
  dir.Write("test/m-1.txt", test);
  dir.Write("test_label/m-1.txt", labels);
  auto machines = LoadSmd(dir.path());
  ASSERT_TRUE(machines.ok()) << machines.status().ToString();
  ASSERT_EQ(machines->size(), 1u);
  const SmdMachine& m = (*machines)[0];
  EXPECT_EQ(m.train.size(), 12000u);
  EXPECT_EQ(m.test[0].size(), 2u);
  const SmdScores scores = ScoreSmd(m, DefaultAnomalyTuning(), SmdMode::kOnline);
  const double threshold = SmdThreshold(scores.train, 750, 0.001);
  EXPECT_DOUBLE_EQ(PointAdjustedF1(scores.test, m.labels, threshold).f1, 1.0);
  EXPECT_EQ(scores.test_metric[600], 0);
}

}  // namespace
}  // namespace hostmind
