// The OOM guard on a synthetic host whose memory is running out: it must act ahead of the
// exhaustion, and pick the process that grows fastest rather than the biggest one.
#include "act/oom_guard.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "act/fake_cgroups.h"

namespace hostmind {
namespace {

constexpr double kMiB = 1048576;

struct Host {
  Host() : writer(cg.env), clock(1000), store(std::move(*Store::Open(":memory:"))) {}
  void SetProcess(int pid, const std::string& comm, double rss_mib, const std::string& adj = "0") {
    std::string p = "/proc/" + std::to_string(pid);
    cg.env.SetFile(p + "/statm", "100000 " + std::to_string(static_cast<uint64_t>(rss_mib * kMiB / 4096)) + " 0 0 0 0 0\n");
    cg.env.SetFile(p + "/comm", comm + "\n");
    cg.env.SetFile(p + "/oom_score_adj", adj + "\n");
  }
  void SetAvailable(double mib) {
    cg.env.SetFile("/proc/meminfo", "MemTotal: 24000000 kB\nMemAvailable: " +
                                        std::to_string(static_cast<uint64_t>(mib * 1024)) + " kB\n");
  }
  std::unique_ptr<OomGuard> Guard(const std::string& policy, ActMode mode) {
    OomGuardConfig c;
    c.horizon_ms = 30000;
    c.min_available = 256 << 20;
    c.policy = policy;
    c.exclude = {"sshd"};
    return std::make_unique<OomGuard>(c, mode, OomGuard::Deps{&cg.env, &writer, store.get(), &clock, nullptr, "/hm", 4242});
  }
  testing::FakeCgroupHost cg;
  MemoryHostWriter writer;
  FakeClock clock;
  std::unique_ptr<Store> store;
};

// A host with a 6 GiB database that is steady and a 300 MiB worker leaking 150 MiB/s.
std::vector<Action> RunLeak(Host& h, OomGuard& guard, int steps, double* avail_at_action = nullptr) {
  std::vector<Action> all;
  double avail = 3000, leaker = 300;
  for (int i = 0; i < steps; ++i) {
    h.SetAvailable(avail);
    h.SetProcess(1, "init", 10);
    h.SetProcess(4242, "hostmind", 50);
    h.SetProcess(100, "postgres", 6000);
    h.SetProcess(200, "worker", leaker);
    h.SetProcess(300, "sshd", 20);
    auto actions = guard.Plan(h.clock.Now());
    if (!actions.empty() && avail_at_action && all.empty()) *avail_at_action = avail;
    guard.Apply(actions);
    for (auto& a : actions) all.push_back(a);
    h.clock.Advance(2000);
    avail -= 300;  // 150 MiB/s
    leaker += 300;
  }
  return all;
}

TEST(OomGuard, PicksTheFastestGrowerAheadOfExhaustion) {
  Host h;
  auto guard = h.Guard("kill", ActMode::kEnforce);
  double avail_at_action = 0;
  auto actions = RunLeak(h, *guard, 10, &avail_at_action);
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions.front().target, "pid 200 (worker)");  // not postgres, the biggest
  EXPECT_EQ(actions.front().status, ActionStatus::kApplied);
  // Ahead of the kernel: memory was still there when it acted (30 s horizon at 150 MiB/s).
  EXPECT_GT(avail_at_action, 256);
  EXPECT_NE(std::find(h.writer.calls().begin(), h.writer.calls().end(), "kill 200 " + std::to_string(SIGKILL)),
            h.writer.calls().end());
  // Audited with its inputs, and reported as a critical finding.
  auto audit = ActionAudit::Open(*h.store);
  auto stored = *(*audit)->Query(0, "oom_guard", 10);
  ASSERT_FALSE(stored.empty());
  EXPECT_NE(stored.back().reason.find("grows fastest"), std::string::npos);
  auto findings = h.store->QueryFindings(FindingQuery{});
  ASSERT_TRUE(findings.ok());
  ASSERT_FALSE(findings->empty());
  EXPECT_EQ(findings->front().severity, Severity::kCritical);
}

TEST(OomGuard, NeverPicksInitItselfExcludedOrProtectedProcesses) {
  Host h;
  auto guard = h.Guard("kill", ActMode::kEnforce);
  RunLeak(h, *guard, 8);
  for (const auto& c : guard->ranking()) {
    EXPECT_NE(c.pid, 1);
    EXPECT_NE(c.pid, 4242);
    EXPECT_NE(c.comm, "sshd");
  }
}

TEST(OomGuard, SteadyMemoryMeansNoAction) {
  Host h;
  auto guard = h.Guard("kill", ActMode::kEnforce);
  for (int i = 0; i < 20; ++i) {
    h.SetAvailable(3000 + (i % 2) * 50);
    h.SetProcess(100, "postgres", 6000);
    EXPECT_TRUE(guard->Plan(h.clock.Now()).empty());
    h.clock.Advance(2000);
  }
  EXPECT_TRUE(h.writer.calls().empty());
}

TEST(OomGuard, ObserveModeOnlyReports) {
  Host h;
  auto guard = h.Guard("kill", ActMode::kObserve);
  auto actions = RunLeak(h, *guard, 10);
  ASSERT_FALSE(actions.empty());
  EXPECT_TRUE(h.writer.calls().empty());
  auto findings = h.store->QueryFindings(FindingQuery{});
  ASSERT_FALSE(findings->empty());
  EXPECT_NE(findings->front().summary.find("would kill"), std::string::npos);
}

TEST(OomGuard, FreezeUsesTheV1Freezer) {
  Host h;
  auto layout = DetectCgroupLayout(h.cg.env);
  FakeClock clock(1000);
  CgroupControl control(*layout, h.cg.env, h.writer, nullptr, clock);
  OomGuardConfig c;
  c.horizon_ms = 30000;
  c.min_available = 256 << 20;
  c.policy = "freeze";
  OomGuard guard(c, ActMode::kEnforce, OomGuard::Deps{&h.cg.env, &h.writer, h.store.get(), &h.clock, &control, "/hm", 1});
  RunLeak(h, guard, 10);
  EXPECT_EQ(h.cg.Knob("/sys/fs/cgroup/freezer/hm/frozen/cgroup.procs"), "200");
  EXPECT_EQ(h.cg.Knob("/sys/fs/cgroup/freezer/hm/frozen/freezer.state"), "FROZEN");
  ASSERT_TRUE(guard.Restore().ok());  // thawed on stop
  EXPECT_EQ(h.cg.Knob("/sys/fs/cgroup/freezer/hm/frozen/freezer.state"), "THAWED");
}

}  // namespace
}  // namespace hostmind
