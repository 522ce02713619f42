#include "collect/cgroup_layout.h"

#include <set>

#include "collect/filesystem_collector.h"
#include "collect/parse.h"

namespace hostmind {

const char* CgroupModeName(CgroupMode mode) {
  switch (mode) {
    case CgroupMode::kNone: return "none";
    case CgroupMode::kV1: return "v1";
    case CgroupMode::kV2: return "v2";
    case CgroupMode::kHybrid: return "hybrid";
  }
  return "none";
}

std::optional<CgroupLayout::Location> CgroupLayout::Locate(const std::string& controller, const std::string& path) const {
  std::string suffix = path == "/" ? "" : path;
  // A controller mounted on v1 is not usable on v2 (the kernel binds it to one hierarchy).
  auto v1 = v1_mounts.find(controller);
  if (v1 != v1_mounts.end()) return Location{v1->second + suffix, false};
  // PSI files exist on every v2 cgroup regardless of enabled controllers.
  bool v2_has = controller == "pressure" || v2_controllers.count(controller);
  if (!v2_root.empty() && v2_has) return Location{v2_root + suffix, true};
  return std::nullopt;
}

Result<CgroupLayout> DetectCgroupLayout(HostEnv& env) {
  auto mounts_text = env.ReadFile("/proc/self/mounts");
  if (!mounts_text.ok()) return mounts_text.status();
  int bad = 0;
  CgroupLayout layout;
  static const std::set<std::string> kMountOptions = {"rw", "ro", "nosuid", "nodev", "noexec", "relatime",
                                                      "noatime", "nodiratime", "strictatime", "sync"};
  for (const auto& m : ParseMounts(*mounts_text, &bad)) {
    if (m.fstype == "cgroup2" && layout.v2_root.empty()) layout.v2_root = m.mountpoint;
    if (m.fstype != "cgroup") continue;
    // The options of a v1 mount name its controllers: "rw,relatime,cpu,cpuacct".
    std::string_view opts = m.options;
    for (size_t start = 0; start <= opts.size();) {
      size_t comma = std::min(opts.find(',', start), opts.size());
      std::string opt(opts.substr(start, comma - start));
      if (!opt.empty() && !kMountOptions.count(opt) && opt.find('=') == std::string::npos)
        layout.v1_mounts.try_emplace(opt, m.mountpoint);
      start = comma + 1;
    }
  }
  if (!layout.v2_root.empty()) {
    if (auto c = env.ReadFile(layout.v2_root + "/cgroup.controllers"); c.ok())
      for (auto name : SplitFields(*c)) layout.v2_controllers.insert(std::string(name));
  }
  bool v1 = !layout.v1_mounts.empty();
  bool v2 = !layout.v2_root.empty();
  layout.mode = v1 && v2 ? CgroupMode::kHybrid : v1 ? CgroupMode::kV1 : v2 ? CgroupMode::kV2 : CgroupMode::kNone;
  return layout;
}

}  // namespace hostmind
