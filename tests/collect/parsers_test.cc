// Table-driven tests of the /proc, /sys and log parsers: good, truncated, garbage inputs.
#include <gtest/gtest.h>

#include "collect/cgroup_layout.h"
#include "collect/filesystem_collector.h"
#include "collect/journal_collector.h"
#include "collect/kmsg_collector.h"
#include "collect/parse.h"
#include "collect/pressure.h"
#include "collect/process_collector.h"

namespace hostmind {
namespace {

struct ProcStatCase {
  std::string text;
  bool ok;
  std::string comm;
  uint64_t utime;
};

class ProcStatParse : public ::testing::TestWithParam<ProcStatCase> {};

TEST_P(ProcStatParse, Table) {
  auto r = ParseProcStat(GetParam().text);
  ASSERT_EQ(r.ok(), GetParam().ok) << r.status().ToString();
  if (!r.ok()) return;
  EXPECT_EQ(r->comm, GetParam().comm);
  EXPECT_EQ(r->utime, GetParam().utime);
}

const std::string kStatTail = " S 1 1 1 0 -1 4194560 1000 0 0 0 250 30 0 0 20 0 3 0 1234 10000000 2500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

INSTANTIATE_TEST_SUITE_P(
    Cases, ProcStatParse,
    ::testing::Values(ProcStatCase{"42 (bash)" + kStatTail, true, "bash", 250},
                      ProcStatCase{"42 (tmux: server) (x)" + kStatTail, true, "tmux: server) (x", 250},
                      ProcStatCase{"42 (a b)" + kStatTail.substr(0, 20), false, "", 0},   // truncated
                      ProcStatCase{"42 bash S 1 2 3", false, "", 0},                       // no parens
                      ProcStatCase{"(bash)" + kStatTail, false, "", 0},                    // no pid
                      ProcStatCase{"", false, "", 0},
                      ProcStatCase{std::string("\0\xff\x01garbage)(", 12), false, "", 0}));

TEST(ProcCgroup, PrefersV2ThenMemory) {
  EXPECT_EQ(ParseProcCgroup("4:memory:/a\n0::/b\n"), "/b");
  EXPECT_EQ(ParseProcCgroup("4:memory:/a\n1:cpu:/c\n0::/\n"), "/");
  EXPECT_EQ(ParseProcCgroup("4:cpu,memory:/a\n1:cpuacct:/c\n"), "/a");
  EXPECT_EQ(ParseProcCgroup("garbage"), "");
}

struct PsiCase {
  std::string text;
  bool ok;
  bool has_full;
  uint64_t some_total;
};

class PsiParse : public ::testing::TestWithParam<PsiCase> {};

TEST_P(PsiParse, Table) {
  auto r = ParsePsi(GetParam().text);
  ASSERT_EQ(r.ok(), GetParam().ok) << r.status().ToString();
  if (!r.ok()) return;
  EXPECT_EQ(r->full.has_value(), GetParam().has_full);
  EXPECT_EQ(r->some->total_us, GetParam().some_total);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PsiParse,
    ::testing::Values(
        PsiCase{"some avg10=1.50 avg60=0.20 avg300=0.00 total=123\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", true, true, 123},
        PsiCase{"some avg10=1.50 avg60=0.20 avg300=0.00 total=123\n", true, false, 123},
        PsiCase{"some avg10=1.50 avg60=0.20 avg300=0.00 tot", false, false, 0},
        PsiCase{"full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", false, false, 0},
        PsiCase{"some avg10=x avg60=0.20 avg300=0.00 total=123\n", false, false, 0}, PsiCase{"", false, false, 0},
        PsiCase{"\xde\xad\xbe\xef", false, false, 0}));

TEST(KeyValue, MeminfoScalesKbAndCountsBadLines) {
  int bad = 0;
  auto kv = ParseKeyValueKb("MemTotal:  1000 kB\nHugePages_Total: 0\nbroken line\nX: y kB\n", &bad);
  EXPECT_EQ(kv["MemTotal"], 1024000u);
  EXPECT_EQ(kv["HugePages_Total"], 0u);
  EXPECT_EQ(bad, 2);
  bad = 0;
  auto v = ParseKeyValue("pgmajfault 12\noom_kill 3\nnope\n", &bad);
  EXPECT_EQ(v["oom_kill"], 3u);
  EXPECT_EQ(bad, 1);
}

TEST(RateTracker, FirstSampleAndResetGiveNoRate) {
  RateTracker r;
  EXPECT_FALSE(r.Rate("a", 100, 1000).has_value());
  EXPECT_DOUBLE_EQ(*r.Rate("a", 300, 3000), 100.0);
  EXPECT_FALSE(r.Rate("a", 50, 4000).has_value());  // counter reset
  EXPECT_DOUBLE_EQ(*r.Rate("a", 150, 5000), 100.0);
  r.ForgetOlderThan(6000);
  EXPECT_EQ(r.size(), 0u);
}

TEST(Mounts, DecodesEscapesAndCountsBadLines) {
  int bad = 0;
  auto m = ParseMounts("/dev/sda1 /mnt/my\\040disk ext4 rw 0 0\nnonsense\n/dev/x relative ext4 rw 0 0\n", &bad);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].mountpoint, "/mnt/my disk");
  EXPECT_EQ(m[0].fstype, "ext4");
  EXPECT_EQ(bad, 2);
}

struct KmsgCase {
  std::string raw;
  bool ok;
  int priority;
  uint64_t seq;
  std::string message;
};

class KmsgParse : public ::testing::TestWithParam<KmsgCase> {};

TEST_P(KmsgParse, Table) {
  auto r = ParseKmsgRecord(GetParam().raw);
  ASSERT_EQ(r.ok(), GetParam().ok) << r.status().ToString();
  if (!r.ok()) return;
  EXPECT_EQ(r->priority, GetParam().priority);
  EXPECT_EQ(r->seq, GetParam().seq);
  EXPECT_EQ(r->message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KmsgParse,
    ::testing::Values(
        KmsgCase{"3,1234,5678900,-;Out of memory: Killed process 42 (java)\n", true, 3, 1234, "Out of memory: Killed process 42 (java)"},
        KmsgCase{"6,7,100,c;usb 1-1: new device\n SUBSYSTEM=usb\n DEVICE=c189:1\n", true, 6, 7, "usb 1-1: new device"},
        KmsgCase{"30,8,1,-,caller=T1;systemd[1]: started\n", true, 6, 8, "systemd[1]: started"},
        KmsgCase{"no semicolon here", false, 0, 0, ""}, KmsgCase{"x,y,z;msg", false, 0, 0, ""},
        KmsgCase{"3,1;msg", false, 0, 0, ""}, KmsgCase{std::string("\0\0;\0", 4), false, 0, 0, ""}));

TEST(Journal, EntryRoundTripsAnyBytes) {
  JournalFields f{{"MESSAGE", "line one\nline two\0binary"}, {"PRIORITY", "3"}, {"_SYSTEMD_UNIT", "nginx.service"},
                  {"_PID", "77"}, {"__REALTIME_TIMESTAMP", "1700000000123456"}};
  auto d = DecodeJournalEntry(EncodeJournalEntry(f));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, f);
  auto e = JournalEntryToEvent(*d);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->ts, 1700000000123);
  const auto& log = std::get<LogRecord>(e->body);
  EXPECT_EQ(log.origin, "nginx.service");
  EXPECT_EQ(log.priority, 3);
  EXPECT_EQ(log.pid, 77);
  EXPECT_FALSE(DecodeJournalEntry("MESSAGE 100\nshort").ok());
  EXPECT_FALSE(DecodeJournalEntry("garbage").ok());
  EXPECT_FALSE(JournalEntryToEvent({{"PRIORITY", "3"}}).ok());
}

TEST(CgroupLayout, DetectsHybridV1AndV2) {
  MemoryHostEnv hybrid;
  hybrid.SetFile("/proc/self/mounts",
                 "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
                 "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,relatime,memory 0 0\n"
                 "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0\n"
                 "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
  hybrid.SetFile("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  auto l = DetectCgroupLayout(hybrid);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, CgroupMode::kHybrid);
  EXPECT_EQ(l->Locate("memory", "/a")->dir, "/sys/fs/cgroup/memory/a");
  EXPECT_FALSE(l->Locate("memory", "/a")->v2);
  EXPECT_EQ(l->Locate("pressure", "/")->dir, "/sys/fs/cgroup/unified");
  EXPECT_FALSE(l->Locate("io", "/").has_value());
  EXPECT_FALSE(l->v1_mounts.count("name=systemd"));

  MemoryHostEnv v2;
  v2.SetFile("/proc/self/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
  v2.SetFile("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
  l = DetectCgroupLayout(v2);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, CgroupMode::kV2);
  EXPECT_TRUE(l->Locate("memory", "/x")->v2);
  EXPECT_EQ(l->Locate("cpu", "/x")->dir, "/sys/fs/cgroup/x");

  MemoryHostEnv none;
  none.SetFile("/proc/self/mounts", "proc /proc proc rw 0 0\n");
  EXPECT_EQ(DetectCgroupLayout(none)->mode, CgroupMode::kNone);
}

}  // namespace
}  // namespace hostmind
