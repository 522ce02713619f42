#pragma once
// SeasonalProfile: the typical level of a series at each phase of a period (a day, a week),
// learned as an exponentially weighted mean per phase bucket. The residual of a value against
// its bucket's level is how unusual the value is *for that time of day or week*.
#include <array>
#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "learn/byte_codec.h"

namespace hostmind {

template <int kBuckets>
class SeasonalProfile {
 public:
  static constexpr int kMinSamples = 3;  // a bucket's level is trusted after this many values

  explicit SeasonalProfile(TimeMs period) : period_(period) {}

  // The residual of `value` against the level of its bucket; none while the bucket is still
  // learning.
  std::optional<double> Residual(TimeMs ts, double value) const {
    const std::optional<double> level = Level(ts);
    if (!level) return std::nullopt;
    return value - *level;
  }

  // The learned level of the bucket `ts` falls in; none while that bucket is still learning.
  std::optional<double> Level(TimeMs ts) const {
    const int b = Bucket(ts);
    if (count_[b] < kMinSamples) return std::nullopt;
    return level_[b];
  }

  // Learns `value` into its bucket with weight `rate` (the first value sets the level).
  void Learn(TimeMs ts, double value, double rate) {
    const int b = Bucket(ts);
    if (count_[b] < UINT8_MAX) ++count_[b];
    level_[b] = count_[b] == 1 ? static_cast<float>(value) : static_cast<float>(level_[b] + rate * (value - level_[b]));
  }

  void Save(ByteWriter& w) const {
    for (float v : level_) w.PutFloat(v);
    for (uint8_t c : count_) w.PutVarint(c);
  }
  bool Load(ByteReader& r) {
    for (float& v : level_) {
      if (!r.GetFloat(&v)) return false;
    }
    for (uint8_t& c : count_) {
      uint64_t n = 0;
      if (!r.GetBounded(UINT8_MAX, &n)) return false;
      c = static_cast<uint8_t>(n);
    }
    return true;
  }

 private:
  int Bucket(TimeMs ts) const {
    const int64_t phase = ((ts % period_) + period_) % period_;
    return static_cast<int>(phase * kBuckets / period_);
  }

  TimeMs period_;
  std::array<float, kBuckets> level_{};
  std::array<uint8_t, kBuckets> count_{};
};

}  // namespace hostmind
