#include "collect/prefetch/mount_table.h"

#include <sstream>

namespace hostmind {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (size_t j = 1; j <= 3; ++j) {
        char c = s[i + j];
        if (c < '0' || c > '7') ok = false;
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

MountTable MountTable::Parse(const std::string& mountinfo) {
  MountTable t;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, devno, root, mountpoint;
    if (!(f >> id >> parent >> devno >> root >> mountpoint)) continue;
    size_t colon = devno.find(':');
    if (colon == std::string::npos) continue;
    uint32_t major = 0, minor = 0;
    try {
      major = static_cast<uint32_t>(std::stoul(devno.substr(0, colon)));
      minor = static_cast<uint32_t>(std::stoul(devno.substr(colon + 1)));
    } catch (...) {
      continue;
    }
    t.mounts_[{major, minor}].push_back({Unescape(root), Unescape(mountpoint)});
  }
  return t;
}

Result<MountTable> MountTable::Read(HostEnv& env) {
  auto text = env.ReadFile("/proc/self/mountinfo");
  if (!text.ok()) return text.status();
  return Parse(*text);
}

std::string MountTable::Resolve(uint32_t major, uint32_t minor, const std::string& fs_path) const {
  auto it = mounts_.find({major, minor});
  if (it == mounts_.end()) return "";
  const Mount* best = nullptr;
  for (const Mount& m : it->second) {
    bool inside = m.root == "/" || fs_path == m.root ||
                  (fs_path.compare(0, m.root.size(), m.root) == 0 && fs_path.size() > m.root.size() &&
                   fs_path[m.root.size()] == '/');
    // The shortest mount point is the canonical one (bind mounts add longer aliases).
    if (inside && (!best || m.mountpoint.size() < best->mountpoint.size())) best = &m;
  }
  if (!best) return "";
  std::string rest = best->root == "/" ? fs_path : fs_path.substr(best->root.size());
  if (best->mountpoint == "/") return rest.empty() ? "/" : rest;
  return best->mountpoint + rest;
}

}  // namespace hostmind
