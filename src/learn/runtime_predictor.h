#pragma once
// Run-time prediction: how long will this run take, and how long at most (an upper quantile)?
//
// A gradient-boosted tree model (XGBoost) over what is known when a run is asked for: user,
// command, hashed argument tokens, working directory, requested CPUs and memory, the user's
// estimate, the recent run times of the same user / command / exact request (last two, mean,
// count), time of day, queue and host load.
//
// The baseline is the history rule: the mean of the last two runs of the most specific history
// there is (same request, else same command, else same user: Tsafrir's predictor, refined), else
// the user's estimate, else the mean of all runs, else a fixed prior. The model learns the
// correction to that baseline in log space (trees approximate "the same as last time" badly,
// a correction to it well). Until a model is trained, the baseline is the prediction and
// `source` says which rule made it. The upper bound adds the empirical quantile of the model's
// own recent log errors, kept per depth of history (a run with a long history of identical
// requests gets a tight bound, a first run a wide one). Every prediction is capped at the
// user's estimate, which is the kill limit.
//
// Pure: no I/O, no threads, no clock. Training is split so that it runs off the hot path:
// TakeTrainingJob() copies the examples, RuntimeModel::Train() runs anywhere, Install() swaps
// the model in atomically (Predict() may run concurrently with Install(), nothing else).
#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learn/gbdt.h"
#include "learn/run_history.h"

namespace hostmind {

// A trained model; immutable and shareable.
class RuntimeModel {
 public:
  static Result<std::shared_ptr<const RuntimeModel>> Train(const GbdtData& data, const GbdtParams& params);
  static Result<std::shared_ptr<const RuntimeModel>> Load(std::string_view bytes);
  Result<std::string> Save() const { return gbdt_.Save(); }
  // The predicted log(run time in seconds) of each of the `rows` rows in `features` (rows x
  // num_features(), row-major): one model call, whose fixed cost dwarfs a row's.
  Result<std::vector<float>> PredictLogs(const std::vector<float>& features, size_t rows) const;
  size_t num_features() const { return gbdt_.num_features(); }

 private:
  explicit RuntimeModel(Gbdt gbdt) : gbdt_(std::move(gbdt)) {}
  Gbdt gbdt_;
};

enum class PredictionSource { kModel, kHistory, kEstimate, kPrior };
const char* PredictionSourceName(PredictionSource source);

struct RuntimePrediction {
  TimeMs predicted_ms = 0;
  TimeMs upper_ms = 0;  // the `quantile` upper bound; >= predicted_ms
  PredictionSource source = PredictionSource::kPrior;
  HistoryView history;          // what the prediction stands on
  std::vector<float> features;  // the model's input; hand the prediction back to Learn()
  float baseline_log = 0;       // log seconds of the history rule's prediction
  float model_log = 0;          // log seconds predicted by the model (source == kModel)
};

struct RuntimePredictorOptions {
  size_t window = 20000;        // most recent runs kept as training examples
  size_t min_train = 200;       // runs needed before the first model
  size_t retrain_every = 1000;  // runs learned between trainings
  double quantile = 0.9;        // coverage of upper_ms
  size_t calibration_window = 2000;  // recent model errors kept per history depth
  TimeMs prior_ms = 60 * kMsPerSecond;  // the guess when nothing at all is known
  int utc_offset_s = 0;         // local time = UTC + offset, for the time-of-day features
  size_t max_history_keys = 50000;
  // Mode-seeking corrections: a run's log error against the history rule is mostly near zero
  // with heavy tails (crashed and overrun jobs), and the mean or median of such errors moves the
  // prediction off the spike. Tuned on CTC-SP2 and HPC2N prefixes (docs/BENCHMARKS.md).
  GbdtParams gbdt = {.objective = "welsch", .welsch_scale = 0.4, .rounds = 80, .max_depth = 5};
};

class RuntimePredictor {
 public:
  explicit RuntimePredictor(RuntimePredictorOptions options = {});

  RuntimePrediction Predict(const RunRequest& req, const RunLoad& load) const;
  // Predict() of each request, under one load, with one model call for them all.
  std::vector<RuntimePrediction> PredictAll(std::span<const RunRequest> reqs, const RunLoad& load) const;
  // A run finished: `at_submit` is what Predict() said when it was asked for.
  void Learn(const RunRequest& req, const RuntimePrediction& at_submit, TimeMs runtime_ms, TimeMs end_ts);

  // The training examples when a (re)training is due, else nothing. Resets the countdown.
  std::optional<GbdtData> TakeTrainingJob();
  void Install(std::shared_ptr<const RuntimeModel> model);
  // TakeTrainingJob + Train + Install, synchronously (evaluations, tests).
  Status TrainIfDue();

  std::shared_ptr<const RuntimeModel> model() const { return model_.load(); }
  const RunHistory& history() const { return history_; }
  uint64_t learned() const { return learned_; }
  uint64_t trainings() const { return trainings_; }
  // Predictions the model failed to make (each fell back, see `source`); should stay 0.
  uint64_t model_errors() const { return model_errors_.load(std::memory_order_relaxed); }
  const RuntimePredictorOptions& options() const { return options_; }

  // History, examples, calibration and model, as bytes.
  Result<std::string> SaveState() const;
  Status LoadState(std::string_view bytes);

  // The names of the model's input features, in order.
  static const std::vector<std::string>& FeatureNames();

 private:
  std::vector<float> Features(const RunRequest& req, const RunLoad& load, const RuntimePrediction& p) const;
  // Fills source, predicted_ms and upper_ms from the history rule.
  void Baseline(const RunRequest& req, RuntimePrediction& p) const;
  double UpperLogMargin(int depth) const;

  // Recent log errors of the model for runs whose deepest history level is `depth` (+1).
  struct Calibration {
    std::vector<float> errors;  // ring
    size_t next = 0;
    mutable float cached_quantile = 0;
    mutable size_t cached_at = 0;  // `added` when cached_quantile was computed
    size_t added = 0;
  };
  void AddError(Calibration& c, float error);
  double Quantile(const Calibration& c) const;

  RuntimePredictorOptions options_;
  RunHistory history_;
  std::vector<float> example_features_;  // ring of `window` rows
  std::vector<float> example_labels_;
  size_t example_next_ = 0;
  size_t examples_ = 0;
  size_t since_training_ = 0;
  std::array<Calibration, kHistoryLevels + 2> calibration_;  // [0] pooled, [d + 2] depth d (-1..2)
  std::atomic<std::shared_ptr<const RuntimeModel>> model_;
  uint64_t learned_ = 0;
  uint64_t trainings_ = 0;
  mutable std::atomic<uint64_t> model_errors_{0};
};

}  // namespace hostmind
