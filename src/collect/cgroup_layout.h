#pragma once
// Where each cgroup controller lives on this host: cgroup v2 (one unified tree), v1 (one mount
// per controller) or a hybrid of both (this project's CI: cpu and memory on v1, PSI on the v2
// tree). Read once from /proc/self/mounts and the v2 root's cgroup.controllers.
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/host_env.h"

namespace hostmind {

enum class CgroupMode { kNone, kV1, kV2, kHybrid };
const char* CgroupModeName(CgroupMode mode);

struct CgroupLayout {
  CgroupMode mode = CgroupMode::kNone;
  std::string v2_root;                         // mount point of cgroup2, "" when absent
  std::map<std::string, std::string> v1_mounts;  // controller (cpu, cpuacct, memory, blkio, ...) -> mount point
  std::set<std::string> v2_controllers;          // controllers available at the v2 root

  // The directory holding controller `c`'s files for cgroup `path` ("/" or "/a/b"), and
  // whether it is a v2 directory. nullopt when the controller is not mounted anywhere.
  struct Location {
    std::string dir;
    bool v2 = false;
  };
  std::optional<Location> Locate(const std::string& controller, const std::string& path) const;
};

// Builds the layout from the mount table (and each v2 root's cgroup.controllers through env).
Result<CgroupLayout> DetectCgroupLayout(HostEnv& env);

}  // namespace hostmind
