#pragma once
// The Server Machine Dataset (SMD; Su et al., KDD 2019): per machine, train/ and test/ hold one
// line per minute of 38 comma-separated metrics (scaled to [0, 1]), test_label/ one 0/1 per test
// line. Evaluation protocol here: the detector learns from train only; the alert threshold is
// chosen from train only; test is then scored as a live stream (the detector keeps learning
// online, unsupervised, as it would on a host, or is frozen; labels are only used for the figures).
//
// Three figures, because the literature mixes them up:
//   point-wise F1       each test minute is a prediction; the honest one.
//   point-adjusted F1   a labelled segment counts as wholly detected if any minute of it is
//                       flagged (Xu et al. 2018's adjustment, used by OmniAnomaly and most SMD
//                       papers); rewards one hit per segment, so it flatters.
//   best-threshold F1   point-adjusted F1 at the best threshold chosen *on the test labels*: an
//                       upper bound for the scores, not a result.
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "learn/anomaly_detector.h"

namespace hostmind {

struct SmdMachine {
  std::string name;                       // "machine-1-6"
  std::vector<std::vector<float>> train;  // rows of metrics
  std::vector<std::vector<float>> test;
  std::vector<uint8_t> labels;            // per test row
};

// Every machine under root that has train/, test/ and test_label/ files.
Result<std::vector<SmdMachine>> LoadSmd(const std::string& root);

// A minute's host score joins two views of the machine, each calibrated by train: the largest
// per-metric AnomalyDetector raw score (a metric left its own band), and the CorrelationDetector
// residual over all metrics (they stopped moving together). Each is replaced by its train tail
// position (the share of train minutes after warm-up at or below it; past train's largest, 1 plus
// the excess in units of train's top 1% spread, so ranks beyond train are kept), and the minute
// scores the larger. Neither raw scale is comparable to the other; their rarity on train is. The
// per-metric view keeps its alert threshold (kAnomalyThreshold) as the floor of its tail.
struct SmdScores {
  std::vector<double> train;  // per row: the host score (above)
  std::vector<double> test;
  std::vector<int> test_metric;  // per test row: the metric (0-based) that scored it most
  size_t components = 0;         // principal components the correlation view kept at the end
};

// How the detector meets the test period.
enum class SmdMode {
  kOnline,  // keeps learning, unsupervised, as the live agent does
  kFrozen,  // scores test against what train taught it (AnomalyDetector::Freeze)
};

// Runs one AnomalyDetector per metric and one CorrelationDetector over train, then on over test.
SmdScores ScoreSmd(const SmdMachine& machine, const AnomalyTuning& tuning, SmdMode mode);

struct F1Score {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

F1Score PointwiseF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels, double threshold);
F1Score PointAdjustedF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels, double threshold);
// The best point-adjusted F1 over every threshold (uses the labels: an upper bound).
F1Score BestPointAdjustedF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels,
                            double* best_threshold);

// Where `x` falls among `reference` (sorted ascending, non-empty): the share at or below it; past
// the largest, 1 plus the excess over it in units of the top 1%'s spread (ranks are kept). With a
// `floor` above the largest (a detector's own alert threshold), values up to the floor count as
// the largest: a train period without a single excursion does not make every wiggle rare.
double TailPosition(const std::vector<double>& reference, double x, double floor = 0);

// The alert threshold chosen on train: the score that train rows after warm-up exceed with
// probability `tail` (train is assumed normal, so this sets the false-alarm rate on normal data),
// but never below kAnomalyThreshold.
double SmdThreshold(const std::vector<double>& train_scores, size_t warmup, double tail);

}  // namespace hostmind
