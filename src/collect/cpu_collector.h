#pragma once
// CPU: utilisation per core and in total by mode (/proc/stat), context switches, forks,
// runnable and blocked tasks, and the load averages (/proc/loadavg).
#include <map>
#include <string>
#include <vector>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

class CpuCollector final : public Collector {
 public:
  CpuCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  void EmitCpuLine(const std::string& cpu, const std::vector<uint64_t>& ticks, CollectContext& ctx);
  void CollectLoadAvg(CollectContext& ctx);

  std::string name_ = "cpu";
  std::map<std::string, std::vector<uint64_t>> prev_ticks_;  // per "cpu"/"cpuN" line
  RateTracker rates_;
};

}  // namespace hostmind
