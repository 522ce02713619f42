#pragma once
// NAB's scoring rules, reimplemented exactly (numenta/NAB v1.1: nab/sweeper.py for the per-row
// rewards and the threshold sweep, nab/optimizer.py for the corpus-wide threshold, and
// runner.normalize for the 0 (null detector) .. 100 (perfect detector) scale).
//
// How NAB scores a detector, in one paragraph: every row of every file gets a "sweep score",
// the reward or penalty a detection on that row would earn. Inside a labelled window the reward
// is a scaled sigmoid of the row's position (detecting at the window's left edge earns tpWeight,
// at its right edge almost nothing); only the best detection of each window counts, and a window
// with none costs fnWeight. Outside a window every detection costs fpWeight, scaled by its
// distance past the previous window (right after a window it is nearly free). Rows in the
// probationary period (the first 15% of a file, at most 750 rows) are ignored. A threshold turns
// anomaly scores into detections (score >= threshold); NAB picks, per profile, the one threshold
// that maximises the summed score over the whole corpus.
#include <cstdint>
#include <string>
#include <vector>

namespace hostmind {

struct NabCostMatrix {
  double tp_weight = 1.0;
  double fp_weight = 0.11;
  double fn_weight = 1.0;
};

struct NabProfile {
  std::string name;      // NAB's name: "standard", "reward_low_FP_rate", "reward_low_FN_rate"
  std::string key;       // ours, for --profile and JSON: "standard", "low_fp", "low_fn"
  NabCostMatrix cost;
};

// NAB's three application profiles (config/profiles.json).
const std::vector<NabProfile>& NabProfiles();

// A labelled anomaly window as row indices, both inclusive.
struct NabWindow {
  size_t first = 0;
  size_t last = 0;
};

// What a detection on one row would earn.
struct NabSweepRow {
  static constexpr int32_t kOutside = -1;    // not in any window: a false positive
  static constexpr int32_t kProbation = -2;  // in the probationary period: ignored
  double anomaly_score = 0;
  double sweep_score = 0;
  int32_t window = kOutside;  // corpus-wide window id, or kOutside / kProbation
};

// NAB's probationary length of a file of `rows` rows: min(floor(0.15 * rows), 750).
size_t NabProbationRows(size_t rows);

// NAB's scaled sigmoid of a relative position (sweeper.py): -1 = a window's left edge (0.987),
// 0 = its right edge (0), >= 3 = far past it (-1).
double NabScaledSigmoid(double relative_position);

// Appends one file's rows (NAB's calcSweepScore). `windows` must be sorted and disjoint; their
// ids are first_window_id, first_window_id + 1, ...
void AppendSweepRows(const std::vector<double>& anomaly_scores, const std::vector<NabWindow>& windows,
                     const NabCostMatrix& cost, int32_t first_window_id, std::vector<NabSweepRow>& out);

struct NabThresholdScore {
  double threshold = 0;  // detections are rows with anomaly_score >= threshold
  double score = 0;      // raw NAB score: TP rewards + FP penalties - FN costs
  int64_t tp = 0, tn = 0, fp = 0, fn = 0;  // row counts, as NAB reports them
};

// NAB's calcScoreByThreshold: the score at every distinct anomaly score, from 1.1 (nothing
// detected) downwards. `rows` is taken by value because it is sorted.
std::vector<NabThresholdScore> ScoreByThreshold(std::vector<NabSweepRow> rows, const NabCostMatrix& cost);

// NAB's optimizer: the threshold with the highest score (the highest threshold among ties,
// as NAB's stable sort gives).
NabThresholdScore BestThreshold(const std::vector<NabThresholdScore>& scores);

// The score at a given threshold (NAB's scoreDataSet lookup).
NabThresholdScore ScoreAtThreshold(const std::vector<NabThresholdScore>& scores, double threshold);

// NAB's normalisation: 100 * (raw - null) / (perfect - null).
double NormalizeNabScore(double raw, double null_raw, double perfect_raw);

}  // namespace hostmind
