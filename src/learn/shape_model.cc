#include "learn/shape_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hostmind {

void ShapeModel::Push(double value) {
  values_[next_] = static_cast<float>(value);
  next_ = (next_ + 1) % kWindow;
  if (filled_ < kWindow) ++filled_;
}

bool ShapeModel::CurrentShape(Shape& shape, double& spread) const {
  if (filled_ < kWindow) return false;
  double sum = 0;
  double block_sum[kBlocks] = {};
  for (int k = 0; k < kWindow; ++k) {
    const double v = values_[(next_ + k) % kWindow];
    sum += v;
    block_sum[k / kBlockSize] += v;
  }
  const double mean = sum / kWindow;
  double squares = 0;
  for (float v : values_) squares += (v - mean) * (v - mean);
  spread = std::sqrt(squares / kWindow);
  // A window quieter than the series usually is keeps its small wiggles small: dividing by its
  // own spread would blow noise up into a shape.
  const double scale = std::max(spread, static_cast<double>(spread_));
  for (int b = 0; b < kBlocks; ++b) {
    const double centred = block_sum[b] / kBlockSize - mean;
    shape[b] = scale > 0 ? static_cast<float>(centred / scale) : 0.0f;
  }
  return true;
}

int ShapeModel::Nearest(const Shape& shape, double& distance2) const {
  int best = -1;
  distance2 = std::numeric_limits<double>::infinity();
  for (uint32_t c = 0; c < used_; ++c) {
    double d2 = 0;
    for (int b = 0; b < kBlocks; ++b) {
      const double d = shape[b] - centroids_[c][b];
      d2 += d * d;
    }
    if (d2 < distance2) distance2 = d2, best = static_cast<int>(c);
  }
  return best;
}

std::optional<double> ShapeModel::Novelty() const {
  Shape shape;
  double spread = 0;
  if (!CurrentShape(shape, spread)) return std::nullopt;
  double d2 = 0;
  if (Nearest(shape, d2) < 0) return std::nullopt;
  return std::sqrt(d2);
}

void ShapeModel::Learn(const ShapeLearning& learning) {
  Shape shape;
  double spread = 0;
  if (!CurrentShape(shape, spread)) return;
  spread_ = spread_ == 0 ? static_cast<float>(spread)
                         : static_cast<float>(spread_ + learning.spread_rate * (spread - spread_));
  double d2 = 0;
  const int nearest = Nearest(shape, d2);
  if (nearest < 0 || (used_ < kCentroids && d2 > learning.vigilance * learning.vigilance)) {
    centroids_[used_++] = shape;
    return;
  }
  for (int b = 0; b < kBlocks; ++b) {
    centroids_[nearest][b] += static_cast<float>(learning.rate * (shape[b] - centroids_[nearest][b]));
  }
}

void ShapeModel::Save(ByteWriter& w) const {
  for (float v : values_) w.PutFloat(v);
  w.PutVarint(next_);
  w.PutVarint(filled_);
  w.PutFloat(spread_);
  w.PutVarint(used_);
  for (uint32_t c = 0; c < used_; ++c) {
    for (float v : centroids_[c]) w.PutFloat(v);
  }
}

bool ShapeModel::Load(ByteReader& r) {
  uint64_t next = 0, filled = 0, used = 0;
  for (float& v : values_) {
    if (!r.GetFloat(&v)) return false;
  }
  if (!r.GetBounded(kWindow - 1, &next) || !r.GetBounded(kWindow, &filled) || !r.GetFloat(&spread_) ||
      !r.GetBounded(kCentroids, &used))
    return false;
  next_ = static_cast<uint32_t>(next);
  filled_ = static_cast<uint32_t>(filled);
  used_ = static_cast<uint32_t>(used);
  centroids_ = {};
  for (uint32_t c = 0; c < used_; ++c) {
    for (float& v : centroids_[c]) {
      if (!r.GetFloat(&v)) return false;
    }
  }
  return true;
}

}  // namespace hostmind
