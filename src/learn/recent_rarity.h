#pragma once
// RarityHistogram: a histogram of a non-negative statistic on a log scale (8 bins per octave
// from 1 to 64; larger values share the last bin), for asking how many of the values a series
// has produced were at least as large as a new one. Unlike an envelope, which relaxes from the
// largest value it has seen, it answers in counts: a caller can judge a value rare while only
// a few earlier ones were at least as large. O(kBins) per value, 196 bytes, no heap.
#include <array>
#include <cmath>

#include "learn/byte_codec.h"

namespace hostmind {

class RarityHistogram {
 public:
  static constexpr int kBins = 48;

  // How many remembered values are at least as large as `x` (values in x's own bin count as
  // at least as large); all of them for x < 1.
  double TailCount(double x) const {
    if (!(x >= 1.0)) return total_;
    double c = 0;
    for (int b = Bin(x); b < kBins; ++b) c += count_[b];
    return c;
  }
  double Total() const { return total_; }

  void Add(double x) {
    total_ += 1.0f;
    if (x >= 1.0) count_[Bin(x)] += 1.0f;
  }

  void Save(ByteWriter& w) const {
    for (float c : count_) w.PutFloat(c);
    w.PutFloat(total_);
  }
  bool Load(ByteReader& r) {
    for (float& c : count_) {
      if (!r.GetFloat(&c)) return false;
    }
    return r.GetFloat(&total_);
  }

 private:
  static int Bin(double x) {  // x >= 1
    const double b = std::floor(8.0 * std::log2(x));
    return b >= kBins - 1 ? kBins - 1 : static_cast<int>(b);
  }

  std::array<float, kBins> count_{};
  float total_ = 0;
};

}  // namespace hostmind
