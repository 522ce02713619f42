#include "act/cgroup_controller.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

namespace hostmind {

namespace {

constexpr const char* kModelName = "alloc.policy";
constexpr CgroupKnob kAllKnobs[] = {CgroupKnob::kCpuWeight, CgroupKnob::kCpuMax,    CgroupKnob::kMemoryLow,
                                    CgroupKnob::kMemoryHigh, CgroupKnob::kMemoryMax, CgroupKnob::kMemoryOomWait};

bool IsMemory(CgroupKnob k) {
  return k != CgroupKnob::kCpuWeight && k != CgroupKnob::kCpuMax && k != CgroupKnob::kMemoryOomWait;
}

// Changes too small to matter are not made (no churn in the audit log).
bool Negligible(CgroupKnob knob, double from, double to) {
  if (std::isinf(from) || std::isinf(to) || from >= static_cast<double>(kUnlimitedBytes) ||
      to >= static_cast<double>(kUnlimitedBytes))
    return from == to;
  double d = std::fabs(to - from);
  switch (knob) {
    case CgroupKnob::kCpuWeight: return d < 1;
    case CgroupKnob::kMemoryOomWait: return d < 0.5;
    case CgroupKnob::kCpuMax: return d < 0.02;
    default: return d < std::max(4.0 * 1048576, 0.01 * from);
  }
}

}  // namespace

Result<std::unique_ptr<CgroupController>> CgroupController::Create(const AllocConfig& config, Deps deps) {
  auto layout = DetectCgroupLayout(*deps.env);
  if (!layout.ok()) return layout.status();
  if (layout->mode == CgroupMode::kNone) return Status::Unavailable("alloc: no cgroup hierarchy is mounted");
  if (!layout->Locate("cpu", "/") && !layout->Locate("memory", "/"))
    return Status::Unavailable("alloc: neither the cpu nor the memory cgroup controller is available");
  if (deps.cpus <= 0) deps.cpus = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return std::unique_ptr<CgroupController>(new CgroupController(config, std::move(deps), std::move(*layout)));
}

CgroupController::CgroupController(const AllocConfig& config, Deps deps, CgroupLayout layout)
    : config_(config), deps_(std::move(deps)), mode_(ParseActMode(config.mode).value_or(ActMode::kObserve)) {
  if (auto a = ActionAudit::Open(*deps_.store); a.ok()) audit_ = std::move(*a);
  if (auto o = OriginalValues::Open(*deps_.store, name_); o.ok()) originals_ = std::move(*o);
  control_ = std::make_unique<CgroupControl>(std::move(layout), *deps_.env, *deps_.writer, originals_.get(), *deps_.clock);
  usage_reader_ = std::make_unique<CgroupUsageReader>(control_->layout());
  std::vector<WorkloadSpec> specs;
  for (const auto& wc : config.workloads) {
    WorkloadSpec s;
    s.name = wc.name;
    s.klass = wc.klass == "latency-critical" ? WorkloadClass::kLatencyCritical : WorkloadClass::kBatch;
    s.cpu_min = wc.cpu_min;
    s.cpu_max = wc.cpu_max > 0 ? wc.cpu_max : kUnlimited;
    s.memory_min = static_cast<double>(wc.memory_min);
    s.memory_max = wc.memory_max > 0 ? static_cast<double>(wc.memory_max) : static_cast<double>(kUnlimitedBytes);
    s.latency_metric = wc.latency_metric;
    s.latency_target = wc.latency_target;
    std::string path = wc.path.empty() ? config.subtree + "/" + wc.name : wc.path;
    workloads_.push_back({s, path, wc.path.empty()});
    specs.push_back(s);
  }
  AllocPolicyOptions options;
  options.cpus = deps_.cpus;
  options.memory_high_available = control_->Locate(CgroupKnob::kMemoryHigh, "/").has_value();
  options.memory.pressure_target = config.memory_pressure_target;
  options.memory.reclaim_available = control_->CanReclaim();
  // A reclaim takes memory away, so the rate limit spaces reclaims at least this far apart.
  options.memory.reclaim_interval_ms = std::max(config.interval_ms, config.min_change_interval_ms);
  options.memory.reclaim_max_share = config.max_step;
  policy_ = std::make_unique<AllocPolicy>(std::move(specs), options);
  if (auto blob = deps_.store->GetModel(kModelName)) {
    if (Status st = policy_->LoadState(*blob); !st.ok()) spdlog::info("alloc: starting to learn afresh ({})", st.message());
  }
}

Status CgroupController::Start() {
  if (!audit_ || !originals_) return Status::IoError("alloc: cannot open the audit tables in the store");
  if (originals_->HasAny()) {
    spdlog::warn("alloc: the last run did not stop cleanly; restoring the cgroup values it changed");
    HM_RETURN_IF_ERROR(originals_->RestoreAll(*deps_.writer, audit_.get(), deps_.clock->Now(),
                                              "restored at start: the previous run ended without restoring (crash or kill -9)"));
  }
  for (const auto& w : workloads_) {
    if (w.created && mode_ == ActMode::kEnforce) {
      HM_RETURN_IF_ERROR(control_->Create(w.path));
      continue;
    }
    bool exists = false;
    for (const auto& dir : control_->Dirs(w.path)) exists |= deps_.env->ListDir(dir).ok();
    // A service that has not started yet is not an error: it is controlled once it appears.
    if (!exists) spdlog::warn("alloc: workload {}: cgroup {} does not exist (yet)", w.spec.name, w.path);
  }
  spdlog::info("alloc: {} workload(s) in {} mode on a {} cgroup layout", workloads_.size(), ActModeName(mode_),
               CgroupModeName(control_->layout().mode));
  return Status::Ok();
}

bool CgroupController::TakesAway(const ControlledWorkload& w, CgroupKnob knob, double from, double to) const {
  if (knob == CgroupKnob::kMemoryOomWait) return false;  // waiting instead of dying is the safe side
  if (IsMemory(knob)) return to < from;                  // less memory for w
  bool lc = w.spec.klass == WorkloadClass::kLatencyCritical;
  // For LC, less CPU is the risk; for batch, more CPU for batch is less for LC.
  return lc ? to < from : to > from;
}

std::optional<Action> CgroupController::Limit(const ControlledWorkload& w, const KnobTarget& t, double current,
                                              TimeMs now, const WorkloadDecision& d) {
  double target = t.value;
  std::string reason = t.reason;
  if (Negligible(t.knob, current, target)) return std::nullopt;
  std::string key = w.spec.name + "/" + CgroupKnobName(t.knob);
  bool away = TakesAway(w, t.knob, current, target);
  if (away) {
    auto last = last_change_.find(key);
    if (last != last_change_.end() && now - last->second < config_.min_change_interval_ms) return std::nullopt;
    // Step limit: CPU by a share of the machine, memory by a share of the value.
    if (t.knob == CgroupKnob::kCpuMax && std::isfinite(current) && std::fabs(target - current) > config_.max_step * deps_.cpus) {
      target = current + std::copysign(config_.max_step * deps_.cpus, target - current);
      reason += " (rate-limited step)";
    } else if (IsMemory(t.knob) && current < static_cast<double>(kUnlimitedBytes) && current - target > config_.max_step * current) {
      target = current * (1 - config_.max_step);
      reason += " (rate-limited step)";
    }
  }
  Action a;
  a.ts = now;
  a.actuator = name_;
  a.mode = mode_;
  a.target = w.spec.name;
  auto file = control_->Locate(t.knob, w.path);
  // A v1 reclaim goes through memory.limit_in_bytes, but it is not the limit: it keeps its own name.
  bool named_by_file = file && t.knob != CgroupKnob::kMemoryReclaim;
  a.knob = named_by_file ? file->path.substr(file->path.rfind('/') + 1) : CgroupKnobName(t.knob);
  a.old_value = control_->Render(t.knob, w.path, current);
  a.new_value = control_->Render(t.knob, w.path, target);
  if (a.old_value == a.new_value) return std::nullopt;
  a.reason = reason;
  a.inputs = d.inputs;
  a.inputs.insert(a.inputs.begin(), {"class", WorkloadClassName(w.spec.klass)});
  a.inputs.insert(a.inputs.begin() + 1, {"cgroup", w.path});
  if (mode_ != ActMode::kEnforce) {
    auto& last = last_recommended_[key];
    if (last == a.new_value) return std::nullopt;
    last = a.new_value;
  }
  if (away) last_change_[key] = now;
  pending_[a.target + "/" + a.knob] = {t.knob, w.path, target};
  return a;
}

std::vector<Action> CgroupController::Plan(TimeMs now) {
  std::vector<WorkloadInput> inputs(workloads_.size());
  std::vector<WorkloadStatus> snapshot;
  for (size_t i = 0; i < workloads_.size(); ++i) {
    const auto& w = workloads_[i];
    auto usage = usage_reader_->Read(*deps_.env, w.path, now);
    if (usage.ok()) inputs[i].usage = *usage;
    inputs[i].usage.ts = now;
    if (!w.spec.latency_metric.empty() && deps_.metric) inputs[i].latency_metric = deps_.metric(w.spec.latency_metric);
    WorkloadStatus st{w.spec.name, w.path, WorkloadClassName(w.spec.klass), inputs[i].usage, {}};
    for (CgroupKnob k : kAllKnobs) {
      auto f = control_->Locate(k, w.path);
      if (!f) continue;
      if (auto text = deps_.env->ReadFile(f->path); text.ok()) {
        std::string v = *text;
        while (!v.empty() && v.back() == '\n') v.pop_back();
        st.knobs[f->path.substr(f->path.rfind('/') + 1)] = v;
      }
    }
    snapshot.push_back(std::move(st));
  }
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_ = std::move(snapshot);
  }
  std::vector<Action> actions;
  pending_.clear();
  auto decisions = policy_->Decide(inputs, now);
  for (size_t i = 0; i < workloads_.size(); ++i) {
    for (const KnobTarget& t : decisions[i].targets) {
      auto current = control_->Read(t.knob, workloads_[i].path);
      if (!current.ok()) continue;  // the cgroup or the knob is not there (yet)
      if (auto a = Limit(workloads_[i], t, *current, now, decisions[i])) actions.push_back(std::move(*a));
    }
  }
  return actions;
}

void CgroupController::Apply(std::vector<Action>& actions) {
  for (Action& a : actions) {
    if (mode_ == ActMode::kObserve) {
      spdlog::info("alloc (observe): would set {} {} {} -> {}: {}", a.target, a.knob, a.old_value, a.new_value, a.reason);
      continue;
    }
    if (mode_ == ActMode::kRecommend) {
      a.status = ActionStatus::kRecommended;
    } else {
      auto p = pending_.find(a.target + "/" + a.knob);
      Status st = Status::Internal("no planned change for " + a.target + " " + a.knob);
      if (p != pending_.end()) {
        auto written = control_->Write(p->second.knob, p->second.path, p->second.value);
        st = written.status();
      }
      a.status = st.ok() ? ActionStatus::kApplied : ActionStatus::kFailed;
      a.error = st.ok() ? "" : st.ToString();
      if (!st.ok()) spdlog::warn("alloc: {} {} -> {} failed: {}", a.target, a.knob, a.new_value, st.ToString());
    }
    if (audit_) {
      if (Status st = audit_->Record(a); !st.ok()) spdlog::warn("alloc: audit: {}", st.ToString());
    }
  }
}

Status CgroupController::Restore() {
  SaveModel();
  if (!originals_) return Status::Ok();
  return originals_->RestoreAll(*deps_.writer, audit_.get(), deps_.clock->Now(), "restored at stop");
}

void CgroupController::SaveModel() {
  if (Status st = deps_.store->PutModel(kModelName, policy_->SaveState(), deps_.clock->Now()); !st.ok())
    spdlog::warn("alloc: saving the learned policy: {}", st.ToString());
}

std::vector<WorkloadStatus> CgroupController::Snapshot() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

}  // namespace hostmind
