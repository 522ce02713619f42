#pragma once
// DemandForecaster: a short-horizon forecast of a resource demand (a cgroup's CPU cores, its
// memory, the host's available memory) from values seconds apart. Where ExhaustionForecaster
// answers "when will the disk be full" over hours, this one answers "how much will this workload
// want over the next minute, and how sure are we" for a controller that acts every few seconds.
//
//   DemandForecaster f(DemandForecasterOptions{.half_life_ms = 30000});
//   f.Observe(ts, cores);                       // O(1), 64 bytes of state
//   DemandForecast d = f.Forecast(10000);       // 10 s ahead: d.mean, d.upper, d.trend_per_s
//
// How it works. Holt's linear method with time-aware smoothing (the weight of a new value
// depends on the time since the last one, so irregular ticks are fine): a level and a trend per
// second, each an exponentially weighted average with the given half-life. The spread is an
// exponentially weighted mean absolute one-step error; `upper` is the forecast plus
// `spread_factor` spreads (~2.5 MAD is ~98% for a normal error). A decaying peak (the largest
// recent value, relaxing with the same half-life) keeps bursts the level smoothed away.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

struct DemandForecasterOptions {
  TimeMs half_life_ms = 30 * kMsPerSecond;  // memory of the level, trend and spread
  double spread_factor = 2.5;               // upper = forecast + this many mean absolute errors
};

struct DemandForecast {
  double mean = 0;         // level + trend * horizon
  double upper = 0;        // max(mean + spread_factor * spread, recent decayed peak)
  double trend_per_s = 0;  // the value's units per second
  double spread = 0;       // mean absolute one-step error
  double peak = 0;         // recent peak, decayed
  bool ready = false;      // at least two values seen
};

class DemandForecaster {
 public:
  explicit DemandForecaster(DemandForecasterOptions options = {}) : options_(options) {}

  void Observe(TimeMs ts, double value);
  // The forecast `horizon_ms` after the last value.
  DemandForecast Forecast(TimeMs horizon_ms) const;
  // Time until the forecast mean reaches `limit` going up (or down to it, when `limit` is below
  // the level and the trend falls); -1 when the trend points away or is flat.
  TimeMs TimeToReach(double limit) const;

  size_t count() const { return count_; }
  double last_value() const { return last_value_; }

  std::string SaveState() const;
  Status LoadState(std::string_view bytes);

 private:
  double Weight(TimeMs dt) const;  // smoothing weight of a value dt after the previous one

  DemandForecasterOptions options_;
  TimeMs last_ts_ = 0;
  double last_value_ = 0;
  double level_ = 0;
  double trend_ = 0;   // per second
  double spread_ = 0;
  double peak_ = 0;
  uint64_t count_ = 0;
};

}  // namespace hostmind
