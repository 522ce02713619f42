#pragma once
// TemplateRates: lines per minute of each busy log template, watched by the same streaming
// anomaly detector that watches every metric series (learn/anomaly_detector.h). A minute is
// scored when the next line of its template arrives in a later minute; minutes without lines
// count as zero (at most an hour of them at once). Memory: at most `max_series` templates are
// followed, the first to become busy.
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "learn/anomaly_detector.h"
#include "learn/template_miner.h"

namespace hostmind {

struct RateAnomaly {
  TemplateId id = kNoTemplate;
  TimeMs minute = 0;
  double count = 0;  // lines in that minute
  AnomalyVerdict verdict;
};

class TemplateRates {
 public:
  // A template is followed once it has `min_lines` lines; its detector learns for
  // `warmup_minutes` before it scores.
  explicit TemplateRates(size_t max_series = 256, uint64_t min_lines = 20, uint32_t warmup_minutes = 120);

  // One line of template `id` (seen `total_count` times so far) at `ts`; anomalies of the
  // minutes this closes are appended to `out`.
  void Observe(TemplateId id, uint64_t total_count, TimeMs ts, std::vector<RateAnomaly>& out);
  // The last full minute's count of `id` (0 when not followed).
  double LastMinute(TemplateId id) const;
  // Forgets templates the miner no longer has.
  void Forget(const std::function<bool(TemplateId)>& gone);
  size_t series() const { return series_.size(); }

 private:
  struct Series {
    TimeMs minute = 0;  // start of the minute being counted
    double count = 0;
    double last_full = 0;
    AnomalyDetector detector;
  };
  size_t max_series_;
  uint64_t min_lines_;
  AnomalyDetectorOptions options_;
  std::unordered_map<TemplateId, Series> series_;
};

}  // namespace hostmind
