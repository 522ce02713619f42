#pragma once
// How AnomalyTuning's constants were chosen, as code: a coordinate search that scores
// the detector on NAB files with NAB's rules and keeps every change that raises the sum of the
// three profiles' normalised scores. `hostmind eval nab --tune` runs it on the whole corpus (what
// every NAB entry does: its published score is in-sample); `--cv` runs it on half the files and
// scores the other half at the thresholds chosen on the first, both ways round: the held-out
// estimate of how the detector does on series it was not tuned on.
#include <functional>
#include <string>
#include <string_view>

#include "eval/nab_eval.h"
#include "learn/anomaly_detector.h"

namespace hostmind {

using TuneLog = std::function<void(const std::string&)>;

// Starts at `start`; stops after `rounds` passes over the knobs or when a pass changes nothing.
AnomalyTuning TuneOnNab(const NabCorpus& corpus, AnomalyTuning start, int rounds, const TuneLog& log);

// "mean_rate=0.0333 volatility_rate=0.03 ..." for logs and docs.
std::string DescribeTuning(const AnomalyTuning& tuning);

// Sets one knob from "name=value" (the names DescribeTuning prints), for evaluating a variant of
// the shipped constants from the command line (`hostmind eval nab --set weight.shape=0.5`).
Status SetTuningKnob(AnomalyTuning& tuning, std::string_view assignment);

struct NabCrossValidation {
  NabDetectorResult pooled;                 // both held-out halves, pooled
  NabDetectorResult held_out[2];            // fold f scored with what was tuned on the other
  AnomalyTuning tuned[2];            // tuned on fold f
};

// Where tuning starts when it must not know the corpus: round values picked before any
// measurement (every rate 0.05, every weight 1, bands of 3 sd, memories of 100 and 10000
// samples).
AnomalyTuning UntunedAnomalyTuning();

// Two folds (files alternate by sorted path); tuning starts from `start` in both.
NabCrossValidation CrossValidateOnNab(const NabCorpus& corpus, const AnomalyTuning& start, int rounds,
                                      const TuneLog& log);

}  // namespace hostmind
