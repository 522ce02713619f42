#include "learn/demand_forecaster.h"

#include <algorithm>
#include <cmath>

#include "learn/byte_codec.h"

namespace hostmind {

namespace {
constexpr std::string_view kMagic = "DF1";
}

double DemandForecaster::Weight(TimeMs dt) const {
  if (dt <= 0) return 1.0;
  return 1.0 - std::exp2(-static_cast<double>(dt) / static_cast<double>(options_.half_life_ms));
}

void DemandForecaster::Observe(TimeMs ts, double value) {
  if (!std::isfinite(value)) return;
  if (count_ == 0) {
    level_ = peak_ = last_value_ = value;
    last_ts_ = ts;
    count_ = 1;
    return;
  }
  TimeMs dt = std::max<TimeMs>(ts - last_ts_, 1);
  double dt_s = static_cast<double>(dt) / 1000.0;
  double w = Weight(dt);
  double predicted = level_ + trend_ * dt_s;
  double error = value - predicted;
  double new_level = predicted + w * error;
  // The first step has no trend to correct: take the observed slope as is.
  trend_ = count_ == 1 ? (value - level_) / dt_s : trend_ + w * ((new_level - level_) / dt_s - trend_);
  spread_ = count_ == 1 ? std::fabs(value - level_) : spread_ + w * (std::fabs(error) - spread_);
  level_ = new_level;
  // The peak relaxes toward the level with the same half-life.
  peak_ = std::max(value, level_ + (peak_ - level_) * (1.0 - w));
  last_ts_ = ts;
  last_value_ = value;
  ++count_;
}

DemandForecast DemandForecaster::Forecast(TimeMs horizon_ms) const {
  DemandForecast f;
  f.ready = count_ >= 2;
  f.trend_per_s = trend_;
  f.spread = spread_;
  f.peak = peak_;
  f.mean = level_ + trend_ * static_cast<double>(horizon_ms) / 1000.0;
  f.upper = std::max(f.mean + options_.spread_factor * spread_, peak_);
  return f;
}

TimeMs DemandForecaster::TimeToReach(double limit) const {
  if (count_ < 2 || trend_ == 0) return -1;
  double seconds = (limit - level_) / trend_;
  if (seconds < 0) return -1;
  return static_cast<TimeMs>(std::min(seconds, 1e12) * 1000.0);
}

std::string DemandForecaster::SaveState() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutSignedVarint(last_ts_);
  for (double v : {last_value_, level_, trend_, spread_, peak_}) w.PutDouble(v);
  w.PutVarint(count_);
  return w.Take();
}

Status DemandForecaster::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  DemandForecaster f(options_);
  if (!r.Expect(kMagic) || !r.GetSignedVarint(&f.last_ts_) || !r.GetDouble(&f.last_value_) ||
      !r.GetDouble(&f.level_) || !r.GetDouble(&f.trend_) || !r.GetDouble(&f.spread_) || !r.GetDouble(&f.peak_) ||
      !r.GetVarint(&f.count_) || !r.done())
    return Status::Corrupt("demand forecaster state: truncated or not a DF1 blob");
  *this = f;
  return Status::Ok();
}

}  // namespace hostmind
