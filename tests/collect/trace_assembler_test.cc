// The prefetch tracer's user-space half on synthetic records: launches, touches joined per
// file in first-touch order, children, re-exec, exit, names and mounts, corrupt records.
#include "collect/prefetch/trace_assembler.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "collect/prefetch/mount_table.h"

extern "C" {
#include "prefetch_abi.h"
}

namespace hostmind {
namespace {

constexpr uint64_t kMs = 1000000;
constexpr uint64_t kDev = (254ull << 20) | 1;  // kernel encoding of 254:1

std::string Path(const std::vector<std::string>& leaf_first, char* buf, uint32_t* len) {
  std::string joined;
  for (const auto& c : leaf_first) joined += c + '\0';
  std::memcpy(buf, joined.data(), joined.size());
  *len = static_cast<uint32_t>(joined.size());
  return joined;
}

std::string ExecRecord(uint32_t pid, uint32_t parent_launch, uint64_t ts, const std::vector<std::string>& path,
                       const std::string& args) {
  pf_exec e{};
  e.h = {PF_EXEC, pid, pid, 0, ts};
  e.ppid = 1;
  e.parent_launch = parent_launch;
  e.dev = kDev;
  Path(path, e.path, &e.path_len);
  std::memcpy(e.args, args.data(), args.size());
  e.args_len = static_cast<uint32_t>(args.size());
  return std::string(reinterpret_cast<const char*>(&e), sizeof e);
}

std::string PagesRecord(uint32_t kind, uint32_t pid, uint32_t launch, uint64_t ts, uint64_t ino, uint64_t first,
                        uint64_t count) {
  pf_pages p{};
  p.h = {kind, pid, launch, 0, ts};
  p.dev = kDev;
  p.ino = ino;
  p.first = first;
  p.count = count;
  return std::string(reinterpret_cast<const char*>(&p), sizeof p);
}

std::string NameRecord(uint64_t ino, const std::vector<std::string>& path) {
  pf_name n{};
  n.h = {PF_NAME, 0, 0, 0, 0};
  n.dev = kDev;
  n.ino = ino;
  Path(path, n.path, &n.path_len);
  return std::string(reinterpret_cast<const char*>(&n), sizeof n);
}

std::string ExitRecord(uint32_t pid, uint32_t launch, uint64_t ts) {
  pf_header h{PF_EXIT, pid, launch, 0, ts};
  return std::string(reinterpret_cast<const char*>(&h), sizeof h);
}

class TraceAssemblerTest : public ::testing::Test {
 protected:
  TraceAssemblerTest()
      : mounts_(MountTable::Parse("22 1 254:1 / / rw - ext4 /dev/vda rw\n"
                                  "30 22 254:1 /srv/data /data rw - ext4 /dev/vda rw\n")),
        asm_(AssemblerOptions{}, 1'000'000, [this](uint64_t kdev, const std::string& p) {
          return mounts_.Resolve(static_cast<uint32_t>(kdev >> 20), static_cast<uint32_t>(kdev & 0xfffff), p);
        }) {}
  void Feed(const std::string& rec) { ASSERT_TRUE(asm_.Feed(rec, execs_).ok()); }

  MountTable mounts_;
  TraceAssembler asm_;
  std::vector<ExecNotice> execs_;
};

TEST_F(TraceAssemblerTest, AssemblesALaunchWithItsFilesInFirstTouchOrder) {
  Feed(ExecRecord(100, 0, 10 * kMs, {"python3.11", "bin", "usr"}, std::string("python3\0-c\0pass", 15)));
  ASSERT_EQ(execs_.size(), 1u);
  EXPECT_EQ(execs_[0].exe, "/usr/bin/python3.11");
  EXPECT_EQ(execs_[0].argv, (std::vector<std::string>{"python3", "-c", "pass"}));
  EXPECT_EQ(execs_[0].ts, 1'000'010);
  Feed(NameRecord(7, {"libc.so.6", "lib"}));
  Feed(NameRecord(8, {"os.pyc", "srv"}));
  Feed(NameRecord(9, {"x.db", "data", "srv"}));
  Feed(PagesRecord(PF_TOUCH, 100, 100, 12 * kMs, 7, 0, 4));
  Feed(PagesRecord(PF_TOUCH, 100, 100, 13 * kMs, 9, 10, 2));
  Feed(PagesRecord(PF_TOUCH, 101, 100, 14 * kMs, 7, 4, 4));  // a forked helper of the launch
  Feed(PagesRecord(PF_TOUCH, 100, 100, 15 * kMs, 8, 0, 1));
  Feed(PagesRecord(PF_ADDED, 100, 100, 15 * kMs, 8, 0, 1));
  std::vector<StartupTrace> out;
  asm_.Expire(20 * kMs, out);
  EXPECT_TRUE(out.empty());  // the window is still open
  Feed(ExitRecord(101, 100, 30 * kMs));  // a helper exiting does not close the launch
  Feed(ExitRecord(100, 100, 40 * kMs));
  asm_.Expire(40 * kMs + 299 * kMs, out);
  EXPECT_TRUE(out.empty());  // the grace after exit
  asm_.Expire(40 * kMs + 300 * kMs, out);
  ASSERT_EQ(out.size(), 1u);
  const StartupTrace& t = out[0];
  EXPECT_TRUE(t.exited);
  EXPECT_EQ(t.pages_read, 1u);
  ASSERT_EQ(t.files.size(), 3u);
  EXPECT_EQ(t.files[0].path, "/lib/libc.so.6");
  EXPECT_EQ(t.files[0].pages, (std::vector<PageRange>{{0, 8}}));
  EXPECT_EQ(t.files[0].first_ms, 2);
  EXPECT_EQ(t.files[0].dev, makedev(254, 1));
  EXPECT_EQ(t.files[1].path, "/srv/data/x.db");  // the shortest mount point showing it
  EXPECT_EQ(t.files[2].path, "/srv/os.pyc");
  EXPECT_EQ(asm_.in_flight(), 0u);
}

TEST_F(TraceAssemblerTest, ChildrenReExecsAndTheWindow) {
  Feed(ExecRecord(200, 0, 0, {"make", "bin", "usr"}, "make"));
  Feed(ExecRecord(201, 200, 5 * kMs, {"cc", "bin", "usr"}, "cc"));
  // The child execs again (a wrapper): its first launch ends, the new one descends from it.
  Feed(ExecRecord(201, 201, 6 * kMs, {"cc1", "bin", "usr"}, "cc1"));
  std::vector<StartupTrace> out;
  asm_.Expire(7 * kMs, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].exec.exe, "/usr/bin/cc");
  ASSERT_EQ(out[0].children.size(), 1u);
  EXPECT_EQ(out[0].children[0].exe, "/usr/bin/cc1");
  out.clear();
  asm_.Expire(5000 * kMs, out);  // make's window (5 s) closed
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].exec.exe, "/usr/bin/make");
  ASSERT_EQ(out[0].children.size(), 1u);
  EXPECT_EQ(out[0].children[0].exe, "/usr/bin/cc");
  asm_.Expire(5006 * kMs, out);
  EXPECT_EQ(out.size(), 2u);
}

TEST_F(TraceAssemblerTest, PrefetchedPagesAreReportedAndJoined) {
  Feed(PagesRecord(PF_ADDED, 1, 0, 0, 7, 0, 4));
  Feed(PagesRecord(PF_ADDED, 1, 0, 0, 7, 4, 4));
  Feed(PagesRecord(PF_ADDED, 1, 0, 0, 8, 0, 1));
  std::vector<PrefetchedPages> out;
  asm_.TakePrefetched(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].pages, (PageRange{0, 8}));
  EXPECT_EQ(out[1].ino, 8u);
}

TEST_F(TraceAssemblerTest, UnnamedFilesAreCountedAndCorruptRecordsRefused) {
  Feed(ExecRecord(300, 0, 0, {"x", "bin"}, "x"));
  Feed(PagesRecord(PF_TOUCH, 300, 300, kMs, 42, 0, 1));  // no name ever came
  std::vector<StartupTrace> out;
  asm_.Expire(6000 * kMs, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].files.empty());
  EXPECT_EQ(asm_.stats().files_unnamed, 1u);
  EXPECT_FALSE(asm_.Feed(std::string(3, 'x'), execs_).ok());
  std::string unknown = ExitRecord(1, 1, 0);
  unknown[0] = 99;
  EXPECT_FALSE(asm_.Feed(unknown, execs_).ok());
  EXPECT_FALSE(asm_.Feed(ExecRecord(1, 0, 0, {"a"}, "a").substr(0, 40), execs_).ok());
  EXPECT_EQ(asm_.stats().corrupt, 3u);
}

TEST(MountTableTest, ResolvesThroughMountsAndBindMounts) {
  MountTable t = MountTable::Parse(
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "23 22 8:2 / /home rw - ext4 /dev/sda2 rw\n"
      "24 22 8:2 /alice /srv/alice\\040home rw - ext4 /dev/sda2 rw\n"
      "garbage\n");
  EXPECT_EQ(t.Resolve(8, 1, "/usr/bin/ls"), "/usr/bin/ls");
  EXPECT_EQ(t.Resolve(8, 2, "/alice/.bashrc"), "/home/alice/.bashrc");  // the shortest mount point
  EXPECT_EQ(t.Resolve(8, 3, "/x"), "");
  MountTable only_bind = MountTable::Parse("24 22 8:2 /alice /srv/alice\\040home rw - ext4 /dev/sda2 rw\n");
  EXPECT_EQ(only_bind.Resolve(8, 2, "/alice/x"), "/srv/alice home/x");
  EXPECT_EQ(only_bind.Resolve(8, 2, "/bob/x"), "");
}

}  // namespace
}  // namespace hostmind
