#include "eval/adfa.h"

#include <gtest/gtest.h>

#include "eval/roc.h"
#include "test_util.h"

namespace hostmind {
namespace {

TEST(RocTest, AucAndDetectionRates) {
  EXPECT_DOUBLE_EQ(RocAuc({1, 2, 3}, {4, 5}), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc({4, 5}, {1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(RocAuc({1, 2}, {1, 2}), 0.5);
  EXPECT_DOUBLE_EQ(RocAuc({}, {1}), 0.5);
  std::vector<double> neg;
  for (int i = 0; i < 100; ++i) neg.push_back(i);
  EXPECT_DOUBLE_EQ(DetectionRateAtFpr(neg, {97.5, 99.5, 50}, 0.01), 1.0 / 3);  // one negative (99) may pass
  EXPECT_DOUBLE_EQ(DetectionRateAtFpr(neg, {97.5, 99.5, 50}, 0.05), 2.0 / 3);
}

// A tiny ADFA-LD layout: normal traces loop over one pattern, attacks over another.
TEST(AdfaTest, ReadsTheLayoutAndSeparatesAFixture) {
  testing::TempDir dir;
  auto trace = [](std::vector<int> unit, int times) {
    std::string s;
    for (int i = 0; i < times; ++i)
      for (int x : unit) s += std::to_string(x) + " ";
    return s;
  };
  for (int i = 0; i < 6; ++i) {
    dir.Write("Training_Data_Master/UTD-000" + std::to_string(i) + ".txt", trace({3, 5, 6, 192, 3, 5}, 10 + i));
    dir.Write("Validation_Data_Master/UVD-000" + std::to_string(i) + ".txt", trace({3, 5, 6, 192, 3, 5}, 12 + i));
    dir.Write("Attack_Data_Master/Web_Shell_" + std::to_string(i) + "/UAD-WS-" + std::to_string(i) + ".txt",
              trace({11, 102, 102, 63, 3, 11}, 8 + i));
  }
  auto data = ReadAdfa(dir.path());
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->train.size(), 6u);
  EXPECT_EQ(data->attack[0].attack, "Web_Shell");
  EXPECT_EQ(data->train[0].syscalls.front(), 3);
  GruOptions small;
  small.hidden = 8;
  small.embedding = 4;
  small.lanes = 4;
  small.max_epochs = 3;
  auto results = EvaluateAdfa(*data, small);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results.front().method, "vmm10");
  for (const auto& r : results) {
    EXPECT_DOUBLE_EQ(r.auc, 1.0) << r.method;
    EXPECT_DOUBLE_EQ(r.auc_by_attack.at("Web_Shell"), 1.0) << r.method;
    EXPECT_DOUBLE_EQ(r.auc_ceiling, 1.0) << r.method;  // no attack starts like a training trace
  }
  dir.Write("Training_Data_Master/UTD-bad.txt", "1 2 x3");
  EXPECT_EQ(ReadAdfa(dir.path()).status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ReadAdfa(dir.path() + "/nope").status().code(), StatusCode::kNotFound);
}

TEST(AdfaTest, MoreNormalsMovesEverySecondValidationTraceIntoTraining) {
  AdfaDataset data;
  for (int i = 0; i < 2; ++i) data.train.push_back({"t" + std::to_string(i), "", {i}});
  for (int i = 0; i < 5; ++i) data.validation.push_back({"v" + std::to_string(i), "", {10 + i}});
  data.attack.push_back({"a", "Adduser", {99}});
  MoveHalfOfValidationIntoTraining(data);
  ASSERT_EQ(data.train.size(), 5u);
  EXPECT_EQ(data.train[2].file, "v0");
  EXPECT_EQ(data.train[3].file, "v2");
  EXPECT_EQ(data.train[4].file, "v4");
  ASSERT_EQ(data.validation.size(), 2u);
  EXPECT_EQ(data.validation[0].file, "v1");
  EXPECT_EQ(data.validation[1].file, "v3");
  EXPECT_EQ(data.attack.size(), 1u);
}

TEST(AdfaTest, OrdinaryStartupsAreAttacksThatBeginLikeATrainingTrace) {
  AdfaDataset data;
  data.train.push_back({"t0", "", {6, 5, 11, 45, 33}});
  data.train.push_back({"t1", "", {240, 240}});
  data.attack.push_back({"a0", "Adduser", {6, 5, 11, 45, 99, 99}});  // same first 4 calls as t0
  data.attack.push_back({"a1", "Adduser", {6, 7, 11, 45, 33}});      // differs at the second
  data.attack.push_back({"a2", "Adduser", {240, 240, 240}});         // t1 is shorter than the prefix
  data.attack.push_back({"a3", "Adduser", {6, 5, 11}});              // shorter than the prefix
  EXPECT_EQ(OrdinaryStartups(data, 4), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(OrdinaryStartups(data, 2), (std::vector<bool>{true, false, true, true}));
}

TEST(AdfaTest, CeilingKeepsOrdinaryStartupsWhereTheyScoredAndMovesTheRestAbove) {
  std::vector<double> normal = {1, 2, 3, 4};
  // Attack 0 is ordinary and scores 2.5 (above two of four normals); attack 1 scores 0 but is
  // not ordinary, so the ceiling counts it as found.
  EXPECT_DOUBLE_EQ(RocAuc(normal, {2.5, 0}), 0.25);
  EXPECT_DOUBLE_EQ(AucCeiling(normal, {2.5, 0}, {true, false}), (0.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(AucCeiling(normal, {2.5, 0}, {false, false}), 1.0);
  EXPECT_DOUBLE_EQ(AucCeiling(normal, {2, 0}, {true, true}), (0.375 + 0.0) / 2);  // a tie counts half
}

}  // namespace
}  // namespace hostmind
