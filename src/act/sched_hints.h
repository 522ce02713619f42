#pragma once
// SchedHinter: run-time predictions steer the kernel's scheduler for processes the job queue
// does not own. A process predicted to run long (at least `long_after`) that has been CPU-bound
// since its exec (runnable, on a CPU or waiting for one, for at least `min_cpu` of its age,
// judged after `min_age`) is moved to SCHED_BATCH
// (no wake-up preemption of others, a small wake-up penalty of its own) and, on kernels with
// EEVDF custom slices (6.12+, sched_setattr's sched_runtime for fair tasks), given a longer
// slice, so long CPU hogs switch among themselves less often. Every other process keeps the
// kernel's defaults. Every thread of the process is changed; the originals (policy, nice,
// slice) are kept in the store before the first change and put back on stop, or at the next
// start after a crash, for every process still alive (pid and start time both match).
// Command lines judged CPU-bound are remembered (in the store, across restarts): a rerun of
// one, predicted long, is hinted as soon as its exec is seen rather than after `min_age` of
// unhinted running, and judged once it is old enough; if this run is not CPU-bound after all,
// its attributes are put back at once.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "act/action_audit.h"
#include "act/actuator.h"
#include "detect/runtime_service.h"
#include "store/store.h"

namespace hostmind {

// A thread's scheduling attributes (the fair-class subset of struct sched_attr).
struct TaskSched {
  uint32_t policy = 0;   // SCHED_OTHER (0), SCHED_BATCH (3), SCHED_IDLE (5), ...
  int32_t nice = 0;
  uint64_t slice_ns = 0; // sched_runtime: the custom slice on 6.12+, 0 = the default
};
std::string TaskSchedText(const TaskSched& s);  // "batch nice 0 slice 20ms"

// What a process has wanted of the CPUs since it started. CPU-bound is judged on CPU time plus
// run-queue wait, not CPU time alone: on a busy host a process that never sleeps gets only its
// share of the CPUs (half of one when two hogs share it), and that is when hints matter.
struct ProcessSchedUsage {
  TimeMs cpu_ms = 0;         // user + system, every thread (ended ones too)
  TimeMs wait_ms = 0;        // runnable but waiting for a CPU, summed over its live threads
  uint64_t start_ticks = 0;  // start time in clock ticks since boot: tells a reused pid apart
};

// The host seam: threads, CPU use and scheduling attributes of processes.
class SchedHost {
 public:
  virtual ~SchedHost() = default;
  virtual std::vector<int32_t> Threads(int32_t pid) = 0;
  // False when the process is gone.
  virtual bool Usage(int32_t pid, ProcessSchedUsage* usage) = 0;
  virtual Result<TaskSched> Get(int32_t tid) = 0;
  virtual Status Set(int32_t tid, const TaskSched& s) = 0;
};
// /proc and the sched_getattr/sched_setattr system calls.
std::unique_ptr<SchedHost> MakeLinuxSchedHost();

struct SchedHintOptions {
  ActMode mode = ActMode::kObserve;
  TimeMs long_after_ms = 30 * kMsPerSecond;
  double min_cpu = 0.8;
  TimeMs min_age_ms = 2 * kMsPerSecond;
  TimeMs slice_ms = 20;          // the custom slice given to long CPU-bound processes; 0 = keep
  size_t max_hinted = 4096;
};

class SchedHinter final : public Actuator {
 public:
  // The running processes and their predictions (RuntimeService::OpenRuns).
  using CandidateSource = std::function<std::vector<OpenRun>()>;
  SchedHinter(SchedHintOptions options, CandidateSource candidates, SchedHost& host, Store& store, const Clock& clock);

  const std::string& name() const override { return name_; }
  // Puts back what a run that crashed left changed.
  Status Start() override;
  std::vector<Action> Plan(TimeMs now) override;
  void Apply(std::vector<Action>& actions) override;
  Status Restore() override;

  size_t hinted() const { return hinted_.size(); }

 private:
  struct Hinted {
    uint64_t start_ticks = 0;
    bool confirmed = true;  // judged CPU-bound in this run (false: hinted on its earlier runs)
    std::map<int32_t, TaskSched> originals;  // per thread
  };
  // Judges a process hinted on its earlier runs now that it is old enough; returns the action
  // that puts it back if this run is not CPU-bound.
  std::optional<Action> Confirm(const OpenRun& run, TimeMs now, Hinted& hinted);
  // An action on `run`'s scheduling attributes, reason and values to be filled in.
  Action NewAction(const OpenRun& run, TimeMs now) const;
  Action Hint(const OpenRun& run, TimeMs now, const TaskSched& current, uint64_t ticks, double cpu_share,
              double wait_share, bool judged);
  void SaveOriginals();
  void RememberCpuBound(const std::string& command_line, TimeMs now);
  void ForgetCpuBound(const std::string& command_line);
  void SaveCpuBound();
  // Puts one process's threads back; false when it is gone (nothing to put back).
  bool RestoreOne(int32_t pid, const Hinted& hinted, Status* result);
  Status RestoreAll(const std::string& why);

  std::string name_ = "sched_hints";
  SchedHintOptions options_;
  CandidateSource candidates_;
  SchedHost& host_;
  Store& store_;
  const Clock& clock_;
  std::unique_ptr<ActionAudit> audit_;
  std::map<int32_t, Hinted> hinted_;          // processes changed, by pid
  std::map<int32_t, uint64_t> judged_;        // pid -> start ticks: decided once, not again
  std::map<std::string, TimeMs> cpu_bound_;   // command line -> when last judged CPU-bound
};

}  // namespace hostmind
