#pragma once
// AnomalyDetector: learns one numeric series online, without labels, and scores every new
// value for how unlike the series' own normal it is. The same detector watches a CPU series,
// a log template's rate and a cgroup's demand: give it (timestamp, value) pairs in time order.
//
//   AnomalyDetector d;                        // one per series; 1,264 bytes of state
//   AnomalyVerdict v = d.Observe(ts, value);  // O(1): 4.4M a second on a busy core (bench-detector)
//   if (v.score >= kAnomalyThreshold) ...     // v.view / observed / low / high say why
//   std::string blob = d.SaveState();         // persist; LoadState(blob) after a restart
//
// How it works. The detector looks at five views of the series, each a number per sample:
//   value       the value itself
//   mean        its short-term mean (exponentially weighted, ~30 samples)
//   volatility  its short-term mean absolute deviation (how much it wiggles)
//               (both average their first samples evenly and are views once their window is full)
//   daily       the value minus the learned level for this time of day (96 buckets)
//   weekly      the value minus the learned level for this time of week (48 buckets)
// and, without an envelope,
//   recent      the mean of the last few values (~6) against the last hours' (~140 values) mean,
//               in units of the short mean's own sd were the values independent (from the last
//               hours' sd); a shift of at least `recent_min_z` scores weight * exp(-c), c = how
//               many earlier shifts of this series were at least as large (a histogram of its own
//               history), so it reports only shifts the series has (almost) never made, and an
//               earlier incident larger in absolute terms does not hide a later one that stands
//               out more from the hours before it.
// Each of the first five has an Envelope: the band it has lived in, relaxing toward its recent
// typical band.
// An outlier (a value at least a band's width outside it) widens the band only half way to it,
// so a large incident does not hide a smaller one that follows it.
// A view's surprise is how far outside its envelope it is, in envelope widths (e), mapped to
// 1 - exp(-e / 0.1) and weighted by how trustworthy the view is; the raw score is the largest
// over the views, and the view that gave it is the explanation. The reported score suppresses
// repeats: it is the raw score only when that exceeds a decaying memory of recent raw scores,
// so one incident alerts once, not on every sample, and a stronger one still alerts.
//
// The constants (AnomalyTuning: rates, weights, half-lives) were chosen by measurement on the
// Numenta Anomaly Benchmark with `hostmind eval nab --tune`; docs/BENCHMARKS.md has the
// figures, including held-out (cross-validated) ones. Time constants count samples, not
// seconds: feed a series at a steady interval (the live analyzer feeds one value per series per
// collection step).
//
// Warm-up: during the first `warmup_samples` values the detector only learns (score 0,
// `learning` true); envelopes do not relax until it ends.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "learn/envelope.h"
#include "learn/recent_rarity.h"
#include "learn/seasonal_profile.h"

namespace hostmind {

// The score at or above which a value is reported anomalous: the threshold NAB's optimizer picks
// for this detector on the NAB corpus (the same for all three profiles).
inline constexpr double kAnomalyThreshold = 0.2626;

enum class AnomalyView : uint8_t { kNone = 0, kValue, kMean, kVolatility, kDaily, kWeekly, kRecent };
// Views with an envelope (and a weight[] entry); kRecent, judged by its own history, is not one.
inline constexpr int kAnomalyViewCount = 6;

// "value", "mean", "volatility", "daily", "weekly", "recent" ("none" for kNone).
const char* AnomalyViewName(AnomalyView view);

// The model's constants. Every detector shares one instance (by pointer), so they cost no
// memory per series.
struct AnomalyTuning {
  double mean_rate = 1.0 / 30;      // the "mean" view's smoothing: ~30 samples
  double volatility_rate = 0.03;    // the "volatility" view's smoothing: ~33 samples
  double daily_rate = 0.03;         // weight of a new value in its daily bucket's level
  double weekly_rate = 0.021;       // ... in its weekly bucket's level
  double envelope_rate = 0.1;       // an envelope's running mean and variance
  double envelope_sigmas = 2.7;     // an envelope relaxes toward mean +- this many sd
  double envelope_relax_samples = 10000;  // the excess over that band loses 1/this per sample
  double surprise_scale = 0.11;     // e envelope widths outside -> 1 - exp(-e / scale)
  double suppression_samples = 200;  // the memory of recent raw scores loses 1/this per sample
  double weight[kAnomalyViewCount] = {0, 1.0, 0.7, 0.63, 0.7, 0.5};  // per view (kNone first)
  double anomalous_learning = 0.1;  // daily/weekly levels learn values outside an envelope this much slower
  double outlier_widths = 1.0;      // a value this many widths outside a view's envelope is an outlier ...
  double outlier_widening = 0.5;    // ... and widens the envelope only this fraction of the way to it
  double recent_rate = 0.007;       // the "recent" view: the last hours' mean and variance (~140 samples)
  double recent_short_rate = 1.0 / 6;  // ... the short mean it compares with them (~6 samples)
  double recent_min_z = 30;         // ... a shift below this many of the short mean's sds never scores
  double recent_weight = 0.875;     // ... score = weight * exp(-(earlier shifts at least as large))
};

// The constants chosen on NAB (what every detector uses unless told otherwise).
const AnomalyTuning& DefaultAnomalyTuning();

struct AnomalyDetectorOptions {
  uint32_t warmup_samples = 750;        // NAB's probation cap: 2.6 days at 5-minute samples
  const AnomalyTuning* tuning = nullptr;  // nullptr = DefaultAnomalyTuning(); must outlive the detector
};

struct AnomalyVerdict {
  double score = 0;       // 0..1, repeats suppressed: compare with kAnomalyThreshold
  double raw_score = 0;   // 0..1, before suppression
  AnomalyView view = AnomalyView::kNone;  // the view that scored highest
  double observed = 0;    // that view's value, in the series' units
  double low = 0;         // that view's normal band before this sample, in the series' units
  double high = 0;
  bool learning = true;   // still in warm-up: no scores yet
};

// The values a detector would not flag at some time: no view whose band is in the series' units
// (value, daily, weekly) would score them at or above the threshold asked for.
struct NormalRange {
  double low = 0;
  double high = 0;
};

class AnomalyDetector {
 public:
  // The normal range changes only at the seasonal buckets' boundaries (15 minutes; the weekly
  // buckets' 3.5 h are multiples of it, both counted from the epoch).
  static constexpr TimeMs kSeasonalResolution = kMsPerDay / 96;

  explicit AnomalyDetector(const AnomalyDetectorOptions& options = {});

  // Scores `value` at `ts`, then learns it. Values must come in time order; NaN and infinite
  // values are ignored (a verdict with score 0 is returned).
  AnomalyVerdict Observe(TimeMs ts, double value);

  uint64_t samples() const { return samples_; }

  // The range of values at `ts` that would score below `threshold`, from what the detector has
  // learned so far (it is the dashboard's "learned normal band"). The short-term views (mean,
  // volatility) judge a run of values, not one, so they do not narrow it. None while learning,
  // and when the views disagree so much that no value would pass.
  std::optional<NormalRange> Normal(TimeMs ts, double threshold = kAnomalyThreshold) const;

  // While frozen, the detector scores against what it has learned without adapting to new
  // values (its envelopes and daily/weekly levels stay put; the short-term views still move).
  // For evaluating on a held-out period after learning a normal one.
  void Freeze(bool frozen) { frozen_ = frozen; }

  // The whole model state, versioned; LoadState accepts only what SaveState wrote.
  std::string SaveState() const;
  Status LoadState(std::string_view bytes);

  // Bytes one detector occupies in memory (its state has no heap allocations).
  static constexpr size_t MemoryBytes();

 private:
  static constexpr int kDailyBuckets = 96;   // 15 minutes each (kSeasonalResolution)
  static constexpr int kWeeklyBuckets = 48;  // 3.5 hours each

  // One sample seen five ways; `offset` turns a view's band back into the series' units.
  struct Views {
    double value[kAnomalyViewCount] = {};
    double offset[kAnomalyViewCount] = {};
    bool present[kAnomalyViewCount] = {};
  };
  // Moves the short-term views (mean, volatility) and reads the seasonal residuals.
  Views UpdateViews(TimeMs ts, double value);
  // Scores the views against their envelopes into `verdict`, then (unless frozen) learns them.
  void ScoreAndLearn(const Views& views, bool scoring, AnomalyVerdict& verdict);
  // Scores the "recent" view of `value` into `verdict` (when it beats the others), then learns it.
  void ScoreRecent(double value, bool scoring, AnomalyVerdict& verdict);

  const AnomalyTuning* tuning_;
  uint32_t warmup_samples_;
  uint64_t samples_ = 0;
  double mean_ = 0;          // the "mean" view
  double center_ = 0;        // the level the "volatility" view measures deviations from
  double volatility_ = 0;    // the "volatility" view
  double suppression_ = 0;   // decaying memory of recent raw scores
  bool frozen_ = false;
  Envelope envelopes_[kAnomalyViewCount];
  SeasonalProfile<kDailyBuckets> daily_{kMsPerDay};
  SeasonalProfile<kWeeklyBuckets> weekly_{7 * kMsPerDay};
  double recent_mean_ = 0;   // the "recent" view: the last hours' mean and variance, the short mean
  double recent_var_ = 0;
  double recent_short_ = 0;
  RarityHistogram shifts_;   // every shift the view has measured since its window filled
};

constexpr size_t AnomalyDetector::MemoryBytes() { return sizeof(AnomalyDetector); }

}  // namespace hostmind
