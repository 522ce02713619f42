#pragma once
// Loads a recorded snapshot tree (tests/fixtures/host-snapshot/t0, t1) into a MemoryHostEnv so
// tests can corrupt single files of a real host's /proc and /sys.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/host_env.h"

namespace hostmind::testing {

inline std::string SnapshotDir(const std::string& name) {
  return std::string(HOSTMIND_SOURCE_DIR) + "/tests/fixtures/host-snapshot/" + name;
}

// Every regular file and symlink under `dir`, keyed by its absolute path below it; statvfs
// answers for "/" so the filesystem collector has something to report.
inline void LoadSnapshot(const std::string& dir, MemoryHostEnv& env) {
  namespace fs = std::filesystem;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string rel = "/" + fs::relative(e.path(), dir).string();
    if (e.is_symlink()) {
      env.SetLink(rel, fs::read_symlink(e.path()).string());
    } else if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      env.SetFile(rel, s.str());
    } else if (e.is_directory() && fs::is_empty(e.path())) {
      env.SetFile(rel + "/.keep", "");  // empty directories (/sys/block/vda) must still list
    }
  }
  env.SetFsStats("/", FsStats{100ull << 30, 60ull << 30, 55ull << 30, 6553600, 6000000});
}

}  // namespace hostmind::testing
