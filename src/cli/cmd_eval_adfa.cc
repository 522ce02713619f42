// hostmind eval adfa: system-call anomaly detection on ADFA-LD, hostmind's model and the
// baselines trained and scored in the same run.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/adfa.h"

namespace hostmind::cli {
namespace {

struct AdfaOptions {
  std::string data;
  bool json = false;
  bool more_normals = false;
};

int RunEvalAdfa(const AdfaOptions& opt) {
  std::string dir = opt.data.empty() ? "../shared/data/security/ADFA-LD" : opt.data;
  if (!std::filesystem::is_directory(dir)) {
    std::fprintf(stderr, "hostmind: no ADFA-LD data at %s (give --data DIR)\n", dir.c_str());
    return 2;
  }
  auto data = ReadAdfa(dir);
  if (!data.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", data.status().ToString().c_str());
    return 2;
  }
  if (opt.more_normals) MoveHalfOfValidationIntoTraining(*data);
  std::printf("ADFA-LD%s: %zu training, %zu validation (normal), %zu attack traces\n",
              opt.more_normals ? " (bound: half the validation normals moved into training)" : "", data->train.size(),
              data->validation.size(), data->attack.size());
  auto results = EvaluateAdfa(*data);
  const auto ordinary = OrdinaryStartups(*data);
  const size_t ordinary_count = static_cast<size_t>(std::count(ordinary.begin(), ordinary.end(), true));
  std::printf("%zu attack traces start like a training trace (same first 40 calls: an ordinary program); "
              "ceiling = AUC if every other attack outranked every normal\n",
              ordinary_count);
  std::printf("%-8s %7s %8s %8s %8s %7s  %s\n", "method", "AUC", "ceiling", "DR@1%FP", "DR@5%FP", "sec",
              "per-attack AUC");
  nlohmann::ordered_json methods = nlohmann::ordered_json::object();
  for (const auto& r : results) {
    std::string per;
    for (const auto& [name, auc] : r.auc_by_attack) per += name + " " + std::to_string(auc).substr(0, 5) + "  ";
    std::printf("%-8s %7.4f %8.4f %8.3f %8.3f %7.1f  %s\n", r.method.c_str(), r.auc, r.auc_ceiling,
                r.detection_at_1pct, r.detection_at_5pct, r.seconds, per.c_str());
    methods[r.method] = {{"description", r.description}, {"auc", r.auc}, {"auc_ceiling", r.auc_ceiling},
                         {"detection_at_1pct_fpr", r.detection_at_1pct},
                         {"detection_at_5pct_fpr", r.detection_at_5pct},
                         {"auc_by_attack", r.auc_by_attack}, {"seconds", r.seconds}};
  }
  if (opt.json) {
    const auto& best = results.front();  // hostmind's model comes first
    nlohmann::ordered_json out = {{"dataset", "ADFA-LD"},
                                  {"split", opt.more_normals ? "more-normals (a bound, not the benchmark)" : "standard"},
                                  {"train", data->train.size()},
                                  {"validation", data->validation.size()},
                                  {"attack", data->attack.size()},
                                  {"model", best.method},
                                  {"auc", best.auc},
                                  {"detection_at_1pct_fpr", best.detection_at_1pct},
                                  {"detection_at_5pct_fpr", best.detection_at_5pct},
                                  {"target_auc", 0.95},
                                  {"ordinary_startup_attacks", ordinary_count},
                                  {"auc_ceiling", best.auc_ceiling},
                                  {"methods", methods}};
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}

}  // namespace

void AddEvalAdfaCommand(CLI::App& eval, int& exit_code) {
  auto* cmd = eval.add_subcommand("adfa", "System-call anomaly detection on ADFA-LD (model + STIDE and Markov baselines)");
  static AdfaOptions opt;
  cmd->add_option("--data", opt.data, "ADFA-LD directory (default ../shared/data/security/ADFA-LD)");
  cmd->add_flag("--more-normals", opt.more_normals,
                 "A bound: train also on every second validation normal, score the rest (what more normal data buys)");
  cmd->add_flag("--json", opt.json, "End with a JSON object of the headline figures");
  cmd->callback([&exit_code] { exit_code = RunEvalAdfa(opt); });
}

}  // namespace hostmind::cli
