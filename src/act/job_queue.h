#pragma once
// The job queue: jobs submitted by the host's users run within the host's capacity, ordered
// and backfilled by the Scheduler (act/scheduler.h, the same decisions the trace simulator
// makes), on the real clock. Each job's run time is predicted when it is submitted, and again
// while it waits whenever a job of the same user finishes (that run is the freshest evidence
// about it); its user's limit is its kill limit (SIGTERM, then SIGKILL after a grace period).
//
// Every change to a job is written to the ledger before it is acted on or reported, so the
// queue, and running jobs' state, survive an agent restart: on Start() the queue reloads, and
// running jobs (which kept running) are checked through their supervisors.
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "act/job.h"
#include "act/job_launcher.h"
#include "act/scheduler.h"
#include "detect/runtime_service.h"

namespace hostmind {

struct JobQueueOptions {
  std::string policy = "easy-predicted";
  Resources capacity;
  TimeMs default_limit_ms = 24 * kMsPerHour;  // for jobs submitted without --time
  TimeMs max_limit_ms = 0;                    // 0 = no maximum
  TimeMs poll_ms = 500;
  TimeMs kill_grace_ms = 10 * kMsPerSecond;
  std::string jobs_dir;                       // <state dir>/jobs: one directory per job
  size_t finished_in_memory = 10000;          // older finished jobs stay in the ledger only
};

// Durable storage of jobs (SQLite in the agent).
class JobLedger {
 public:
  virtual ~JobLedger() = default;
  virtual Status Save(const Job& job) = 0;
  // Every unfinished job and the most recent finished ones, by id.
  virtual Result<std::vector<Job>> LoadRecent(size_t finished) = 0;
};

class JobQueue {
 public:
  // `predictor` may be null (no predictions: the policy falls back to the users' limits).
  JobQueue(JobQueueOptions options, JobLedger& ledger, JobRunner& runner, RuntimeService* predictor,
           const Clock& clock);
  ~JobQueue();

  // Reloads the ledger: queued jobs, running jobs (still running under their supervisors) and
  // the most recent finished ones.
  Status Load();
  // Load(), then starts the scheduling thread (which calls Tick()).
  Status Start();
  // Stops the scheduling thread. Running jobs go on running.
  void Stop();

  // Validates and queues a job. The spec's uid must already be proven by the caller.
  Result<Job> Submit(JobSpec spec);
  // Cancels a queued or running job; `uid` must own it (or be 0).
  Result<Job> Cancel(uint64_t id, uint32_t uid);
  Result<Job> Get(uint64_t id) const;
  std::vector<Job> List(bool include_finished) const;
  // Blocks until the job has finished or `timeout_ms` passed; returns it either way.
  Result<Job> Wait(uint64_t id, TimeMs timeout_ms) const;

  // One round: check running jobs (exits, limits), then start what the policy allows.
  void Tick();

  struct Stats {
    size_t queued = 0;
    size_t running = 0;
    Resources used;
    Resources capacity;
    std::string policy;
    std::string confinement;
  };
  Stats stats() const;

 private:
  void Reconcile(TimeMs now);
  void Schedule(TimeMs now);
  void Finish(Job& job, JobState state, int exit_code, std::string reason, TimeMs now);
  void Persist(const Job& job);
  RunRequest RequestOf(const Job& job) const;
  RunLoad LoadNow() const;
  void Predict(Job& job);
  void RefreshPredictions(TimeMs now);
  void ForgetOldFinished();
  void Loop(std::stop_token stop);

  JobQueueOptions options_;
  JobLedger& ledger_;
  JobRunner& runner_;
  RuntimeService* predictor_;
  const Clock& clock_;
  Scheduler scheduler_;

  mutable std::mutex mu_;
  mutable std::condition_variable_any changed_;  // a job changed: waiters and the loop wake
  std::map<uint64_t, Job> jobs_;
  std::map<uint64_t, RuntimePrediction> predictions_;  // of unfinished jobs, made at submission
  std::set<uint32_t> users_with_news_;  // uids whose waiting jobs are to be predicted again
  struct Ending {
    JobState state;
    std::string reason;
    TimeMs signalled_at;
    bool killed_hard;
  };
  std::map<uint64_t, Ending> ending_;  // running jobs being stopped, and why
  uint64_t next_id_ = 1;
  TimeMs next_review_ = kNever;
  bool wake_ = false;  // something changed that the scheduling thread should act on now
  std::jthread loop_;
};

}  // namespace hostmind
