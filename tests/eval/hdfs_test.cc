#include "eval/hdfs.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(HdfsScoreTest, F1AtAMix) {
  double precision, f1;
  // 1% FPR on 1000 normal = 10 FP; 90% recall on 100 abnormal = 90 TP, 10 FN.
  ScoreAtMix(0.01, 0.9, 1000, 100, &precision, &f1);
  EXPECT_DOUBLE_EQ(precision, 0.9);
  EXPECT_DOUBLE_EQ(f1, 0.9);
  ScoreAtMix(0, 0, 1000, 100, &precision, &f1);
  EXPECT_DOUBLE_EQ(f1, 0);
}

}  // namespace
}  // namespace hostmind
