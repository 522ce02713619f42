#include "act/memory_probe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hostmind {

namespace {

constexpr double kPageBytes = 4096;
constexpr double kMaxExcess = 5;  // one back-off raises the point by at most backoff * this

}  // namespace

std::string FormatFixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string FormatMib(double bytes) {
  if (!(bytes < static_cast<double>(kUnlimitedBytes))) return "unlimited";
  return FormatFixed(bytes / 1048576.0, 1) + " MiB";
}

MemoryProbe::MemoryProbe(MemoryProbeOptions options) : options_(options), step_(options.probe_step) {}

void MemoryProbe::Remember(const CgroupUsageSample& u) {
  const double usage = static_cast<double>(u.memory_bytes), anon = static_cast<double>(u.anon_bytes);
  if (samples_++ == 0) {
    anon_peak_ = anon;
  } else {
    double dt = static_cast<double>(std::max<TimeMs>(u.ts - last_ts_, 1));
    double keep = std::exp2(-dt / static_cast<double>(options_.peak_half_life_ms));
    anon_peak_ = std::max(anon, anon + (anon_peak_ - anon) * keep);
    // Growth since the last step, from what the workload held after it (the reclaim's target
    // when there was one).
    double base = last_reclaim_to_ >= 0 ? std::min(last_usage_, last_reclaim_to_) : last_usage_;
    double growth = std::max(0.0, usage - base) * 1000.0 / dt;
    growth_peak_ = std::max(growth, growth_peak_ * keep);
  }
  last_ts_ = u.ts;
  last_usage_ = usage;
  last_reclaim_to_ = -1;
}

double MemoryProbe::Excess(const CgroupUsageSample& u) const {
  double pressure = u.has_pressure ? u.memory_pressure / options_.pressure_target : 0;
  double usage = std::max(1.0, static_cast<double>(u.memory_bytes));
  double refaults = u.refaults_per_s * kPageBytes / (options_.refault_tolerance * usage);
  return std::max(pressure, refaults);
}

MemoryProbe::Signal MemoryProbe::Read(const CgroupUsageSample& u, std::string& why) const {
  double refault_mib_s = u.refaults_per_s * kPageBytes / 1048576.0;
  if (u.under_oom) {
    why = "tasks are waiting at the limit (v1 under_oom)";
    return Signal::kWaiting;
  }
  if (u.has_pressure && u.memory_pressure > options_.pressure_target) {
    why = "memory pressure " + FormatFixed(u.memory_pressure) + " over target " + FormatFixed(options_.pressure_target);
    return Signal::kPressure;
  }
  if (u.refaults_per_s * kPageBytes > options_.refault_tolerance * static_cast<double>(u.memory_bytes)) {
    why = "refaults " + FormatFixed(refault_mib_s, 2) + " MiB/s: the last reclaims took pages still in use";
    return Signal::kRefaults;
  }
  why = "calm (memory pressure " + FormatFixed(u.has_pressure ? u.memory_pressure : 0) + ", refaults " +
        FormatFixed(refault_mib_s, 2) + " MiB/s)";
  return Signal::kCalm;
}

MemoryPlan MemoryProbe::Step(const CgroupUsageSample& u, double min_bytes, double max_bytes) {
  MemoryPlan plan;
  const double usage = static_cast<double>(u.memory_bytes);
  Remember(u);
  double floor = std::clamp(anon_peak_ + options_.headroom, min_bytes, max_bytes);
  // What the workload grows by before the next reclaim; at least the headroom, so that a workload
  // that has been still for a while can start again without meeting its limit at once.
  double growth = std::max(options_.headroom, growth_peak_ * static_cast<double>(options_.reclaim_interval_ms) / 1000.0);
  plan.inputs = {{"memory_bytes", FormatMib(usage)},
                 {"anon_bytes", FormatMib(static_cast<double>(u.anon_bytes))},
                 {"anon_recent_peak", FormatMib(anon_peak_)},
                 {"memory_pressure", FormatFixed(u.memory_pressure)},
                 {"refaults_per_s", FormatFixed(u.refaults_per_s, 1)},
                 {"growth_per_s_recent_peak", FormatMib(growth_peak_)},
                 {"memory_floor", FormatMib(floor)},
                 {"growth_allowance", FormatMib(growth)}};

  std::string why;
  Signal signal = Read(u, why);
  if (signal != Signal::kWaiting && point_ < 0) {
    if (samples_ < kWarmupSamples) {
      plan.limit = max_bytes;
      plan.reason = "learning the workload's memory first (" + std::to_string(samples_) + " of " +
                    std::to_string(kWarmupSamples) + " samples): its bound only";
      return plan;
    }
    point_ = usage;  // the first probe starts from what the workload holds
  }
  switch (signal) {
    case Signal::kWaiting:
      point_ = std::max(point_, usage) * 1.25 + options_.headroom;
      step_ = options_.min_probe_step;
      why += ": raising the limit now";
      break;
    case Signal::kCalm: {
      // Pressure under its target slows the probe down, as it nears the point where it would back off.
      double calm = 1.0 - std::clamp(Excess(u), 0.0, 1.0);
      double decay = std::exp2(-static_cast<double>(u.ts - guard_ts_) / static_cast<double>(options_.guard_half_life_ms));
      double lowest = std::max(floor, floor + (guard_ - floor) * decay);
      point_ -= step_ * calm * std::max(0.0, point_ - lowest);
      why += ": probing down by " + FormatFixed(step_ * calm * 100, 1) + "% of the distance to " +
             (lowest > floor ? "the last back-off's guard (" + FormatMib(lowest) + ")" : std::string("the floor"));
      step_ = std::min(options_.probe_step, step_ * 1.25);
      break;
    }
    case Signal::kPressure:
    case Signal::kRefaults:
      point_ = std::max(point_, floor) * (1 + options_.backoff * std::min(Excess(u), kMaxExcess));
      guard_ = point_;
      guard_ts_ = u.ts;
      step_ = std::max(options_.min_probe_step, step_ / 2);
      why += ": backing off, probe step now " + FormatFixed(step_ * 100, 1) + "%";
      break;
  }
  if (point_ <= floor) why += "; at the floor, anonymous memory's recent peak + headroom (" + FormatMib(floor) + ")";
  point_ = std::clamp(point_, floor, max_bytes);
  // One reclaim per interval, as the controller's rate limit allows; knowing which steps reclaimed
  // is what lets Remember() measure the growth from the right base.
  if (options_.reclaim_available && usage > point_ && u.ts - last_reclaim_ts_ >= options_.reclaim_interval_ms) {
    plan.reclaim_to = last_reclaim_to_ = std::max(point_, usage * (1 - options_.reclaim_max_share));
    last_reclaim_ts_ = u.ts;
  }
  plan.limit = std::clamp(options_.reclaim_available ? point_ + growth : point_, min_bytes, max_bytes);
  plan.inputs.emplace_back("reclaim_point", FormatMib(point_));
  plan.reason = why;
  return plan;
}

}  // namespace hostmind
