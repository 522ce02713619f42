#pragma once
// Scores detectors on the NAB corpus with NAB's rules: the raw score and the normalised score
// (0 = null detector, 100 = perfect) at the corpus-wide optimal threshold of each profile.
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/nab_corpus.h"

namespace hostmind {

struct NabProfileResult {
  NabProfile profile;
  NabThresholdScore best;  // at the threshold NAB's optimizer picks (or the one given)
  double null_raw = 0;     // the null detector's raw score on the same files
  double perfect_raw = 0;  // the perfect detector's
  double normalized = 0;   // 0 (null detector) .. 100 (perfect detector)
};

struct NabDetectorResult {
  std::string detector;
  std::vector<NabProfileResult> profiles;  // in NabProfiles() order
  const NabProfileResult* Find(const std::string& key) const;
};

// Anomaly scores per file, in corpus.files order.
using NabScores = std::vector<std::vector<double>>;

// Scores at the best threshold per profile, or, when `thresholds` is given (one per profile in
// NabProfiles() order), at those thresholds: how a threshold chosen elsewhere fares here.
NabDetectorResult ScoreNab(const NabCorpus& corpus, const NabScores& scores, const std::string& detector,
                           const std::vector<double>* thresholds = nullptr);

// Pools results on disjoint parts of the corpus into one normalised score per profile (NAB's
// normalisation is linear in the raw sums).
NabDetectorResult PoolNab(const std::vector<NabDetectorResult>& parts, const std::string& detector);

// The files of `corpus` whose index i has i % folds == fold.
NabCorpus NabFold(const NabCorpus& corpus, int fold, int folds);

// Runs `score_file` on every file (it returns one anomaly score per row). Scores are kept to
// 12 significant digits: NAB scores what its results files hold, and the published files were
// written with 12 (Python 2's str), which decides ties at a threshold of 1.0.
NabScores RunOnNab(const NabCorpus& corpus, const std::function<std::vector<double>(const NabDataFile&)>& score_file);

// Reads a published detector's outputs: dir/<category>/<detector>_<file>.csv, where <detector>
// is dir's last path component.
Result<NabScores> LoadNabResults(const NabCorpus& corpus, const std::string& dir);

// Writes outputs in NAB's results layout (timestamp,anomaly_score), so NAB itself can score them.
Status WriteNabResults(const NabCorpus& corpus, const NabScores& scores, const std::string& dir,
                       const std::string& detector);

}  // namespace hostmind
