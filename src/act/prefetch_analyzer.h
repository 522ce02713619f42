#pragma once
// PrefetchAnalyzer: predictive prefetching in the live agent. On the analysis thread it learns
// from the tracer's startup traces (the startup profiles and the launch model), builds each
// program's prefetch plan, predicts launches, and keeps the hit and waste accounts. On the
// tracer's thread, at the very exec of a program, it submits the program's plan to the
// prefetcher at once, if the mode, the memory budget and the memory pressure allow.
//
// Safety: observe (the default) changes nothing; a prefetch only adds clean page-cache pages
// the kernel may drop at any time; every prefetch is within prefetch.memory_budget and a
// quarter of the available memory; none runs while memory is under pressure (PSI); and a
// prediction (a launch that has not happened) only uses memory that is free beyond a reserve,
// so a guess never evicts cached pages.
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "act/actuator.h"
#include "act/prefetch_ledger.h"
#include "act/prefetch_plan.h"
#include "act/prefetcher.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "core/startup_trace.h"
#include "learn/launch_model.h"
#include "learn/startup_profile.h"

namespace hostmind {

// How the analyzer reaches the store: model blobs and the action audit (recommend mode records
// each planned prefetch, enforce mode each prefetch; observe records nothing).
struct PrefetchHooks {
  std::function<void(const std::string& name, const std::string& blob)> save_model;
  std::function<std::optional<std::string>(const std::string& name)> load_model;
  std::function<void(Action& action)> audit;
};

struct PrefetchStatus {
  ActMode mode = ActMode::kObserve;
  std::string tracer;       // "ebpf", "fanotify", "" when none
  std::string unavailable;  // why there is no tracer, or why it is degraded
  bool exact_pages = false;
  size_t programs = 0;
  uint64_t launches_learnt = 0;
  LedgerTotals totals;
  uint64_t pending_pages = 0;
  std::map<std::string, uint64_t> skipped;  // reason -> count
  TraceSourceStats source;
};

struct ProgramView {
  ProgramSummary summary;
  std::vector<LaunchPrediction> children;
  size_t plan_reads = 0;
  uint64_t plan_bytes = 0;
};

class PrefetchAnalyzer final : public Analyzer {
 public:
  // `source` may be null: then `unavailable` says why, and nothing is learnt.
  PrefetchAnalyzer(const PrefetchConfig& config, StartupTraceSource* source, std::string unavailable,
                   PrefetchHooks hooks, FileLocator locate = LocateOnDisk);
  ~PrefetchAnalyzer() override;  // saves the models

  void Analyze(const Batch& batch, Analysis& out) override;
  // A program was exec'd (the tracer's thread).
  void OnExec(const ExecNotice& notice);

  ActMode mode() const { return mode_.load(); }
  // Leaving enforce also drops the prefetches still queued: nothing is read after prefetching
  // was turned off (the pieces in flight, one per I/O thread at most, complete).
  void SetMode(ActMode mode);

  // Snapshots for the API; thread-safe.
  PrefetchStatus Overview() const;
  std::vector<ProgramView> Programs(size_t limit) const;
  std::optional<std::vector<PrefetchRead>> PlanOf(const std::string& key) const;
  std::vector<JobRecord> Jobs(size_t limit) const;
  std::vector<LaunchPrediction> Predictions() const;

 private:
  struct PlanEntry {
    std::vector<PrefetchRead> reads;
    uint64_t bytes = 0;
    uint64_t learnt_from = 0;           // launches
    std::vector<std::string> programs;  // whose reads the plan holds: the program, its children
  };
  using PlanBook = std::map<std::string, std::shared_ptr<const PlanEntry>>;

  void Learn(const StartupTrace& trace);
  void RebuildPlans(TimeMs now);
  void Predict(TimeMs now);
  void ReadMemory(const Batch& batch);
  // `launch_in_ms`: for a prediction, when the launch is expected after `now`.
  void Submit(PrefetchReason reason, const std::string& key, int32_t pid, TimeMs now, TimeMs launch_in_ms,
              std::shared_ptr<const PlanEntry> plan, uint64_t budget, const std::string& why);
  void Skip(const std::string& why);
  void Export(TimeMs now, Analysis& out);
  void UpdateViews();
  void SaveModels();
  std::string Key(const ExecNotice& n) const;
  std::shared_ptr<const PlanEntry> FindPlan(const std::string& key) const;
  // Whether the exec prefetch of an ancestor launch already held this program's reads (gcc's
  // job holds cc1's): a second job would only reopen the same files. Holds mu_.
  bool CoveredByAncestor(const ExecNotice& n, const std::string& key);

  const PrefetchConfig config_;
  StartupTraceSource* source_;
  const std::string unavailable_;
  PrefetchHooks hooks_;
  FileLocator locate_;
  PlanOptions plan_options_;
  std::atomic<ActMode> mode_;
  std::unique_ptr<Prefetcher> prefetcher_;

  // Analysis thread only.
  StartupProfiles profiles_;
  LaunchModel launches_;
  PrefetchLedger ledger_;
  std::set<std::string> dirty_;          // programs learnt since their plan was built
  std::map<std::string, TimeMs> built_;  // when each plan was last built
  std::map<std::string, TimeMs> predicted_;  // when each program was last prefetched on a guess
  TimeMs last_predict_ = 0, last_save_ = 0, last_export_ = 0, last_views_ = 0;
  uint64_t launches_learnt_ = 0;
  bool reported_unavailable_ = false;

  // Memory figures from the collectors (written by the analysis thread, read by the tracer's).
  std::atomic<uint64_t> mem_free_{0}, mem_available_{0};
  std::atomic<double> psi_some_{0};

  mutable std::mutex mu_;  // guards what both threads touch, below
  std::shared_ptr<const PlanBook> plans_;
  std::map<std::string, TimeMs> exec_prefetched_;  // when each program last got an exec prefetch
  // Launches (by pid) whose descendants an exec prefetch covers, within the learn window: the
  // launch it was submitted for, and the covered descendants themselves (collect2 -> ld).
  struct Covering {
    TimeMs ts = 0;
    std::shared_ptr<const PlanEntry> plan;
  };
  std::map<int32_t, Covering> covering_;
  std::deque<std::pair<JobRecord, std::vector<PrefetchRead>>> submitted_;
  std::deque<PrefetchResult> results_;
  std::deque<ExecNotice> execs_;
  std::deque<Action> decisions_;  // audited on the analysis thread
  std::map<std::string, uint64_t> skipped_;
  uint64_t next_job_ = 1;
  std::deque<TimeMs> recent_jobs_;  // exec jobs in the last second (rate limit)
  // Snapshots of analysis-thread state for the API.
  PrefetchStatus status_;
  std::vector<ProgramView> programs_view_;
  std::vector<JobRecord> jobs_view_;
  std::vector<LaunchPrediction> predictions_view_;
};

}  // namespace hostmind
