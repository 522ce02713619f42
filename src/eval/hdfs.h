#pragma once
// The DeepLog HDFS evaluation (Du et al., CCS 2017): block sessions as sequences of template
// numbers. Training uses the first half of `hdfs_train` (normal sessions, in file order); the
// test is the other half (false positives) plus every session of `hdfs_test_abnormal` (recall).
// DeepLog's normal test file (553,366 sessions) is not public, so F1 is computed from the two
// measured rates at DeepLog's published mix of 553,366 normal : 16,838 abnormal sessions.
#include <string>
#include <vector>

#include "core/status.h"

namespace hostmind {

inline constexpr double kDeepLogNormalSessions = 553366;
inline constexpr double kDeepLogAbnormalSessions = 16838;

struct SessionModelScore {
  std::string model;
  size_t false_positives = 0;  // held-out normal sessions flagged
  size_t detected = 0;         // abnormal sessions flagged
  double fpr = 0;
  double recall = 0;
  double precision = 0;  // at DeepLog's mix
  double f1 = 0;         // at DeepLog's mix
  double sessions_per_s = 0;  // checking speed
};

struct HdfsResult {
  size_t train_sessions = 0;
  size_t heldout_normal = 0;
  size_t abnormal = 0;
  std::vector<SessionModelScore> models;  // the detector's model first
};

// Precision and F1 that a false-positive rate and a recall give at a normal:abnormal mix.
void ScoreAtMix(double fpr, double recall, double normal, double abnormal, double* precision, double* f1);

// Reads <dir>/hdfs_train and <dir>/hdfs_test_abnormal and scores every session model.
Result<HdfsResult> EvaluateHdfs(const std::string& dir);

}  // namespace hostmind
