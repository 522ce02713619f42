#pragma once
// Network: per interface bytes, packets, errors and drops per second (/proc/net/dev) and the
// host's TCP counters (/proc/net/snmp).
#include <string>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

class NetworkCollector final : public Collector {
 public:
  NetworkCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  Status CollectNetDev(CollectContext& ctx);
  void CollectTcp(CollectContext& ctx);

  std::string name_ = "network";
  RateTracker rates_;
};

}  // namespace hostmind
