#pragma once
// The agent's run-time prediction and job queue, assembled from the configuration: the
// predictor (learning from the sensor's exec/exit events), its periodic save to the store,
// the job queue with its SQLite ledger and cgroup launcher, and their HTTP routes.
#include <memory>
#include <thread>

#include "act/job_queue.h"
#include "act/sched_hints.h"
#include "cli/job_ledger.h"
#include "core/config.h"
#include "detect/runtime_service.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace hostmind {

class JobsFeature {
 public:
  // `hostmind_binary` runs the jobs' supervisors (`hostmind job-shim`).
  static Result<std::unique_ptr<JobsFeature>> Create(const Config& config, Store& store, const Clock& clock,
                                                     const std::string& hostmind_binary);
  ~JobsFeature();

  // The analyzer that learns from processes; null when predict.learn_processes is off.
  Analyzer* analyzer() { return learn_processes_ ? &runtime_ : nullptr; }
  void RegisterRoutes(HttpServer& server);
  // Restores the predictor and the queue, then starts the trainer, the queue and the saver.
  Status Start();
  // Stops them and saves the predictor. Running jobs go on running.
  void Stop();

  // The scheduling hints (sched_hints.enabled), for the agent's actuator runner; else null.
  Actuator* actuator() { return hinter_.get(); }
  RuntimeService& runtime() { return runtime_; }
  JobQueue* queue() { return queue_.get(); }

 private:
  JobsFeature(const Config& config, Store& store, const Clock& clock);
  void SavePredictor();
  void AttachSchedHints(const SchedHintsConfig& c, bool learn_processes, Store& store, const Clock& clock);

  Store& store_;
  const Clock& clock_;
  bool learn_processes_;
  TimeMs save_interval_ms_;
  RuntimeService runtime_;
  std::unique_ptr<SqliteJobLedger> ledger_;
  std::unique_ptr<JobLauncher> launcher_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<SchedHost> sched_host_;
  std::unique_ptr<SchedHinter> hinter_;
  std::jthread saver_;
  bool started_ = false;
};

// Where job cgroups go on this host: `parent` ("" = the agent's own cgroup + /hostmind.jobs)
// in the cpu and memory hierarchies, v1 or v2. Unavailable controllers are left empty, with
// the reason in `warnings`.
JobCgroupRoots PlanJobCgroups(const std::string& parent, std::vector<std::string>* warnings);

}  // namespace hostmind
