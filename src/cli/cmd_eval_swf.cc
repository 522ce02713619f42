// hostmind eval swf: replay a Parallel Workloads Archive trace through the job scheduler.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/swf_eval.h"

namespace hostmind::cli {
namespace {

struct SwfArgs {
  std::string trace;
  std::string policy = "all";
  std::string protocol = "full";
  bool json = false;
  double cpus = 0;
  size_t sequences = 10;
  size_t length = 256;
  uint64_t seed = 1;
  bool exact_predictions = false;
  uint64_t jitter_seed = 0;  // 0 = the trace as recorded
  double jitter_s = 10;
};

struct PolicyRun {
  std::string policy;
  SchedMetrics metrics;
  std::vector<PredictionQuality> quality;
  double seconds = 0;
  uint64_t trainings = 0;
  uint64_t refreshed = 0;  // waiting jobs predicted again after a run of their user finished
  uint64_t model_errors = 0;
};

// "\r  easy: 45% of 202871 jobs" on stderr, only when it is a terminal.
std::function<void(size_t, size_t)> ProgressFor(const std::string& label) {
  if (!isatty(STDERR_FILENO)) return nullptr;
  return [label](size_t done, size_t total) {
    std::fprintf(stderr, "\r  %s: %3zu%% of %zu jobs", label.c_str(), done * 100 / std::max<size_t>(total, 1), total);
    std::fflush(stderr);
  };
}

void ClearProgress() {
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r\033[K");
}

RuntimePredictorOptions PredictorFor(const SwfWorkload& w) {
  RuntimePredictorOptions o;
  o.utc_offset_s = w.utc_offset_s;
  return o;
}

// `score_predictions`: run the online predictor even when the policy does not schedule with it.
Result<PolicyRun> RunPolicy(const SwfWorkload& w, const std::string& name, bool score_predictions) {
  auto policy = PolicyByName(name);
  if (!policy.ok()) return policy.status();
  SimOptions options;
  options.policy = *policy;
  options.capacity = w.capacity;
  options.default_limit_ms = w.default_limit_ms;
  options.predictor = PredictorFor(w);
  options.predict = !w.exact_predictions && (score_predictions || policy->runtime == RuntimeSource::kPrediction);
  options.progress = ProgressFor(name);
  const auto t0 = std::chrono::steady_clock::now();
  auto result = Simulate(w.jobs, options);
  ClearProgress();
  if (!result.ok()) return result.status();
  PolicyRun run;
  run.policy = name;
  run.metrics = ScoreSchedule(*result, w.capacity);
  if (options.predict) run.quality = ScorePredictions(*result);
  run.trainings = result->model_trainings;
  run.refreshed = result->refreshed_predictions;
  run.model_errors = result->model_errors;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

void PrintWorkload(const SwfArgs& a, const SwfWorkload& w) {
  std::printf("trace %s: %zu jobs, %.0f CPUs, %zu with a user estimate; dropped %zu (unknown run time or size), "
              "%zu (larger than the machine); %zu limits raised to the recorded run time\n",
              a.trace.c_str(), w.jobs.size(), w.capacity.cpus, w.with_estimate, w.dropped_unknown_runtime,
              w.dropped_too_large, w.raised_limits);
  if (a.jitter_seed)
    std::printf("submissions moved by up to +-%g s (seed %llu): a perturbed replay, not the trace as recorded\n", a.jitter_s,
                static_cast<unsigned long long>(a.jitter_seed));
}

void PrintRuns(const std::vector<PolicyRun>& runs) {
  const PolicyRun* easy = nullptr;
  for (const auto& r : runs)
    if (r.policy == "easy") easy = &r;
  std::printf("\n%-16s %12s %14s %13s %8s %11s %10s %8s\n", "policy", "avg bsld", "mean wait (s)", "max wait (s)", "util", "backfilled",
              "vs easy", "time (s)");
  for (const auto& r : runs) {
    std::string vs = "";
    if (easy && easy->metrics.avg_bounded_slowdown > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.1f%%",
                    100.0 * (r.metrics.avg_bounded_slowdown / easy->metrics.avg_bounded_slowdown - 1));
      vs = buf;
    }
    std::printf("%-16s %12.2f %14.0f %13.0f %8.3f %11llu %10s %8.1f\n", r.policy.c_str(), r.metrics.avg_bounded_slowdown,
                r.metrics.mean_wait_s, r.metrics.max_wait_s, r.metrics.utilisation, static_cast<unsigned long long>(r.metrics.backfilled),
                vs.c_str(), r.seconds);
  }
}

// The prediction quality comes from the run that scheduled with the predictions, or else the
// first run.
const PolicyRun& QualityRun(const std::vector<PolicyRun>& runs) {
  for (const auto& r : runs)
    if (!r.quality.empty()) return r;
  return runs.front();
}

void PrintQuality(const PolicyRun& run, const SwfWorkload& w) {
  const double by_model = run.quality.size() >= 3 ? run.quality[2].model_fraction : 0;
  std::printf("\nrun-time prediction at submission, and in force at the start (online, during the %s run; %llu model trainings; "
              "%.1f%% of gbdt predictions by the model, the rest its cold-start fallback; waiting jobs "
              "predicted again %llu times as runs of their users finished)\n",
              run.policy.c_str(), static_cast<unsigned long long>(run.trainings), 100 * by_model,
              static_cast<unsigned long long>(run.refreshed));
  if (run.model_errors > 0)
    std::printf("WARNING: the model failed %llu predictions (they fell back to history)\n",
                static_cast<unsigned long long>(run.model_errors));
  std::printf("%-14s %8s %12s %10s %10s %10s\n", "predictor", "jobs", "MAE (s)", "accuracy", "under", "in upper");
  for (const auto& q : run.quality) {
    if (q.jobs == 0) {
      std::printf("%-14s %8s  (the trace has no user estimates)\n", q.predictor.c_str(), "n/a");
      continue;
    }
    std::string coverage = q.upper_coverage >= 0 ? std::to_string(q.upper_coverage).substr(0, 5) : "";
    std::printf("%-14s %8zu %12.0f %10.3f %10.3f %10s\n", q.predictor.c_str(), q.jobs, q.mae_s, q.accuracy,
                q.under_fraction, coverage.c_str());
  }
  (void)w;
}

nlohmann::json QualityJson(const std::vector<PredictionQuality>& quality) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& q : quality) {
    if (q.jobs == 0) {
      out[q.predictor] = nullptr;
      continue;
    }
    out[q.predictor] = {{"jobs", q.jobs}, {"mae_s", q.mae_s}, {"accuracy", q.accuracy}, {"under_fraction", q.under_fraction}};
    if (q.upper_coverage >= 0) out[q.predictor]["upper_coverage"] = q.upper_coverage;
    if (q.model_fraction >= 0) out[q.predictor]["model_fraction"] = q.model_fraction;
  }
  return out;
}

// "all", or a comma-separated list of policy names.
Result<std::vector<std::string>> ParsePolicies(const std::string& arg) {
  if (arg == "all") return PolicyNames();
  std::vector<std::string> out;
  for (size_t begin = 0; begin <= arg.size();) {
    const size_t comma = std::min(arg.find(',', begin), arg.size());
    std::string name = arg.substr(begin, comma - begin);
    if (auto p = PolicyByName(name); !p.ok()) return p.status();
    out.push_back(std::move(name));
    begin = comma + 1;
  }
  return out;
}

int RunSwf(const SwfArgs& a) {
  auto trace = ReadSwf(a.trace);
  if (!trace.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", trace.status().message().c_str());
    return 1;
  }
  auto policies = ParsePolicies(a.policy);
  if (!policies.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", policies.status().message().c_str());
    return 2;
  }
  nlohmann::json json = {{"trace", a.trace}, {"exact_predictions", a.exact_predictions}};
  const TimeMs jitter_ms = a.jitter_seed ? static_cast<TimeMs>(a.jitter_s * 1000.0) : 0;
  if (jitter_ms > 0) json["jitter"] = {{"seed", a.jitter_seed}, {"max_s", a.jitter_s}};
  if (a.protocol == "full" || a.protocol == "both") {
    auto w = BuildWorkload(*trace, SwfConventions::kHostmind, a.cpus);
    if (!w.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", w.status().message().c_str());
      return 1;
    }
    PrintWorkload(a, *w);
    JitterSubmissions(*w, a.jitter_seed, jitter_ms);
    if (a.exact_predictions) UseExactPredictions(*w);
    std::vector<PolicyRun> runs;
    const bool any_predicted = std::any_of(policies->begin(), policies->end(), [](const std::string& n) {
      auto p = PolicyByName(n);
      return p.ok() && p->runtime == RuntimeSource::kPrediction;
    });
    for (const auto& name : *policies) {
      auto run = RunPolicy(*w, name, !any_predicted && runs.empty());
      if (!run.ok()) {
        std::fprintf(stderr, "hostmind: %s\n", run.status().message().c_str());
        return 1;
      }
      runs.push_back(std::move(*run));
    }
    PrintRuns(runs);
    const PolicyRun& q = QualityRun(runs);
    if (a.exact_predictions) std::printf("\n(prediction policies told each job's actual run time: --exact-predictions)\n");
    else PrintQuality(q, *w);
    nlohmann::json full = {{"jobs", w->jobs.size()}, {"cpus", w->capacity.cpus}};
    for (const auto& r : runs)
      full["policies"][r.policy] = {{"avg_bounded_slowdown", r.metrics.avg_bounded_slowdown},
                                    {"mean_wait_s", r.metrics.mean_wait_s},
                                    {"max_wait_s", r.metrics.max_wait_s},
                                    {"utilisation", r.metrics.utilisation},
                                    {"backfilled", r.metrics.backfilled}};
    if (!a.exact_predictions) {
      full["prediction"] = QualityJson(q.quality);
      full["prediction_run"] = q.policy;
      full["model_trainings"] = q.trainings;
      full["refreshed_predictions"] = q.refreshed;
      full["model_errors"] = q.model_errors;
    }
    json["full"] = full;
  }
  if (a.protocol == "rlscheduler" || a.protocol == "both") {
    auto w = BuildWorkload(*trace, SwfConventions::kRlScheduler, a.cpus);
    if (!w.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", w.status().message().c_str());
      return 1;
    }
    JitterSubmissions(*w, a.jitter_seed, jitter_ms);
    if (a.exact_predictions) UseExactPredictions(*w);
    RlProtocolOptions o{a.sequences, a.length, a.seed};
    auto rows = RunRlProtocol(*w, *policies, o, PredictorFor(*w));
    if (!rows.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", rows.status().message().c_str());
      return 1;
    }
    std::printf("\nRLScheduler protocol: %zu sequences of %zu jobs, seed %llu, RLScheduler's loader conventions\n",
                o.sequences, o.length, static_cast<unsigned long long>(o.seed));
    std::printf("%-16s %12s\n", "policy", "avg bsld");
    nlohmann::json rl = {{"sequences", o.sequences}, {"length", o.length}, {"seed", o.seed}};
    for (const auto& r : *rows) {
      std::printf("%-16s %12.2f\n", r.policy.c_str(), r.mean_bsld);
      rl["policies"][r.policy] = {{"avg_bounded_slowdown", r.mean_bsld}, {"per_sequence", r.per_sequence}};
    }
    json["rlscheduler"] = rl;
  }
  if (a.json) std::printf("%s\n", json.dump().c_str());
  return 0;
}

}  // namespace

void AddEvalSwfCommand(CLI::App& eval, int& exit_code) {
  auto* cmd = eval.add_subcommand("swf", "Replay a Parallel Workloads Archive trace (SWF) through the job scheduler");
  static SwfArgs args;
  cmd->add_option("--trace", args.trace, "SWF trace, plain or gzip")->required();
  cmd->add_option("--policy", args.policy, "fcfs, sjf, easy, sjf-easy, easy-sjbf, easy-predicted, sjf-predicted, hrrn-predicted, a comma-separated list, or all")
      ->capture_default_str();
  cmd->add_option("--protocol", args.protocol, "full (the whole trace), rlscheduler (sampled sequences), or both")
      ->check(CLI::IsMember({"full", "rlscheduler", "both"}))
      ->capture_default_str();
  cmd->add_option("--cpus", args.cpus, "machine size (default: the trace's MaxProcs)");
  cmd->add_option("--sequences", args.sequences, "rlscheduler protocol: sequences")->capture_default_str();
  cmd->add_option("--length", args.length, "rlscheduler protocol: jobs per sequence")->capture_default_str();
  cmd->add_option("--seed", args.seed, "rlscheduler protocol: sampling seed")->capture_default_str();
  cmd->add_flag("--exact-predictions", args.exact_predictions,
                "tell the prediction policies each job's actual run time (what perfect prediction would buy; no predictor runs)");
  cmd->add_option("--jitter-seed", args.jitter_seed,
                  "move every submission by a seeded random amount within +-jitter-s (0 = as recorded): how far figures move by chance")
      ->capture_default_str();
  cmd->add_option("--jitter-s", args.jitter_s, "largest move of a submission, seconds (with --jitter-seed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", args.json, "end with one JSON object of the headline figures");
  cmd->callback([&exit_code] { exit_code = RunSwf(args); });
}

}  // namespace hostmind::cli
