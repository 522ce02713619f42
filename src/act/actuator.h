#pragma once
// Actuators turn what the agent learned into changes on the host, always the same four steps:
// Plan (decide, touching nothing), Apply (carry the plan out as the mode allows, recording each
// action in the audit log), Restore (put back every original value it changed) and Explain
// (an action's reason and inputs as text). The cgroup controller, the OOM guard and the job
// scheduler are actuators.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

// How far an actuator may go. observe: decide and log, change nothing, record nothing;
// recommend: also record each recommendation in the audit log (served by the API);
// enforce: change the host, record every change.
enum class ActMode { kObserve, kRecommend, kEnforce };
const char* ActModeName(ActMode mode);
// "observe", "recommend" or "enforce".
Result<ActMode> ParseActMode(const std::string& text);

enum class ActionStatus {
  kRecommended,  // recommend mode: what enforce would have done
  kApplied,      // the host was changed
  kFailed,       // the change was attempted and refused (error says why)
  kRestored,     // an original value was put back (stop, or start after a crash)
};
const char* ActionStatusName(ActionStatus status);

// One change (or recommended change) of one knob of one target, with its why.
struct Action {
  int64_t id = 0;  // assigned by the audit log
  TimeMs ts = 0;
  std::string actuator;  // "alloc", "oom_guard"
  ActMode mode = ActMode::kObserve;
  ActionStatus status = ActionStatus::kRecommended;
  std::string target;  // a workload name, "pid 4242 (stress-ng)"
  std::string knob;    // "cpu.max", "memory.limit_in_bytes", "signal"
  std::string old_value, new_value;
  std::string reason;  // the sentence a person reads first
  std::vector<std::pair<std::string, std::string>> inputs;  // the numbers behind the reason
  std::string error;   // for kFailed
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  virtual const std::string& name() const = 0;
  // Called once before the first Plan: puts back what a run that did not stop cleanly left
  // changed, and prepares (e.g. creates the cgroups it owns).
  virtual Status Start() { return Status::Ok(); }
  // Observes the host and decides what to change as of `now`; changes nothing.
  virtual std::vector<Action> Plan(TimeMs now) = 0;
  // Carries `actions` out as the mode allows, filling in status and error, and records them.
  virtual void Apply(std::vector<Action>& actions) = 0;
  // Puts back every original value this actuator changed (and saved before changing).
  virtual Status Restore() = 0;
};

// A plain-text account of one action: what, when, why, and every input.
std::string ExplainAction(const Action& action);

}  // namespace hostmind
