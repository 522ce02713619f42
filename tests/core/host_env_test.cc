#include "core/host_env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/recording.h"
#include "test_util.h"

namespace hostmind {
namespace {

TEST(DiskHostEnv, ReadsUnderRoot) {
  testing::TempDir dir;
  dir.Write("proc/stat", "cpu  1 2 3\n");
  dir.Write("proc/1/comm", "init\n");
  DiskHostEnv env(dir.path() + "/");
  auto s = env.ReadFile("/proc/stat");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "cpu  1 2 3\n");
  auto names = env.ListDir("/proc");
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"1", "stat"}));
  EXPECT_EQ(*env.ReadRange("/proc/stat", 4, 3), " 1 ");
  EXPECT_EQ(env.StatFile("/proc/stat")->size, 11u);
  EXPECT_TRUE(env.StatFs("/proc").ok());
}

TEST(DiskHostEnv, ErrorsNameThePath) {
  testing::TempDir dir;
  DiskHostEnv env(dir.path());
  auto r = env.ReadFile("/proc/missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/proc/missing"), std::string::npos);
}

TEST(DiskHostEnv, OversizedFileIsCorrupt) {
  testing::TempDir dir;
  dir.Write("big", std::string(100, 'x'));
  DiskHostEnv env(dir.path());
  EXPECT_EQ(env.ReadFileUpTo("/big", 99).status().code(), StatusCode::kCorrupt);
  EXPECT_TRUE(env.ReadFileUpTo("/big", 100).ok());
}

TEST(MemoryHostEnv, FilesDirsAndInjectedErrors) {
  MemoryHostEnv env;
  env.SetFile("/proc/1/stat", "x");
  env.SetFile("/proc/22/stat", "y");
  env.SetError("/proc/22/stat", Status::PermissionDenied("open /proc/22/stat: Permission denied"));
  auto names = env.ListDir("/proc");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);
  EXPECT_EQ(env.ReadFile("/proc/22/stat").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(*env.ReadRange("/proc/1/stat", 5, 10), "");
}

TEST(Recording, RoundTripsEveryCallKind) {
  MemoryHostEnv inner;
  inner.SetFile("/proc/stat", std::string("cpu 1\n\0binary\n", 14));
  inner.SetFsStats("/", FsStats{100, 50, 40, 10, 5});
  inner.SetLink("/proc/1/exe", "/sbin/init");
  RecordingHostEnv rec(inner);
  rec.BeginFrame("cpu", 1234);
  ASSERT_TRUE(rec.ReadFile("/proc/stat").ok());
  ASSERT_TRUE(rec.StatFs("/").ok());
  ASSERT_TRUE(rec.ReadLink("/proc/1/exe").ok());
  ASSERT_TRUE(rec.ListDir("/proc").ok());
  ASSERT_TRUE(rec.ReadRange("/proc/stat", 2, 3).ok());
  ASSERT_TRUE(rec.StatFile("/proc/stat").ok());
  EXPECT_FALSE(rec.ReadFile("/proc/missing").ok());

  testing::TempDir dir;
  std::string path = dir.path() + "/rec.hmr";
  {
    auto w = RecordingWriter::Open(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(rec.TakeFrame()).ok());
  }
  auto frames = ReadRecording(path);
  ASSERT_TRUE(frames.ok()) << frames.status().ToString();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].collector, "cpu");
  EXPECT_EQ((*frames)[0].ts, 1234);

  ReplayHostEnv replay;
  replay.Load((*frames)[0]);
  EXPECT_EQ(*replay.ReadFile("/proc/stat"), *inner.ReadFile("/proc/stat"));
  EXPECT_EQ(replay.StatFs("/")->avail_bytes, 40u);
  EXPECT_EQ(*replay.ReadLink("/proc/1/exe"), "/sbin/init");
  EXPECT_EQ(*replay.ReadRange("/proc/stat", 2, 3), "u 1");
  EXPECT_EQ(replay.StatFile("/proc/stat")->size, 14u);
  EXPECT_EQ(replay.ListDir("/proc")->size(), 2u);
  EXPECT_EQ(replay.ReadFile("/proc/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(replay.ReadFile("/never/read").status().code(), StatusCode::kNotFound);
}

TEST(Recording, TornTailIsDropped) {
  testing::TempDir dir;
  std::string whole = "F 10 cpu\nr 0 - 10 2\n/proc/stat42\nE\n";
  std::string torn = "F 20 cpu\nr 0 - 10 200\n/proc/st";
  std::string path = dir.Write("rec.hmr", whole + torn);
  auto frames = ReadRecording(path);
  ASSERT_TRUE(frames.ok()) << frames.status().ToString();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].calls[0].payload, "42");
}

TEST(Recording, GarbageIsCorrupt) {
  testing::TempDir dir;
  auto frames = ReadRecording(dir.Write("rec.hmr", "hello world\n"));
  EXPECT_EQ(frames.status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace hostmind
