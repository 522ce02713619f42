#pragma once
// CgroupControl: reads and writes a cgroup's resource knobs by meaning (CPU weight, CPU limit,
// memory low/high/max), whichever hierarchy holds each controller: on cgroup v2 cpu.weight,
// cpu.max, memory.low, memory.high, memory.max; on v1 cpu.shares, cpu.cfs_quota_us,
// memory.soft_limit_in_bytes, memory.limit_in_bytes. On a hybrid host (cpu and memory on v1,
// PSI on v2) each knob goes to the hierarchy that has its controller. Every write saves the
// file's original value first (OriginalValues), so any change can be put back.
//
// Units are hostmind's, not the kernel's: weight 1..10000 (v2's scale, 100 = default; v1
// shares = weight * 1024 / 100), CPU limit in cores (kUnlimited = none), memory in bytes
// (kUnlimitedBytes = none).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "act/action_audit.h"
#include "act/host_writer.h"
#include "collect/cgroup_layout.h"
#include "core/clock.h"
#include "core/host_env.h"

namespace hostmind {

// kMemoryOomWait exists on v1 only (memory.oom_control's oom_kill_disable): 1 makes a task that
// hits the hard limit wait for the limit to rise instead of being killed, which turns v1's hard
// limit into a throttling one like v2's memory.high, as long as someone raises it (the controller
// does at its next decision).
//
// kMemoryReclaim is an act more than a setting: its value is the memory in use (as it reads) and
// writing a lower value reclaims down to it, in the writer's context. v2 has memory.reclaim
// (5.19+); v1 has none, but writing memory.limit_in_bytes under the usage makes the kernel reclaim
// to it before the write returns, so a reclaim there is the limit lowered to the value and put
// back at once.
enum class CgroupKnob { kCpuWeight, kCpuMax, kMemoryLow, kMemoryHigh, kMemoryMax, kMemoryOomWait, kMemoryReclaim };
inline constexpr double kUnlimited = std::numeric_limits<double>::infinity();
inline constexpr uint64_t kUnlimitedBytes = std::numeric_limits<uint64_t>::max();

// Where a knob lives for a cgroup, and the kernel's file name for it.
struct KnobFile {
  std::string path;  // full path of the file
  bool v2 = false;
};

class CgroupControl {
 public:
  CgroupControl(CgroupLayout layout, HostEnv& env, HostWriter& writer, OriginalValues* originals, const Clock& clock)
      : layout_(std::move(layout)), env_(env), writer_(writer), originals_(originals), clock_(clock) {}

  const CgroupLayout& layout() const { return layout_; }
  // The file for `knob` of cgroup `path`; nullopt when this host has no such knob (memory.high
  // on v1, or the controller is not mounted).
  std::optional<KnobFile> Locate(CgroupKnob knob, const std::string& path) const;
  // The knob's current value in hostmind units.
  Result<double> Read(CgroupKnob knob, const std::string& path) const;
  // Writes `value` (hostmind units), saving the original first. Returns the text written.
  Result<std::string> Write(CgroupKnob knob, const std::string& path, double value);
  // The knob's value as the kernel file shows it (for the audit log's old/new values).
  std::string Render(CgroupKnob knob, const std::string& path, double value) const;
  // Whether kMemoryReclaim works on this host (always on v1; v2 needs memory.reclaim).
  bool CanReclaim() const;

  // Creates cgroup `path` in every hierarchy a workload needs (cpu, cpuacct, memory, and the
  // v2 tree for PSI), remembering the ones it made.
  Status Create(const std::string& path);
  // Moves process `pid` into cgroup `path` in every hierarchy that has the cgroup.
  Status MovePid(const std::string& path, int pid);
  // Directories of `path` in every hierarchy a workload uses (deduplicated).
  std::vector<std::string> Dirs(const std::string& path) const;

 private:
  HostEnv& env() const { return env_; }
  // The memory in use of the cgroup whose knob file is `f`.
  Result<double> UsageOf(const KnobFile& f) const;
  // Saves the file's value as it would be written back, unless a value is saved already.
  Status SaveOriginal(CgroupKnob knob, const KnobFile& f);
  // kMemoryReclaim's write (see the enum).
  Result<std::string> Reclaim(const KnobFile& f, double to_bytes);
  CgroupLayout layout_;
  HostEnv& env_;
  HostWriter& writer_;
  OriginalValues* originals_;
  const Clock& clock_;
};

const char* CgroupKnobName(CgroupKnob knob);  // "cpu.weight", "cpu.max", "memory.low", ...

}  // namespace hostmind
