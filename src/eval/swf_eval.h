#pragma once
// `hostmind eval swf`: turns a Parallel Workloads Archive trace into simulated jobs, replays it
// under each scheduling policy, and scores the schedules (average bounded slowdown, wait,
// utilisation) and the run-time predictions (user estimate, last-2, the GBDT predictor).
#include <cstdint>
#include <string>
#include <vector>

#include "eval/sched_sim.h"
#include "eval/swf.h"

namespace hostmind {

// How trace records become jobs.
//  hostmind (default): processors = allocated, else requested; jobs with an unknown run time
//    are dropped; a missing estimate means "no estimate" and the job's limit is the machine's
//    maximum run time (header MaxRuntime, else the longest run in the trace); a limit below the
//    recorded run time is raised to it (the job was not killed, so the limit was not enforced).
//  rlscheduler: RLScheduler's loader (SC'20): processors = max(allocated, requested); a
//    negative run time becomes 10 s and zero run times are dropped; a missing estimate is
//    replaced by the actual run time.
enum class SwfConventions { kHostmind, kRlScheduler };

struct SwfWorkload {
  std::vector<SimJob> jobs;  // by submit time
  Resources capacity;
  TimeMs default_limit_ms = 0;
  int utc_offset_s = 0;
  size_t dropped_unknown_runtime = 0;
  size_t dropped_too_large = 0;   // more processors than the machine
  size_t raised_limits = 0;       // limit below the recorded run time
  size_t with_estimate = 0;       // jobs whose trace line has a user estimate
  // Jobs carry their actual run times as predictions (UseExactPredictions); the policies that
  // schedule with predictions then use those instead of running the online predictor.
  bool exact_predictions = false;
};

// Tells the prediction policies each job's actual run time, as prediction and upper bound: what a
// perfect predictor would buy them, the bound against which the online predictor's figures are
// read (an evaluation aid; no live scheduler can have it).
void UseExactPredictions(SwfWorkload& workload);

// Moves each job's submission by a uniform random amount within +-`max_shift_ms` (seeded; never
// before the trace's first submission) and re-sorts: the same workload, perturbed as much as a
// clock's skew or a user's typing would. Replaying it under several seeds shows how far a figure
// moves by chance alone, the spread a difference between policies must exceed to mean anything.
void JitterSubmissions(SwfWorkload& workload, uint64_t seed, TimeMs max_shift_ms);

// `cpus` > 0 overrides the machine size from the header.
Result<SwfWorkload> BuildWorkload(const SwfTrace& trace, SwfConventions conventions, double cpus = 0);

struct SchedMetrics {
  size_t jobs = 0;
  double avg_bounded_slowdown = 0;  // mean of max(1, (wait + run) / max(run, bound))
  double mean_wait_s = 0;
  double max_wait_s = 0;            // the longest any job waited: what shortest-first risks
  double utilisation = 0;           // CPU-seconds used / (capacity x (last end - first submit))
  uint64_t backfilled = 0;
};
inline constexpr TimeMs kSlowdownBoundMs = 10 * kMsPerSecond;
SchedMetrics ScoreSchedule(const SimResult& result, const Resources& capacity, TimeMs bound_ms = kSlowdownBoundMs);

struct PredictionQuality {
  // "user-estimate", "last-2" (the user's last two runs), "gbdt" (the predictor as deployed),
  // "history-rule" (the predictor's baseline: the most specific history's last two runs),
  // "gbdt-at-start" (the GBDT's prediction in force when the job started: the one made at
  // submission, or made again while the job waited)
  std::string predictor;
  size_t jobs = 0;        // jobs scored (the user estimate only where the trace has one)
  double mae_s = 0;
  double accuracy = 0;    // mean of min(pred, actual) / max(pred, actual), both at least 1 s
  double under_fraction = 0;  // predictions shorter than the run
  double upper_coverage = -1; // runs within the upper bound (gbdt only); -1 = n/a
  double model_fraction = -1; // predictions made by the trained model, not a fallback (gbdt only)
};
std::vector<PredictionQuality> ScorePredictions(const SimResult& result);

// RLScheduler's evaluation protocol: `sequences` windows of `length` consecutive jobs, each
// starting at a uniformly drawn index in [length, jobs - length - 1) (std::mt19937_64 seeded
// with `seed`), each scheduled alone on an empty machine; the figure is the mean over the
// windows of each window's average bounded slowdown.
//
// The policies that schedule with predictions run the online predictor inside each window, as
// the live queue would (predictions at submission, made again as runs of the same user end),
// starting from what it had learnt when the window's first job was submitted during one online
// easy-predicted replay of the whole trace: no run that ends later is known to it.
struct RlProtocolOptions {
  size_t sequences = 10;
  size_t length = 256;
  uint64_t seed = 1;
};
struct RlProtocolRow {
  std::string policy;
  double mean_bsld = 0;
  std::vector<double> per_sequence;
};
Result<std::vector<RlProtocolRow>> RunRlProtocol(const SwfWorkload& workload, const std::vector<std::string>& policies,
                                                 const RlProtocolOptions& options,
                                                 const RuntimePredictorOptions& predictor);

}  // namespace hostmind
