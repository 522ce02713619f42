#pragma once
// Gradient-boosted regression trees through XGBoost's C API: train on a dense float matrix,
// predict, save and load as bytes. The one place hostmind touches XGBoost.
//
// A Gbdt is immutable once trained; Predict() is safe from many threads at once (XGBoost's
// in-place prediction is thread-safe), so a trained model can be shared through a shared_ptr
// while the next one trains.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hostmind {

struct GbdtParams {
  // XGBoost's reg:squarederror (the mean), reg:absoluteerror (the median),
  // reg:pseudohubererror; or "welsch": hostmind's mode-seeking loss 1 - exp(-r^2 / 2s^2),
  // boosted with its Gauss-Newton steps (each leaf moves to the nearest dense cluster of
  // residuals, a mean shift, and ignores far outliers). It suits targets whose errors are a
  // spike plus heavy tails, where the mean and even the median sit off the spike.
  std::string objective = "reg:squarederror";
  double huber_slope = 1;    // reg:pseudohubererror only
  double welsch_scale = 0.5; // welsch only: s
  double base_score = 0;   // the prediction before the first tree
  int rounds = 120;
  int max_depth = 6;
  double eta = 0.1;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 2;
  double lambda = 1;
  int threads = 1;  // training threads; the agent shares the host with its work
  uint64_t seed = 1;
};

// Row-major features, `cols` per row; NaN marks a missing value.
struct GbdtData {
  size_t cols = 0;
  std::vector<float> features;
  std::vector<float> labels;
  size_t rows() const { return cols == 0 ? 0 : features.size() / cols; }
};

class Gbdt {
 public:
  Gbdt(Gbdt&& o) noexcept;
  Gbdt& operator=(Gbdt&& o) noexcept;
  Gbdt(const Gbdt&) = delete;
  Gbdt& operator=(const Gbdt&) = delete;
  ~Gbdt();

  // Squared-error regression on `data`. Needs at least one row.
  static Result<Gbdt> Train(const GbdtData& data, const GbdtParams& params);
  // A model saved by Save().
  static Result<Gbdt> Load(std::string_view bytes);
  Result<std::string> Save() const;

  // One prediction per row of `rows` (row-major, num_features() per row).
  Result<std::vector<float>> Predict(const float* rows, size_t n) const;
  size_t num_features() const { return cols_; }

 private:
  Gbdt(void* handle, size_t cols) : handle_(handle), cols_(cols) {}
  void* handle_ = nullptr;  // BoosterHandle
  size_t cols_ = 0;
};

}  // namespace hostmind
