#pragma once
// ShapeModel: how unlike the series' recent shape is to every shape it has shown before.
// The value envelopes of AnomalyDetector see levels and extremes; a series can misbehave
// entirely inside its usual range (a periodic signal losing its rhythm, a flat series starting
// to oscillate, a ramp where there were steps). This model sees the *shape* of the last
// kWindow values: their kBlocks block means, minus the window's mean (level removed), divided by
// the window's spread floored at the series' typical spread (so a flat window is not magnified
// noise). It keeps up to kCentroids prototype shapes learned online (leader clustering, as ART
// does: a window farther than `vigilance` from every prototype becomes a new one while there is
// room; otherwise the nearest one moves toward it), and the novelty of a window is its distance
// to the nearest prototype. Pure, O(kWindow + kCentroids * kBlocks) per value, no heap.
#include <array>
#include <cstdint>
#include <optional>

#include "learn/byte_codec.h"

namespace hostmind {

struct ShapeLearning {
  double rate = 0.01;          // how far the nearest prototype moves toward a window
  double vigilance = 1.0;      // a window this far from every prototype founds a new one
  double spread_rate = 0.001;  // the series' typical spread: an EWMA of window spreads
};

class ShapeModel {
 public:
  static constexpr int kBlocks = 6;
  static constexpr int kBlockSize = 3;
  static constexpr int kWindow = kBlocks * kBlockSize;
  static constexpr int kCentroids = 8;

  // Takes the next value into the window.
  void Push(double value);
  // The current window's distance to the nearest prototype, in normalised shape units (the
  // normaliser's multiples); none until the window is full and a prototype exists.
  std::optional<double> Novelty() const;
  // Learns the current window (no-op until the window is full).
  void Learn(const ShapeLearning& learning);

  void Save(ByteWriter& w) const;
  bool Load(ByteReader& r);

 private:
  using Shape = std::array<float, kBlocks>;
  // The current window's normalised shape and its own spread; false until the window is full.
  bool CurrentShape(Shape& shape, double& spread) const;
  // The nearest prototype's index and squared distance to `shape` (-1 when there is none).
  int Nearest(const Shape& shape, double& distance2) const;

  std::array<float, kWindow> values_{};  // ring buffer, oldest at next_
  uint32_t next_ = 0;
  uint32_t filled_ = 0;
  float spread_ = 0;  // typical window spread (sd), for the normaliser's floor
  uint32_t used_ = 0;  // prototypes in use
  std::array<Shape, kCentroids> centroids_{};
};

}  // namespace hostmind
