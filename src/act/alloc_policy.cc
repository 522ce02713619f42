#include "act/alloc_policy.h"

#include <algorithm>
#include <cmath>

#include "learn/byte_codec.h"

namespace hostmind {

namespace {

constexpr uint32_t kTrustedVisits = 3;     // a level's breach rate counts after this many visits
constexpr uint32_t kRateMemory = 10;       // the breach rate averages about this many visits
constexpr double kBreachBudget = 0.25;     // a level breaching more often than this is worth questioning
constexpr std::string_view kMagic = "AP1";


}  // namespace

const char* WorkloadClassName(WorkloadClass c) {
  return c == WorkloadClass::kLatencyCritical ? "latency-critical" : "batch";
}

AllocPolicy::AllocPolicy(std::vector<WorkloadSpec> specs, AllocPolicyOptions options)
    : specs_(std::move(specs)), options_(options) {
  DemandForecasterOptions fast{.half_life_ms = 10 * kMsPerSecond, .spread_factor = 2.5};
  cpu_forecast_.assign(specs_.size(), DemandForecaster(fast));
  probes_.assign(specs_.size(), MemoryProbe(options_.memory));
  mem_forecast_.assign(specs_.size(), DemandForecaster(DemandForecasterOptions{.half_life_ms = 60 * kMsPerSecond}));
  double max_sum = 0;
  for (const auto& s : specs_) {
    if (s.klass != WorkloadClass::kBatch) continue;
    batch_min_ += s.cpu_min;
    max_sum += std::isfinite(s.cpu_max) ? s.cpu_max : options_.cpus;
  }
  batch_max_ = std::max(batch_min_, std::min(max_sum, options_.cpus));
  levels_ = 1 + static_cast<int>(std::floor((batch_max_ - batch_min_) / options_.allowance_step + 1e-9));
  cells_.assign(static_cast<size_t>(kContexts * levels_), Cell{});
}

double AllocPolicy::LatencySignal(size_t i, const WorkloadInput& in) const {
  if (!specs_[i].latency_metric.empty()) return in.latency_metric.value_or(NAN);
  if (!in.usage.has_rates || !in.usage.has_pressure) return NAN;
  return in.usage.cpu_pressure + in.usage.memory_pressure;
}

int AllocPolicy::LevelOf(double allowance) const {
  int level = static_cast<int>(std::lround((allowance - batch_min_) / options_.allowance_step));
  return std::clamp(level, 0, levels_ - 1);
}

double AllocPolicy::AllowanceOf(int level) const {
  return level == levels_ - 1 ? batch_max_ : batch_min_ + level * options_.allowance_step;
}

int AllocPolicy::ContextOf(double lc_demand) const {
  // Quarters of the machine: LC wants little, some, half, or most of it.
  int c = static_cast<int>(lc_demand / (options_.cpus / kContexts));
  return std::clamp(c, 0, kContexts - 1);
}

double AllocPolicy::BreachRate(int context, int level) const {
  const Cell& c = cells_[static_cast<size_t>(context * levels_ + level)];
  return c.visits == 0 ? -1 : c.breach_rate;
}

int AllocPolicy::ChooseLevel(int context, bool breached, TimeMs now, std::string& why) const {
  auto cell = [&](int level) -> const Cell& { return cells_[static_cast<size_t>(context * levels_ + level)]; };
  auto trusted = [&](int level) { return cell(level).visits >= kTrustedVisits; };
  int current = LevelOf(allowance_);
  double best = 2;
  for (int l = 0; l < levels_; ++l)
    if (trusted(l)) best = std::min(best, cell(l).breach_rate);
  // A level is as good as the best when its breach rate is within the tolerance plus one
  // standard error of its estimate: equal rates everywhere mean the breaches are not batch's.
  auto as_good = [&](int l) {
    const Cell& c = cell(l);
    double n = std::min<double>(c.visits, kRateMemory);
    double se = std::sqrt(std::max(c.breach_rate * (1 - c.breach_rate), 0.01) / n);
    return trusted(l) && c.breach_rate <= best + options_.breach_tolerance + se;
  };
  int top_safe = -1;
  for (int l = 0; l < levels_; ++l)
    if (as_good(l)) top_safe = l;

  if (breached && !as_good(current)) {
    why = "the latency signal breached its target at a level not known to be safe: batch backs off at once";
    return std::max(0, top_safe >= 0 && top_safe < current ? top_safe : current - 1);
  }
  // Breaching often at a level that looks as good as any: maybe no level is good, maybe the
  // lower ones are and were never tried. Step down to find out (once per unknown level).
  if (breached && cell(current).breach_rate > kBreachBudget && current > 0 && !trusted(current - 1)) {
    why = "breaches persist at every level tried; trying the level below, never tried in this context";
    return current - 1;
  }
  if (current > top_safe && !trusted(current)) {
    why = "trying this level: " + std::to_string(cell(current).visits) + " steps so far";
    return current;
  }
  int choice = top_safe >= 0 ? top_safe : current;
  if (choice + 1 < levels_ && trusted(choice) && !breached) {
    const Cell& up = cell(choice + 1);
    if (!trusted(choice + 1) || now - up.last_visit >= options_.explore_after) {
      why = !trusted(choice + 1) ? "exploring one level up: not yet known in this context"
                                 : "re-trying one level up: last tried " + FormatDuration(now - up.last_visit) + " ago";
      return choice + 1;
    }
  }
  why = top_safe >= 0 ? "the largest level whose learned breach rate is as good as the best level's"
                      : "learning: staying until this level is known";
  return choice;
}

void AllocPolicy::DecideCpu(const std::vector<WorkloadInput>& inputs, TimeMs now, std::vector<WorkloadDecision>& out) {
  double lc_demand = 0;
  bool any_lc = false, breached = false, known = false;
  std::string signals;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const auto& u = inputs[i].usage;
    if (u.has_rates) cpu_forecast_[i].Observe(u.ts, u.cpu_cores);
    if (specs_[i].klass != WorkloadClass::kLatencyCritical) continue;
    any_lc = true;
    lc_demand += cpu_forecast_[i].Forecast(options_.horizon_ms).upper;
    double s = LatencySignal(i, inputs[i]);
    if (std::isnan(s)) continue;
    known = true;
    breached |= s > specs_[i].latency_target;
    signals += (signals.empty() ? "" : ", ") + specs_[i].name + " " + FormatFixed(s) + " (target " +
               FormatFixed(specs_[i].latency_target) + ")";
  }
  // Learn: the outcome of the allowance that was in force over the last interval.
  if (allowance_ >= 0 && known && last_context_ >= 0) {
    Cell& c = cells_[static_cast<size_t>(last_context_ * levels_ + LevelOf(allowance_))];
    ++c.visits;
    c.breach_rate += ((breached ? 1.0 : 0.0) - c.breach_rate) / std::min(c.visits, kRateMemory);
    c.last_visit = now;
  }
  int context = ContextOf(lc_demand);
  std::string why;
  if (!any_lc) {
    allowance_ = batch_max_;
    why = "no latency-critical workload to protect";
  } else if (allowance_ < 0) {
    allowance_ = AllowanceOf(LevelOf(options_.cpus - lc_demand - options_.allowance_step));
    why = "first decision: the CPUs left after the LC forecast, less one step";
  } else if (known) {
    allowance_ = AllowanceOf(ChooseLevel(context, breached, now, why));
  } else {
    why = "no latency signal yet: holding";
  }
  last_context_ = context;

  double demand_sum = 0;
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].klass == WorkloadClass::kBatch)
      demand_sum += std::max(0.05, cpu_forecast_[i].Forecast(options_.horizon_ms).upper);
  for (size_t i = 0; i < specs_.size(); ++i) {
    const WorkloadSpec& s = specs_[i];
    auto& d = out[i];
    DemandForecast f = cpu_forecast_[i].Forecast(options_.horizon_ms);
    d.inputs.emplace_back("cpu_cores", FormatFixed(inputs[i].usage.cpu_cores));
    d.inputs.emplace_back("cpu_forecast_upper", FormatFixed(f.upper));
    d.inputs.emplace_back("cpu_throttled", FormatFixed(inputs[i].usage.throttled));
    d.inputs.emplace_back("cpu_pressure", FormatFixed(inputs[i].usage.cpu_pressure));
    if (s.klass == WorkloadClass::kLatencyCritical) {
      d.targets.push_back({CgroupKnob::kCpuWeight, options_.lc_weight, "latency-critical: top CPU weight"});
      d.targets.push_back({CgroupKnob::kCpuMax, s.cpu_max, "latency-critical: only its configured bound"});
      continue;
    }
    double share = allowance_ * std::max(0.05, f.upper) / std::max(demand_sum, 1e-9);
    double quota = std::clamp(share, s.cpu_min, std::isfinite(s.cpu_max) ? s.cpu_max : options_.cpus);
    d.inputs.emplace_back("lc_signals", signals.empty() ? "none yet" : signals);
    d.inputs.emplace_back("lc_demand_forecast", FormatFixed(lc_demand));
    d.inputs.emplace_back("context", std::to_string(context));
    d.inputs.emplace_back("batch_allowance", FormatFixed(allowance_));
    int level = LevelOf(allowance_);
    d.inputs.emplace_back("learned_breach_rate_here", FormatFixed(BreachRate(context, level)));
    if (level + 1 < levels_) d.inputs.emplace_back("learned_breach_rate_above", FormatFixed(BreachRate(context, level + 1)));
    d.targets.push_back({CgroupKnob::kCpuWeight, options_.batch_weight, "batch: default weight, yields to LC"});
    d.targets.push_back({CgroupKnob::kCpuMax, quota, "batch allowance " + FormatFixed(allowance_, 2) + " cores: " + why});
  }
}

void AllocPolicy::DecideMemory(size_t i, const WorkloadInput& in, WorkloadDecision& d) {
  const WorkloadSpec& s = specs_[i];
  const auto& u = in.usage;
  if (!u.has_memory) return;  // no memory controller, or the cgroup is not there
  mem_forecast_[i].Observe(u.ts, static_cast<double>(u.memory_bytes));
  if (!s.ControlsMemory()) return;
  if (s.klass == WorkloadClass::kLatencyCritical) {
    DemandForecast mem = mem_forecast_[i].Forecast(options_.horizon_ms);
    double protect = std::clamp(mem.upper * 1.2, s.memory_min, s.memory_max);
    d.inputs.emplace_back("memory_bytes", FormatMib(static_cast<double>(u.memory_bytes)));
    d.inputs.emplace_back("memory_forecast_upper", FormatMib(mem.upper));
    d.inputs.emplace_back("memory_pressure", FormatFixed(u.memory_pressure));
    d.targets.push_back({CgroupKnob::kMemoryLow, protect, "latency-critical: protect its forecast peak plus 20%"});
    d.targets.push_back({CgroupKnob::kMemoryMax, s.memory_max, "latency-critical: only its configured bound"});
    return;
  }
  MemoryPlan plan = probes_[i].Step(u, s.memory_min, s.memory_max);
  d.inputs.insert(d.inputs.end(), plan.inputs.begin(), plan.inputs.end());
  // The reclaim comes first: on v1 a working limit written under the usage would reclaim too,
  // but in one step, to the limit rather than the point.
  if (plan.reclaim_to >= 0)
    d.targets.push_back({CgroupKnob::kMemoryReclaim, plan.reclaim_to, "reclaim down to the probe's point: " + plan.reason});
  std::string limit_why = "working limit: " + plan.reason;
  if (options_.memory_high_available) {
    d.targets.push_back({CgroupKnob::kMemoryHigh, plan.limit, limit_why});
    d.targets.push_back({CgroupKnob::kMemoryMax, s.memory_max, "batch: its configured bound"});
  } else {
    // Waiting first: a task at the limit must wait for the next decision, not be killed.
    d.targets.push_back({CgroupKnob::kMemoryOomWait, 1, "v1: a task at the working limit waits for it to rise instead of being OOM-killed"});
    d.targets.push_back({CgroupKnob::kMemoryMax, plan.limit, limit_why + " (v1: the hard limit is the working limit)"});
    d.targets.push_back({CgroupKnob::kMemoryLow, s.memory_min, "batch: reclaimed first under host pressure"});
  }
}

std::vector<WorkloadDecision> AllocPolicy::Decide(const std::vector<WorkloadInput>& inputs, TimeMs now) {
  std::vector<WorkloadDecision> out(specs_.size());
  DecideCpu(inputs, now, out);
  for (size_t i = 0; i < specs_.size(); ++i) DecideMemory(i, inputs[i], out[i]);
  last_ts_ = now;
  return out;
}

std::string AllocPolicy::SaveState() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(static_cast<uint64_t>(levels_));
  for (const Cell& c : cells_) {
    w.PutDouble(c.breach_rate);
    w.PutVarint(c.visits);
  }
  return w.Take();
}

Status AllocPolicy::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  uint64_t levels = 0;
  if (!r.Expect(kMagic) || !r.GetVarint(&levels)) return Status::Corrupt("alloc policy state: not an AP1 blob");
  // Levels follow the configured bounds: a changed configuration starts learning afresh.
  if (levels != static_cast<uint64_t>(levels_)) return Status::InvalidArgument("alloc policy state: bounds changed");
  std::vector<Cell> cells(cells_.size());
  for (Cell& c : cells) {
    uint64_t visits = 0;
    if (!r.GetDouble(&c.breach_rate) || !r.GetVarint(&visits)) return Status::Corrupt("alloc policy state: truncated");
    // Keep what was learned, but let it be re-checked soon: old visits count as few.
    c.visits = static_cast<uint32_t>(std::min<uint64_t>(visits, kTrustedVisits));
  }
  if (!r.done()) return Status::Corrupt("alloc policy state: trailing bytes");
  cells_ = std::move(cells);
  return Status::Ok();
}

}  // namespace hostmind
