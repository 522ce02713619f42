#pragma once
// ExhaustionForecaster: when will a growing quantity (bytes used on a filesystem, used inodes,
// memory in use, a process's RSS, a cgroup's demand) reach a limit? Feed it (timestamp, value)
// in time order; ask Forecast(limit) at any time. The same class watches every filesystem,
// memory, swap, and every process or cgroup for leaks.
//
//   ExhaustionForecaster f;                   // ~1.5 KiB of state, no heap
//   f.Observe(ts, used_bytes);                // O(1)
//   ExhaustionForecast e = f.Forecast(total_bytes);
//   if (e.growing) ... e.eta / e.eta_low / e.eta_high / e.rate_per_hour / e.since
//
// How it works. Values are averaged into 10-minute buckets, and the last 2 days of buckets are
// kept. The growth rate is a robust (median) slope that copes with what real usage does:
//   - daily cycles: with a day of history, the slope is the median of day-over-day differences
//     (value now minus value 24 h earlier, at every bucket of the last day), which cancels the
//     cycle exactly; before that, the median slope over pairs half the history apart;
//   - steps down (a log rotated, a cache dropped, a process restarted): a drop far larger than
//     the usual bucket-to-bucket change is spliced out, so the slope is not dragged down by it;
//     drops that recur (two or more in the window: rotation every night) are part of the net
//     rate, and are then kept;
//   - bursts up (a big write) are consumption and are kept.
// Uncertainty: growth is modelled as the median rate plus a random walk (bursts, noise) whose
// size is the spread of those slopes, plus the rate's own standard error (fewer independent
// days of history, wider); the 90% interval of the time to exhaustion is where growth's 5th and
// 95th percentiles reach the headroom. Growth is "established" (`growing`) when the rate's 90%
// interval is above zero. Exhaustion comes when the trend line plus the shape of the last day (at
// the same time of day; with less history, the 95th percentile of the swing above the trend)
// reaches the limit, so a disk that fills at tomorrow afternoon's peak is predicted at that peak.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

struct ExhaustionForecast {
  bool growing = false;       // growth established: the 5th-percentile rate is positive
  double rate_per_hour = 0;   // median growth rate, in the value's units per hour
  double rate_low = 0;        // 90% interval of the rate
  double rate_high = 0;
  double level = 0;           // the trend's level now (value's units)
  double headroom = 0;        // limit minus the level the value will peak at (trend + daily excursion)
  TimeMs eta = -1;            // median time from now until the limit is reached; -1 = not growing
  TimeMs eta_low = -1;        // 90% interval; eta_high = -1 means "possibly never"
  TimeMs eta_high = -1;
  TimeMs since = 0;           // when the current growth began (after the last reset), for alert text
  TimeMs history = 0;         // how much history the forecast rests on
};

class ExhaustionForecaster {
 public:
  static constexpr TimeMs kBucketMs = 10 * kMsPerMinute;
  static constexpr int kBuckets = 288;  // two days
  static constexpr int kMinBuckets = 6;  // an hour before any forecast

  void Observe(TimeMs ts, double value);

  // The forecast toward `limit` as of the last observed value.
  ExhaustionForecast Forecast(double limit) const;

  TimeMs last_ts() const { return last_ts_; }
  double last_value() const { return last_value_; }

  std::string SaveState() const;
  Status LoadState(std::string_view bytes);

  static constexpr size_t MemoryBytes();

 private:
  static constexpr int kMaxResets = 16;
  struct Reset {
    TimeMs ts = 0;
    float size = 0;  // how far the value dropped
  };
  struct Series;  // the bucket history laid out for estimation (exhaustion_forecaster.cc)

  void CloseBucket();
  Series Collect() const;
  // When the current growth began: at the lowest point since the value was last at the current
  // level (never before the history starts, or before a one-off reset).
  static TimeMs GrowthStart(const Series& s, double level_now, TimeMs now);

  // The open bucket.
  TimeMs open_start_ = -1;
  double open_sum_ = 0;
  uint32_t open_count_ = 0;
  // Closed buckets: mean value per bucket, NaN where no value came; index = bucket % kBuckets.
  std::array<float, kBuckets> buckets_{};
  int64_t newest_ = -1;         // bucket number of the newest closed bucket
  int64_t first_ = -1;          // bucket number of the first bucket ever closed
  double diff_scale_ = 0;       // running mean |change| between consecutive buckets
  uint32_t diffs_seen_ = 0;
  std::array<Reset, kMaxResets> resets_{};  // ring, newest at (reset_count_ - 1) % kMaxResets
  uint32_t reset_count_ = 0;
  TimeMs last_ts_ = 0;
  double last_value_ = 0;
};

constexpr size_t ExhaustionForecaster::MemoryBytes() { return sizeof(ExhaustionForecaster); }

}  // namespace hostmind
