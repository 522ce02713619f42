#pragma once
// Starts a job's process in its own cgroups, with its limits, as its owner, with its output in
// files; tells later whether it still runs, and how it ended; kills it.
//
// Each job runs under a small supervisor, `hostmind job-shim` (RunJobShim below), which runs
// the command and writes its exit status to <job dir>/status. The supervisor is not the
// agent's child forever: after an agent restart it is an orphan, and the status file is how
// the new agent learns how the job ended. Start time ticks from /proc/<pid>/stat guard against
// a reused pid.
//
// cgroups: v1 or v2 per controller (this project's CI is a hybrid: cpu and memory on v1). Each
// job gets <root>/job-<id> in the cpu and the memory hierarchies: v1 cpu.cfs_quota_us /
// memory.limit_in_bytes, v2 cpu.max / memory.max. Without a cpu or memory hierarchy the job
// still runs, unlimited in that resource, and Describe() says so.
#include <cstdint>
#include <string>
#include <vector>

#include "act/job.h"

namespace hostmind {

// Where job cgroups go, per controller: a directory, or "" when the controller is unavailable.
struct JobCgroupRoots {
  std::string cpu;
  bool cpu_v2 = false;
  std::string memory;
  bool memory_v2 = false;
};

struct LaunchedJob {
  int32_t pid = 0;
  uint64_t start_ticks = 0;
};

enum class JobLiveness { kRunning, kExited, kLost };
struct JobCheck {
  JobLiveness liveness = JobLiveness::kRunning;
  int exit_code = -1;  // kExited: exit status or 128 + signal
};

// What the job queue needs from the host to run jobs; tests substitute a fake.
class JobRunner {
 public:
  virtual ~JobRunner() = default;
  // Starts `job` (its id, spec and dir are set).
  virtual Result<LaunchedJob> Launch(const Job& job) = 0;
  virtual JobCheck Check(const Job& job) = 0;
  // Sends `signal` to every process of the job.
  virtual Status Signal(const Job& job, int signal) = 0;
  // Releases what the job held once its processes are gone.
  virtual void Cleanup(const Job& job) = 0;
  // How jobs are confined on this host, for status and logs.
  virtual std::string Describe() const = 0;
};

class JobLauncher final : public JobRunner {
 public:
  // `shim` is the hostmind binary (it runs `hostmind job-shim`).
  JobLauncher(JobCgroupRoots roots, std::string shim);

  // Creates the job's cgroups (and their parents), sets the limits, opens <dir>/stdout and
  // <dir>/stderr, and starts the supervisor as the job's owner in spec.cwd.
  Result<LaunchedJob> Launch(const Job& job) override;
  JobCheck Check(const Job& job) override;
  // Signals every process in the job's cgroups, and its process group.
  Status Signal(const Job& job, int signal) override;
  // Removes the job's cgroups.
  void Cleanup(const Job& job) override;
  // "cpu: v1 /sys/fs/cgroup/cpu/hostmind.jobs; memory: ...".
  std::string Describe() const override;

 private:
  std::vector<std::string> JobCgroups(const Job& job) const;
  Status PrepareCgroups(const Job& job);

  JobCgroupRoots roots_;
  std::string shim_;
};

// The supervisor: runs argv, forwards SIGTERM/SIGINT/SIGHUP to it, writes "exit N" or
// "signal N" to `status_path` (atomically, by rename), and exits as the command did.
int RunJobShim(const std::string& status_path, const std::vector<std::string>& argv);

// The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); 0 when it
// does not exist.
uint64_t ProcessStartTicks(int32_t pid);

}  // namespace hostmind
