#pragma once
// Disks: per whole block device, IOPS, bytes/s, utilisation and average wait (/proc/diskstats).
// Partitions, loop and ram devices are left out: they double-count or are noise.
#include <map>
#include <set>
#include <vector>
#include <string>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

class DiskCollector final : public Collector {
 public:
  DiskCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  bool IsWholeDisk(const std::string& dev, const std::set<std::string>& block_devices) const;

  struct DiskSnapshot {
    std::vector<uint64_t> counters;
    TimeMs ts = 0;
  };
  std::string name_ = "disks";
  std::map<std::string, DiskSnapshot> prev_;
};

}  // namespace hostmind
