// `hostmind eval smd`: the Server Machine Dataset, trained and thresholded on train only.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/eval_support.h"
#include "cli/progress.h"
#include "eval/smd.h"

namespace hostmind::cli {

namespace {

struct SmdArgs {
  std::string data;
  std::string mode = "online";
  double tail = 0.001;  // a priori: one flagged minute in a thousand of normal operation
  bool json = false;
  std::vector<std::string> set;  // knob=value overrides of the shipped constants
};

int RunSmd(const SmdArgs& args) {
  if (args.data.empty()) {
    std::fprintf(stderr, "hostmind eval smd: no SMD data: pass --data DIR (with train/, test/, test_label/)\n");
    return 2;
  }
  auto machines = LoadSmd(args.data);
  if (!machines.ok()) {
    std::fprintf(stderr, "hostmind eval smd: %s\n", machines.status().message().c_str());
    return 1;
  }
  if (args.mode != "online" && args.mode != "frozen") {
    std::fprintf(stderr, "hostmind eval smd: --mode must be online or frozen\n");
    return 2;
  }
  const SmdMode mode = args.mode == "online" ? SmdMode::kOnline : SmdMode::kFrozen;
  std::printf("SMD %s: %zu machines. Learn on train; threshold from train (the score %.3g%% of train minutes\n"
              "exceed); then test as a %s stream. F1 = point-wise (honest); PA-F1 = point-adjusted (a segment\n"
              "counts when any minute of it is flagged, as most SMD papers report); best PA-F1 = at the best\n"
              "threshold chosen on the test labels (an upper bound, not a result). A minute's score is the rarer,\n"
              "on train, of the largest per-metric anomaly score and the metrics' correlation residual.\n",
              args.data.c_str(), machines->size(), 100 * args.tail,
              mode == SmdMode::kOnline ? "live (still learning)" : "frozen-model");
  std::printf("  %-12s %8s %8s %8s %8s %8s %9s %8s\n", "machine", "rows", "anom%", "F1", "PA-F1", "PA-prec", "PA-recall",
              "best-PA");
  AnomalyTuning tuning = DefaultAnomalyTuning();
  if (!ApplyTuningOverrides(args.set, tuning, "hostmind eval smd")) return 2;
  const size_t warmup = AnomalyDetectorOptions().warmup_samples;
  double sum_f1 = 0, sum_pa = 0, sum_best = 0;
  nlohmann::json per_machine = nlohmann::json::object();
  uint64_t total_rows = 0;
  for (const auto& m : *machines) total_rows += m.train.size() + m.test.size();
  Progress progress("smd", total_rows, "rows");
  for (const auto& m : *machines) {
    const SmdScores scores = ScoreSmd(m, tuning, mode);
    progress.Clear();
    const double threshold = SmdThreshold(scores.train, warmup, args.tail);
    const F1Score pw = PointwiseF1(scores.test, m.labels, threshold);
    const F1Score pa = PointAdjustedF1(scores.test, m.labels, threshold);
    double best_threshold = 0;
    const F1Score best = BestPointAdjustedF1(scores.test, m.labels, &best_threshold);
    size_t anomalous = 0;
    for (uint8_t l : m.labels) anomalous += l;
    std::printf("  %-12s %8zu %7.2f%% %8.3f %8.3f %8.3f %9.3f %8.3f   threshold %.4f (best %.4f)\n", m.name.c_str(),
                m.test.size(), 100.0 * static_cast<double>(anomalous) / static_cast<double>(m.labels.size()), pw.f1,
                pa.f1, pa.precision, pa.recall, best.f1, threshold, best_threshold);
    sum_f1 += pw.f1;
    sum_pa += pa.f1;
    sum_best += best.f1;
    per_machine[m.name] = {{"f1", Round(pw.f1, 4)},
                           {"pa_f1", Round(pa.f1, 4)},
                           {"best_pa_f1", Round(best.f1, 4)},
                           {"correlation_components", scores.components}};
    progress.Add(m.train.size() + m.test.size());
  }
  progress.Finish();
  const double n = static_cast<double>(machines->size());
  std::printf("  %-12s %8s %8s %8.3f %8.3f %8s %9s %8.3f\n", "mean", "", "", sum_f1 / n, sum_pa / n, "", "",
              sum_best / n);
  if (args.json) {
    PrintHeadlineJson({{"mode", args.mode},
                       {"train_tail", args.tail},
                       {"pointwise_f1", Round(sum_f1 / n, 4)},
                       {"point_adjusted_f1", Round(sum_pa / n, 4)},
                       {"best_threshold_point_adjusted_f1", Round(sum_best / n, 4)},
                       {"machines", per_machine}});
  }
  return 0;
}

}  // namespace

void AddEvalSmdCommand(CLI::App& eval, int& exit_code) {
  auto args = std::make_shared<SmdArgs>();
  args->data = DefaultDataDir("metrics/SMD");
  auto* cmd = eval.add_subcommand("smd", "Server Machine Dataset: train-only learning and threshold, point-wise and point-adjusted F1");
  cmd->add_option("--data", args->data, "SMD root (train/, test/, test_label/)")->capture_default_str();
  cmd->add_option("--mode", args->mode, "online (keeps learning, as live) or frozen (scores against train)")
      ->capture_default_str();
  cmd->add_option("--tail", args->tail, "fraction of train minutes the threshold lets through")->capture_default_str();
  cmd->add_option("--set", args->set, "evaluate with a constant changed: knob=value (repeatable)");
  cmd->add_flag("--json", args->json, "end with one JSON object of the headline figures");
  cmd->callback([args, &exit_code] { exit_code = RunSmd(*args); });
}

}  // namespace hostmind::cli
