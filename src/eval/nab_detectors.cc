#include "eval/nab_detectors.h"

namespace hostmind {

NabScores RunAnomalyDetectorOnNab(const NabCorpus& corpus, const AnomalyTuning& tuning) {
  return RunOnNab(corpus, [&](const NabDataFile& f) {
    AnomalyDetectorOptions options;
    options.warmup_samples = static_cast<uint32_t>(NabProbationRows(f.values.size()));
    options.tuning = &tuning;
    AnomalyDetector detector(options);
    std::vector<double> scores;
    scores.reserve(f.values.size());
    for (size_t i = 0; i < f.values.size(); ++i) {
      scores.push_back(detector.Observe(f.timestamps[i] * kMsPerSecond, f.values[i]).score);
    }
    return scores;
  });
}

NabScores RunWindowedGaussianOnNab(const NabCorpus& corpus, WindowedGaussianShape shape) {
  return RunOnNab(corpus, [&](const NabDataFile& f) {
    WindowedGaussian detector(shape);
    std::vector<double> scores;
    scores.reserve(f.values.size());
    for (double v : f.values) scores.push_back(detector.Score(v));
    return scores;
  });
}

}  // namespace hostmind
