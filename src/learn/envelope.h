#pragma once
// Envelope: the band a stream has lived in, for measuring how far outside it a new value is.
// The band is the lowest and highest values seen, relaxing (with a half-life) toward the
// stream's recent typical band, mean +- k standard deviations (exponentially weighted), so an
// old spike stops masking new ones and a new level becomes normal. Pure and O(1) per value.
#include <cstdint>

#include "learn/byte_codec.h"

namespace hostmind {

struct EnvelopeShape {
  double mean_rate = 0.1;    // weight of a new value in the running mean and variance
  double band_sigmas = 3.0;  // the typical band: mean +- band_sigmas standard deviations
  double keep = 0.9999;      // per value, the fraction of the excess over the typical band kept
  // Once relaxing, a value at least `outlier_widths` envelope widths outside is an outlier: the
  // envelope widens only `outlier_widening` of the way to it, so one excursion does not hide the
  // next, smaller one for as long as the excess takes to relax.
  double outlier_widths = 1.0;
  double outlier_widening = 0.5;
};

class Envelope {
 public:
  // How far `x` lies outside the envelope, in units of the envelope's width; 0 inside it (and
  // before the envelope has a width).
  double Exceedance(double x) const;
  // Widens the envelope to include `x` (part of the way when `relax` and `x` is an outlier); when
  // `relax`, then shrinks it toward the typical band.
  void Learn(double x, const EnvelopeShape& shape, bool relax);

  double low() const { return low_; }
  double high() const { return high_; }
  double mean() const { return mean_; }

  void Save(ByteWriter& w) const;
  bool Load(ByteReader& r);

 private:
  double low_ = 0;
  double high_ = 0;
  double mean_ = 0;
  double var_ = 0;
  uint32_t count_ = 0;
};

}  // namespace hostmind
