#include "learn/sequence_models.h"

#include <gtest/gtest.h>

#include "learn/behaviour_profile.h"

namespace hostmind {
namespace {

using Seq = std::vector<int32_t>;

std::vector<int32_t> Repeat(std::vector<int32_t> unit, int times) {
  std::vector<int32_t> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), unit.begin(), unit.end());
  return out;
}

TEST(NgramModelTest, LearnedSequencesScoreLowerThanShuffledOnes) {
  NgramModel m(6, 50);
  m.Train(Repeat({3, 5, 3, 6, 7, 3, 5, 4}, 50));
  auto normal = Repeat({3, 5, 3, 6, 7, 3, 5, 4}, 3);
  std::vector<int32_t> odd = {3, 6, 5, 4, 7, 3, 3, 5, 6, 4, 7, 5, 3, 4, 6, 7, 5, 3, 4, 6, 3, 5, 7, 4};
  EXPECT_LT(m.MeanNll(normal), 0.5);
  EXPECT_GT(m.MeanNll(odd), m.MeanNll(normal) + 1.0);
  std::vector<int32_t> unseen_symbol = normal;
  unseen_symbol[10] = 42;
  EXPECT_GT(m.MeanNll(unseen_symbol), m.MeanNll(normal));
  // Probabilities over the vocabulary stay a distribution at every context.
  double sum = 0;
  std::vector<int32_t> ctx = {3, 5, 3, 0};
  for (int32_t s = 0; s < 50; ++s) {
    ctx[3] = s;
    sum += m.Probability(ctx, 3);
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
}

TEST(BaselinesTest, StideCountsUnseenWindowsAndMarkovSmooths) {
  Stide stide(3);
  stide.Train(Seq{1, 2, 3, 4, 1, 2, 3, 4});
  EXPECT_EQ(stide.MismatchRate(Seq{1, 2, 3, 4}), 0.0);
  EXPECT_DOUBLE_EQ(stide.MismatchRate(Seq{1, 2, 3, 9}), 0.5);
  EXPECT_EQ(stide.MismatchRate(Seq{1, 2}), 0.0);
  MarkovChain mc(2, 10);
  mc.Train(Repeat({1, 2, 3}, 20));
  EXPECT_LT(mc.MeanNll(Repeat({1, 2, 3}, 3)), mc.MeanNll(Seq{1, 3, 2, 1, 3, 2, 3, 1, 2}));
}

TEST(BehaviourProfileTest, MixDistancesAndNovelty) {
  BehaviourProfile p;
  auto a = MixFromSequence(Repeat({0, 1, 1, 3, 0, 1}, 30));
  auto b = MixFromSequence(Repeat({0, 1, 1, 3, 0, 1}, 31));
  auto c = MixFromSequence(Repeat({59, 2, 9, 41, 42, 33}, 20));
  EXPECT_LT(MixDistance(a, b), 0.05);
  EXPECT_GT(MixDistance(a, c), 0.9);
  EXPECT_FALSE(p.Distance(a).has_value());
  for (int i = 0; i < 10; ++i) p.LearnMix(MixFromSequence(Repeat({0, 1, 1, 3, 0, 1}, 20 + i)));
  EXPECT_EQ(p.exemplars(), 1u) << "near-identical mixes merge";
  ASSERT_TRUE(p.NormalQuantile(0.99).has_value());
  EXPECT_LT(*p.NormalQuantile(0.99), 0.05);
  EXPECT_GT(*p.Distance(c), 0.9);
  p.LearnChild("/usr/bin/gzip");
  EXPECT_FALSE(p.IsNewChild("/usr/bin/gzip"));
  EXPECT_TRUE(p.IsNewChild("/bin/sh"));
  ProfileLimits small;
  small.max_set_items = 2;
  BehaviourProfile q(small);
  for (const char* e : {"a", "b", "c"}) q.LearnEndpoint(e);
  EXPECT_FALSE(q.IsNewEndpoint("z")) << "an overflowing set stops calling things new";
}

}  // namespace
}  // namespace hostmind
