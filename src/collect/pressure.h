#pragma once
// Pressure stall information (PSI): the text format shared by /proc/pressure/* and the cgroup v2
// *.pressure files, and the host-wide collector.
#include <optional>
#include <string>
#include <string_view>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

struct PsiLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // percent
  uint64_t total_us = 0;
};

struct PsiFile {
  std::optional<PsiLine> some;
  std::optional<PsiLine> full;  // absent for cpu on older kernels
};

// Parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" / "full ..." lines.
Result<PsiFile> ParsePsi(std::string_view text);

// Emits the stall ratio of `kind` (some/full) over the interval since the last call, from the
// total stall time, under `metric` with `labels` plus kind; and the stall-seconds counter.
void EmitPsi(const PsiFile& psi, const std::string& metric_prefix, std::vector<Label> labels,
             const std::string& rate_key, RateTracker& rates, CollectContext& ctx);

class PressureCollector final : public Collector {
 public:
  PressureCollector();
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  std::string name_ = "pressure";
  RateTracker rates_;
};

}  // namespace hostmind
