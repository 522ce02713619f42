#pragma once
// AllocPolicy: hostmind's control law for cgroup resources. Pure: usage samples in, knob targets
// with reasons out; no files, no clock of its own (times come with the samples).
//
// CPU. Latency-critical (LC) workloads get the top CPU weight and no quota beyond their bound;
// batch workloads share an allowance (a CPU quota in cores) that the policy *learns*: for each
// context (how much CPU the LC workloads are forecast to want over the next horizon, from a
// DemandForecaster) it keeps, per allowance level, how often the LC latency signal breached
// its target while batch ran at that level. It runs batch at the largest level whose breach
// rate is within `breach_tolerance` of the best level's, so pressure that cutting batch does
// not cure (another tenant's build) does not starve batch for nothing, while pressure that
// cutting batch does cure makes the allowance back off and stay off. It explores one level up
// after `explore_after` of quiet, and a breach steps the allowance down at once (a reflex that
// does not wait for the statistics).
//
// Memory. Every batch workload with memory bounds is reclaimed proactively by a MemoryProbe
// (see memory_probe.h): a reclaim point that probes down while the workload shows no memory
// pressure and no refaults, the agent reclaiming down to it, and a working limit (memory.high on
// v2; on v1, which has no throttling limit, memory.limit_in_bytes) one growth allowance above
// it. LC workloads are never probed; they are protected instead (memory.low / v1 soft limit at
// their forecast peak).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "act/cgroup_control.h"
#include "act/cgroup_usage.h"
#include "act/memory_probe.h"
#include "learn/demand_forecaster.h"

namespace hostmind {

enum class WorkloadClass { kLatencyCritical, kBatch };
const char* WorkloadClassName(WorkloadClass c);

struct WorkloadSpec {
  std::string name;
  WorkloadClass klass = WorkloadClass::kBatch;
  double cpu_min = 0, cpu_max = kUnlimited;             // cores
  double memory_min = 0, memory_max = kUnlimitedBytes;  // bytes; memory control when max is finite or min > 0
  std::string latency_metric;   // "" = the workload's PSI (CPU + memory stall share)
  double latency_target = 0.1;  // breach when the signal is above this
  bool ControlsMemory() const { return memory_max < static_cast<double>(kUnlimitedBytes) || memory_min > 0; }
};

struct WorkloadInput {
  CgroupUsageSample usage;
  std::optional<double> latency_metric;  // the scraped metric's latest value, when configured
};

struct KnobTarget {
  CgroupKnob knob;
  double value;
  std::string reason;
};

struct WorkloadDecision {
  std::vector<KnobTarget> targets;
  std::vector<std::pair<std::string, std::string>> inputs;  // the numbers behind the reasons
};

struct AllocPolicyOptions {
  double cpus = 2;                       // CPUs of the host
  TimeMs horizon_ms = 10 * kMsPerSecond; // forecast horizon
  bool memory_high_available = false;    // v2 memory.high exists (else v1: the hard limit works)
  MemoryProbeOptions memory;             // batch workloads' proactive reclaim
  double allowance_step = 0.25;          // cores between allowance levels
  double breach_tolerance = 0.05;        // breach-rate slack over the best level
  TimeMs explore_after = 30 * kMsPerSecond;
  double lc_weight = 10000, batch_weight = 100;
};

class AllocPolicy {
 public:
  AllocPolicy(std::vector<WorkloadSpec> specs, AllocPolicyOptions options);

  // One decision step: `inputs[i]` belongs to `specs[i]`. Returns one decision per workload.
  std::vector<WorkloadDecision> Decide(const std::vector<WorkloadInput>& inputs, TimeMs now);

  const std::vector<WorkloadSpec>& specs() const { return specs_; }
  double batch_allowance() const { return allowance_; }
  // The learned breach rate of LC context `context` at allowance level `level` (-1 = unvisited).
  double BreachRate(int context, int level) const;
  int levels() const { return levels_; }
  static constexpr int kContexts = 4;

  std::string SaveState() const;
  Status LoadState(std::string_view bytes);

 private:
  struct Cell {
    double breach_rate = 0;
    uint32_t visits = 0;
    TimeMs last_visit = 0;
  };
  double LatencySignal(size_t i, const WorkloadInput& in) const;
  int LevelOf(double allowance) const;
  double AllowanceOf(int level) const;
  int ContextOf(double lc_demand) const;
  int ChooseLevel(int context, bool breached, TimeMs now, std::string& why) const;
  void DecideCpu(const std::vector<WorkloadInput>& inputs, TimeMs now, std::vector<WorkloadDecision>& out);
  void DecideMemory(size_t i, const WorkloadInput& in, WorkloadDecision& out);

  std::vector<WorkloadSpec> specs_;
  AllocPolicyOptions options_;
  std::vector<DemandForecaster> cpu_forecast_;   // per workload, cores
  std::vector<DemandForecaster> mem_forecast_;   // per workload, bytes
  std::vector<MemoryProbe> probes_;              // per workload (used for batch)
  double batch_min_ = 0, batch_max_ = 0;         // sums of the batch bounds
  int levels_ = 1;
  std::vector<Cell> cells_;  // [context * levels_ + level]
  double allowance_ = -1;    // current batch allowance (cores); -1 before the first decision
  int last_context_ = -1;
  TimeMs last_ts_ = 0;
};

}  // namespace hostmind
