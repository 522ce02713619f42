#pragma once
// Filesystems: bytes and inodes used/free for every real mount (statvfs), from /proc/self/mounts.
// Pseudo filesystems are skipped by type; bind mounts of one device are reported once.
#include <set>
#include <string>
#include <vector>

#include "core/collector.h"

namespace hostmind {

struct MountEntry {
  std::string device;
  std::string mountpoint;
  std::string fstype;
  std::string options;
};

// Parses /proc/self/mounts, decoding the octal escapes (\040 for a space). Bad lines are counted.
std::vector<MountEntry> ParseMounts(std::string_view text, int* bad_lines);

class FilesystemCollector final : public Collector {
 public:
  explicit FilesystemCollector(std::vector<std::string> ignore_types);
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  std::string name_ = "filesystems";
  std::set<std::string> ignore_types_;
};

}  // namespace hostmind
