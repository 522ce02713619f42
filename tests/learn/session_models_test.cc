#include <gtest/gtest.h>

#include "learn/next_template_model.h"
#include "learn/session_profile.h"

namespace hostmind {
namespace {

using S = std::vector<TemplateId>;

TEST(NextTemplateModelTest, ExpectsLearnedFollowersAndFlagsTheRest) {
  NextTemplateConfig c;
  c.order = 2;
  c.top_k = 1;
  NextTemplateModel m(c);
  for (int i = 0; i < 5; ++i) m.LearnSession(S{1, 2, 3});
  m.LearnSession(S{1, 2, 4});
  EXPECT_EQ(m.FirstUnexpected(S{1, 2, 3}), -1);
  EXPECT_EQ(m.FirstUnexpected(S{1, 2, 4}), 2);  // 4 is the second follower of (1, 2): not top-1
  EXPECT_EQ(m.FirstUnexpected(S{1, 3}), 1);
  EXPECT_EQ(m.FirstUnexpected(S{1, 2}), 2);  // the session may not end after 2
  auto v = m.Check(S{1, 2}, 4);
  EXPECT_FALSE(v.expected);
  EXPECT_EQ(v.rank, 2u);
  EXPECT_NEAR(v.probability, 1.0 / 6, 1e-12);
  EXPECT_EQ(v.context_len, 2u);
  // An unseen context backs off to a shorter one.
  EXPECT_EQ(m.Check(S{9, 2}, 3).context_len, 1u);
  EXPECT_TRUE(m.Check(S{9, 2}, 3).expected);
}

TEST(NextTemplateModelTest, SavesLoadsAndBoundsContexts) {
  NextTemplateConfig c;
  c.max_contexts = 8;
  NextTemplateModel m(c);
  for (TemplateId i = 1; i < 50; ++i) m.LearnSession(S{i, i + 1});
  EXPECT_LE(m.contexts(), 8u);
  EXPECT_GT(m.dropped_contexts(), 0u);
  auto loaded = NextTemplateModel::Load(m.Save());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->Save(), m.Save());
  std::string bytes = m.Save();
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(NextTemplateModel::Load(bytes.substr(0, n)).ok());
}

TEST(SessionProfileTest, LearnsCountRangesAndInvariants) {
  SessionProfile p;
  // Template 1 opens, 2 closes (always as often as 1), 3 appears 0-2 times.
  p.Learn(S{1, 2, 3});
  p.Learn(S{1, 1, 2, 2});
  p.Learn(S{1, 3, 3, 2});
  EXPECT_TRUE(p.Check(S{1, 2}).empty());
  EXPECT_TRUE(p.Check(S{1, 1, 3, 2, 2}).empty());
  auto unseen = p.Check(S{1, 2, 7});
  ASSERT_EQ(unseen.size(), 1u);
  EXPECT_EQ(unseen[0].id, 7u);
  auto too_many = p.Check(S{1, 2, 3, 3, 3});
  ASSERT_EQ(too_many.size(), 1u);
  EXPECT_EQ(too_many[0].id, 3u);
  EXPECT_EQ(too_many[0].max, 2u);
  // 1 without its 2: inside both ranges, but the invariant count(1) == count(2) breaks.
  auto broken = p.Check(S{1, 1, 2});
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_NE(broken[0].partner, kNoTemplate);
  auto loaded = SessionProfile::Load(p.Save());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->Check(S{1, 1, 2}).size(), 1u);
  EXPECT_EQ(loaded->Save(), p.Save());
  EXPECT_FALSE(SessionProfile::Load("junk").ok());
}

}  // namespace
}  // namespace hostmind
