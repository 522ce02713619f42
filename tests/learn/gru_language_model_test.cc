#include "learn/gru_language_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hostmind {
namespace {

using Seq = std::vector<int32_t>;

// Sequences of a little "program": after 1 comes 2 or 3, alternating, so the next symbol
// depends on more than the previous one: the recurrent state has to carry it.
std::vector<Seq> Programs(int count) {
  std::vector<Seq> out;
  for (int i = 0; i < count; ++i) {
    Seq s = {9};
    for (int k = 0; k < 12; ++k) s.insert(s.end(), {1, k % 2 ? 3 : 2, 4});
    out.push_back(s);
  }
  return out;
}

GruOptions Tiny(int epochs) {
  GruOptions o;
  o.embedding = 4;
  o.hidden = 12;
  o.lanes = 4;
  o.bptt = 16;
  o.max_epochs = epochs;
  o.learning_rate = 0.03;
  o.holdout = 0.2;
  return o;
}

TEST(GruLanguageModelTest, LearnsContextBeyondThePreviousSymbol) {
  GruLanguageModel m(Tiny(40));
  m.Train(Programs(10));
  Seq normal = Programs(1).front();
  // A first-order model cannot beat log 2 after each 1; the GRU must carry the alternation.
  EXPECT_LT(m.MeanNll(normal), 0.35);
  EXPECT_GT(m.epochs_trained(), 1);
  EXPECT_GT(m.holdout_nll(), 0.0);
  Seq stuck = normal;  // the alternation broken: always 2
  for (auto& s : stuck) s = s == 3 ? 2 : s;
  EXPECT_GT(m.MeanNll(stuck), m.MeanNll(normal) + 0.5);
  Seq unknown = normal;
  unknown[5] = 77;  // never seen while learning
  EXPECT_GT(m.MeanNll(unknown), m.MeanNll(normal));
}

TEST(GruLanguageModelTest, BatchScoresMatchSingleScoresAndRunsRepeat) {
  GruLanguageModel a(Tiny(3)), b(Tiny(3));
  a.Train(Programs(5));
  b.Train(Programs(5));
  Seq longer = Programs(1).front(), shorter = {9, 1, 2, 4}, empty;
  std::vector<std::span<const int32_t>> batch = {longer, shorter, empty};
  auto scores = a.MeanNll(batch);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_NEAR(scores[0], a.MeanNll(longer), 1e-5);
  EXPECT_NEAR(scores[1], a.MeanNll(shorter), 1e-5);
  EXPECT_EQ(scores[2], 0.0);
  EXPECT_EQ(a.MeanNll(longer), b.MeanNll(longer));  // same seed, same model
  auto probs = a.Probabilities(batch);
  ASSERT_EQ(probs[1].size(), 4u);
  double nll = 0;
  for (float p : probs[1]) nll -= std::log(p);
  EXPECT_NEAR(nll / 4, scores[1], 1e-5);
}

}  // namespace
}  // namespace hostmind
