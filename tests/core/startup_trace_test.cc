// Page-range set arithmetic used by the tracer, the models and the hit accounting.
#include "core/startup_trace.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(PageSetTest, AddMergesOverlappingAndTouchingRanges) {
  std::vector<PageRange> s;
  AddPages(s, {10, 5});
  AddPages(s, {0, 2});
  AddPages(s, {30, 1});
  EXPECT_EQ(s, (std::vector<PageRange>{{0, 2}, {10, 5}, {30, 1}}));
  AddPages(s, {2, 8});  // touches both neighbours
  EXPECT_EQ(s, (std::vector<PageRange>{{0, 15}, {30, 1}}));
  AddPages(s, {14, 20});
  EXPECT_EQ(s, (std::vector<PageRange>{{0, 34}}));
  AddPages(s, {5, 0});
  EXPECT_EQ(TotalPages(s), 34u);
}

TEST(PageSetTest, RemoveAndOverlap) {
  std::vector<PageRange> s = {{0, 10}, {20, 10}};
  EXPECT_EQ(OverlapPages(s, {{5, 20}}), 10u);
  EXPECT_EQ(OverlapPages(s, {{10, 10}}), 0u);
  RemovePages(s, {{2, 3}, {8, 14}, {29, 5}});
  EXPECT_EQ(s, (std::vector<PageRange>{{0, 2}, {5, 3}, {22, 7}}));
  RemovePages(s, {{0, 100}});
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace hostmind
