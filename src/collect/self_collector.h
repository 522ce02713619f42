#pragma once
// The agent's own footprint: CPU time, resident memory (current and peak) and threads, from
// /proc/self. What the footprint benchmark and an operator's alert on the agent itself read.
#include <string>

#include "core/collector.h"

namespace hostmind {

class SelfCollector final : public Collector {
 public:
  SelfCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  std::string name_ = "self";
  long ticks_per_second_;
};

}  // namespace hostmind
