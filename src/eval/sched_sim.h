#pragma once
// Trace-driven simulation of the job queue: jobs arrive at their submit times, the Scheduler
// (act/scheduler.h, the same code the live queue runs) decides on a virtual clock, jobs run for
// their recorded run times. Run times are predicted online: a job's prediction is made when it
// is submitted, from the jobs that have finished by then in the simulation (no peeking ahead),
// and made again while it waits whenever a run of its user finishes (as the live queue does);
// the predictor learns each job when it finishes and retrains as the live agent does.
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "act/scheduler.h"
#include "learn/runtime_predictor.h"

namespace hostmind {

struct SimJob {
  uint64_t id = 0;
  TimeMs submit_ts = 0;
  TimeMs runtime_ms = 0;
  TimeMs estimate_ms = 0;  // the user's estimate as recorded; 0 = none
  TimeMs limit_ms = 0;     // the kill limit: >= runtime_ms, so no job is killed
  Resources need;
  RunRequest request;
  // Set to use a given prediction instead of the online predictor (SimOptions::predict false).
  TimeMs predicted_ms = 0;
  TimeMs upper_ms = 0;
};

struct SimOptions {
  SchedulingPolicy policy;
  Resources capacity;
  TimeMs default_limit_ms = 0;  // the limit of jobs without one
  bool predict = true;          // run the online predictor; otherwise use SimJob's predictions
  RuntimePredictorOptions predictor;
  // The online predictor starts from this RuntimePredictor::SaveState() (what it had learnt
  // before the first job); empty = it starts knowing nothing.
  std::string predictor_state;
  // Called with each job's index just before it is submitted (and predicted).
  std::function<void(size_t index, const RuntimePredictor& predictor)> before_submit;
  std::function<void(size_t finished, size_t total)> progress;  // every few thousand jobs
};

struct JobOutcome {
  TimeMs submit_ts = 0;
  TimeMs start_ts = 0;
  TimeMs end_ts = 0;
  TimeMs runtime_ms = 0;
  TimeMs estimate_ms = 0;
  double cpus = 0;
  bool backfilled = false;
  // The predictions made at submission (predict == true): the online predictor's, and the
  // last-two-runs baseline of the same user.
  TimeMs predicted_ms = 0;
  TimeMs upper_ms = 0;
  TimeMs last2_ms = 0;
  TimeMs history_ms = 0;  // the predictor's own baseline (the history rule), before the model
  TimeMs start_predicted_ms = 0;  // the prediction in force when the job started (after any refresh)
  PredictionSource source = PredictionSource::kPrior;
};

struct SimResult {
  std::vector<JobOutcome> jobs;  // in the order of the input
  uint64_t backfilled = 0;
  uint64_t decisions = 0;
  uint64_t model_trainings = 0;
  uint64_t model_errors = 0;  // predictions the model failed to make (fell back instead)
  uint64_t refreshed_predictions = 0;  // waiting jobs predicted again after a run of their user
};

// `jobs` must be sorted by submit time and each must fit in the capacity.
Result<SimResult> Simulate(std::span<const SimJob> jobs, const SimOptions& options);

// Tsafrir's baseline: the mean of the user's last two finished runs, capped at the estimate;
// the estimate (or `default_ms`) when the user has no finished run.
TimeMs Last2Prediction(const HistoryView& history, TimeMs estimate_ms, TimeMs default_ms);

}  // namespace hostmind
