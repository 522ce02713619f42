#pragma once
// OomGuard: acts before the kernel's OOM killer does. Every interval it forecasts the host's
// MemAvailable (DemandForecaster: level, trend, spread) and, when the forecast reaches
// `min_available` within `horizon`, it picks the culprit *process*, not a whole cgroup: the one
// whose resident memory is growing fastest (EW growth rate over the horizon, plus a tenth of
// its size so that a big grower beats a small one growing alike). pid 1, the agent, kernel
// threads, processes with oom_score_adj -1000 and names in `exclude` are never chosen. The
// policy decides what happens to it: kill (SIGKILL), freeze (the cgroup freezer: v1
// freezer.state, or v2 cgroup.freeze) or throttle (a cgroup with 5% of one CPU, so it grows
// slowly while someone looks). Each decision is an audited action and a critical finding.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "act/action_audit.h"
#include "act/actuator.h"
#include "act/cgroup_control.h"
#include "core/config.h"
#include "core/finding.h"
#include "learn/demand_forecaster.h"

namespace hostmind {

struct OomCandidate {
  int pid = 0;
  std::string comm;
  double rss = 0;          // bytes
  double growth = 0;       // bytes per second (EW)
  double score = 0;
};

class OomGuard final : public Actuator {
 public:
  struct Deps {
    HostEnv* env = nullptr;
    HostWriter* writer = nullptr;
    Store* store = nullptr;  // audit, originals, findings
    const Clock* clock = nullptr;
    CgroupControl* control = nullptr;  // for freeze and throttle; may be null (then kill only)
    std::string subtree = "/hostmind";
    int self_pid = 0;
  };
  OomGuard(const OomGuardConfig& config, ActMode mode, Deps deps);

  const std::string& name() const override { return name_; }
  Status Start() override;
  std::vector<Action> Plan(TimeMs now) override;
  void Apply(std::vector<Action>& actions) override;
  Status Restore() override;

  // The processes ranked as culprits as of the last Plan, best first (for tests and the API).
  const std::vector<OomCandidate>& ranking() const { return ranking_; }
  const DemandForecaster& available_forecast() const { return available_; }

 private:
  struct Track {
    double rss = 0;
    double growth = 0;
    TimeMs ts = 0;
    TimeMs seen = 0;
  };
  void ScanProcesses(TimeMs now);
  void Rank(TimeMs horizon_s);
  Status Freeze(int pid);
  Status Throttle(int pid);
  void Report(const Action& a);

  std::string name_ = "oom_guard";
  OomGuardConfig config_;
  ActMode mode_;
  Deps deps_;
  std::unique_ptr<ActionAudit> audit_;
  std::unique_ptr<OriginalValues> originals_;
  DemandForecaster available_;
  double total_ = 0;
  std::map<int, Track> tracks_;
  std::vector<OomCandidate> ranking_;
  TimeMs last_action_ = -1;
  int planned_pid_ = 0;
};

}  // namespace hostmind
