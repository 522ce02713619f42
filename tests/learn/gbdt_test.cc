#include "learn/gbdt.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hostmind {
namespace {

// y = 3 x0 - x1 on a small grid: trees learn it to within a small error.
GbdtData Linear(int n) {
  GbdtData d;
  d.cols = 2;
  for (int i = 0; i < n; ++i) {
    const float x0 = static_cast<float>(i % 10), x1 = static_cast<float>(i / 10);
    d.features.insert(d.features.end(), {x0, x1});
    d.labels.push_back(3 * x0 - x1);
  }
  return d;
}

GbdtParams Small() {
  GbdtParams p;
  p.rounds = 60;
  p.max_depth = 4;
  p.eta = 0.3;
  p.subsample = 1;
  p.colsample_bytree = 1;
  p.min_child_weight = 1;
  return p;
}

TEST(Gbdt, LearnsAFunction) {
  auto model = Gbdt::Train(Linear(100), Small());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->num_features(), 2u);
  const float rows[] = {4, 2, 9, 0};
  auto out = model->Predict(rows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NEAR((*out)[0], 10, 0.5);
  EXPECT_NEAR((*out)[1], 27, 0.5);
}

TEST(Gbdt, MissingValuesAreAccepted) {
  auto model = Gbdt::Train(Linear(100), Small());
  ASSERT_TRUE(model.ok());
  const float rows[] = {NAN, 2};
  auto out = model->Predict(rows, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(std::isfinite((*out)[0]));
}

TEST(Gbdt, SavesAndLoadsAsBytes) {
  auto model = Gbdt::Train(Linear(100), Small());
  ASSERT_TRUE(model.ok());
  auto bytes = model->Save();
  ASSERT_TRUE(bytes.ok());
  auto loaded = Gbdt::Load(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->num_features(), 2u);
  const float rows[] = {1, 5, 7, 3};
  EXPECT_EQ(*model->Predict(rows, 2), *loaded->Predict(rows, 2));
}

TEST(Gbdt, RejectsBadInput) {
  EXPECT_EQ(Gbdt::Train(GbdtData{}, Small()).status().code(), StatusCode::kInvalidArgument);
  GbdtData mismatched = Linear(10);
  mismatched.labels.pop_back();
  EXPECT_EQ(Gbdt::Train(mismatched, Small()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Gbdt::Load("not a model").ok());
}

}  // namespace
}  // namespace hostmind
