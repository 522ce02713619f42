#pragma once
// CgroupController: the actuator that sets each configured workload's CPU weight and limit and
// its memory low/high/limit, and reclaims batch memory, every `alloc.interval`, from AllocPolicy's
// decisions. It owns the
// safety rules around the policy:
//   - mode: observe logs what it would do and changes nothing; recommend also records it in the
//     audit log; enforce writes the cgroup files and records every write;
//   - bounds: the policy's targets are clamped to each workload's configured bounds;
//   - rate limits: a change that takes resources away (a batch quota up means less for LC; any
//     memory limit down; a reclaim) happens at most once per `min_change_interval` per knob and by at most
//     `max_step`; changes that give resources back are never delayed;
//   - originals: each file's value is saved in the store before its first change and put back
//     by Restore() (on stop), and by Start() when the last run did not stop (a crash, kill -9).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "act/action_audit.h"
#include "act/actuator.h"
#include "act/alloc_policy.h"
#include "act/cgroup_control.h"
#include "act/cgroup_usage.h"
#include "core/config.h"

namespace hostmind {

// The latest value of a series the agent collects (for latency signals that are metrics).
using MetricLookup = std::function<std::optional<double>(const std::string& series_id)>;

struct ControlledWorkload {
  WorkloadSpec spec;
  std::string path;  // cgroup path ("/hostmind/web")
  bool created = false;  // made by the agent (else adopted)
};

// A workload's state for the API.
struct WorkloadStatus {
  std::string name, path, klass;
  CgroupUsageSample usage;
  std::map<std::string, std::string> knobs;  // knob name -> current value as the kernel shows it
};

class CgroupController final : public Actuator {
 public:
  struct Deps {
    HostEnv* env = nullptr;
    HostWriter* writer = nullptr;
    Store* store = nullptr;
    const Clock* clock = nullptr;
    MetricLookup metric;  // may be empty
    double cpus = 0;      // 0 = the host's online CPUs
  };
  // Detects the cgroup layout and resolves the workloads; an error names what is missing.
  static Result<std::unique_ptr<CgroupController>> Create(const AllocConfig& config, Deps deps);

  const std::string& name() const override { return name_; }
  // Puts back originals a crashed run left, then (enforce) creates the workloads it owns.
  Status Start() override;
  std::vector<Action> Plan(TimeMs now) override;
  void Apply(std::vector<Action>& actions) override;
  Status Restore() override;

  ActMode mode() const { return mode_; }
  const std::vector<ControlledWorkload>& workloads() const { return workloads_; }
  CgroupControl& control() { return *control_; }
  const AllocPolicy& policy() const { return *policy_; }
  // The workloads as of the last Plan (thread-safe: the API reads it).
  std::vector<WorkloadStatus> Snapshot() const;
  // Saves the policy's learned state in the store (also done on Restore).
  void SaveModel();

 private:
  CgroupController(const AllocConfig& config, Deps deps, CgroupLayout layout);
  std::optional<Action> Limit(const ControlledWorkload& w, const KnobTarget& t, double current, TimeMs now,
                              const WorkloadDecision& d);
  bool TakesAway(const ControlledWorkload& w, CgroupKnob knob, double from, double to) const;

  std::string name_ = "alloc";
  AllocConfig config_;
  Deps deps_;
  ActMode mode_;
  std::unique_ptr<ActionAudit> audit_;
  std::unique_ptr<OriginalValues> originals_;
  std::unique_ptr<CgroupControl> control_;
  std::unique_ptr<CgroupUsageReader> usage_reader_;
  std::unique_ptr<AllocPolicy> policy_;
  std::vector<ControlledWorkload> workloads_;
  mutable std::mutex snapshot_mu_;
  std::vector<WorkloadStatus> snapshot_;
  struct Pending {
    CgroupKnob knob;
    std::string path;
    double value;
  };
  std::map<std::string, Pending> pending_;             // "workload/file" -> the planned write
  std::map<std::string, TimeMs> last_change_;          // workload/knob -> when it last took resources away
  std::map<std::string, std::string> last_recommended_;  // workload/knob -> value (observe/recommend)
};

}  // namespace hostmind
