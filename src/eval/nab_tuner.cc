#include "eval/nab_tuner.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "eval/nab_detectors.h"

namespace hostmind {

namespace {

struct Knob {
  const char* name;
  double& (*field)(AnomalyTuning&);
  std::vector<double> factors;  // candidate values are the current one times each factor
};

const std::vector<Knob>& Knobs() {
  using T = AnomalyTuning;
  static const std::vector<double> kRate = {0.5, 0.7, 1.4, 2.0};
  static const std::vector<double> kFine = {0.8, 0.9, 1.1, 1.25};
  static const std::vector<Knob> kKnobs = {
      {"mean_rate", [](T& t) -> double& { return t.mean_rate; }, kRate},
      {"volatility_rate", [](T& t) -> double& { return t.volatility_rate; }, kRate},
      {"daily_rate", [](T& t) -> double& { return t.daily_rate; }, kRate},
      {"weekly_rate", [](T& t) -> double& { return t.weekly_rate; }, kRate},
      {"envelope_rate", [](T& t) -> double& { return t.envelope_rate; }, kRate},
      {"envelope_sigmas", [](T& t) -> double& { return t.envelope_sigmas; }, kFine},
      {"envelope_relax_samples", [](T& t) -> double& { return t.envelope_relax_samples; }, kRate},
      {"surprise_scale", [](T& t) -> double& { return t.surprise_scale; }, kFine},
      {"suppression_samples", [](T& t) -> double& { return t.suppression_samples; }, kRate},
      {"weight.mean", [](T& t) -> double& { return t.weight[2]; }, kFine},
      {"weight.volatility", [](T& t) -> double& { return t.weight[3]; }, kFine},
      {"weight.daily", [](T& t) -> double& { return t.weight[4]; }, kFine},
      {"weight.weekly", [](T& t) -> double& { return t.weight[5]; }, kFine},
      {"anomalous_learning", [](T& t) -> double& { return t.anomalous_learning; }, kRate},
      {"outlier_widths", [](T& t) -> double& { return t.outlier_widths; }, kRate},
      {"outlier_widening", [](T& t) -> double& { return t.outlier_widening; }, kFine},
      {"recent_rate", [](T& t) -> double& { return t.recent_rate; }, kRate},
      {"recent_min_z", [](T& t) -> double& { return t.recent_min_z; }, kRate},
      {"recent_weight", [](T& t) -> double& { return t.recent_weight; }, kFine},
  };
  return kKnobs;
}

double Objective(const NabDetectorResult& r) {
  double sum = 0;
  for (const auto& p : r.profiles) sum += p.normalized;
  return sum;
}

NabDetectorResult Evaluate(const NabCorpus& corpus, const AnomalyTuning& t) {
  return ScoreNab(corpus, RunAnomalyDetectorOnNab(corpus, t), "hostmind");
}

std::string Figures(const NabDetectorResult& r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.2f / %.2f / %.2f", r.profiles[0].normalized, r.profiles[1].normalized,
                r.profiles[2].normalized);
  return buf;
}

}  // namespace

std::string DescribeTuning(const AnomalyTuning& tuning) {
  AnomalyTuning t = tuning;
  std::string out;
  char buf[64];
  for (const Knob& k : Knobs()) {
    std::snprintf(buf, sizeof buf, "%s%s=%.6g", out.empty() ? "" : " ", k.name, k.field(t));
    out += buf;
  }
  return out;
}

AnomalyTuning UntunedAnomalyTuning() {
  AnomalyTuning t;
  t.mean_rate = t.volatility_rate = t.daily_rate = t.weekly_rate = t.envelope_rate = 0.05;
  t.envelope_sigmas = 3.0;
  t.envelope_relax_samples = 10000;
  t.surprise_scale = 0.1;
  t.suppression_samples = 100;
  for (int v = 1; v < kAnomalyViewCount; ++v) t.weight[v] = 1.0;
  t.recent_rate = 0.01;
  t.recent_min_z = 4;
  t.recent_weight = 0.7;
  return t;
}

Status SetTuningKnob(AnomalyTuning& tuning, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("expected knob=value, got '" + std::string(assignment) + "'");
  }
  const std::string name(assignment.substr(0, eq));
  const std::string text(assignment.substr(eq + 1));
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) {
    return Status::InvalidArgument("knob " + name + ": bad value '" + text + "'");
  }
  for (const Knob& k : Knobs()) {
    if (name == k.name) {
      k.field(tuning) = value;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("unknown knob '" + name + "' (knobs: " + DescribeTuning(tuning) + ")");
}

AnomalyTuning TuneOnNab(const NabCorpus& corpus, AnomalyTuning start, int rounds, const TuneLog& log) {
  AnomalyTuning best = start;
  NabDetectorResult best_result = Evaluate(corpus, best);
  if (log) log("start: " + Figures(best_result));
  for (int round = 0; round < rounds; ++round) {
    bool improved = false;
    for (const Knob& k : Knobs()) {
      for (double factor : k.factors) {
        AnomalyTuning candidate = best;
        k.field(candidate) *= factor;
        NabDetectorResult r = Evaluate(corpus, candidate);
        if (Objective(r) > Objective(best_result) + 1e-9) {
          best = candidate;
          best_result = r;
          improved = true;
          if (log) log(std::string(k.name) + " x" + std::to_string(factor) + ": " + Figures(r));
        }
      }
    }
    if (!improved) break;
  }
  if (log) log("tuned: " + DescribeTuning(best));
  return best;
}

NabCrossValidation CrossValidateOnNab(const NabCorpus& corpus, const AnomalyTuning& start, int rounds,
                                      const TuneLog& log) {
  NabCrossValidation cv;
  const NabCorpus folds[2] = {NabFold(corpus, 0, 2), NabFold(corpus, 1, 2)};
  for (int f = 0; f < 2; ++f) {
    if (log) log("tuning on fold " + std::to_string(f) + " (" + std::to_string(folds[f].files.size()) + " files)");
    cv.tuned[f] = TuneOnNab(folds[f], start, rounds, log);
  }
  for (int f = 0; f < 2; ++f) {
    // Fold f is scored with the constants and thresholds chosen on the other fold.
    const int other = 1 - f;
    const NabDetectorResult on_other = Evaluate(folds[other], cv.tuned[other]);
    std::vector<double> thresholds;
    for (const auto& p : on_other.profiles) thresholds.push_back(p.best.threshold);
    cv.held_out[f] = ScoreNab(folds[f], RunAnomalyDetectorOnNab(folds[f], cv.tuned[other]), "hostmind", &thresholds);
  }
  cv.pooled = PoolNab({cv.held_out[0], cv.held_out[1]}, "hostmind (held out)");
  return cv;
}

}  // namespace hostmind
