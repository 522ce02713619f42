#pragma once
// MountTable: turns a path inside a filesystem (what the kernel's dentries give) into the path
// user space sees, from /proc/self/mountinfo: the device's mount whose root contains the path.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/host_env.h"

namespace hostmind {

class MountTable {
 public:
  // Parses mountinfo text; unparsable lines are skipped.
  static MountTable Parse(const std::string& mountinfo);
  static Result<MountTable> Read(HostEnv& env);

  // The user-visible path of `fs_path` (absolute within the filesystem) on device
  // `major:minor`, or "" when no mount of that device shows it.
  std::string Resolve(uint32_t major, uint32_t minor, const std::string& fs_path) const;
  bool empty() const { return mounts_.empty(); }

 private:
  struct Mount {
    std::string root;        // the directory of the filesystem mounted here
    std::string mountpoint;
  };
  std::map<std::pair<uint32_t, uint32_t>, std::vector<Mount>> mounts_;
};

// The kernel's device encoding (major << 20 | minor), as BPF programs read s_dev.
inline uint32_t KernelDevMajor(uint64_t kdev) { return static_cast<uint32_t>(kdev >> 20); }
inline uint32_t KernelDevMinor(uint64_t kdev) { return static_cast<uint32_t>(kdev & 0xfffff); }

}  // namespace hostmind
