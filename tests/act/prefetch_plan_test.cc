// Prefetch plans from learnt profiles (synthetic traces): children's reads join the parent's
// plan shifted by their delay, reads merge per file, the budget keeps what is needed first,
// and reads are issued slice by slice in on-disk order.
#include "act/prefetch_plan.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

StartupTrace Trace(std::vector<std::tuple<std::string, TimeMs, PageRange>> files) {
  StartupTrace t;
  for (auto& [path, at, pages] : files) {
    FileTouch f;
    f.path = path;
    f.first_ms = at;
    f.pages = {pages};
    t.files.push_back(f);
  }
  return t;
}

// Files live on one device; their physical position is given per path (bytes).
FileLocator FakeDisk(std::map<std::string, uint64_t> physical, uint64_t size = 1 << 30) {
  return [physical, size](const std::string& path, uint64_t offset) -> std::optional<FilePlace> {
    auto it = physical.find(path);
    if (it == physical.end()) return std::nullopt;
    return FilePlace{1, std::hash<std::string>()(path), size, it->second + offset};
  };
}

TEST(PrefetchPlanTest, ChildrenJoinTheParentsPlanShiftedByTheirDelay) {
  StartupProfiles profiles;
  LaunchModel launches;
  for (int i = 0; i < 3; ++i) {
    profiles.Learn("gcc", Trace({{"/usr/bin/gcc", 0, {0, 10}}, {"/lib/libc.so", 1, {0, 5}}}), i);
    profiles.Learn("cc1", Trace({{"/usr/lib/cc1", 0, {0, 100}}, {"/lib/libc.so", 2, {0, 8}}}), i);
    launches.ObserveLaunch("gcc", i * 1000, true);
    launches.ObserveChildren("gcc", {{"cc1", 30}});
  }
  PlanOptions o;
  o.slice_ms = 1000;  // one slice: pure disk order
  auto plan = BuildPlan("gcc", profiles, launches, o,
                        FakeDisk({{"/usr/bin/gcc", 5000}, {"/lib/libc.so", 100}, {"/usr/lib/cc1", 90000}}));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].path, "/lib/libc.so");  // lowest physical offset first
  EXPECT_EQ(plan[0].pages, (PageRange{0, 8}));  // gcc's and cc1's libc reads merged
  EXPECT_EQ(plan[0].at_ms, 1);
  EXPECT_EQ(plan[1].path, "/usr/bin/gcc");
  EXPECT_EQ(plan[2].path, "/usr/lib/cc1");
  EXPECT_EQ(plan[2].at_ms, 30);
  EXPECT_NE(plan[2].ino, 0u);
  EXPECT_EQ(PlanBytes(plan), (8 + 10 + 100) * kPageBytes);
  // Without the launch model's children, only gcc's own reads.
  EXPECT_EQ(BuildPlan("gcc", profiles, LaunchModel(), o, FakeDisk({{"/usr/bin/gcc", 0}, {"/lib/libc.so", 1}})).size(), 2u);
}

TEST(PrefetchPlanTest, SlicesComeInTimeOrderAndDiskOrderWithin) {
  StartupProfiles profiles;
  profiles.Learn("p", Trace({{"/a", 0, {0, 1}}, {"/b", 10, {0, 1}}, {"/c", 120, {0, 1}}, {"/d", 130, {0, 1}}}), 1);
  PlanOptions o;
  o.slice_ms = 50;
  auto plan = BuildPlan("p", profiles, LaunchModel(), o, FakeDisk({{"/a", 900}, {"/b", 100}, {"/c", 50}, {"/d", 10}}));
  std::vector<std::string> order;
  for (const auto& r : plan) order.push_back(r.path);
  EXPECT_EQ(order, (std::vector<std::string>{"/b", "/a", "/d", "/c"}));
}

TEST(PrefetchPlanTest, BudgetKeepsTheEarliestNeededAndGoneFilesAreDropped) {
  StartupProfiles profiles;
  profiles.Learn("p", Trace({{"/early", 0, {0, 100}}, {"/gone", 1, {0, 10}}, {"/late", 500, {0, 100}}}), 1);
  PlanOptions o;
  o.max_bytes = 150 * kPageBytes;
  auto plan = BuildPlan("p", profiles, LaunchModel(), o, FakeDisk({{"/early", 0}, {"/late", 1 << 20}}));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].path, "/early");
  EXPECT_EQ(plan[0].pages.count, 100u);
  EXPECT_EQ(plan[1].path, "/late");
  EXPECT_EQ(plan[1].pages.count, 50u);
}

TEST(PrefetchPlanTest, ReadsAreClampedToTheFilesSize) {
  StartupProfiles profiles;
  profiles.Learn("p", Trace({{"/small", 0, {0, 100}}, {"/beyond", 1, {50, 10}}}), 1);
  auto plan = BuildPlan("p", profiles, LaunchModel(), PlanOptions{},
                        FakeDisk({{"/small", 0}, {"/beyond", 1 << 20}}, 10 * kPageBytes));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].pages, (PageRange{0, 10}));
}

TEST(PrefetchPlanTest, DirectoriesOfThePlannedFilesComeFirstOnceEachAndBounded) {
  StartupProfiles profiles;
  profiles.Learn("py", Trace({{"/usr/lib/py/a.pyc", 0, {0, 2}}, {"/usr/lib/py/json/b.pyc", 10, {0, 1}},
                              {"/usr/lib/py/c.pyc", 20, {0, 1}}, {"/etc/conf", 30, {0, 1}}, {"/init", 40, {0, 1}}}),
                 1);
  PlanOptions o;
  o.slice_ms = 1;  // time order
  o.max_directories = 8;
  auto disk = FakeDisk({{"/usr/lib/py/a.pyc", 0}, {"/usr/lib/py/json/b.pyc", 0}, {"/usr/lib/py/c.pyc", 0},
                        {"/etc/conf", 0}, {"/init", 0}});
  auto plan = BuildPlan("py", profiles, LaunchModel(), o, disk);
  ASSERT_EQ(plan.size(), 8u);
  std::vector<std::string> dirs;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(plan[i].directory);
    EXPECT_EQ(plan[i].pages.count, 0u);
    dirs.push_back(plan[i].path);
  }
  // In the order their files are needed; the root is always cached, so it is not listed.
  EXPECT_EQ(dirs, (std::vector<std::string>{"/usr/lib/py", "/usr/lib/py/json", "/etc"}));
  for (size_t i = 3; i < plan.size(); ++i) EXPECT_FALSE(plan[i].directory);
  EXPECT_EQ(PlanBytes(plan), 6 * kPageBytes) << "directories bring no file pages";
  o.max_directories = 1;
  plan = BuildPlan("py", profiles, LaunchModel(), o, disk);
  EXPECT_EQ(plan.size(), 6u);
  EXPECT_EQ(plan[0].path, "/usr/lib/py");
  o.max_directories = 0;
  EXPECT_EQ(BuildPlan("py", profiles, LaunchModel(), o, disk).size(), 5u);
}

}  // namespace
}  // namespace hostmind
