#include <gtest/gtest.h>

#include "collect/journal_collector.h"
#include "collect/kmsg_collector.h"
#include "collect/logfile_collector.h"

namespace hostmind {
namespace {

struct Output {
  Status status;
  int errors = 0;
  std::vector<std::string> messages;
  std::vector<std::pair<std::string, std::string>> state;
};

Output Collect(Collector& c, HostEnv& env, TimeMs now) {
  Batch b;
  CollectContext ctx(env, now, b);
  Output o;
  o.status = c.Collect(ctx);
  o.errors = ctx.errors();
  for (const auto& e : b.events) o.messages.push_back(std::get<LogRecord>(e.body).message);
  o.state = b.state;
  return o;
}

void SetBoot(MemoryHostEnv& env, const std::string& boot_id) {
  env.SetFile("/proc/stat", "cpu 1 2 3 4\nbtime 1700000000\n");
  env.SetFile("/proc/sys/kernel/random/boot_id", boot_id + "\n");
}

TEST(Kmsg, EventsCarryPriorityAndBootRelativeTime) {
  MemoryHostEnv env;
  SetBoot(env, "boot-a");
  env.QueueStreamRecords("/dev/kmsg", {"3,10,2000000,-;Out of memory: Killed process 42 (java)\n", "garbage",
                                       "6,11,3000000,-;eth0: link up\n"});
  KmsgCollector c;
  Batch b;
  CollectContext ctx(env, 5, b);
  ASSERT_TRUE(c.Collect(ctx).ok());
  EXPECT_EQ(ctx.errors(), 1);  // the garbage record
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].ts, 1700000000000 + 2000);
  const auto& oom = std::get<LogRecord>(b.events[0].body);
  EXPECT_EQ(oom.priority, 3);
  EXPECT_EQ(oom.source, LogSource::kKernel);
  ASSERT_EQ(b.state.size(), 1u);
  EXPECT_EQ(b.state[0], (std::pair<std::string, std::string>{"kmsg.position", "boot-a 11"}));
}

TEST(Kmsg, RestartSkipsWhatWasDeliveredOnTheSameBootOnly) {
  MemoryHostEnv env;
  SetBoot(env, "boot-a");
  env.QueueStreamRecords("/dev/kmsg", {"6,10,1,-;old\n", "6,11,2,-;older\n", "6,12,3,-;new\n"});
  KmsgCollector same_boot;
  same_boot.Restore("kmsg.position", "boot-a 11");
  EXPECT_EQ(Collect(same_boot, env, 1).messages, std::vector<std::string>{"new"});

  MemoryHostEnv rebooted;
  SetBoot(rebooted, "boot-b");
  rebooted.QueueStreamRecords("/dev/kmsg", {"6,1,1,-;first after reboot\n"});
  KmsgCollector after_reboot;
  after_reboot.Restore("kmsg.position", "boot-a 11");
  EXPECT_EQ(Collect(after_reboot, rebooted, 1).messages, std::vector<std::string>{"first after reboot"});
}

TEST(Kmsg, UnreadableDeviceSaysWhy) {
  MemoryHostEnv env;
  SetBoot(env, "b");
  env.SetError("/dev/kmsg", Status::PermissionDenied("open /dev/kmsg: Permission denied (reading the kernel log needs root or CAP_SYSLOG)"));
  KmsgCollector c;
  auto o = Collect(c, env, 1);
  EXPECT_EQ(o.status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(o.status.message().find("CAP_SYSLOG"), std::string::npos);
}

TEST(Journal, NoJournalIsUnavailableWithTheReason) {
  MemoryHostEnv env;
  JournalCollector c;
  auto o = Collect(c, env, 1);
  EXPECT_EQ(o.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(o.status.message().find("no systemd journal"), std::string::npos);
}

TEST(Journal, EntriesBecomeEventsAndTheCursorIsCommitted) {
  MemoryHostEnv env;
  env.SetFile("/run/log/journal/abc/system.journal", "");
  env.QueueStreamRecords("journal", {EncodeJournalEntry({{"MESSAGE", "Started nginx"}, {"_SYSTEMD_UNIT", "nginx.service"},
                                                         {"__CURSOR", "s=1;i=5"}}),
                                     "broken entry"});
  JournalCollector c;
  auto o = Collect(c, env, 1);
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(o.errors, 1);
  EXPECT_EQ(o.messages, std::vector<std::string>{"Started nginx"});
  ASSERT_EQ(o.state.size(), 1u);
  EXPECT_EQ(o.state[0].second, "s=1;i=5");
}

class LogFileTest : public ::testing::Test {
 protected:
  LogFileCollector Make() { return LogFileCollector({"/var/log/app.log"}, 16); }
  MemoryHostEnv env_;
};

TEST_F(LogFileTest, FollowsFromEndThenReadsNewCompleteLines) {
  env_.SetFile("/var/log/app.log", "history\n");
  auto c = Make();
  EXPECT_TRUE(Collect(c, env_, 1).messages.empty());  // existing content is history
  env_.SetFile("/var/log/app.log", "history\nline one\nline two\npart");
  EXPECT_EQ(Collect(c, env_, 2).messages, (std::vector<std::string>{"line one", "line two"}));
  env_.SetFile("/var/log/app.log", "history\nline one\nline two\npartial done\r\n");
  EXPECT_EQ(Collect(c, env_, 3).messages, std::vector<std::string>{"partial done"});
}

TEST_F(LogFileTest, LongLinesAreCutAndCounted) {
  env_.SetFile("/var/log/app.log", "");
  auto c = Make();
  Collect(c, env_, 1);
  env_.SetFile("/var/log/app.log", std::string(40, 'x') + "\n");
  auto o = Collect(c, env_, 2);
  ASSERT_EQ(o.messages.size(), 1u);
  EXPECT_EQ(o.messages[0].size(), 16u);
}

TEST_F(LogFileTest, RotationFinishesTheOldFileThenReadsTheNewOne) {
  env_.SetFile("/var/log/app.log", "a\n");
  env_.SetInode("/var/log/app.log", 100);
  auto c = Make();
  Collect(c, env_, 1);
  // logrotate: app.log -> app.log.1 (same inode, with one more line), new app.log.
  env_.SetFile("/var/log/app.log.1", "a\nb\n");
  env_.SetInode("/var/log/app.log.1", 100);
  env_.SetFile("/var/log/app.log", "c\n");
  env_.SetInode("/var/log/app.log", 200);
  EXPECT_EQ(Collect(c, env_, 2).messages, (std::vector<std::string>{"b", "c"}));
}

TEST_F(LogFileTest, TruncationRestartsFromTheTop) {
  env_.SetFile("/var/log/app.log", "aaaa\nbbbb\n");
  auto c = Make();
  Collect(c, env_, 1);
  env_.SetFile("/var/log/app.log", "c\n");  // copytruncate, then one line written
  EXPECT_EQ(Collect(c, env_, 2).messages, std::vector<std::string>{"c"});
}

TEST_F(LogFileTest, RestoredPositionNeitherLosesNorRepeats) {
  env_.SetFile("/var/log/app.log", "one\n");
  env_.SetInode("/var/log/app.log", 7);
  std::vector<std::pair<std::string, std::string>> saved;
  {
    auto c = Make();
    Collect(c, env_, 1);
    env_.SetFile("/var/log/app.log", "one\ntwo\n");
    auto o = Collect(c, env_, 2);
    EXPECT_EQ(o.messages, std::vector<std::string>{"two"});
    saved = o.state;
  }
  // The agent stops; a line arrives; the agent starts again with the committed position.
  env_.SetFile("/var/log/app.log", "one\ntwo\nthree\n");
  auto c = Make();
  for (const auto& [k, v] : saved) c.Restore(k, v);
  EXPECT_EQ(Collect(c, env_, 3).messages, std::vector<std::string>{"three"});
}

TEST_F(LogFileTest, FileAppearingLaterIsReadFromItsStart) {
  auto c = Make();
  EXPECT_TRUE(Collect(c, env_, 1).status.ok());  // missing: fine, waits
  env_.SetFile("/var/log/app.log", "first\n");
  EXPECT_EQ(Collect(c, env_, 2).messages, std::vector<std::string>{"first"});
}

}  // namespace
}  // namespace hostmind

namespace hostmind {
namespace {

TEST(Journal, EmptyJournalDirectoryIsNotAJournal) {
  MemoryHostEnv env;
  env.SetFile("/var/log/journal/README", "");  // the directory exists, but holds no journal
  JournalCollector c;
  Batch b;
  CollectContext ctx(env, 1, b);
  EXPECT_EQ(c.Collect(ctx).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hostmind
