// The control law on synthetic pressure traces: the world is a function from the batch
// allowance the policy chose to the LC workload's pressure, and the policy must learn it.
#include "act/alloc_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace hostmind {
namespace {

constexpr TimeMs kStep = 2000;

std::vector<WorkloadSpec> WebAndBatch() {
  WorkloadSpec web;
  web.name = "web";
  web.klass = WorkloadClass::kLatencyCritical;
  web.latency_target = 0.10;
  WorkloadSpec batch;
  batch.name = "batch";
  batch.cpu_min = 0.25;
  batch.cpu_max = 2.0;
  return {web, batch};
}

CgroupUsageSample Usage(TimeMs now, bool rates, double cores, double cpu_pressure, double mem_pressure = 0) {
  CgroupUsageSample u;
  u.ts = now;
  u.has_rates = rates;
  u.cpu_cores = cores;
  u.has_pressure = true;
  u.cpu_pressure = cpu_pressure;
  u.memory_pressure = mem_pressure;
  return u;
}

AllocPolicyOptions TwoCpus(bool memory_high = false) {
  AllocPolicyOptions o;
  o.cpus = 2;
  o.memory_high_available = memory_high;
  return o;
}

struct Trace {
  std::vector<double> allowance;  // per step, after the decision
};

// A synthetic host: the web service uses 0.3 cores; batch uses all it is allowed; the web
// service's pressure over an interval is `pressure(allowance, step)` for the allowance in force.
class World {
 public:
  explicit World(AllocPolicy& policy) : policy_(policy) {}
  Trace Run(int steps, const std::function<double(double, int)>& pressure) {
    Trace t;
    for (int i = 0; i < steps; ++i, ++step_) {
      TimeMs now = (step_ + 1) * kStep;
      double p = pressure(allowance_, step_);
      std::vector<WorkloadInput> in(2);
      in[0].usage = Usage(now, step_ > 0, 0.3, p);
      in[1].usage = Usage(now, step_ > 0, allowance_, 0);
      auto d = policy_.Decide(in, now);
      for (const auto& k : d[1].targets)
        if (k.knob == CgroupKnob::kCpuMax) allowance_ = k.value;
      t.allowance.push_back(allowance_);
    }
    return t;
  }

 private:
  AllocPolicy& policy_;
  int step_ = 0;
  double allowance_ = 1.0;
};

Trace Simulate(AllocPolicy& policy, int steps, const std::function<double(double, int)>& pressure) {
  return World(policy).Run(steps, pressure);
}

double MeanFrom(const std::vector<double>& v, size_t from) {
  double s = 0;
  for (size_t i = from; i < v.size(); ++i) s += v[i];
  return s / static_cast<double>(v.size() - from);
}

double ShareAbove(const std::vector<double>& v, size_t from, double x) {
  int n = 0;
  for (size_t i = from; i < v.size(); ++i) n += v[i] > x + 1e-9;
  return static_cast<double>(n) / static_cast<double>(v.size() - from);
}

TEST(AllocPolicy, BatchGrowsToTheWholeMachineWhenLatencyIsNeverHurt) {
  AllocPolicy policy(WebAndBatch(), TwoCpus());
  Trace t = Simulate(policy, 150, [](double, int) { return 0.01; });
  EXPECT_DOUBLE_EQ(t.allowance.back(), 2.0);
  EXPECT_GT(MeanFrom(t.allowance, 75), 1.9);
}

TEST(AllocPolicy, LearnsTheLargestAllowanceThatKeepsLatencyUnderTarget) {
  AllocPolicy policy(WebAndBatch(), TwoCpus());
  // Batch above 1.25 cores hurts the web service; at or below it, it does not.
  Trace t = Simulate(policy, 600, [](double a, int) { return a > 1.25 + 1e-9 ? 0.4 : 0.02; });
  // After learning, batch runs at 1.25 cores nearly always: it re-tries the level above only
  // now and then (explore_after), and backs off at once.
  EXPECT_NEAR(MeanFrom(t.allowance, 300), 1.25, 0.1);
  EXPECT_LT(ShareAbove(t.allowance, 300, 1.25), 0.1);
  int context = 0;  // 0.3 cores of LC demand is the first quarter of the machine
  int level_1_5 = 5;  // 0.25 + 5 * 0.25 cores
  EXPECT_GT(policy.BreachRate(context, level_1_5), 0.5);
  EXPECT_LT(policy.BreachRate(context, level_1_5 - 1), 0.1);
}

TEST(AllocPolicy, PressureThatCuttingBatchDoesNotCureDoesNotStarveBatch) {
  // Another tenant's build stalls the web service half the time whatever batch does.
  std::mt19937 rng(7);
  std::bernoulli_distribution noisy(0.5);
  AllocPolicy policy(WebAndBatch(), TwoCpus());
  Trace t = Simulate(policy, 600, [&](double, int) { return noisy(rng) ? 0.5 : 0.02; });
  // A plain threshold rule would sit near the floor (0.25); the learned policy sees that the
  // breach rate is the same at every level and keeps batch high.
  EXPECT_GT(MeanFrom(t.allowance, 300), 1.2);
}

TEST(AllocPolicy, BacksOffWhenTheWorldChanges) {
  AllocPolicy policy(WebAndBatch(), TwoCpus());
  World world(policy);
  Trace calm = world.Run(100, [](double, int) { return 0.0; });
  ASSERT_DOUBLE_EQ(calm.allowance.back(), 2.0);
  // From now on batch above 0.5 cores hurts the web service (a new, CPU-hungrier release).
  auto hurts = [](double a, int) { return a > 0.5 + 1e-9 ? 0.9 : 0.0; };
  Trace hit = world.Run(40, hurts);
  EXPECT_LE(hit.allowance.back(), 0.5) << ::testing::PrintToString(hit.allowance);
  Trace after = world.Run(100, hurts);
  EXPECT_LT(MeanFrom(after.allowance, 0), 0.7);
}

TEST(AllocPolicy, LatencyCriticalGetsTopWeightAndItsBound) {
  auto specs = WebAndBatch();
  specs[0].cpu_max = 1.5;
  AllocPolicy policy(specs, TwoCpus());
  auto d = policy.Decide(std::vector<WorkloadInput>(2), 1000);
  ASSERT_GE(d[0].targets.size(), 2u);
  EXPECT_EQ(d[0].targets[0].knob, CgroupKnob::kCpuWeight);
  EXPECT_EQ(d[0].targets[0].value, 10000);
  EXPECT_EQ(d[0].targets[1].knob, CgroupKnob::kCpuMax);
  EXPECT_EQ(d[0].targets[1].value, 1.5);
}

// Memory: a batch workload with 200 MiB of anon reading 20 MiB/s of file data once, next to an
// LC workload with a memory bound. Returns the last decision; `usage` is the batch's in the end.
std::vector<WorkloadDecision> RunMemory(AllocPolicy& policy, int steps, double mem_pressure, double* usage_out) {
  const double anon = 200.0 * 1048576, stream = 40.0 * 1048576;
  double usage = anon, limit = static_cast<double>(kUnlimitedBytes);
  std::vector<WorkloadDecision> d;
  for (int i = 0; i < steps; ++i) {
    TimeMs now = (i + 1) * kStep;
    usage = std::min(usage + stream, limit);  // the kernel reclaims cache at the limit
    std::vector<WorkloadInput> in(2);
    for (auto& w : in) {
      w.usage = Usage(now, i > 0, 0.5, 0, mem_pressure);
      w.usage.has_memory = true;
    }
    in[0].usage.memory_bytes = in[0].usage.anon_bytes = 50u << 20;
    in[1].usage.memory_bytes = static_cast<uint64_t>(usage);
    in[1].usage.anon_bytes = static_cast<uint64_t>(anon);
    d = policy.Decide(in, now);
    double next_limit = static_cast<double>(kUnlimitedBytes);  // the tighter of memory.high and the hard limit
    for (const auto& k : d[1].targets) {
      if (k.knob == CgroupKnob::kMemoryReclaim) usage = std::min(usage, k.value);
      if (k.knob == CgroupKnob::kMemoryMax || k.knob == CgroupKnob::kMemoryHigh) next_limit = std::min(next_limit, k.value);
    }
    limit = next_limit;
  }
  *usage_out = usage;
  return d;
}

std::vector<WorkloadSpec> WithMemoryBounds() {
  auto specs = WebAndBatch();
  specs[0].memory_max = 1.0 * 1073741824;
  specs[1].memory_max = 4.0 * 1073741824;
  return specs;
}

const KnobTarget* Find(const WorkloadDecision& d, CgroupKnob knob) {
  for (const auto& t : d.targets)
    if (t.knob == knob) return &t;
  return nullptr;
}

TEST(AllocPolicy, BatchCacheIsReclaimedDownToAnonPlusHeadroomOnV1) {
  AllocPolicy policy(WithMemoryBounds(), TwoCpus());
  double usage = 0;
  auto d = policy.Decide(std::vector<WorkloadInput>(2), 1000);  // no memory read yet: no memory targets
  EXPECT_EQ(Find(d[1], CgroupKnob::kMemoryMax), nullptr);
  d = RunMemory(policy, 100, 0.0, &usage);
  const double anon = 200.0 * 1048576, headroom = MemoryProbeOptions{}.headroom;
  // 100 intervals of 40 MiB would be 4 GiB of cache; the probe keeps it near the floor, plus
  // what the workload reads between two reclaims (6 s = 3 intervals).
  EXPECT_LT(usage, anon + headroom + 3 * 40.0 * 1048576 + 8.0 * 1048576);
  EXPECT_GE(usage, anon + headroom);  // never under anon + headroom: no OOM kill
  ASSERT_NE(Find(d[1], CgroupKnob::kMemoryOomWait), nullptr);  // v1: wait at the limit, not die
  const KnobTarget* limit = Find(d[1], CgroupKnob::kMemoryMax);
  ASSERT_NE(limit, nullptr);
  EXPECT_GT(limit->value, usage);  // room to grow until the next reclaim
  EXPECT_LT(limit->value, 1.0 * 1073741824);
  // The LC workload is protected, never probed.
  EXPECT_EQ(Find(d[0], CgroupKnob::kMemoryReclaim), nullptr);
  ASSERT_NE(Find(d[0], CgroupKnob::kMemoryLow), nullptr);
  EXPECT_GE(Find(d[0], CgroupKnob::kMemoryLow)->value, 50.0 * 1048576);
  EXPECT_DOUBLE_EQ(Find(d[0], CgroupKnob::kMemoryMax)->value, 1.0 * 1073741824);
}

TEST(AllocPolicy, BatchWorkingLimitIsMemoryHighOnV2) {
  AllocPolicy policy(WithMemoryBounds(), TwoCpus(/*memory_high=*/true));
  double usage = 0;
  auto d = RunMemory(policy, 100, 0.0, &usage);
  EXPECT_EQ(Find(d[1], CgroupKnob::kMemoryOomWait), nullptr);
  ASSERT_NE(Find(d[1], CgroupKnob::kMemoryHigh), nullptr);
  EXPECT_LT(Find(d[1], CgroupKnob::kMemoryHigh)->value, 1.0 * 1073741824);
  EXPECT_DOUBLE_EQ(Find(d[1], CgroupKnob::kMemoryMax)->value, 4.0 * 1073741824);  // the bound stays the hard limit
}

TEST(AllocPolicy, MemoryPressureStopsReclaim) {
  AllocPolicy policy(WithMemoryBounds(), TwoCpus());
  double usage = 0;
  auto d = RunMemory(policy, 50, 0.05, &usage);  // stalled 5% of the time: the cache is needed
  EXPECT_EQ(Find(d[1], CgroupKnob::kMemoryReclaim), nullptr);
  EXPECT_GE(usage, 50 * 40.0 * 1048576);
}

TEST(AllocPolicy, LearnedStateRoundTrips) {
  AllocPolicy a(WebAndBatch(), TwoCpus());
  Simulate(a, 200, [](double x, int) { return x > 1.0 ? 0.5 : 0.0; });
  AllocPolicy b(WebAndBatch(), TwoCpus());
  ASSERT_TRUE(b.LoadState(a.SaveState()).ok());
  for (int l = 0; l < a.levels(); ++l) EXPECT_DOUBLE_EQ(a.BreachRate(0, l), b.BreachRate(0, l));
  EXPECT_FALSE(b.LoadState("garbage").ok());
  auto other = WebAndBatch();
  other[1].cpu_max = 1.0;
  AllocPolicy c(other, TwoCpus());
  EXPECT_FALSE(c.LoadState(a.SaveState()).ok());  // bounds changed: learn afresh
}

}  // namespace
}  // namespace hostmind
