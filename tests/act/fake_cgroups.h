#pragma once
// A hybrid cgroup host in memory, laid out like this project's CI machine: cpu, cpuacct, memory
// and freezer on v1 mounts, PSI on the v2 tree at /sys/fs/cgroup/unified. Tests drive a
// workload's counters forward and read back what the controller wrote.
#include <cstdint>
#include <string>

#include "core/host_env.h"

namespace hostmind::testing {

inline constexpr const char* kHybridMounts =
    "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
    "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
    "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
    "cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0\n"
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
inline constexpr const char* kV2Mounts = "cgroup2 /sys/fs/cgroup cgroup2 rw,relatime 0 0\n";

// Counters of one workload at one moment (cumulative, as the kernel shows them).
struct FakeCgroupState {
  double cpu_seconds = 0;        // CPU time used so far
  double cpu_stall_seconds = 0;  // PSI cpu some total
  double mem_stall_seconds = 0;
  uint64_t anon = 0, file = 0;
  uint64_t refaults = 0;
  uint64_t oom_kills = 0;
  bool under_oom = false;
};

class FakeCgroupHost {
 public:
  explicit FakeCgroupHost(bool v2 = false) : v2_(v2) {
    env.SetFile("/proc/self/mounts", v2 ? kV2Mounts : kHybridMounts);
    env.SetFile(v2 ? "/sys/fs/cgroup/cgroup.controllers" : "/sys/fs/cgroup/unified/cgroup.controllers",
                v2 ? "cpu memory io pids" : "");
  }
  // Creates cgroup `path` with the kernel's default knob values.
  void AddCgroup(const std::string& path) {
    if (v2_) {
      std::string d = "/sys/fs/cgroup" + path;
      env.SetFile(d + "/cpu.weight", "100\n");
      env.SetFile(d + "/cpu.max", "max 100000\n");
      for (const char* f : {"memory.low", "memory.min"}) env.SetFile(d + "/" + f, "0\n");
      for (const char* f : {"memory.high", "memory.max"}) env.SetFile(d + "/" + f, "max\n");
    } else {
      env.SetFile("/sys/fs/cgroup/cpu" + path + "/cpu.shares", "1024\n");
      env.SetFile("/sys/fs/cgroup/cpu" + path + "/cpu.cfs_quota_us", "-1\n");
      env.SetFile("/sys/fs/cgroup/cpu" + path + "/cpu.cfs_period_us", "100000\n");
      env.SetFile("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes", "9223372036854771712\n");
      env.SetFile("/sys/fs/cgroup/memory" + path + "/memory.soft_limit_in_bytes", "9223372036854771712\n");
      env.SetInode("/sys/fs/cgroup/cpu" + path, 1);
      env.SetInode("/sys/fs/cgroup/memory" + path, 1);
    }
    Set(path, FakeCgroupState{});
  }
  void Set(const std::string& path, const FakeCgroupState& s) {
    auto us = [](double sec) { return std::to_string(static_cast<uint64_t>(sec * 1e6)); };
    std::string psi_root = v2_ ? "/sys/fs/cgroup" + path : "/sys/fs/cgroup/unified" + path;
    env.SetFile(psi_root + "/cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=" + us(s.cpu_stall_seconds) +
                                                "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    env.SetFile(psi_root + "/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=" +
                                                   us(s.mem_stall_seconds) +
                                                   "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    if (v2_) {
      std::string d = "/sys/fs/cgroup" + path;
      env.SetFile(d + "/cpu.stat", "usage_usec " + us(s.cpu_seconds) + "\nnr_periods 0\nnr_throttled 0\n");
      env.SetFile(d + "/memory.current", std::to_string(s.anon + s.file) + "\n");
      env.SetFile(d + "/memory.stat", "anon " + std::to_string(s.anon) + "\nfile " + std::to_string(s.file) +
                                          "\nworkingset_refault_file " + std::to_string(s.refaults) + "\n");
      env.SetFile(d + "/memory.events", "oom_kill " + std::to_string(s.oom_kills) + "\n");
    } else {
      env.SetFile("/sys/fs/cgroup/cpu" + path + "/cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
      env.SetFile("/sys/fs/cgroup/cpuacct" + path + "/cpuacct.usage",
                  std::to_string(static_cast<uint64_t>(s.cpu_seconds * 1e9)) + "\n");
      std::string m = "/sys/fs/cgroup/memory" + path;
      env.SetFile(m + "/memory.usage_in_bytes", std::to_string(s.anon + s.file) + "\n");
      env.SetFile(m + "/memory.stat", "total_cache " + std::to_string(s.file) + "\ntotal_rss " + std::to_string(s.anon) +
                                          "\ntotal_shmem 0\ntotal_workingset_refault_file " +
                                          std::to_string(s.refaults) + "\n");
      // The kernel keeps oom_kill_disable as written ("0" or "1") and shows it in the file.
      std::string disable = "0";
      if (auto cur = env.ReadFile(m + "/memory.oom_control"); cur.ok())
        disable = cur->rfind("1", 0) == 0 || cur->find("oom_kill_disable 1") != std::string::npos ? "1" : "0";
      env.SetFile(m + "/memory.oom_control", "oom_kill_disable " + disable + "\nunder_oom " +
                                                 std::string(s.under_oom ? "1" : "0") + "\noom_kill " +
                                                 std::to_string(s.oom_kills) + "\n");
    }
  }
  std::string Knob(const std::string& file) {
    auto r = env.ReadFile(file);
    if (!r.ok()) return "<" + r.status().ToString() + ">";
    std::string v = *r;
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  MemoryHostEnv env;

 private:
  bool v2_;
};

}  // namespace hostmind::testing
