#pragma once
// CorrelationDetector: learns how a fixed set of series move together and scores each new
// vector by how far it falls off that learned relation: streaming principal component analysis.
// The per-series AnomalyDetector sees a value leave its own band; this sees values that are each
// within their bands but no longer agree (requests up while CPU stays flat, one disk busy while
// its mirror idles), which is what most of the Server Machine Dataset's missed segments are.
//
//   CorrelationDetector d(38);                 // one per host (or per group of related series)
//   double r = d.Observe(row);                 // O(dims x components); 0 while it learns
//   auto why = d.Contributors(3);              // the series that broke the relation most
//
// How it works. A mean and covariance of the vectors, even over the learning period and
// exponentially weighted after it (rate max(`rate`, 1/n)); every `refresh_steps` the
// covariance is standardised by each series' spread (floored at `sd_floor`) and decomposed,
// and the principal components explaining `explained` of the variance are kept. A vector's
// residual is its squared standardised distance from the subspace those components span, taken
// before the vector is learnt. The residual is unbounded and in no fixed unit: callers
// calibrate it against the residuals of a period they take for normal (eval smd: train's).
//
// Inputs must be on comparable scales (SMD's metrics are scaled to [0, 1]): the floor on a
// series' spread is absolute, so a series of bytes next to one of fractions needs scaling first.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Dense>

namespace hostmind {

struct CorrelationOptions {
  // The learning period: the first this many vectors weigh equally (rate 1/n), so the model
  // and its residuals settle on the period's whole structure; after it, each new vector weighs
  // `rate`, and the model follows the host. (eval smd: the train period.)
  uint64_t learning_steps = 0;
  double rate = 0.01;             // weight of a new vector after the learning period (~100 steps)
  double explained = 0.9;         // components kept: the fewest explaining this share of variance
  uint32_t refresh_steps = 60;    // steps between decompositions (each O(dims^3))
  double sd_floor = 0.01;         // a series' spread is taken as at least this
};

class CorrelationDetector {
 public:
  explicit CorrelationDetector(size_t dims, CorrelationOptions options = {});

  // Scores `x` (dims values) against what was learnt so far, then learns it (unless frozen).
  // Returns 0 until the first decomposition (`refresh_steps` vectors).
  double Observe(std::span<const double> x);
  // Stops (true) or resumes learning; scoring goes on against the frozen model.
  void Freeze(bool frozen) { frozen_ = frozen; }

  // The `n` series with the largest share of the last residual, largest first.
  std::vector<size_t> Contributors(size_t n) const;
  size_t dims() const { return dims_; }
  size_t components() const { return static_cast<size_t>(basis_.cols()); }
  size_t StateBytes() const;

 private:
  void Learn(const Eigen::VectorXd& x);
  void Decompose();

  size_t dims_;
  CorrelationOptions options_;
  bool frozen_ = false;
  uint64_t n_ = 0;
  uint32_t since_refresh_ = 0;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd cov_;
  Eigen::VectorXd spread_;  // per-series spread used by the basis (floored)
  Eigen::MatrixXd basis_;   // dims x components, orthonormal; 0 columns until decomposed
  Eigen::VectorXd error_;   // standardised residual of the last vector, per series
};

}  // namespace hostmind
