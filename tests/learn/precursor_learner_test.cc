#include "learn/precursor_learner.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

constexpr TimeMs kMin = kMsPerMinute;

TEST(PrecursorLearnerTest, WarnsWhenASignalThatPrecededFailuresRecurs) {
  PrecursorLearner p;  // window 30 min, support 2, confidence 0.5
  const uint64_t kDiskWarning = 17, kNoise = 99;
  TimeMs t = 0;
  for (int cycle = 0; cycle < 2; ++cycle) {
    EXPECT_TRUE(p.ObserveSignal(kDiskWarning, t).empty());
    p.ObserveSignal(kDiskWarning, t + 2 * kMin);  // same episode
    p.ObserveSignal(kNoise, t + 60 * kMin);       // long before the next failure: not credited
    p.ObserveFailure("io_error", t + 10 * kMin);
    t += 2 * 60 * kMin;
  }
  auto w = p.ObserveSignal(kDiskWarning, t);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].failure, "io_error");
  EXPECT_EQ(w[0].preceded, 2u);
  EXPECT_EQ(w[0].episodes, 2u);
  EXPECT_DOUBLE_EQ(w[0].confidence, 1.0);
  EXPECT_EQ(w[0].median_lead, 10 * kMin);
  // Within the same episode there is no second warning.
  EXPECT_TRUE(p.ObserveSignal(kDiskWarning, t + kMin).empty());
  EXPECT_EQ(p.Stats(kNoise, "io_error").preceded, 0u);
}

TEST(PrecursorLearnerTest, ASignalThatUsuallyPassesHarmlesslyIsNoPrecursor) {
  PrecursorLearner p;
  TimeMs t = 0;
  for (int i = 0; i < 10; ++i, t += 60 * kMin) {
    p.ObserveSignal(5, t);
    if (i < 2) p.ObserveFailure("oom_kill", t + kMin);
  }
  EXPECT_TRUE(p.ObserveSignal(5, t).empty());
  PrecursorWarning s = p.Stats(5, "oom_kill");
  EXPECT_EQ(s.preceded, 2u);
  EXPECT_LT(s.confidence, 0.5);
}

TEST(PrecursorLearnerTest, SavesLoadsAndBoundsSignals) {
  PrecursorConfig c;
  c.max_signals = 20;
  PrecursorLearner p(c);
  for (uint64_t i = 0; i < 100; ++i) p.ObserveSignal(i, static_cast<TimeMs>(i) * 1000);
  p.ObserveFailure("segfault", 100 * 1000);
  EXPECT_LE(p.signals(), 20u);
  auto loaded = PrecursorLearner::Load(p.Save());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->Save(), p.Save());
  std::string bytes = p.Save();
  for (size_t n = 0; n < bytes.size(); n += 3) EXPECT_FALSE(PrecursorLearner::Load(bytes.substr(0, n)).ok());
}

}  // namespace
}  // namespace hostmind
