#pragma once
// The detectors `hostmind eval nab` runs on the NAB corpus: ours (AnomalyDetector, the
// same code the live agent runs) and NAB's windowedGaussian baseline.
#include "eval/nab_eval.h"
#include "eval/windowed_gaussian.h"
#include "learn/anomaly_detector.h"

namespace hostmind {

// One AnomalyDetector per file, fed (timestamp, value) in order; its warm-up is the
// file's NAB probationary period (the one protocol input: NAB gives every detector the
// probation length, and scores nothing inside it). The anomaly score is the verdict's `score`.
NabScores RunAnomalyDetectorOnNab(const NabCorpus& corpus, const AnomalyTuning& tuning);

NabScores RunWindowedGaussianOnNab(const NabCorpus& corpus, WindowedGaussianShape shape);

}  // namespace hostmind
