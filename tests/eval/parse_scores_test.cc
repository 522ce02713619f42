#include "eval/parse_scores.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(ParseScoresTest, GroupingAccuracyCountsOnlyExactGroups) {
  // Parsed group 1 = {m0, m1} is exactly event A; group 2 = {m2, m3, m4} mixes B and C.
  GroupingScore s = ScoreGrouping({"A", "A", "B", "B", "C"}, {"1", "1", "2", "2", "2"});
  EXPECT_DOUBLE_EQ(s.accuracy, 2.0 / 5);
  // Pairs: real A1 + B1 = 2; parsed 1 + 3 = 4; accurate 1 + 1 = 2.
  EXPECT_DOUBLE_EQ(s.precision, 0.5);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.f_measure, 2 * 0.5 / 1.5);
}

TEST(ParseScoresTest, ASplitEventIsWrongOnBothSides) {
  GroupingScore s = ScoreGrouping({"A", "A", "A", "B"}, {"x", "y", "y", "z"});
  EXPECT_DOUBLE_EQ(s.accuracy, 1.0 / 4);  // only B's group is exact
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.recall, 1.0 / 3);
}

TEST(ParseScoresTest, RowsWithoutATruthLabelAreLeftOut) {
  // m1 leaves both series: parsed 1 = {m0, m2} is exactly A.
  EXPECT_DOUBLE_EQ(ScoreGrouping({"A", "", "A"}, {"1", "1", "1"}).accuracy, 1.0);
  EXPECT_DOUBLE_EQ(ScoreGrouping({"A", "", "B"}, {"1", "1", "1"}).accuracy, 0.0);
  EXPECT_DOUBLE_EQ(ScoreGrouping({}, {}).accuracy, 0.0);
}

TEST(ParseScoresTest, ParsingAccuracyIsExactTemplateEquality) {
  EXPECT_DOUBLE_EQ(ParsingAccuracy({"a <*>", "b <*>", "c"}, {"a <*>", "b  <*>", "c"}), 2.0 / 3);
  EXPECT_DOUBLE_EQ(ParsingAccuracy({}, {}), 0.0);
}

}  // namespace
}  // namespace hostmind
