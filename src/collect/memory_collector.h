#pragma once
// Memory: /proc/meminfo levels and /proc/vmstat paging activity (major faults, swap in/out,
// OOM kills).
#include <string>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

class MemoryCollector final : public Collector {
 public:
  MemoryCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  Status CollectMeminfo(CollectContext& ctx);
  void CollectVmstat(CollectContext& ctx);

  std::string name_ = "memory";
  RateTracker rates_;
};

}  // namespace hostmind
