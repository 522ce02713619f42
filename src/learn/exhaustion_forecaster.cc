#include "learn/exhaustion_forecaster.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "learn/byte_codec.h"

namespace hostmind {

namespace {

constexpr std::string_view kStateMagic = "hostmind.forecast.1";
constexpr double kStepFactor = 8.0;    // a drop this many usual bucket changes wide is a reset
constexpr double kDiffRate = 0.05;     // weight of a new change in the usual change
constexpr int kDayBuckets = static_cast<int>(kMsPerDay / ExhaustionForecaster::kBucketMs);
constexpr double kBucketHours = static_cast<double>(ExhaustionForecaster::kBucketMs) / kMsPerHour;

double Quantile(std::vector<double>& v, double q) {
  const size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

TimeMs Hours(double h) { return static_cast<TimeMs>(std::llround(h * kMsPerHour)); }

constexpr double kZ90 = 1.6449;  // two-sided 90%: the 5th and 95th percentiles of a normal

// Growth as a drift plus a random walk: over t hours it is normal with mean rate * t and
// variance walk * t + (rate_se * t)^2 (the walk: bursts, noise; rate_se: how well the history
// pins the rate down).
struct Growth {
  double rate = 0;     // per hour
  double walk = 0;     // variance per hour
  double rate_se = 0;  // standard error of the rate
};

// From slopes over `lag_hours` (one per bucket, overlapping): the rate is their median; their
// spread (5th to 95th percentile) is the spread of growth over one lag; the history holds
// history/lag independent lags.
Growth EstimateGrowth(std::vector<double>& slopes, double lag_hours, double history_hours) {
  Growth g;
  g.rate = Quantile(slopes, 0.5);
  const double spread = (Quantile(slopes, 0.95) - Quantile(slopes, 0.05)) / (2 * kZ90);  // sd of a slope
  const double growth_sd = spread * lag_hours;                                              // sd of growth over a lag
  g.walk = growth_sd * growth_sd / lag_hours;
  g.rate_se = spread / std::sqrt(std::max(1.0, history_hours / lag_hours - 1));
  return g;
}

// The value's future: trend plus growth's z-quantile plus, once a day has been seen, the shape
// of the last day at the same time of day (else the largest excursion seen).
struct Path {
  static constexpr double kHorizonHours = 90 * 24;  // farther than this is "not in sight"
  Growth growth;
  double level = 0;      // adjusted trend level now
  double peak = 0;       // how far the value swings above the trend (95th percentile)
  bool daily = false;    // `shape` holds a whole day
  int64_t newest_bucket = 0;
  double newest_t = 0;   // hours, relative to now, of the newest bucket's centre
  std::array<float, kDayBuckets> shape{};

  double At(double hours, int64_t bucket, double z) const {
    const double sd = std::sqrt(growth.walk * hours + growth.rate_se * growth.rate_se * hours * hours);
    return level + growth.rate * hours + z * sd + (daily ? shape[bucket % kDayBuckets] : peak);
  }

  // Hours from now until the path first reaches `limit`; infinity if not within the horizon.
  double FirstCrossing(double limit, double z) const {
    for (int64_t i = 1; i * kBucketHours <= kHorizonHours; ++i) {
      const double hours = newest_t + i * kBucketHours;
      if (At(hours, newest_bucket + i, z) >= limit) return std::max(0.0, hours - kBucketHours / 2);
    }
    return std::numeric_limits<double>::infinity();
  }
};

}  // namespace

// The window as parallel arrays, one slot per bucket (NaN where none), oldest first; the open
// bucket, if it has values, is the last slot.
struct ExhaustionForecaster::Series {
  std::vector<double> t;      // bucket centre, hours relative to the newest value
  std::vector<double> value;  // adjusted for one-off resets (raw when resets recur)
  double adjustment_now = 0;  // what the adjustment adds to the newest slot
  TimeMs last_reset = 0;      // of the one-off kind, 0 if none
  TimeMs start = 0;           // time of the oldest slot with a value
  int64_t newest_bucket = 0;  // bucket number of the last slot
  int valid = 0;
};

void ExhaustionForecaster::Observe(TimeMs ts, double value) {
  if (!std::isfinite(value)) return;
  const TimeMs start = ts - ((ts % kBucketMs) + kBucketMs) % kBucketMs;
  if (open_count_ > 0 && start != open_start_) CloseBucket();
  if (open_count_ == 0) open_start_ = start;
  open_sum_ += value;
  ++open_count_;
  last_ts_ = ts;
  last_value_ = value;
}

void ExhaustionForecaster::CloseBucket() {
  const double mean = open_sum_ / open_count_;
  const int64_t b = open_start_ / kBucketMs;
  double previous = NAN;
  if (newest_ >= 0) {
    previous = buckets_[newest_ % kBuckets];
    for (int64_t k = newest_ + 1; k < b && k <= newest_ + kBuckets; ++k) buckets_[k % kBuckets] = NAN;
  }
  if (first_ < 0) first_ = b;
  if (std::isfinite(previous)) {
    const double change = mean - previous;
    if (diffs_seen_ >= 3 && -change > kStepFactor * diff_scale_ && -change > 1e-9 * std::abs(previous)) {
      // A drop inside a bucket shows over two: the second half joins the first.
      Reset* last = reset_count_ > 0 ? &resets_[(reset_count_ - 1) % kMaxResets] : nullptr;
      if (last && last->ts == open_start_ - kBucketMs) {
        last->size += static_cast<float>(-change);
        last->ts = open_start_;
      } else {
        resets_[reset_count_ % kMaxResets] = {open_start_, static_cast<float>(-change)};
        ++reset_count_;
      }
    } else {
      diff_scale_ = diffs_seen_ == 0 ? std::abs(change) : diff_scale_ + kDiffRate * (std::abs(change) - diff_scale_);
      ++diffs_seen_;
    }
  }
  buckets_[b % kBuckets] = static_cast<float>(mean);
  newest_ = b;
  open_sum_ = 0;
  open_count_ = 0;
}

ExhaustionForecaster::Series ExhaustionForecaster::Collect() const {
  Series s;
  const int64_t newest_open = open_count_ > 0 ? open_start_ / kBucketMs : newest_;
  if (newest_open < 0) return s;
  const int64_t oldest = std::max<int64_t>(std::max<int64_t>(first_, 0), newest_open - kBuckets + 1);
  const double now_h = static_cast<double>(last_ts_) / kMsPerHour;
  s.newest_bucket = newest_open;
  for (int64_t b = oldest; b <= newest_open; ++b) {
    double v = NAN;
    if (b <= newest_ && b > newest_ - kBuckets) v = buckets_[b % kBuckets];
    if (b == newest_open && open_count_ > 0) v = open_sum_ / open_count_;
    s.t.push_back(static_cast<double>(b * kBucketMs + kBucketMs / 2) / kMsPerHour - now_h);
    s.value.push_back(v);
    if (std::isfinite(v)) {
      if (s.valid++ == 0) s.start = b * kBucketMs;
    }
  }
  // Resets inside the window: spliced out when one-off, kept when they recur.
  std::vector<Reset> inside;
  for (uint32_t i = 0; i < std::min<uint32_t>(reset_count_, kMaxResets); ++i) {
    const Reset& r = resets_[i];
    if (r.ts >= oldest * kBucketMs) inside.push_back(r);
  }
  if (inside.size() == 1) {
    s.last_reset = inside[0].ts;
    const double h = static_cast<double>(inside[0].ts) / kMsPerHour - now_h;
    for (size_t k = 0; k < s.t.size(); ++k) {
      if (s.t[k] >= h) s.value[k] += inside[0].size;
    }
    s.adjustment_now = inside[0].size;
  }
  return s;
}

TimeMs ExhaustionForecaster::GrowthStart(const Series& s, double level_now, TimeMs now) {
  const int n = static_cast<int>(s.value.size());
  int last = -1;  // the last slot (before the last hour) whose value was at least today's level
  for (int k = 0; k < n - kMinBuckets; ++k) {
    if (std::isfinite(s.value[k]) && s.value[k] >= level_now) last = k;
  }
  int low = -1;
  for (int k = last + 1; k < n; ++k) {
    if (std::isfinite(s.value[k]) && (low < 0 || s.value[k] < s.value[low])) low = k;
  }
  return std::max({s.start, s.last_reset, now + Hours(s.t[std::max(low, 0)])});
}

ExhaustionForecast ExhaustionForecaster::Forecast(double limit) const {
  ExhaustionForecast f;
  const Series s = Collect();
  if (s.valid == 0) return f;
  f.history = last_ts_ - s.start;
  f.since = s.start;
  const int n = static_cast<int>(s.value.size());
  if (s.valid < kMinBuckets) return f;

  // Growth over `lag`: a day when there is a day to compare with (the daily cycle cancels), else
  // half the history. One difference per bucket of the last day.
  const int lag = n > kDayBuckets + kMinBuckets ? kDayBuckets : n / 2;
  const double lag_hours = lag * kBucketHours;
  std::vector<double> slopes;
  for (int j = std::max(lag, n - kDayBuckets); j < n; ++j) {
    const double a = s.value[j - lag], b = s.value[j];
    if (std::isfinite(a) && std::isfinite(b)) slopes.push_back((b - a) / lag_hours);
  }
  if (slopes.size() < 3) return f;
  Path path;
  path.growth = EstimateGrowth(slopes, lag_hours, static_cast<double>(f.history) / kMsPerHour);
  f.rate_per_hour = path.growth.rate;
  f.rate_low = path.growth.rate - kZ90 * path.growth.rate_se;
  f.rate_high = path.growth.rate + kZ90 * path.growth.rate_se;

  // The trend's level now: values over the last day (or all there is) carried to now along the
  // rate; their median sits mid-cycle. What is left of each value is the shape of the day.
  const int from = std::max(0, n - kDayBuckets);
  std::vector<double> carried;
  for (int k = from; k < n; ++k) {
    if (std::isfinite(s.value[k])) carried.push_back(s.value[k] - f.rate_per_hour * s.t[k]);
  }
  path.level = Quantile(carried, 0.5);
  path.daily = lag == kDayBuckets;
  path.newest_bucket = s.newest_bucket;
  path.newest_t = s.t[n - 1];
  std::vector<double> excesses;
  for (int k = from; k < n; ++k) {
    const double excess = std::isfinite(s.value[k]) ? s.value[k] - f.rate_per_hour * s.t[k] - path.level : 0.0;
    path.shape[(s.newest_bucket - (n - 1 - k)) % kDayBuckets] = static_cast<float>(excess);
    excesses.push_back(excess);
  }
  // Without a whole day, how high the value swings above the trend is its 95th percentile there:
  // the trend itself may still be part of an unseen daily swing.
  path.peak = std::max(0.0, Quantile(excesses, 0.95));
  f.level = path.level - s.adjustment_now;
  f.since = GrowthStart(s, path.level, last_ts_);
  f.headroom = limit + s.adjustment_now - (path.level + path.peak);
  f.growing = f.rate_low > 0;
  if (!f.growing) return f;

  if (last_value_ >= limit) {
    f.eta = f.eta_low = f.eta_high = 0;
    return f;
  }
  const double adjusted_limit = limit + s.adjustment_now;
  const double median = path.FirstCrossing(adjusted_limit, 0);
  const double early = path.FirstCrossing(adjusted_limit, +kZ90);
  const double late = path.FirstCrossing(adjusted_limit, -kZ90);
  f.eta = std::isfinite(median) ? Hours(median) : -1;
  f.eta_low = std::isfinite(early) ? Hours(early) : -1;
  f.eta_high = std::isfinite(late) ? Hours(late) : -1;
  if (f.eta < 0) f.growing = false;  // too slow to matter within the horizon
  return f;
}

std::string ExhaustionForecaster::SaveState() const {
  ByteWriter w;
  w.PutRaw(kStateMagic);
  w.PutSignedVarint(open_start_);
  w.PutDouble(open_sum_);
  w.PutVarint(open_count_);
  for (float v : buckets_) w.PutFloat(v);
  w.PutSignedVarint(newest_);
  w.PutSignedVarint(first_);
  w.PutDouble(diff_scale_);
  w.PutVarint(diffs_seen_);
  for (const Reset& r : resets_) {
    w.PutSignedVarint(r.ts);
    w.PutFloat(r.size);
  }
  w.PutVarint(reset_count_);
  w.PutSignedVarint(last_ts_);
  w.PutDouble(last_value_);
  return w.Take();
}

Status ExhaustionForecaster::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  ExhaustionForecaster f;
  uint64_t open_count = 0, diffs = 0, resets = 0;
  bool ok = r.Expect(kStateMagic) && r.GetSignedVarint(&f.open_start_) && r.GetDouble(&f.open_sum_) &&
            r.GetBounded(UINT32_MAX, &open_count);
  for (float& v : f.buckets_) ok = ok && r.GetFloat(&v);
  ok = ok && r.GetSignedVarint(&f.newest_) && r.GetSignedVarint(&f.first_) && r.GetDouble(&f.diff_scale_) &&
       r.GetBounded(UINT32_MAX, &diffs);
  for (Reset& reset : f.resets_) ok = ok && r.GetSignedVarint(&reset.ts) && r.GetFloat(&reset.size);
  ok = ok && r.GetBounded(UINT32_MAX, &resets) && r.GetSignedVarint(&f.last_ts_) && r.GetDouble(&f.last_value_) &&
       r.done();
  if (!ok) return Status::Corrupt("forecaster state: not a saved forecaster, or truncated");
  f.open_count_ = static_cast<uint32_t>(open_count);
  f.diffs_seen_ = static_cast<uint32_t>(diffs);
  f.reset_count_ = static_cast<uint32_t>(resets);
  *this = f;
  return Status::Ok();
}

}  // namespace hostmind
