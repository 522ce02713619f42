#include "learn/envelope.h"

#include <algorithm>
#include <cmath>

namespace hostmind::learn {

double Envelope::Exceedance(double x) const {
  const double width = high_ - low_;
  if (count_ < 2 || !(width > 0)) return 0;
  if (x > high_) return (x - high_) / width;
  if (x < low_) return (low_ - x) / width;
  return 0;
}

void Envelope::Learn(double x, const EnvelopeShape& shape, bool relax) {
  if (count_ == 0) {
    low_ = high_ = mean_ = x;
  } else {
    const double d = x - mean_;
    mean_ += shape.mean_rate * d;
    var_ += shape.mean_rate * (d * d - var_);
    low_ = std::min(low_, x);
    high_ = std::max(high_, x);
  }
  if (count_ < UINT32_MAX) ++count_;
  if (!relax) return;
  const double sd = std::sqrt(var_);
  const double top = mean_ + shape.band_sigmas * sd;
  const double bottom = mean_ - shape.band_sigmas * sd;
  if (high_ > top) high_ = top + (high_ - top) * shape.keep;
  if (low_ < bottom) low_ = bottom + (low_ - bottom) * shape.keep;
}

void Envelope::Save(StateWriter& w) const {
  w.Put(low_);
  w.Put(high_);
  w.Put(mean_);
  w.Put(var_);
  w.Put(count_);
}

bool Envelope::Load(StateReader& r) { return r.Get(low_) && r.Get(high_) && r.Get(mean_) && r.Get(var_) && r.Get(count_); }

}  // namespace hostmind::learn
