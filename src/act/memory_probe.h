#pragma once
// MemoryProbe: the proactive-reclaim control law for one batch workload's memory (as senpai does,
// with the reclaim done by the agent rather than by the workload). Pure: samples in, a plan out.
//
// It keeps a reclaim point: how much memory the workload is left with after each reclaim, an
// estimate of its working set. While the workload shows no memory pressure (PSI) and no refaults
// (file pages read back soon after being dropped), the point probes down, each calm decision by a
// share of its distance to the floor; the first sign of either backs it off at once, in
// proportion to the excess, and halves the probe step, which then grows back while calm. A back-off
// also leaves a guard where it happened: the probe does not go under it again until it has decayed
// (half-life `guard_half_life_ms`), so a workload that re-reads its cache pays for one probe into
// its working set every few minutes rather than every few decisions, and a workload that changes
// is re-measured. A workload whose cache is read once (a scan, a copy) is thus held near its floor;
// one that re-reads its cache settles where its refaults stop.
//
// The floor is the workload's anonymous memory (its recent peak) plus `headroom`: without swap,
// anonymous pages cannot be reclaimed, and a limit under them is an OOM kill.
//
// The agent reclaims down to the point (v2 memory.reclaim; v1 by a transient hard limit, which
// reclaims in the writer's context), at most once per `reclaim_interval_ms`, and leaves the working
// limit one growth allowance above it: how fast the workload's memory grew after a reclaim (its
// recent peak) times the time to the next one. So the workload itself seldom meets its limit and
// does not stall on its own reclaim, and its stalls (PSI) keep meaning "too little memory" rather
// than "the reclaim's own cost" (measured on this project's v1 host: a 25 MiB/s scan held at a
// hard limit stalled 1-8% of the time; reclaimed by another task to the same size, 0%).
// Without a reclaim interface (v2 before 5.19) the working limit is the point itself.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "act/cgroup_control.h"
#include "act/cgroup_usage.h"

namespace hostmind {

struct MemoryProbeOptions {
  double pressure_target = 0.01;     // memory stall share (PSI some) above which the point backs off
  double refault_tolerance = 0.002;  // refaulted bytes per second, as a share of usage, above which it backs off
  double headroom = 64 << 20;        // bytes above the anonymous memory's recent peak
  double probe_step = 0.25;          // largest share of (point - floor) reclaimed per calm decision
  double min_probe_step = 0.02;      // smallest, after repeated back-offs
  double backoff = 0.1;              // the point rises by this share per unit of excess over the target
  TimeMs guard_half_life_ms = 120 * kMsPerSecond;  // how long a back-off keeps the probe above it
  TimeMs peak_half_life_ms = 30 * kMsPerSecond;   // how long a peak of anon or of growth is remembered
  TimeMs reclaim_interval_ms = 6 * kMsPerSecond;  // time between two reclaims (the controller's rate limit)
  double reclaim_max_share = 0.25;   // largest share of the memory in use one reclaim takes (ditto)
  bool reclaim_available = true;     // the agent can reclaim (else the working limit is the point)
};

struct MemoryPlan {
  double reclaim_to = -1;  // reclaim down to this many bytes; -1 = no reclaim this step
  double limit = 0;        // the working limit (v2 memory.high, v1 memory.limit_in_bytes)
  std::string reason;
  std::vector<std::pair<std::string, std::string>> inputs;  // the numbers behind the reason
};

class MemoryProbe {
 public:
  explicit MemoryProbe(MemoryProbeOptions options);

  // One decision for a workload whose memory is bounded to [min_bytes, max_bytes].
  MemoryPlan Step(const CgroupUsageSample& u, double min_bytes, double max_bytes);

  double point() const { return point_; }  // -1 while learning
  double guard() const { return guard_; }  // 0 = none
  double probe_step() const { return step_; }
  static constexpr uint64_t kWarmupSamples = 5;  // samples before the first reclaim

 private:
  enum class Signal { kCalm, kPressure, kRefaults, kWaiting };
  Signal Read(const CgroupUsageSample& u, std::string& why) const;
  double Excess(const CgroupUsageSample& u) const;  // how far over its target the worse signal is (>= 1)
  void Remember(const CgroupUsageSample& u);        // the recent peaks of anon and of growth

  MemoryProbeOptions options_;
  // Recent peaks relax toward the current value rather than being forecast: a trend fitted to a
  // workload's start (0 to 256 MiB in a second) extrapolates gigabytes for a minute after it.
  double anon_peak_ = 0;         // bytes
  double growth_peak_ = 0;       // bytes per second, over the time since the last reclaim
  uint64_t samples_ = 0;
  TimeMs last_ts_ = 0;
  double last_usage_ = 0;
  double last_reclaim_to_ = -1;  // what the last step reclaimed to; -1 = it did not
  TimeMs last_reclaim_ts_ = 0;
  double point_ = -1;
  double guard_ = 0;   // the probe stays above this (decaying toward the floor)
  TimeMs guard_ts_ = 0;
  double step_;
};

// Numbers in the alloc actuator's reasons and audit inputs: "0.125", "123.4 MiB" (or "unlimited").
std::string FormatFixed(double v, int digits = 3);
std::string FormatMib(double bytes);

}  // namespace hostmind
