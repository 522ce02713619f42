// LaunchModel on synthetic launch sequences (FakeClock time): children by parent, followers by
// sequence, launches by time of day; bounded, saved and loaded, corrupt bytes refused.
#include "learn/launch_model.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace hostmind {
namespace {

const LaunchPrediction* Find(const std::vector<LaunchPrediction>& v, const std::string& key) {
  for (const auto& p : v)
    if (p.key == key) return &p;
  return nullptr;
}

TEST(LaunchModelTest, ChildrenByParent) {
  LaunchModel model;
  FakeClock clock(1'700'000'000'000);
  for (int i = 0; i < 20; ++i) {
    model.ObserveLaunch("gcc", clock.Now(), true);
    std::vector<std::pair<std::string, TimeMs>> kids = {{"cc1", 20}, {"cc1", 25}, {"collect2", 300}};
    if (i % 10 != 0) kids.push_back({"as", 150});  // 90% of launches assemble
    if (i == 7) kids.push_back({"rare", 10});
    model.ObserveChildren("gcc", kids);
    clock.Advance(10 * kMsPerMinute);
  }
  auto kids = model.Children("gcc", 0.5);
  ASSERT_EQ(kids.size(), 3u);
  EXPECT_EQ(kids[0].key, "cc1");  // every launch, counted once per launch
  EXPECT_NEAR(kids[0].probability, 1.0, 1e-3);
  EXPECT_NEAR(kids[0].delay_ms, 20, 5);
  const LaunchPrediction* as = Find(kids, "as");
  ASSERT_TRUE(as);
  EXPECT_GT(as->probability, 0.7);
  EXPECT_LT(as->probability, 1.0);
  EXPECT_EQ(Find(kids, "rare"), nullptr);
  EXPECT_NE(kids[0].why.find("gcc"), std::string::npos);
  EXPECT_TRUE(model.Children("unknown", 0.1).empty());
}

TEST(LaunchModelTest, FollowersBySequenceUntilTheyCome) {
  LaunchModel model;
  FakeClock clock(1'700'000'000'000);
  for (int i = 0; i < 10; ++i) {
    model.ObserveLaunch("make", clock.Now(), true);
    clock.Advance(5 * kMsPerSecond);
    model.ObserveLaunch("test-runner", clock.Now(), true);
    clock.Advance(10 * kMsPerMinute);  // beyond the horizon: the next make follows nothing
  }
  model.ObserveLaunch("make", clock.Now(), true);
  clock.Advance(kMsPerSecond);
  auto next = model.Next(clock.Now(), 0.5);
  const LaunchPrediction* p = Find(next, "test-runner");
  ASSERT_TRUE(p) << "nothing predicted after make";
  EXPECT_GT(p->probability, 0.9);
  EXPECT_NEAR(p->delay_ms, 4000, 500);
  EXPECT_NE(p->why.find("follows make"), std::string::npos) << p->why;
  // Once it came, it is no longer predicted; nor after the horizon.
  model.ObserveLaunch("test-runner", clock.Now(), true);
  EXPECT_EQ(Find(model.Next(clock.Now(), 0.5), "test-runner"), nullptr);
  model.ObserveLaunch("make", clock.Now(), true);
  clock.Advance(2 * kMsPerMinute);
  EXPECT_EQ(Find(model.Next(clock.Now(), 0.5), "test-runner"), nullptr);
}

TEST(LaunchModelTest, OverdueFollowersKeepTheOrderTheyCameIn) {
  // A script's steps came 1 s apart while learning; now the first step ran 6 s ago and none
  // of the others has come: all are overdue (within the grace), and the one due first is
  // still the first.
  LaunchModel model;
  FakeClock clock(1'700'000'000'000);
  for (int i = 0; i < 10; ++i) {
    model.ObserveLaunch("step0", clock.Now(), true);
    for (const char* step : {"step1", "step2", "step3"}) {
      clock.Advance(kMsPerSecond);
      model.ObserveLaunch(step, clock.Now(), true);
    }
    clock.Advance(10 * kMsPerMinute);
  }
  model.ObserveLaunch("step0", clock.Now(), true);
  clock.Advance(6 * kMsPerSecond);
  auto next = model.Next(clock.Now(), 0.5);
  const LaunchPrediction* p1 = Find(next, "step1");
  const LaunchPrediction* p2 = Find(next, "step2");
  const LaunchPrediction* p3 = Find(next, "step3");
  ASSERT_TRUE(p1 && p2 && p3);
  EXPECT_NEAR(p1->delay_ms, -5000, 500);
  EXPECT_LT(p1->delay_ms, p2->delay_ms);
  EXPECT_LT(p2->delay_ms, p3->delay_ms);
}

TEST(LaunchModelTest, AFollowerLongOverdueIsNoLongerExpected) {
  // b came 1 s after a, ten times. Late by a few seconds it is still expected; 20 s late
  // (past its delay plus the 5 s grace, by 15 s) it is not: it would otherwise be read before
  // every launch still to come, being the most overdue.
  LaunchModel model;
  FakeClock clock(1'700'000'000'000);
  for (int i = 0; i < 10; ++i) {
    model.ObserveLaunch("a", clock.Now(), true);
    clock.Advance(kMsPerSecond);
    model.ObserveLaunch("b", clock.Now(), true);
    clock.Advance(10 * kMsPerMinute);
  }
  model.ObserveLaunch("a", clock.Now(), true);
  clock.Advance(5 * kMsPerSecond);
  auto on_time = model.Next(clock.Now(), 0.7);
  const LaunchPrediction* soon = Find(on_time, "b");
  ASSERT_TRUE(soon) << "b, 4 s late, is no longer expected";
  EXPECT_NEAR(soon->probability, 1.0, 0.01);
  clock.Advance(16 * kMsPerSecond);
  auto late = model.Next(clock.Now(), 0.0);
  const LaunchPrediction* stale = Find(late, "b");
  ASSERT_TRUE(stale);
  EXPECT_LT(stale->probability, 0.1) << "b, 20 s late, is as expected as ever";
  EXPECT_NE(stale->why.find("s late"), std::string::npos) << stale->why;
  auto expected = model.Next(clock.Now(), 0.7);
  EXPECT_EQ(Find(expected, "b"), nullptr) << "a guess would still be made for b";
}

TEST(LaunchModelTest, ChildLaunchesDoNotFeedFollowers) {
  LaunchModel model;
  for (int i = 0; i < 5; ++i) {
    model.ObserveLaunch("a", i * kMsPerHour, true);
    model.ObserveLaunch("child", i * kMsPerHour + 10, false);
  }
  model.ObserveLaunch("a", 10 * kMsPerHour, true);
  EXPECT_EQ(Find(model.Next(10 * kMsPerHour + 1, 0.1), "child"), nullptr);
  EXPECT_EQ(model.launches("child"), 5u);
}

TEST(LaunchModelTest, DailyTimeOfDay) {
  LaunchModel model;
  const TimeMs day0 = 1'700'006'400'000 - 1'700'006'400'000 % kMsPerDay;  // a UTC midnight
  // A backup job at 02:30 every night (give or take two minutes), and noise during the day.
  for (int d = 0; d < 14; ++d) {
    TimeMs t = day0 + d * kMsPerDay + 2 * kMsPerHour + 30 * kMsPerMinute + (d % 3 - 1) * 2 * kMsPerMinute;
    model.ObserveLaunch("backup", t, true);
    model.ObserveLaunch("vim", day0 + d * kMsPerDay + (9 + d % 8) * kMsPerHour, true);
  }
  TimeMs before = day0 + 14 * kMsPerDay + 2 * kMsPerHour + 29 * kMsPerMinute + 30 * kMsPerSecond;
  auto next = model.Next(before, 0.5);
  const LaunchPrediction* p = Find(next, "backup");
  ASSERT_TRUE(p) << "the nightly job is not predicted a minute before";
  EXPECT_GT(p->probability, 0.9);
  EXPECT_NE(p->why.find("at 02:"), std::string::npos) << p->why;
  EXPECT_EQ(Find(next, "vim"), nullptr);
  // At noon, nothing is due.
  EXPECT_EQ(Find(model.Next(day0 + 14 * kMsPerDay + 12 * kMsPerHour, 0.5), "backup"), nullptr);
  // A job that stops running fades: after a week without it, it is not predicted.
  TimeMs later = day0 + 21 * kMsPerDay + 2 * kMsPerHour + 29 * kMsPerMinute;
  EXPECT_EQ(Find(model.Next(later, 0.5), "backup"), nullptr);
}

TEST(LaunchModelTest, BoundedAndSavedAndLoaded) {
  LaunchModelLimits limits;
  limits.max_programs = 4;
  limits.max_links = 2;
  LaunchModel model(limits);
  for (int i = 0; i < 10; ++i) {
    model.ObserveLaunch("p" + std::to_string(i), 1000 + i, true);
    model.ObserveChildren("p" + std::to_string(i), {{"c1", 1}, {"c2", 2}, {"c3", 3}});
  }
  EXPECT_EQ(model.programs(), 4u);
  EXPECT_LE(model.Children("p9", 0).size(), 2u);
  std::string bytes = model.Save();
  LaunchModel loaded(limits);
  ASSERT_TRUE(loaded.Load(bytes).ok());
  EXPECT_EQ(loaded.Save(), bytes);
  EXPECT_EQ(loaded.Children("p9", 0).size(), model.Children("p9", 0).size());
  for (size_t n = 0; n < bytes.size(); ++n) {
    LaunchModel m(limits);
    EXPECT_FALSE(m.Load(bytes.substr(0, n)).ok()) << n;
    EXPECT_EQ(m.programs(), 0u);
  }
}

}  // namespace
}  // namespace hostmind
