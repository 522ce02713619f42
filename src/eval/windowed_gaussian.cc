#include "eval/windowed_gaussian.h"

#include <cmath>

namespace hostmind {

double WindowedGaussian::Score(double value) {
  double score = 0.0;
  if (!window_.empty()) {
    // NAB's normalProbability: the Gaussian tail (Q-function) beyond |z|, mirrored below the mean.
    const double z = std::abs(value - mean_) / stdev_;
    score = 1.0 - 0.5 * std::erfc(z / std::sqrt(2.0));
  }
  if (window_.size() < shape_.window) {
    window_.push_back(value);
    UpdateStats();
  } else {
    pending_.push_back(value);
    if (pending_.size() == shape_.step) {
      window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(shape_.step));
      window_.insert(window_.end(), pending_.begin(), pending_.end());
      pending_.clear();
      UpdateStats();
    }
  }
  return score;
}

void WindowedGaussian::UpdateStats() {
  // Recomputed from the window, as NAB does: a running sum would lose precision on
  // large-valued series with a small variance.
  double sum = 0;
  for (double v : window_) sum += v;
  mean_ = sum / static_cast<double>(window_.size());
  double ss = 0;
  for (double v : window_) ss += (v - mean_) * (v - mean_);
  stdev_ = std::sqrt(ss / static_cast<double>(window_.size()));
  if (stdev_ == 0.0) stdev_ = 0.000001;
}

}  // namespace hostmind
