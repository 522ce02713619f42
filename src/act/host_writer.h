#pragma once
// HostWriter: the one seam through which actuators change the host (cgroup files, cgroup
// directories, signals), the write-side twin of HostEnv. DiskHostWriter changes the real host
// under a root; MemoryHostWriter writes into a MemoryHostEnv so that tests read back, through
// the same HostEnv the controller reads from, what the controller wrote.
#include <string>
#include <vector>

#include "core/host_env.h"
#include "core/status.h"

namespace hostmind {

class HostWriter {
 public:
  virtual ~HostWriter() = default;
  // Writes `value` to an existing file (cgroup knobs: no create, no truncate semantics needed).
  virtual Status WriteFile(const std::string& path, const std::string& value) = 0;
  // Creates a directory (a cgroup); OK when it already exists.
  virtual Status MakeDir(const std::string& path) = 0;
  // Removes an empty directory (a cgroup with no processes).
  virtual Status RemoveDir(const std::string& path) = 0;
  // Sends `signal` to process `pid`.
  virtual Status Kill(int pid, int signal) = 0;
};

class DiskHostWriter final : public HostWriter {
 public:
  explicit DiskHostWriter(std::string root = "/");
  Status WriteFile(const std::string& path, const std::string& value) override;
  Status MakeDir(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status Kill(int pid, int signal) override;

 private:
  std::string root_;  // without a trailing slash; "" for "/"
};

// Test double: every write lands in `env` and is also logged as "path=value" (MakeDir as
// "mkdir path", Kill as "kill pid signal") in calls().
class MemoryHostWriter final : public HostWriter {
 public:
  explicit MemoryHostWriter(MemoryHostEnv& env) : env_(env) {}
  Status WriteFile(const std::string& path, const std::string& value) override;
  Status MakeDir(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status Kill(int pid, int signal) override;
  // The next write of `path` fails with `status` (e.g. EBUSY from a v1 memory limit).
  void FailNextWrite(const std::string& path, Status status) { fail_path_ = path, fail_status_ = std::move(status); }
  const std::vector<std::string>& calls() const { return calls_; }
  void ClearCalls() { calls_.clear(); }

 private:
  MemoryHostEnv& env_;
  std::vector<std::string> calls_;
  std::string fail_path_;
  Status fail_status_;
};

}  // namespace hostmind
