#include "detect/template_rates.h"

#include <algorithm>

namespace hostmind {

TemplateRates::TemplateRates(size_t max_series, uint64_t min_lines, uint32_t warmup_minutes)
    : max_series_(max_series), min_lines_(min_lines) {
  options_.warmup_samples = warmup_minutes;
}

void TemplateRates::Observe(TemplateId id, uint64_t total_count, TimeMs ts, std::vector<RateAnomaly>& out) {
  const TimeMs minute = ts - ts % kMsPerMinute;
  auto it = series_.find(id);
  if (it == series_.end()) {
    if (total_count < min_lines_ || series_.size() >= max_series_) return;
    it = series_.emplace(id, Series{minute, 0, 0, AnomalyDetector(options_)}).first;
  }
  Series& s = it->second;
  if (minute > s.minute) {
    // Close the counted minute, then the empty minutes after it (at most an hour of them).
    TimeMs gap = std::min<TimeMs>((minute - s.minute) / kMsPerMinute, 60);
    for (TimeMs k = 0; k < gap; ++k) {
      const TimeMs m = s.minute + k * kMsPerMinute;
      const double count = k == 0 ? s.count : 0;
      AnomalyVerdict v = s.detector.Observe(m, count);
      if (v.score >= kAnomalyThreshold) out.push_back({id, m, count, v});
    }
    s.last_full = gap == 1 ? s.count : 0;
    s.minute = minute;
    s.count = 0;
  }
  if (minute == s.minute) s.count += 1;
}

double TemplateRates::LastMinute(TemplateId id) const {
  auto it = series_.find(id);
  return it == series_.end() ? 0 : it->second.last_full;
}

void TemplateRates::Forget(const std::function<bool(TemplateId)>& gone) {
  std::erase_if(series_, [&](const auto& kv) { return gone(kv.first); });
}

}  // namespace hostmind
