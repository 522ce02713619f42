#pragma once
// The processes the detectors know about, kept from exec/fork/exit events: what each process
// runs, its arguments, parent and cgroup. Rule fields like proc.pname and proc.aname[N], and the
// behaviour profiles' "child programs", are answered from here. Processes that started before
// the agent are looked up once through a resolver (the agent reads /proc; tests pass a map).
// Bounded: exited processes are kept for a grace period (late events still resolve), and the
// table evicts the oldest exited entries beyond its capacity.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"

namespace hostmind {

struct ProcessInfo {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  uint32_t euid = 0;
  std::string name;                // comm
  std::string exe;                 // executable path
  std::vector<std::string> argv;   // argv[0] first
  std::string cwd;
  std::string cgroup;
  TimeMs started = 0;
  TimeMs exited = 0;               // 0 while alive
};

// Records what an exec says of its process in `into`; a cwd or cgroup the exec does not know
// is kept from before.
void ApplyExec(const ProcessExec& e, ProcessInfo& into);

// "3f2a1b9c8d7e" for a container's cgroup (docker, containerd, cri-o, podman, libpod), "host"
// otherwise: Falco's container.id.
std::string ContainerIdFromCgroup(const std::string& cgroup);

class ProcessTable {
 public:
  using Resolver = std::function<std::optional<ProcessInfo>(int32_t pid)>;
  explicit ProcessTable(size_t capacity = 65536, TimeMs exit_grace_ms = 30000)
      : capacity_(capacity), grace_ms_(exit_grace_ms) {}

  void SetResolver(Resolver r) { resolver_ = std::move(r); }
  // Updates the table from an exec, fork or exit event; other events are ignored.
  void Apply(const Event& ev);
  // The process, resolving it once when unknown; null when it cannot be found.
  const ProcessInfo* Find(int32_t pid);
  // Drops exited processes whose grace period ended before `now`.
  void Expire(TimeMs now);
  size_t size() const { return procs_.size(); }

 private:
  ProcessInfo& Upsert(int32_t pid);
  void EvictIfFull();

  size_t capacity_;
  TimeMs grace_ms_;
  Resolver resolver_;
  std::unordered_map<int32_t, ProcessInfo> procs_;
  std::unordered_map<int32_t, bool> unresolvable_;  // pids the resolver did not know
};

}  // namespace hostmind
