#include "detect/template_rates.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

double RobustRateScorer::Observe(TimeMs, double count) {
  double score = 0;
  if (minutes_ >= kWarmup && count > mean_) score = (count - mean_) / (kWidth * std::max(deviation_, 1.0));
  deviation_ = (1 - kAlpha) * deviation_ + kAlpha * std::fabs(count - mean_);
  mean_ = minutes_ == 0 ? count : (1 - kAlpha) * mean_ + kAlpha * count;
  ++minutes_;
  return score;
}

TemplateRates::TemplateRates(RateScorerFactory factory, size_t max_series, uint64_t min_lines)
    : factory_(std::move(factory)), max_series_(max_series), min_lines_(min_lines) {}

void TemplateRates::Observe(TemplateId id, uint64_t total_count, TimeMs ts, std::vector<RateAnomaly>& out) {
  const TimeMs minute = ts - ts % kMsPerMinute;
  auto it = series_.find(id);
  if (it == series_.end()) {
    // Follow a template once it is busy enough, while there is room.
    if (!factory_ || total_count < min_lines_ || series_.size() >= max_series_) return;
    it = series_.emplace(id, Series{minute, 0, 0, factory_()}).first;
  }
  Series& s = it->second;
  if (minute > s.minute) {
    // Close the counted minute, then the empty minutes after it (at most an hour of them).
    TimeMs gap = std::min<TimeMs>((minute - s.minute) / kMsPerMinute, 60);
    for (TimeMs k = 0; k < gap; ++k) {
      double count = k == 0 ? s.count : 0;
      double score = s.scorer->Observe(s.minute + k * kMsPerMinute, count);
      if (score >= 1) out.push_back({id, s.minute + k * kMsPerMinute, count, score});
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
