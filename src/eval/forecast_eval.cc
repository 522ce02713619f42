#include "eval/forecast_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "learn/exhaustion_forecaster.h"

namespace hostmind {

namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr int kMaxDays = 20;
constexpr TimeMs kEpoch = 1704067200000;  // 2024-01-01T00:00:00Z: series start at midnight UTC
constexpr TimeMs kWindow = 6 * kMsPerHour;
constexpr TimeMs kAlertHorizon = 24 * kMsPerHour;

const char* const kFillingKinds[] = {"linear", "bursty", "leak", "daily", "reset", "rotating"};
const char* const kStationaryKinds[] = {"flat", "daily-flat", "sawtooth", "drift"};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // A filling series of `kind` that reaches its capacity between 2 and 12 days in.
  GeneratedSeries Filling(const std::string& kind) {
    for (;;) {
      GeneratedSeries s = Draw(kind, /*filling=*/true);
      const auto hit = std::find_if(s.value.begin(), s.value.end(), [&](double v) { return v >= s.capacity; });
      const auto minute = hit - s.value.begin();
      if (hit == s.value.end() || minute < 2 * kMinutesPerDay || minute > 12 * kMinutesPerDay) continue;
      s.value.resize(static_cast<size_t>(minute) + 1);
      s.exhaustion = minute * kMsPerMinute;
      return s;
    }
  }

  // A series that stays below its capacity for 7 days.
  GeneratedSeries Stationary(const std::string& kind) {
    for (;;) {
      GeneratedSeries s = Draw(kind, /*filling=*/false);
      s.value.resize(7 * kMinutesPerDay);
      if (*std::max_element(s.value.begin(), s.value.end()) < 0.97 * s.capacity) return s;
    }
  }

 private:
  double U(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
  double N(double sd) { return std::normal_distribution<double>(0, sd)(rng_); }

  GeneratedSeries Draw(const std::string& kind, bool filling) {
    GeneratedSeries s;
    s.kind = kind;
    s.capacity = U(50, 500);  // GiB
    const double c = s.capacity;
    const double u0 = U(0.3, 0.7) * c;
    const int minutes = kMaxDays * kMinutesPerDay;
    // Per-minute net rate that fills the rest in 2-12 days.
    const double rate = filling ? (c - u0) / (U(2.2, 11) * kMinutesPerDay) : 0;
    s.value.resize(minutes);
    double level = u0, ar = 0;
    const double noise = U(0.001, 0.004) * c;
    const double amplitude = U(0.03, 0.12) * c, phase = U(0, 2 * M_PI);
    const double bursts_per_minute = U(0.5, 4) / 60;
    const double reset_at = U(0.5, 2.0) * kMinutesPerDay, reset_size = U(0.1, 0.25) * c;
    const double rotated = U(0.5, 0.8);  // share of a day's growth the nightly rotation frees
    const double gross = kind == "rotating" ? rate / (1 - rotated) : U(0.05, 0.2) * c / kMinutesPerDay;
    const double drift_sd = U(0.01, 0.04) * c;
    for (int m = 0; m < minutes; ++m) {
      const bool night = m % kMinutesPerDay == 3 * 60;  // 03:00
      double v = 0;
      if (kind == "linear" || kind == "flat") {
        level += rate;
        v = level + N(noise);
      } else if (kind == "bursty") {
        if (U(0, 1) < bursts_per_minute) level += std::exponential_distribution<double>(bursts_per_minute / rate)(rng_);
        v = level + N(noise / 4);
      } else if (kind == "leak") {
        level += rate;
        ar = 0.995 * ar + N(3 * noise * 0.1);
        v = level + ar;
      } else if (kind == "daily" || kind == "daily-flat") {
        level += rate;
        v = level + amplitude * std::sin(2 * M_PI * m / kMinutesPerDay + phase) + N(noise);
      } else if (kind == "reset") {
        level += rate;
        if (m == static_cast<int>(reset_at)) level -= reset_size;
        v = level + N(noise);
      } else if (kind == "rotating" || kind == "sawtooth") {
        level += gross;
        if (night) level -= kind == "sawtooth" ? gross * kMinutesPerDay : rotated * gross * kMinutesPerDay;
        v = level + N(noise);
      } else {  // drift: mean-reverting with a 6 h time constant
        ar = ar * (1 - 1.0 / 360) + N(drift_sd * std::sqrt(2.0 / 360));
        v = u0 + ar;
      }
      s.value[m] = std::max(0.0, v);
    }
    return s;
  }

  std::mt19937_64 rng_;
};

double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Feeds `f` the minutes [from, to).
void Feed(ExhaustionForecaster& f, const std::vector<double>& values, size_t from, size_t to) {
  for (size_t m = from; m < to && m < values.size(); ++m) {
    f.Observe(kEpoch + static_cast<TimeMs>(m) * kMsPerMinute, values[m]);
  }
}

// predict_linear's time to capacity, in ms; infinity when it is not rising.
double PredictLinearEta(const std::vector<double>& values, size_t now, double capacity) {
  const double now_value = PredictLinear(values, now, kWindow, 0);
  const double in_an_hour = PredictLinear(values, now, kWindow, kMsPerHour);
  const double slope = (in_an_hour - now_value) / kMsPerHour;
  if (!(slope > 0)) return std::numeric_limits<double>::infinity();
  return std::max(0.0, (capacity - now_value) / slope);
}

}  // namespace

std::vector<GeneratedSeries> GenerateForecastSeries(int per_kind, uint64_t seed) {
  Generator g(seed);
  std::vector<GeneratedSeries> out;
  for (const char* kind : kFillingKinds) {
    for (int i = 0; i < per_kind; ++i) out.push_back(g.Filling(kind));
  }
  for (const char* kind : kStationaryKinds) {
    for (int i = 0; i < per_kind; ++i) out.push_back(g.Stationary(kind));
  }
  return out;
}

double PredictLinear(const std::vector<double>& values, size_t now, TimeMs window, TimeMs ahead) {
  // Samples in (now - window, now], x in seconds relative to now, as Prometheus does.
  const size_t span = static_cast<size_t>(window / kMsPerMinute);
  const size_t first = now + 1 > span ? now + 1 - span : 0;
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t m = first; m <= now && m < values.size(); ++m) {
    const double x = (static_cast<double>(m) - static_cast<double>(now)) * 60.0;
    n += 1;
    sx += x;
    sy += values[m];
    sxx += x * x;
    sxy += x * values[m];
  }
  const double denom = n * sxx - sx * sx;
  const double slope = denom != 0 ? (n * sxy - sx * sy) / denom : 0;
  const double intercept = n > 0 ? (sy - slope * sx) / n : 0;
  return intercept + slope * static_cast<double>(ahead) / 1000.0;
}

ForecastEvaluation EvaluateForecasts(const std::vector<GeneratedSeries>& series) {
  ForecastEvaluation e;
  e.ours.method = "hostmind";
  e.predict_linear.method = "predict_linear (6h)";
  int inside = 0;
  const double inf = std::numeric_limits<double>::infinity();
  for (const GeneratedSeries& s : series) {
    ExhaustionForecaster f;
    if (s.exhaustion >= 0) {
      // Forecast at half the time to exhaustion.
      const size_t now = static_cast<size_t>(s.exhaustion / kMsPerMinute / 2);
      const double truth = static_cast<double>(s.exhaustion) - static_cast<double>(now) * kMsPerMinute;
      Feed(f, s.value, 0, now + 1);
      const ExhaustionForecast fc = f.Forecast(s.capacity);
      const double ours = fc.growing ? static_cast<double>(fc.eta) : inf;
      e.ours.errors.push_back(std::abs(ours - truth) / truth);
      if (fc.growing && fc.eta_low <= truth && (fc.eta_high < 0 || truth <= fc.eta_high)) ++inside;
      const double theirs = PredictLinearEta(s.value, now, s.capacity);
      e.predict_linear.errors.push_back(std::abs(theirs - truth) / truth);
      e.kinds.push_back(s.kind);
      ++e.filling;
      continue;
    }
    // Stationary: hourly questions from day 2 to day 6.
    bool ours_alarmed = false, theirs_alarmed = false;
    size_t fed = 0;
    for (size_t hour = 48; hour <= 144; ++hour) {
      const size_t now = hour * 60;
      Feed(f, s.value, fed, now + 1);
      fed = now + 1;
      const ExhaustionForecast fc = f.Forecast(s.capacity);
      const bool ours = fc.growing && fc.eta <= kAlertHorizon;
      const bool theirs = PredictLinear(s.value, now, kWindow, kAlertHorizon) >= s.capacity;
      ++e.ours.alarm_checks;
      ++e.predict_linear.alarm_checks;
      e.ours.false_alarms += ours;
      e.predict_linear.false_alarms += theirs;
      ours_alarmed |= ours;
      theirs_alarmed |= theirs;
    }
    ++e.ours.stationary_series;
    ++e.predict_linear.stationary_series;
    e.ours.series_with_false_alarm += ours_alarmed;
    e.predict_linear.series_with_false_alarm += theirs_alarmed;
  }
  e.ours.median_error = Median(e.ours.errors);
  e.predict_linear.median_error = Median(e.predict_linear.errors);
  e.ours.within_interval = e.filling ? static_cast<double>(inside) / e.filling : 0;
  return e;
}

}  // namespace hostmind
