// StartupProfiles and PageExtents on synthetic startup traces: what a program reads every time
// is planned, in first-touch order; what it read once, or stopped reading, is not; the state is
// bounded and survives a save and load, and corrupt bytes are refused.
#include "learn/startup_profile.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace hostmind {
namespace {

FileTouch Touch(const std::string& path, TimeMs at, std::vector<PageRange> pages) {
  FileTouch t;
  t.path = path;
  t.first_ms = at;
  t.pages = std::move(pages);
  return t;
}

StartupTrace Trace(std::vector<FileTouch> files) {
  StartupTrace t;
  t.exec.exe = "/usr/bin/prog";
  t.files = std::move(files);
  return t;
}

// A program that reads ld.so, libc (two ranges), its config, and a data file at the end.
StartupTrace TypicalLaunch() {
  return Trace({Touch("/lib/ld.so", 0, {{0, 8}}),
                Touch("/lib/libc.so", 2, {{0, 40}, {100, 20}}),
                Touch("/etc/prog.conf", 10, {{0, 1}}),
                Touch("/var/lib/prog/data", 30, {{0, 64}})});
}

TEST(PageExtentsTest, AddSplitsAndSumsOverlaps) {
  PageExtents e;
  e.Add({0, 10}, 1);
  e.Add({5, 10}, 1);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e.extents()[0].first, 0u);
  EXPECT_EQ(e.extents()[0].count, 5u);
  EXPECT_FLOAT_EQ(e.extents()[0].weight, 1);
  EXPECT_EQ(e.extents()[1].first, 5u);
  EXPECT_EQ(e.extents()[1].count, 5u);
  EXPECT_FLOAT_EQ(e.extents()[1].weight, 2);
  EXPECT_EQ(e.extents()[2].first, 10u);
  EXPECT_EQ(e.extents()[2].count, 5u);
  // Filling the middle of a gap and covering several extents at once.
  e.Add({20, 5}, 1);
  e.Add({0, 30}, 1);
  std::vector<float> weights;
  for (const auto& x : e.extents()) weights.push_back(x.weight);
  EXPECT_EQ(weights, (std::vector<float>{2, 3, 2, 1, 2, 1}));
  EXPECT_EQ(e.extents().back().end(), 30u);
}

TEST(PageExtentsTest, EqualNeighboursJoinAndPruneForgetsLightOnes) {
  PageExtents e;
  e.Add({0, 4}, 1);
  e.Add({4, 4}, 1);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e.extents()[0].count, 8u);
  e.Add({100, 4}, 0.1f);
  e.Prune(0.5f);
  ASSERT_EQ(e.size(), 1u);
}

TEST(PageExtentsTest, BoundJoinsTheNeighboursThatOverstateTheFewestPagesAtTheLargerWeight) {
  PageExtents e;
  e.Add({0, 2}, 1);
  e.Add({3, 2}, 0.5f);   // gap 1: joining over-states 1 x 1 + 2 x 0.5 = 2 pages
  e.Add({50, 2}, 1);     // gap 45: 45 + 1 = 46
  e.Bound(2);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e.extents()[0].first, 0u);
  EXPECT_EQ(e.extents()[0].count, 5u);
  EXPECT_FLOAT_EQ(e.extents()[0].weight, 1.0f);
}

TEST(PageExtentsTest, BoundKeepsWhatEveryLaunchReadsBesideALongRarelyReadNeighbour) {
  // The closest pair is the heavy extent and the long light one right after it; joining them
  // at either weight loses: the smaller drops pages every launch reads, the larger plans 100
  // pages one launch in ten reads. Joining the two heavy extents 8 pages apart costs 8.
  PageExtents e;
  e.Add({0, 2}, 1);
  e.Add({2, 100}, 0.1f);
  e.Add({200, 2}, 1);
  e.Add({210, 2}, 1);
  e.Bound(3);
  ASSERT_EQ(e.size(), 3u);
  auto planned = e.Above(0.5f, 0);
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[0], (PageRange{0, 2}));
  EXPECT_EQ(planned[1], (PageRange{200, 12}));
}

TEST(PageExtentsTest, AboveBridgesSmallGaps) {
  PageExtents e;
  e.Add({0, 4}, 1);
  e.Add({6, 4}, 1);
  e.Add({40, 4}, 1);
  e.Add({60, 4}, 0.1f);
  auto r = e.Above(0.5f, 4);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], (PageRange{0, 10}));
  EXPECT_EQ(r[1], (PageRange{40, 4}));
}

TEST(StartupProfilesTest, PlansWhatEveryLaunchReadsInFirstTouchOrder) {
  StartupProfiles profiles;
  FakeClock clock(1'700'000'000'000);
  for (int i = 0; i < 5; ++i) {
    profiles.Learn("/usr/bin/prog", TypicalLaunch(), clock.Now());
    clock.Advance(kMsPerMinute);
  }
  auto plan = profiles.Plan("/usr/bin/prog", 0.6, 1 << 20);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].path, "/lib/ld.so");
  EXPECT_EQ(plan[1].path, "/lib/libc.so");
  EXPECT_EQ(plan[1].pages, (PageRange{0, 40}));
  EXPECT_EQ(plan[2].pages, (PageRange{100, 20}));
  EXPECT_EQ(plan[3].path, "/etc/prog.conf");
  EXPECT_EQ(plan[4].path, "/var/lib/prog/data");
  EXPECT_EQ(plan[4].at_ms, 30);
  for (const auto& r : plan) EXPECT_NEAR(r.probability, 1.0, 1e-6) << r.path;
  auto summary = profiles.Summary("/usr/bin/prog");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->launches, 5u);
  EXPECT_EQ(summary->files, 4u);
  EXPECT_EQ(summary->pages, 8u + 60u + 1u + 64u);
  EXPECT_TRUE(profiles.Plan("/usr/bin/other", 0.1, 100).empty());
}

TEST(StartupProfilesTest, RareReadsAreLeftOutAndAbandonedReadsFade) {
  StartupProfiles profiles;
  TimeMs t = 0;
  for (int i = 0; i < 10; ++i) {
    StartupTrace trace = TypicalLaunch();
    if (i == 4) trace.files.push_back(Touch("/tmp/once", 40, {{0, 100}}));  // read once
    profiles.Learn("prog", trace, t += 1000);
  }
  for (const auto& r : profiles.Plan("prog", 0.5, 1 << 20)) EXPECT_NE(r.path, "/tmp/once");
  // The program stops reading its data file: after a few launches it is no longer planned.
  auto planned = [&](const std::string& path) {
    for (const auto& r : profiles.Plan("prog", 0.5, 1 << 20))
      if (r.path == path) return true;
    return false;
  };
  ASSERT_TRUE(planned("/var/lib/prog/data"));
  int launches_until_gone = 0;
  while (planned("/var/lib/prog/data") && launches_until_gone < 20) {
    StartupTrace trace = TypicalLaunch();
    trace.files.pop_back();
    profiles.Learn("prog", trace, t += 1000);
    ++launches_until_gone;
  }
  EXPECT_GE(launches_until_gone, 2);  // one odd launch does not erase the history
  EXPECT_LE(launches_until_gone, 5);
}

TEST(StartupProfilesTest, PlanStaysWithinThePageBudget) {
  StartupProfiles profiles;
  profiles.Learn("prog", TypicalLaunch(), 1);
  auto plan = profiles.Plan("prog", 0.5, 50);
  uint64_t pages = 0;
  for (const auto& r : plan) pages += r.pages.count;
  EXPECT_EQ(pages, 50u);
  EXPECT_EQ(plan.back().path, "/lib/libc.so");  // the earliest needed come first
}

TEST(StartupProfilesTest, FilesWithUnknownPagesArePlannedWhole) {
  StartupProfiles profiles;
  profiles.Learn("prog", Trace({Touch("/etc/a", 0, {}), Touch("/etc/b", 1, {{0, 2}})}), 1);
  auto plan = profiles.Plan("prog", 0.5, 100);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].pages.count, 0u);
  EXPECT_EQ(plan[1].pages, (PageRange{0, 2}));
}

TEST(StartupProfilesTest, BoundedInProgramsFilesAndExtents) {
  StartupProfileLimits limits;
  limits.max_programs = 3;
  limits.max_files = 2;
  limits.max_file_extents = 4;
  limits.max_extents = 40;
  StartupProfiles profiles(limits);
  for (int p = 0; p < 6; ++p) profiles.Learn("prog" + std::to_string(p), TypicalLaunch(), p + 1);
  auto programs = profiles.Programs();
  ASSERT_EQ(programs.size(), 3u);
  EXPECT_EQ(programs[0].key, "prog5");  // most recent first; the oldest were evicted
  EXPECT_EQ(programs[2].key, "prog3");
  EXPECT_LE(programs[0].files, 2u);
  // A file read in many scattered pieces keeps at most max_file_extents of them.
  std::vector<PageRange> scattered;
  for (uint64_t i = 0; i < 50; ++i) scattered.push_back({i * 10, 1});
  profiles.Learn("scatter", Trace({Touch("/big", 0, scattered)}), 100);
  auto plan = profiles.Plan("scatter", 0.5, 1 << 20);
  EXPECT_LE(plan.size(), 4u);
  EXPECT_LE(profiles.extent_count(), 40u);
}

TEST(StartupProfilesTest, SaveLoadRoundTripsAndCorruptBytesAreRefused) {
  StartupProfiles profiles;
  for (int i = 0; i < 3; ++i) profiles.Learn("/usr/bin/prog", TypicalLaunch(), 1000 + i);
  profiles.Learn("/usr/bin/other", Trace({Touch("/lib/libc.so", 0, {{0, 40}})}), 5000);
  std::string bytes = profiles.Save();
  StartupProfiles loaded;
  ASSERT_TRUE(loaded.Load(bytes).ok());
  EXPECT_EQ(loaded.Save(), bytes);
  auto a = profiles.Plan("/usr/bin/prog", 0.5, 1000), b = loaded.Plan("/usr/bin/prog", 0.5, 1000);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].pages, b[i].pages);
  }
  // Every truncation is an error, never a crash, and leaves the profiles empty.
  for (size_t n = 0; n < bytes.size(); ++n) {
    StartupProfiles p;
    EXPECT_FALSE(p.Load(bytes.substr(0, n)).ok()) << n;
    EXPECT_TRUE(p.Programs().empty());
  }
  std::string flipped = bytes;
  flipped[0] ^= 1;
  EXPECT_EQ(loaded.Load(flipped).code(), StatusCode::kCorrupt);
}

TEST(LaunchKeyTest, InterpretersKeyOnTheirScript) {
  std::vector<std::string> interp = {"bash", "sh", "python3*"};
  EXPECT_EQ(LaunchKey("/usr/bin/git", {"git", "log"}, interp), "/usr/bin/git");
  EXPECT_EQ(LaunchKey("/usr/bin/bash", {"bash", "-e", "x"}, interp), "/usr/bin/bash");
  EXPECT_EQ(LaunchKey("/usr/bin/bash", {"bash", "-x", "/opt/deploy.sh", "prod"}, interp),
            "/usr/bin/bash /opt/deploy.sh");
  EXPECT_EQ(LaunchKey("/usr/bin/python3.11", {"python3", "-c", "import os"}, interp), "/usr/bin/python3.11");
  EXPECT_EQ(LaunchKey("/usr/bin/python3.11", {"python3", "-m", "pip", "list"}, interp),
            "/usr/bin/python3.11 -m pip");
  EXPECT_EQ(LaunchKey("/usr/bin/python3.11", {"python3"}, interp), "/usr/bin/python3.11");
}

}  // namespace
}  // namespace hostmind
