#pragma once
// Ranking metrics for anomaly scores: ROC AUC and the detection rate at a false-positive rate.
// Higher scores mean "more anomalous"; ties count half, as in the Mann-Whitney statistic.
#include <vector>

namespace hostmind {

// Area under the ROC curve of `positives` (anomalies) against `negatives` (normal); 0.5 when
// either side is empty.
double RocAuc(const std::vector<double>& negatives, const std::vector<double>& positives);

// Fraction of positives scoring above the threshold that lets at most `fpr` of negatives
// through (the (1 - fpr) quantile of the negatives).
double DetectionRateAtFpr(const std::vector<double>& negatives, const std::vector<double>& positives, double fpr);

}  // namespace hostmind
