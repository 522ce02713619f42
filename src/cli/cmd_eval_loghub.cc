// hostmind eval loghub: template mining on the Loghub-2k sets, scored as the published tables.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/loghub.h"

namespace hostmind::cli {
namespace {

struct LoghubOptions {
  std::string data;
  std::string formats;
  std::string out_dir;
  bool json = false;
};

int RunEvalLoghub(const LoghubOptions& opt) {
  std::string data = opt.data;
  if (data.empty()) data = "../shared/data/logs/loghub2k";
  if (!std::filesystem::is_directory(data)) {
    std::fprintf(stderr, "hostmind: no Loghub data at %s (give --data DIR)\n", data.c_str());
    return 2;
  }
  std::string formats_path = opt.formats.empty() ? data + "/../loghub_formats.tsv" : opt.formats;
  auto formats = ReadLoghubFormats(formats_path);
  if (!formats.ok()) {
    std::fprintf(stderr, "hostmind: %s (give --formats FILE)\n", formats.status().ToString().c_str());
    return 2;
  }
  std::vector<std::string> names = FindLoghubDatasets(data);
  if (names.empty()) {
    std::fprintf(stderr, "hostmind: no <Name>/<Name>_2k.log under %s\n", data.c_str());
    return 2;
  }

  const TemplateMinerConfig config;  // one configuration for every dataset
  nlohmann::ordered_json out;
  double sum_ga = 0, sum_pa = 0, sum_rate = 0, sum_drain = 0, sum_drain_rate = 0;
  int n_ga = 0, n_pa = 0, failures = 0;
  std::printf("%-12s %6s %5s %5s %7s %7s %11s | %9s %11s\n", "dataset", "lines", "truth", "found", "GA", "PA",
              "lines/s", "Drain GA", "Drain l/s");
  for (const std::string& name : names) {
    auto fmt = formats->find(name);
    if (fmt == formats->end()) {
      std::fprintf(stderr, "hostmind: %s: no header format in %s, skipped\n", name.c_str(), formats_path.c_str());
      ++failures;
      continue;
    }
    auto r = EvaluateLoghubDataset(data, name, fmt->second, config);
    if (!r.ok()) {
      std::fprintf(stderr, "hostmind: %s: %s\n", name.c_str(), r.status().ToString().c_str());
      ++failures;
      continue;
    }
    if (!opt.out_dir.empty()) {
      Status w = WriteLoghubStructured(*r, opt.out_dir + "/" + name + "_2k.log_structured.csv");
      if (!w.ok()) std::fprintf(stderr, "hostmind: %s\n", w.ToString().c_str());
    }
    std::printf("%-12s %6zu %5zu %5zu %7.4f %7s %11.0f | %9.4f %11.0f\n", name.c_str(), r->messages,
                r->truth_templates, r->templates, r->grouping.accuracy,
                r->parsing_accuracy < 0 ? "-" : std::to_string(r->parsing_accuracy).substr(0, 6).c_str(),
                r->lines_per_s, r->drain.accuracy, r->drain_lines_per_s);
    nlohmann::ordered_json d;
    d["ga"] = r->grouping.accuracy;
    d["pa"] = r->parsing_accuracy < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r->parsing_accuracy);
    d["f_measure"] = r->grouping.f_measure;
    d["lines_per_s"] = r->lines_per_s;
    d["templates"] = r->templates;
    d["truth_templates"] = r->truth_templates;
    d["drain_ga"] = r->drain.accuracy;
    d["drain_lines_per_s"] = r->drain_lines_per_s;
    out[name] = d;
    sum_ga += r->grouping.accuracy;
    ++n_ga;
    sum_rate += r->lines_per_s;
    sum_drain += r->drain.accuracy;
    sum_drain_rate += r->drain_lines_per_s;
    if (r->parsing_accuracy >= 0) {
      sum_pa += r->parsing_accuracy;
      ++n_pa;
    }
  }
  if (n_ga == 0) return 1;
  out["average_ga"] = sum_ga / n_ga;
  out["average_pa"] = n_pa ? nlohmann::ordered_json(sum_pa / n_pa) : nlohmann::ordered_json(nullptr);
  out["average_lines_per_s"] = sum_rate / n_ga;
  out["drain_average_ga"] = sum_drain / n_ga;
  out["drain_average_lines_per_s"] = sum_drain_rate / n_ga;
  out["datasets"] = n_ga;
  std::printf("%-12s %6s %5s %5s %7.4f %7.4f %11.0f | %9.4f %11.0f\n", "average", "", "", "", sum_ga / n_ga,
              n_pa ? sum_pa / n_pa : 0.0, sum_rate / n_ga, sum_drain / n_ga, sum_drain_rate / n_ga);
  std::printf("lines/s: template mining per CPU-second of one thread, from an empty state (header split excluded)\n");
  std::printf("Drain: depth 4, similarity 0.4, 100 children, one configuration for all sets (no per-set masks)\n");
  if (opt.json) std::printf("%s\n", out.dump().c_str());
  return failures ? 1 : 0;
}

}  // namespace

void AddEvalLoghubCommand(CLI::App& eval, int& exit_code) {
  static LoghubOptions opt;
  auto* cmd = eval.add_subcommand("loghub", "Template mining on the Loghub-2k sets: grouping and parsing accuracy");
  cmd->add_option("--data", opt.data, "folder of <Name>/<Name>_2k.log* sets (default ../shared/data/logs/loghub2k)");
  cmd->add_option("--formats", opt.formats, "header formats, dataset<TAB>format (default DATA/../loghub_formats.tsv)");
  cmd->add_option("--out", opt.out_dir, "write each set's parsed <Name>_2k.log_structured.csv into this folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", opt.json, "end with one JSON object of the headline figures");
  cmd->callback([&exit_code] { exit_code = RunEvalLoghub(opt); });
}

}  // namespace hostmind::cli
