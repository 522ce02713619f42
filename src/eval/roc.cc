#include "eval/roc.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace hostmind {

double RocAuc(const std::vector<double>& negatives, const std::vector<double>& positives) {
  if (negatives.empty() || positives.empty()) return 0.5;
  std::vector<std::pair<double, bool>> all;
  all.reserve(negatives.size() + positives.size());
  for (double s : negatives) all.emplace_back(s, false);
  for (double s : positives) all.emplace_back(s, true);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double positive_rank_sum = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double mid_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based, ties averaged
    for (size_t k = i; k < j; ++k)
      if (all[k].second) positive_rank_sum += mid_rank;
    i = j;
  }
  double np = static_cast<double>(positives.size()), nn = static_cast<double>(negatives.size());
  return (positive_rank_sum - np * (np + 1) / 2) / (np * nn);
}

double DetectionRateAtFpr(const std::vector<double>& negatives, const std::vector<double>& positives, double fpr) {
  if (negatives.empty() || positives.empty()) return 0;
  std::vector<double> neg = negatives;
  std::sort(neg.begin(), neg.end());
  // The smallest threshold with at most floor(fpr * n) negatives strictly above it.
  size_t allowed = static_cast<size_t>(std::floor(fpr * static_cast<double>(neg.size())));
  double threshold = neg[neg.size() - 1 - std::min(allowed, neg.size() - 1)];
  size_t detected = 0;
  for (double s : positives) detected += s > threshold;
  return static_cast<double>(detected) / static_cast<double>(positives.size());
}

}  // namespace hostmind
