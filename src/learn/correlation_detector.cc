#include "learn/correlation_detector.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hostmind {

CorrelationDetector::CorrelationDetector(size_t dims, CorrelationOptions options)
    : dims_(dims),
      options_(options),
      mean_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dims))),
      cov_(Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(dims), static_cast<Eigen::Index>(dims))),
      spread_(Eigen::VectorXd::Ones(static_cast<Eigen::Index>(dims))),
      basis_(static_cast<Eigen::Index>(dims), 0),
      error_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dims))) {}

double CorrelationDetector::Observe(std::span<const double> values) {
  Eigen::VectorXd x(static_cast<Eigen::Index>(dims_));
  for (size_t d = 0; d < dims_; ++d) x[static_cast<Eigen::Index>(d)] = d < values.size() ? values[d] : 0.0;
  double residual = 0;
  if (basis_.cols() > 0) {
    const Eigen::VectorXd z = (x - mean_).cwiseQuotient(spread_);
    error_ = z - basis_ * (basis_.transpose() * z);
    residual = error_.squaredNorm();
  }
  if (!frozen_) Learn(x);
  return residual;
}

void CorrelationDetector::Learn(const Eigen::VectorXd& x) {
  ++n_;
  const double even = 1.0 / static_cast<double>(n_);
  const double rate = n_ <= options_.learning_steps ? even : std::max(options_.rate, even);
  const Eigen::VectorXd delta = x - mean_;
  mean_ += rate * delta;
  // The exponentially weighted covariance: with rate 1/n this is the running sample covariance.
  cov_ = (1 - rate) * (cov_ + rate * delta * delta.transpose());
  if (++since_refresh_ >= options_.refresh_steps) {
    since_refresh_ = 0;
    Decompose();
  }
}

void CorrelationDetector::Decompose() {
  for (size_t d = 0; d < dims_; ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    spread_[i] = std::max(std::sqrt(std::max(cov_(i, i), 0.0)), options_.sd_floor);
  }
  const Eigen::VectorXd inv = spread_.cwiseInverse();
  const Eigen::MatrixXd standardised = inv.asDiagonal() * cov_ * inv.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(standardised);
  if (solver.info() != Eigen::Success) return;  // keep the previous basis
  const Eigen::VectorXd& values = solver.eigenvalues();  // ascending
  const double total = values.cwiseMax(0.0).sum();
  Eigen::Index keep = 0;
  for (double covered = 0; keep < values.size() && covered < options_.explained * total; ++keep)
    covered += std::max(values[values.size() - 1 - keep], 0.0);
  basis_ = solver.eigenvectors().rightCols(keep);
}

std::vector<size_t> CorrelationDetector::Contributors(size_t n) const {
  std::vector<size_t> order(dims_);
  std::iota(order.begin(), order.end(), size_t{0});
  n = std::min(n, dims_);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), [&](size_t a, size_t b) {
    return std::abs(error_[static_cast<Eigen::Index>(a)]) > std::abs(error_[static_cast<Eigen::Index>(b)]);
  });
  order.resize(n);
  return order;
}

size_t CorrelationDetector::StateBytes() const {
  return sizeof(*this) + sizeof(double) * static_cast<size_t>(mean_.size() + cov_.size() + spread_.size() +
                                                              basis_.size() + error_.size());
}

}  // namespace hostmind
