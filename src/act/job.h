#pragma once
// A job of the job queue: what was submitted (JobSpec) and what became of it (Job). Jobs are
// stored as JSON, so the queue and the running jobs' state survive an agent restart.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "act/scheduler.h"
#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

enum class JobState {
  kQueued,
  kRunning,
  kDone,       // exited 0
  kFailed,     // exited non-zero, or could not start
  kCancelled,  // by its owner, queued or running
  kKilled,     // ran past its time limit
  kLost,       // its process vanished without leaving an exit status (e.g. the host rebooted)
};
const char* JobStateName(JobState state);
bool JobStateFinal(JobState state);

struct JobSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path, resolved by the client
  std::string cwd;
  std::vector<std::string> env;   // NAME=value, as the client had them
  uint32_t uid = 0;               // proven by the client (see JobQueue::Submit)
  uint32_t gid = 0;
  std::string user;
  double cpus = 1;
  uint64_t mem_bytes = 0;         // 0 = no memory limit
  TimeMs limit_ms = 0;            // the kill limit; 0 = the queue's default
};

struct Job {
  uint64_t id = 0;
  JobSpec spec;
  JobState state = JobState::kQueued;
  TimeMs submit_ts = 0;
  TimeMs start_ts = -1;
  TimeMs end_ts = -1;
  int exit_code = -1;            // exit status, or 128 + signal
  int32_t pid = 0;               // the job's supervisor (the shim) while running
  uint64_t pid_start_ticks = 0;  // its start time in /proc/<pid>/stat, which tells a reused pid apart
  TimeMs predicted_ms = 0;       // the run-time prediction: made at submission, again while it waits
  TimeMs upper_ms = 0;
  std::string prediction_source;
  bool backfilled = false;       // started ahead of a job that was waiting longer
  std::string reason;            // why it ended as it did, or why it waits
  std::string dir;               // output: stdout, stderr, exit status

  // The view the scheduler needs.
  SchedJob ToSchedJob() const;
};

nlohmann::json JobToJson(const Job& job);
Result<Job> JobFromJson(const nlohmann::json& j);

}  // namespace hostmind
