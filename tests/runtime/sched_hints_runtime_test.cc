// The scheduling hints' host seam on the real kernel: sched_getattr/sched_setattr on a real
// process, SCHED_BATCH with an EEVDF custom slice (6.12+), and putting the original back.
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "act/sched_hints.h"

namespace hostmind {
namespace {

bool KernelAtLeast(int major, int minor) {
  struct utsname u {};
  if (uname(&u) != 0) return false;
  int a = 0, b = 0;
  if (sscanf(u.release, "%d.%d", &a, &b) != 2) return false;
  return a > major || (a == major && b >= minor);
}

TEST(SchedHintsRuntime, BatchAndALongerSliceAreSetAndPutBack) {
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  auto host = MakeLinuxSchedHost();
  ProcessSchedUsage usage;
  usage.cpu_ms = usage.wait_ms = -1;
  EXPECT_TRUE(host->Usage(child, &usage));
  EXPECT_GT(usage.start_ticks, 0u);
  EXPECT_GE(usage.cpu_ms, 0);
  EXPECT_GE(usage.wait_ms, 0);  // from /proc/<pid>/task/<tid>/schedstat
  EXPECT_EQ(host->Threads(child), std::vector<int32_t>{child});

  auto original = host->Get(child);
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  EXPECT_EQ(original->policy, 0u);
  Status set = host->Set(child, TaskSched{3, original->nice, 20'000'000});
  ASSERT_TRUE(set.ok()) << set.ToString();
  auto now = host->Get(child);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->policy, 3u);
  if (KernelAtLeast(6, 12)) {
    EXPECT_EQ(now->slice_ns, 20'000'000u);  // EEVDF custom slices
  }
  ASSERT_TRUE(host->Set(child, *original).ok());
  EXPECT_EQ(host->Get(child)->policy, 0u);

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(host->Usage(child, &usage));
  EXPECT_EQ(host->Get(child).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace hostmind
