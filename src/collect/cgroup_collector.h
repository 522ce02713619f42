#pragma once
// cgroups: per-cgroup CPU, memory, I/O and pressure, each read from whichever hierarchy holds
// its controller (v1, v2 or a hybrid of both). The tree is walked to a bounded depth and count.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collect/cgroup_layout.h"
#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

class CgroupCollector final : public Collector {
 public:
  CgroupCollector(int max_depth = 3, size_t max_cgroups = 256);
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  std::vector<std::string> ListCgroups(HostEnv& env) const;
  void Walk(HostEnv& env, const std::string& root, const std::string& path, int depth,
            std::vector<std::string>& out) const;
  void CollectCpu(const std::string& cg, CollectContext& ctx);
  void CollectMemory(const std::string& cg, CollectContext& ctx);
  void CollectIo(const std::string& cg, CollectContext& ctx);
  void CollectPressure(const std::string& cg, CollectContext& ctx);
  // Reads one controller file of `cg`; NotFound (the cgroup went away, or the file does not
  // exist in this hierarchy) is quiet, other errors are counted.
  std::optional<std::string> Read(const std::string& controller, const std::string& cg, const std::string& file,
                                  CollectContext& ctx);

  std::string name_ = "cgroups";
  int max_depth_;
  size_t max_cgroups_;
  std::optional<CgroupLayout> layout_;
  RateTracker rates_;
};

}  // namespace hostmind
