#include "learn/envelope.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

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
    const double widen = relax && Exceedance(x) >= shape.outlier_widths ? std::min(1.0, shape.outlier_widening) : 1.0;
    const double d = x - mean_;
    mean_ += shape.mean_rate * d;
    var_ += shape.mean_rate * (d * d - var_);
    if (x < low_) low_ += widen * (x - low_);
    if (x > high_) high_ += widen * (x - high_);
  }
  if (count_ < UINT32_MAX) ++count_;
  if (!relax) return;
  const double sd = std::sqrt(var_);
  const double top = mean_ + shape.band_sigmas * sd;
  const double bottom = mean_ - shape.band_sigmas * sd;
  if (high_ > top) high_ = top + (high_ - top) * shape.keep;
  if (low_ < bottom) low_ = bottom + (low_ - bottom) * shape.keep;
}

void Envelope::Save(ByteWriter& w) const {
  w.PutDouble(low_);
  w.PutDouble(high_);
  w.PutDouble(mean_);
  w.PutDouble(var_);
  w.PutVarint(count_);
}

bool Envelope::Load(ByteReader& r) {
  uint64_t count = 0;
  if (!r.GetDouble(&low_) || !r.GetDouble(&high_) || !r.GetDouble(&mean_) || !r.GetDouble(&var_) ||
      !r.GetBounded(UINT32_MAX, &count))
    return false;
  count_ = static_cast<uint32_t>(count);
  return true;
}

}  // namespace hostmind
