#pragma once
// `hostmind eval forecast`: time-to-exhaustion on generated series whose exhaustion time is
// known, ours (learn::ExhaustionForecaster) side by side with Prometheus' predict_linear over a
// 6 h window.
//
// The generator (seeded, so every run is the same) draws realistic usage series at one sample a
// minute with a capacity, and simulates each forward until it reaches the capacity:
//   linear        steady fill plus noise
//   bursty        fill by random writes (Poisson arrivals, exponential sizes)
//   leak          a process leaking memory, with allocator noise and small GC drops
//   daily         a fill with a strong daily cycle on top (temp files by day, cleanup by night)
//   reset         a fill interrupted by one large drop (a log rotated, a cache dropped)
//   rotating      a fill with a nightly rotation that frees part of it (net growth remains)
// and stationary series that never fill (noise, daily cycle, nightly rotation sawtooth, slow
// mean-reverting drift). For each filling series both methods forecast at half the time to
// exhaustion (t = T/2, so the true remaining time is T/2); the error is |predicted - true| / true
// (a method that predicts nothing scores an infinite error). On stationary series both are asked
// every hour from day 2 to day 6 whether the series will be full within 24 h; a yes is a false
// alarm. Ours answers yes when its growth is established and its median ETA is within 24 h;
// predict_linear's when predict_linear(v[6h], 24h) >= capacity (the usual Prometheus rule).
#include <string>
#include <vector>

#include "core/clock.h"

namespace hostmind {

struct GeneratedSeries {
  std::string kind;
  std::vector<double> value;  // one per minute from t = 0
  double capacity = 0;
  TimeMs exhaustion = -1;     // first minute at or above capacity; -1 for stationary series
};

// `per_kind` series of every kind, from `seed`.
std::vector<GeneratedSeries> GenerateForecastSeries(int per_kind, uint64_t seed);

// Prometheus' predict_linear: least squares over the samples in (now - window, now], evaluated
// `ahead` past now. `values` holds one sample per minute from t = 0; `now` indexes it.
double PredictLinear(const std::vector<double>& values, size_t now, TimeMs window, TimeMs ahead);

struct MethodResult {
  std::string method;
  std::vector<double> errors;      // relative errors on filling series (inf = no forecast)
  double median_error = 0;
  double within_interval = -1;     // share of truths inside the method's 90% interval (-1: none)
  int alarm_checks = 0;            // stationary checks
  int false_alarms = 0;
  int series_with_false_alarm = 0;
  int stationary_series = 0;
};

struct ForecastEvaluation {
  MethodResult ours;
  MethodResult predict_linear;
  std::vector<std::string> kinds;                        // per filling series, its kind
  int filling = 0;
};

ForecastEvaluation EvaluateForecasts(const std::vector<GeneratedSeries>& series);

}  // namespace hostmind
