#include "collect/sensor/proc_fallback.h"

#include <gtest/gtest.h>

#include "detect/process_table.h"

namespace hostmind {
namespace {

// A set-user-ID program as /proc shows it: the real and effective ids differ.
TEST(ProcFallbackTest, ReadsAProcessExecFromProcWithBothUserIds) {
  MemoryHostEnv env;
  env.SetFile("/proc/4242/status", "Name:\tpasswd\nUmask:\t0022\nState:\tS (sleeping)\nPPid:\t4000\n"
                                   "Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n");
  env.SetLink("/proc/4242/exe", "/usr/bin/passwd");
  env.SetLink("/proc/4242/cwd", "/home/ann");
  env.SetFile("/proc/4242/cmdline", std::string("passwd\0ann\0", 11));
  env.SetFile("/proc/4242/cgroup", "12:memory:/user.slice\n0::/user.slice/session-3.scope\n");
  auto e = ReadProcessExec(env, 4242);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->comm, "passwd");
  EXPECT_EQ(e->ppid, 4000);
  EXPECT_EQ(e->uid, 1000u);
  EXPECT_EQ(e->euid, 0u);
  EXPECT_EQ(e->exe, "/usr/bin/passwd");
  EXPECT_EQ(e->cwd, "/home/ann");
  EXPECT_EQ(e->argv, (std::vector<std::string>{"passwd", "ann"}));
  EXPECT_EQ(e->cgroup, "/user.slice/session-3.scope");
  EXPECT_FALSE(ReadProcessExec(env, 4243).ok());

  // The rule engine's view of it: an exec that knows no cwd keeps the one known before.
  ProcessInfo p;
  p.cwd = "/tmp";
  ProcessExec bare = *e;
  bare.cwd.clear();
  ApplyExec(bare, p);
  EXPECT_EQ(p.name, "passwd");
  EXPECT_EQ(p.euid, 0u);
  EXPECT_EQ(p.uid, 1000u);
  EXPECT_EQ(p.cwd, "/tmp");
  EXPECT_EQ(p.cgroup, "/user.slice/session-3.scope");
}

}  // namespace
}  // namespace hostmind
