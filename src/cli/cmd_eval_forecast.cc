// `hostmind eval forecast`: time-to-exhaustion on generated series with known exhaustion times,
// ours beside Prometheus' predict_linear over a 6 h window.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/eval_support.h"
#include "eval/forecast_eval.h"

namespace hostmind::cli {

namespace {

struct ForecastArgs {
  int per_kind = 40;
  uint64_t seed = 1;
  bool json = false;
};

double MedianOf(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

std::string Percent(double v) {
  if (std::isinf(v)) return "none";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

int RunForecast(const ForecastArgs& args) {
  const auto series = GenerateForecastSeries(args.per_kind, args.seed);
  const ForecastEvaluation e = EvaluateForecasts(series);
  std::printf("%zu generated series (seed %llu, %d per kind), one sample a minute. Filling series are forecast at\n"
              "half their time to exhaustion; error = |predicted - true| / true remaining time (no forecast =\n"
              "infinite). Stationary series are asked hourly, day 2 to 6, \"full within 24 h?\".\n",
              series.size(), static_cast<unsigned long long>(args.seed), args.per_kind);
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_kind;
  for (size_t i = 0; i < e.kinds.size(); ++i) {
    by_kind[e.kinds[i]].first.push_back(e.ours.errors[i]);
    by_kind[e.kinds[i]].second.push_back(e.predict_linear.errors[i]);
  }
  std::printf("  %-10s %14s %22s\n", "kind", "hostmind", "predict_linear (6h)");
  for (const auto& [kind, errors] : by_kind) {
    std::printf("  %-10s %14s %22s\n", kind.c_str(), Percent(MedianOf(errors.first)).c_str(),
                Percent(MedianOf(errors.second)).c_str());
  }
  const double ratio = e.ours.median_error > 0 ? e.predict_linear.median_error / e.ours.median_error : INFINITY;
  auto rate = [](const MethodResult& m) { return static_cast<double>(m.false_alarms) / m.alarm_checks; };
  auto series_rate = [](const MethodResult& m) {
    return static_cast<double>(m.series_with_false_alarm) / m.stationary_series;
  };
  std::printf("  %-10s %14s %22s   (predict_linear / hostmind = %.2fx)\n", "median", Percent(e.ours.median_error).c_str(),
              Percent(e.predict_linear.median_error).c_str(), ratio);
  std::printf("  truth inside hostmind's 90%% interval: %s of %d filling series\n", Percent(e.ours.within_interval).c_str(),
              e.filling);
  std::printf("  false alarms (stationary): hostmind %s of %d checks (%d of %d series), predict_linear %s (%d of %d "
              "series)\n",
              Percent(rate(e.ours)).c_str(), e.ours.alarm_checks, e.ours.series_with_false_alarm,
              e.ours.stationary_series, Percent(rate(e.predict_linear)).c_str(),
              e.predict_linear.series_with_false_alarm, e.predict_linear.stationary_series);
  if (args.json) {
    PrintHeadlineJson({{"median_relative_error", Round(e.ours.median_error, 4)},
                       {"predict_linear_median_relative_error", Round(e.predict_linear.median_error, 4)},
                       {"improvement", Round(ratio, 2)},
                       {"false_alarm_rate", Round(rate(e.ours), 4)},
                       {"predict_linear_false_alarm_rate", Round(rate(e.predict_linear), 4)},
                       {"series_with_false_alarm", Round(series_rate(e.ours), 4)},
                       {"predict_linear_series_with_false_alarm", Round(series_rate(e.predict_linear), 4)},
                       {"interval_coverage", Round(e.ours.within_interval, 4)}});
  }
  return 0;
}

}  // namespace

void AddEvalForecastCommand(CLI::App& eval, int& exit_code) {
  auto args = std::make_shared<ForecastArgs>();
  auto* cmd = eval.add_subcommand("forecast", "Time to exhaustion on generated series: ours vs predict_linear(6h)");
  cmd->add_option("--per-kind", args->per_kind, "series of each kind")->capture_default_str();
  cmd->add_option("--seed", args->seed, "generator seed")->capture_default_str();
  cmd->add_flag("--json", args->json, "end with one JSON object of the headline figures");
  cmd->callback([args, &exit_code] { exit_code = RunForecast(*args); });
}

}  // namespace hostmind::cli
