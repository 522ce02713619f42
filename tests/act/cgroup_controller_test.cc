// The cgroup controller on a fake hybrid (and v2) host: knob mapping on both hierarchies,
// observe mode changes nothing, enforce stays within bounds and rate limits, originals are
// restored on stop and on the next start after a crash.
#include "act/cgroup_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "act/fake_cgroups.h"
#include "core/config.h"

namespace hostmind {
namespace {

using testing::FakeCgroupHost;
using testing::FakeCgroupState;

const std::string kV1Cpu = "/sys/fs/cgroup/cpu/hm";
const std::string kV1Mem = "/sys/fs/cgroup/memory/hm";

TEST(CgroupControl, MapsKnobsToV1Files) {
  FakeCgroupHost host;
  host.AddCgroup("/hm/batch");
  MemoryHostWriter writer(host.env);
  FakeClock clock(1000);
  auto layout = DetectCgroupLayout(host.env);
  ASSERT_TRUE(layout.ok());
  CgroupControl c(*layout, host.env, writer, nullptr, clock);
  ASSERT_TRUE(c.Write(CgroupKnob::kCpuWeight, "/hm/batch", 10000).ok());
  EXPECT_EQ(host.Knob(kV1Cpu + "/batch/cpu.shares"), "102400");
  ASSERT_TRUE(c.Write(CgroupKnob::kCpuMax, "/hm/batch", 0.5).ok());
  EXPECT_EQ(host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"), "50000");
  EXPECT_DOUBLE_EQ(*c.Read(CgroupKnob::kCpuMax, "/hm/batch"), 0.5);
  ASSERT_TRUE(c.Write(CgroupKnob::kCpuMax, "/hm/batch", kUnlimited).ok());
  EXPECT_EQ(host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"), "-1");
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryMax, "/hm/batch", 512.0 * 1048576).ok());
  EXPECT_EQ(host.Knob(kV1Mem + "/batch/memory.limit_in_bytes"), "536870912");
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryLow, "/hm/batch", 64.0 * 1048576).ok());
  EXPECT_EQ(host.Knob(kV1Mem + "/batch/memory.soft_limit_in_bytes"), "67108864");
  EXPECT_FALSE(c.Locate(CgroupKnob::kMemoryHigh, "/hm/batch").has_value());  // v1 has none
  // "No limit" as v1 shows it reads as unlimited.
  host.env.SetFile(kV1Mem + "/batch/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(*c.Read(CgroupKnob::kMemoryMax, "/hm/batch"), static_cast<double>(kUnlimitedBytes));
}

TEST(CgroupControl, MapsKnobsToV2Files) {
  FakeCgroupHost host(/*v2=*/true);
  host.AddCgroup("/hm/web");
  MemoryHostWriter writer(host.env);
  FakeClock clock(1000);
  auto layout = DetectCgroupLayout(host.env);
  ASSERT_TRUE(layout.ok());
  CgroupControl c(*layout, host.env, writer, nullptr, clock);
  ASSERT_TRUE(c.Write(CgroupKnob::kCpuWeight, "/hm/web", 10000).ok());
  EXPECT_EQ(host.Knob("/sys/fs/cgroup/hm/web/cpu.weight"), "10000");
  ASSERT_TRUE(c.Write(CgroupKnob::kCpuMax, "/hm/web", 1.5).ok());
  EXPECT_EQ(host.Knob("/sys/fs/cgroup/hm/web/cpu.max"), "150000 100000");
  EXPECT_DOUBLE_EQ(*c.Read(CgroupKnob::kCpuMax, "/hm/web"), 1.5);
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryHigh, "/hm/web", 1048576.0).ok());
  EXPECT_EQ(host.Knob("/sys/fs/cgroup/hm/web/memory.high"), "1048576");
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryMax, "/hm/web", static_cast<double>(kUnlimitedBytes)).ok());
  EXPECT_EQ(host.Knob("/sys/fs/cgroup/hm/web/memory.max"), "max");
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryLow, "/hm/web", 2048.0).ok());
  EXPECT_EQ(host.Knob("/sys/fs/cgroup/hm/web/memory.low"), "2048");
}

// A batch cgroup holding `state`, and a CgroupControl over it that keeps originals in a store.
struct ReclaimRig {
  ReclaimRig(bool v2, FakeCgroupState state) : host(v2), writer(host.env), clock(1000) {
    host.AddCgroup("/hm/batch");
    host.Set("/hm/batch", state);
    store = std::move(*Store::Open(":memory:"));
    originals = std::move(*OriginalValues::Open(*store, "alloc"));
    control = std::make_unique<CgroupControl>(*DetectCgroupLayout(host.env), host.env, writer, originals.get(), clock);
  }
  FakeCgroupHost host;
  MemoryHostWriter writer;
  FakeClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<OriginalValues> originals;
  std::unique_ptr<CgroupControl> control;
};

TEST(CgroupControl, ReclaimsOnV1ByLoweringTheLimitAndPuttingItBack) {
  ReclaimRig rig(/*v2=*/false, FakeCgroupState{.anon = 300u << 20, .file = 700u << 20});
  FakeCgroupHost& host = rig.host;
  MemoryHostWriter& writer = rig.writer;
  CgroupControl& c = *rig.control;
  EXPECT_TRUE(c.CanReclaim());
  EXPECT_DOUBLE_EQ(*c.Read(CgroupKnob::kMemoryReclaim, "/hm/batch"), 1000.0 * 1048576);  // reads as the usage
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryMax, "/hm/batch", 2048.0 * 1048576).ok());
  auto calls_since = [&](size_t n) { return std::vector<std::string>(writer.calls().begin() + static_cast<long>(n), writer.calls().end()); };
  size_t n = writer.calls().size();
  auto r = c.Write(CgroupKnob::kMemoryReclaim, "/hm/batch", 400.0 * 1048576);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string limit = kV1Mem + "/batch/memory.limit_in_bytes";
  EXPECT_EQ(calls_since(n), (std::vector<std::string>{limit + "=419430400", limit + "=2147483648"}));
  // A reclaim the kernel cannot finish (EBUSY) still puts the limit back, and says so.
  writer.FailNextWrite(limit, Status::FromErrno(EBUSY, "write"));
  EXPECT_FALSE(c.Write(CgroupKnob::kMemoryReclaim, "/hm/batch", 350.0 * 1048576).ok());
  EXPECT_EQ(host.Knob(limit), "2147483648");
  // Nothing to reclaim: no write at all.
  n = writer.calls().size();
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryReclaim, "/hm/batch", 2000.0 * 1048576).ok());
  EXPECT_TRUE(calls_since(n).empty());
  // The limit's original is the one kept, so a restore puts back "no limit".
  ASSERT_TRUE(rig.originals->RestoreAll(writer, nullptr, rig.clock.Now(), "test").ok());
  EXPECT_EQ(host.Knob(limit), "-1");
}

TEST(CgroupControl, ReclaimsOnV2ThroughMemoryReclaim) {
  ReclaimRig rig(/*v2=*/true, FakeCgroupState{.anon = 100u << 20, .file = 400u << 20});
  FakeCgroupHost& host = rig.host;
  CgroupControl& c = *rig.control;
  EXPECT_FALSE(c.CanReclaim());  // a kernel before 5.19 has no memory.reclaim
  host.env.SetFile("/sys/fs/cgroup/memory.reclaim", "");
  EXPECT_TRUE(c.CanReclaim());
  ASSERT_TRUE(c.Write(CgroupKnob::kMemoryReclaim, "/hm/batch", 200.0 * 1048576).ok());
  EXPECT_EQ(rig.writer.calls(), (std::vector<std::string>{"/sys/fs/cgroup/hm/batch/memory.reclaim=314572800"}));
  EXPECT_FALSE(rig.originals->HasAny());  // an act, not a setting: nothing to put back
}

AllocConfig TwoWorkloads(const std::string& mode) {
  auto config = ParseConfig(
      "alloc:\n  mode: " + mode +
          "\n  workloads:\n"
          "    - {name: web, path: /hm/web, class: latency-critical, latency_target: 0.1}\n"
          "    - {name: batch, path: /hm/batch, class: batch, cpu_min: 0.25, cpu_max: 2, memory_max: 4GiB}\n",
      "test");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config->alloc;
}

struct Rig {
  explicit Rig(const std::string& mode, std::unique_ptr<Store> s = nullptr) : writer(host.env), clock(1000) {
    store = s ? std::move(s) : std::move(*Store::Open(":memory:"));
    host.AddCgroup("/hm/web");
    host.AddCgroup("/hm/batch");
    Make(mode);
  }
  void Make(const std::string& mode) {
    CgroupController::Deps deps{&host.env, &writer, store.get(), &clock, {}, 2};
    auto c = CgroupController::Create(TwoWorkloads(mode), deps);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    controller = std::move(*c);
  }
  // One interval of work: web 0.3 cores with `stall` CPU pressure; batch busy with 300 MiB of
  // anon and a file cache that grows by 40 MiB an interval from 1.2 GiB, reclaimed by the
  // kernel to the lowest limit written since the last interval.
  std::vector<Action> Step(double stall) {
    clock.Advance(2000);
    web.cpu_seconds += 0.6;
    web.cpu_stall_seconds += stall * 2;
    batch.cpu_seconds += 2.0;
    batch.anon = 300 << 20;
    batch.file = batch.file == 0 ? 1200 << 20 : std::min<uint64_t>(batch.file + (40 << 20), LowestBatchLimit() - batch.anon);
    host.Set("/hm/web", web);
    host.Set("/hm/batch", batch);
    auto actions = controller->Plan(clock.Now());
    controller->Apply(actions);
    return actions;
  }
  uint64_t LowestBatchLimit() {
    const std::string prefix = kV1Mem + "/batch/memory.limit_in_bytes=";
    uint64_t lowest = UINT64_MAX;
    for (; seen_calls < writer.calls().size(); ++seen_calls) {
      const std::string& call = writer.calls()[seen_calls];
      if (call.rfind(prefix, 0) == 0 && call[prefix.size()] != '-') lowest = std::min<uint64_t>(lowest, std::stoull(call.substr(prefix.size())));
    }
    return lowest;
  }
  FakeCgroupHost host;
  MemoryHostWriter writer;
  size_t seen_calls = 0;
  FakeClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<CgroupController> controller;
  FakeCgroupState web, batch;
};

TEST(CgroupController, ObserveModeChangesNothingAndRecordsNothing) {
  Rig rig("observe");
  ASSERT_TRUE(rig.controller->Start().ok());
  size_t planned = 0;
  for (int i = 0; i < 30; ++i) planned += rig.Step(i % 5 == 0 ? 0.5 : 0.0).size();
  EXPECT_GT(planned, 0u);                // it did decide things...
  EXPECT_TRUE(rig.writer.calls().empty());  // ...and wrote nothing
  auto audit = ActionAudit::Open(*rig.store);
  EXPECT_TRUE((*audit)->Query(0, "", 100)->empty());
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"), "-1");
  ASSERT_TRUE(rig.controller->Restore().ok());
  EXPECT_TRUE(rig.writer.calls().empty());
}

TEST(CgroupController, RecommendModeAuditsWithoutWriting) {
  Rig rig("recommend");
  ASSERT_TRUE(rig.controller->Start().ok());
  for (int i = 0; i < 5; ++i) rig.Step(0.0);
  EXPECT_TRUE(rig.writer.calls().empty());
  auto actions = *(*ActionAudit::Open(*rig.store))->Query(0, "alloc", 100);
  ASSERT_FALSE(actions.empty());
  for (const auto& a : actions) EXPECT_EQ(a.status, ActionStatus::kRecommended);
}

TEST(CgroupController, EnforceWritesWithinBoundsAndAudits) {
  Rig rig("enforce");
  ASSERT_TRUE(rig.controller->Start().ok());
  for (int i = 0; i < 40; ++i) rig.Step(0.0);
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "102400");
  double quota = std::stod(rig.host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"));
  EXPECT_GE(quota, 25000);
  EXPECT_LE(quota, 200000);
  double limit = std::stod(rig.host.Knob(kV1Mem + "/batch/memory.limit_in_bytes"));
  EXPECT_LT(limit, 1500.0 * 1048576);            // probed down: no memory pressure
  EXPECT_GE(limit, (300.0 + 64) * 1048576);      // never under anon + headroom
  auto actions = *(*ActionAudit::Open(*rig.store))->Query(0, "alloc", 1000);
  ASSERT_FALSE(actions.empty());
  for (const auto& a : actions) {
    EXPECT_EQ(a.status, ActionStatus::kApplied) << a.error;
    EXPECT_FALSE(a.reason.empty());
    EXPECT_FALSE(a.inputs.empty());
  }
  std::string text = ExplainAction(actions.front());
  EXPECT_NE(text.find("why:"), std::string::npos);
  EXPECT_NE(text.find("inputs:"), std::string::npos);
}

TEST(CgroupController, RateLimitsChangesThatTakeResourcesAway) {
  Rig rig("enforce");
  ASSERT_TRUE(rig.controller->Start().ok());
  // Batch quota raises (less CPU left for LC) at most once per min_change_interval (6 s = 3
  // steps) and by at most max_step * CPUs (0.5 cores) each.
  double last = -1;
  int raises = 0;
  for (int i = 0; i < 30; ++i) {
    for (const auto& a : rig.Step(0.0)) {
      if (a.target != "batch" || a.knob != "cpu.cfs_quota_us") continue;
      double from = std::stod(a.old_value), to = std::stod(a.new_value);
      if (from >= 0 && to > from) {
        ++raises;
        EXPECT_LE(to - from, 50000 + 1);
        if (last >= 0) {
          EXPECT_GE(rig.clock.Now() - last, 6000);
        }
        last = static_cast<double>(rig.clock.Now());
      }
    }
  }
  EXPECT_GT(raises, 0);
}

TEST(CgroupController, ReclaimsBatchMemoryAtTheRateLimitAndAuditsIt) {
  Rig rig("enforce");
  ASSERT_TRUE(rig.controller->Start().ok());
  std::vector<Action> reclaims;
  for (int i = 0; i < 30; ++i)
    for (const auto& a : rig.Step(0.0))
      if (a.knob == "memory.reclaim") reclaims.push_back(a);
  ASSERT_GE(reclaims.size(), 2u);
  for (size_t i = 0; i < reclaims.size(); ++i) {
    EXPECT_EQ(reclaims[i].target, "batch");  // the LC workload is never probed
    EXPECT_EQ(reclaims[i].status, ActionStatus::kApplied) << reclaims[i].error;
    double from = std::stod(reclaims[i].old_value), to = std::stod(reclaims[i].new_value);
    EXPECT_LE(from - to, 0.25 * from + 1);  // max_step of the memory in use
    EXPECT_GE(to, (300.0 + 64) * 1048576);   // never under anon + headroom
    if (i > 0) {
      EXPECT_GE(reclaims[i].ts - reclaims[i - 1].ts, 6000);
    }
  }
  // Each reclaim put the working limit back.
  EXPECT_NE(rig.host.Knob(kV1Mem + "/batch/memory.limit_in_bytes"), reclaims.back().new_value);
  EXPECT_GT(std::stod(rig.host.Knob(kV1Mem + "/batch/memory.limit_in_bytes")), (300.0 + 64) * 1048576);
}

TEST(CgroupController, RestoreOnStopPutsOriginalsBack) {
  Rig rig("enforce");
  ASSERT_TRUE(rig.controller->Start().ok());
  for (int i = 0; i < 10; ++i) rig.Step(0.0);
  ASSERT_NE(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "1024");
  ASSERT_TRUE(rig.controller->Restore().ok());
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "1024");
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(rig.host.Knob(kV1Mem + "/batch/memory.limit_in_bytes"), "-1");
  EXPECT_EQ(rig.host.Knob(kV1Mem + "/batch/memory.soft_limit_in_bytes"), "-1");
}

TEST(CgroupController, NextStartAfterACrashRestoresOriginals) {
  Rig rig("enforce");
  ASSERT_TRUE(rig.controller->Start().ok());
  for (int i = 0; i < 10; ++i) rig.Step(0.0);
  ASSERT_EQ(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "102400");
  // Crash: the controller goes away without Restore(); a new one starts on the same store.
  rig.controller.reset();
  rig.Make("observe");
  ASSERT_TRUE(rig.controller->Start().ok());
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "1024");
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/batch/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(rig.host.Knob(kV1Mem + "/batch/memory.limit_in_bytes"), "-1");
  auto actions = *(*ActionAudit::Open(*rig.store))->Query(0, "alloc", 1000);
  int restored = 0;
  for (const auto& a : actions) restored += a.status == ActionStatus::kRestored;
  EXPECT_GE(restored, 4);
}

TEST(CgroupController, AMissingCgroupIsSkippedNotFatal) {
  Rig rig("enforce");
  rig.host.env.SetError(kV1Cpu + "/batch/cpu.cfs_quota_us", Status::NotFound("gone"));
  ASSERT_TRUE(rig.controller->Start().ok());
  for (int i = 0; i < 3; ++i) rig.Step(0.0);
  EXPECT_EQ(rig.host.Knob(kV1Cpu + "/web/cpu.shares"), "102400");
}

}  // namespace
}  // namespace hostmind
