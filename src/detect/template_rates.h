#pragma once
// TemplateRates: lines per minute of each busy log template, scored by a per-series rate
// detector. The detector is a seam (RateScorer): the metric anomaly detectors of learn/ plug in
// through a factory; until they do, RobustRateScorer (an EWMA of the rate and of its absolute
// deviation) is the default. Memory: at most `max_series` templates are followed, the busiest.
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "learn/template_miner.h"

namespace hostmind {

// Scores one series of per-minute counts: 0 is normal, >= 1 is anomalous.
class RateScorer {
 public:
  virtual ~RateScorer() = default;
  virtual double Observe(TimeMs minute, double count) = 0;
};
using RateScorerFactory = std::function<std::unique_ptr<RateScorer>()>;

// EWMA of the count and of its absolute deviation; scores (count - mean) / (k * deviation) for
// counts above the mean, after `warmup` minutes.
class RobustRateScorer final : public RateScorer {
 public:
  double Observe(TimeMs minute, double count) override;

 private:
  static constexpr double kAlpha = 0.05;
  static constexpr double kWidth = 6;  // deviations that make a score of 1
  static constexpr int kWarmup = 30;
  double mean_ = 0, deviation_ = 0;
  int minutes_ = 0;
};

struct RateAnomaly {
  TemplateId id = kNoTemplate;
  TimeMs minute = 0;
  double count = 0;  // lines in that minute
  double score = 0;
};

class TemplateRates {
 public:
  explicit TemplateRates(RateScorerFactory factory, size_t max_series = 256, uint64_t min_lines = 20);

  // One line of template `id` at `ts`. Closing a minute scores it; anomalies are appended.
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
    std::unique_ptr<RateScorer> scorer;
  };
  RateScorerFactory factory_;
  size_t max_series_;
  uint64_t min_lines_;
  std::unordered_map<TemplateId, Series> series_;
};

}  // namespace hostmind
