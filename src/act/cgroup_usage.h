#pragma once
// CgroupUsage: what a workload's cgroup did over the last interval, read through the HostEnv
// from whichever hierarchy holds each controller: CPU used (cores), the share of CPU periods
// throttled, CPU and memory pressure (stall share of wall time, from the v2 tree's PSI totals),
// memory in use split into anonymous and file pages, file refaults per second (the cache was
// too small), and OOM kills. These are the controller's inputs and the outcomes it learns from.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "collect/cgroup_layout.h"
#include "core/clock.h"
#include "core/host_env.h"

namespace hostmind {

struct CgroupUsageSample {
  TimeMs ts = 0;
  bool has_rates = false;        // false on the first read: rates need two
  double cpu_cores = 0;          // CPU time used per second
  double throttled = 0;          // share of CPU periods throttled
  bool has_pressure = false;     // PSI available for this cgroup
  double cpu_pressure = 0;       // share of time some task stalled on CPU
  double memory_pressure = 0;    // ... on memory
  bool has_memory = false;       // the memory controller's files were read
  uint64_t memory_bytes = 0;     // in use (anon + file + kernel)
  uint64_t anon_bytes = 0;
  uint64_t file_bytes = 0;
  double refaults_per_s = 0;     // file pages read back soon after being reclaimed
  uint64_t oom_kills = 0;        // since the cgroup was created
  bool under_oom = false;        // v1: tasks are waiting at the hard limit (oom_kill_disable)
};

class CgroupUsageReader {
 public:
  explicit CgroupUsageReader(const CgroupLayout& layout) : layout_(layout) {}
  // Reads cgroup `path` at `now`. NotFound when the cgroup does not exist.
  Result<CgroupUsageSample> Read(HostEnv& env, const std::string& path, TimeMs now);

 private:
  struct Counters {
    TimeMs ts = 0;
    double cpu_us = 0, periods = 0, throttled = 0, cpu_stall_us = 0, mem_stall_us = 0, refaults = 0;
  };
  const CgroupLayout& layout_;
  std::map<std::string, Counters> last_;
};

}  // namespace hostmind
