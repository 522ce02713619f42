// `hostmind eval nab`: NAB's scoring, exactly, on our detector and the windowedGaussian baseline
// (run in the same invocation), or on a published detector's outputs (--scores).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/eval_support.h"
#include "eval/nab_detectors.h"
#include "eval/nab_tuner.h"

namespace hostmind::cli {

namespace {

struct NabArgs {
  std::string data;
  std::string profile;
  std::string scores;
  std::string write_scores;
  bool json = false;
  bool tune = false;
  bool cv = false;
  int rounds = 3;
  std::vector<std::string> set;  // knob=value overrides of the shipped constants
};

// The profiles to report: all three, or the one asked for.
std::vector<const NabProfile*> Profiles(const std::string& only) {
  std::vector<const NabProfile*> out;
  for (const auto& p : NabProfiles()) {
    if (only.empty() || p.key == only || p.name == only) out.push_back(&p);
  }
  return out;
}

void PrintRow(const NabDetectorResult& r, const std::vector<const NabProfile*>& profiles,
              const NabPublished* published, const std::string& published_name) {
  std::printf("  %-34s", r.detector.c_str());
  for (const auto* p : profiles) std::printf("  %8.2f", r.Find(p->key)->normalized);
  std::printf("   thresholds");
  for (const auto* p : profiles) std::printf(" %.6g", r.Find(p->key)->best.threshold);
  if (published && published->count(published_name)) {
    std::printf("   published");
    for (const auto* p : profiles) {
      const auto& m = published->at(published_name);
      auto it = m.find(p->name);
      if (it == m.end()) continue;
      std::printf(" %.2f (diff %+.4f)", it->second, r.Find(p->key)->normalized - it->second);
    }
  }
  std::printf("\n");
}

void PrintHeader(const std::vector<const NabProfile*>& profiles) {
  std::printf("  %-34s", "detector");
  for (const auto* p : profiles) std::printf("  %8s", p->key.c_str());
  std::printf("\n");
}

nlohmann::json Figures(const NabDetectorResult& r, const std::vector<const NabProfile*>& profiles) {
  nlohmann::json j;
  for (const auto* p : profiles) j[p->key] = Round(r.Find(p->key)->normalized, 2);
  return j;
}

int RunNab(const NabArgs& args) {
  if (args.data.empty()) {
    std::fprintf(stderr, "hostmind eval nab: no NAB data: pass --data DIR (the NAB repository's root)\n");
    return 2;
  }
  const auto profiles = Profiles(args.profile);
  if (profiles.empty()) {
    std::fprintf(stderr, "hostmind eval nab: unknown profile '%s' (standard, low_fp, low_fn)\n", args.profile.c_str());
    return 2;
  }
  auto corpus = LoadNabCorpus(args.data);
  if (!corpus.ok()) {
    std::fprintf(stderr, "hostmind eval nab: %s\n", corpus.status().message().c_str());
    return 1;
  }
  size_t rows = 0;
  for (const auto& f : corpus->files) rows += f.values.size();
  std::printf("NAB corpus %s: %zu files, %zu rows, %zu windows\n", args.data.c_str(), corpus->files.size(), rows,
              corpus->window_count());
  auto published = LoadNabPublished((std::filesystem::path(args.data) / "results" / "final_results.json").string());
  if (!published.ok()) {
    std::fprintf(stderr, "hostmind eval nab: %s\n", published.status().message().c_str());
    return 1;
  }
  nlohmann::json headline;

  if (!args.scores.empty()) {
    // A published detector's outputs, scored with our scorer (threshold optimisation included).
    auto scores = LoadNabResults(*corpus, args.scores);
    if (!scores.ok()) {
      std::fprintf(stderr, "hostmind eval nab: %s\n", scores.status().message().c_str());
      return 1;
    }
    const std::string name = std::filesystem::path(args.scores).lexically_normal().filename().string();
    const auto result = ScoreNab(*corpus, *scores, name);
    PrintHeader(profiles);
    PrintRow(result, profiles, &*published, name);
    headline = Figures(result, profiles);
    headline["detector"] = name;
    if (args.json) PrintHeadlineJson(headline);
    return 0;
  }

  AnomalyTuning tuning = DefaultAnomalyTuning();
  if (!ApplyTuningOverrides(args.set, tuning, "hostmind eval nab")) return 2;
  auto log = [](const std::string& line) {
    std::printf("    %s\n", line.c_str());
    std::fflush(stdout);
  };
  if (args.tune) {
    std::printf("tuning on the whole corpus (in-sample, as every NAB entry):\n");
    tuning = TuneOnNab(*corpus, tuning, args.rounds, log);
  }

  const auto ours = ScoreNab(*corpus, RunAnomalyDetectorOnNab(*corpus, tuning), "hostmind");
  const auto wg = ScoreNab(*corpus, RunWindowedGaussianOnNab(*corpus, kPublishedWindowedGaussian),
                                 "windowedGaussian (6400/100)");
  const auto wg_source = ScoreNab(
      *corpus, RunWindowedGaussianOnNab(*corpus, kNabSourceWindowedGaussian), "windowedGaussian (1000/1)");
  std::printf("normalised NAB scores (0 = null detector, 100 = perfect), threshold optimised per profile over\n"
              "the whole corpus as NAB does:\n");
  PrintHeader(profiles);
  PrintRow(ours, profiles, nullptr, "");
  PrintRow(wg, profiles, &*published, "windowedGaussian");
  PrintRow(wg_source, profiles, nullptr, "");
  for (const char* name : {"ARTime", "numenta", "windowedGaussian"}) {
    auto it = published->find(name);
    if (it == published->end()) continue;
    std::printf("  published %-24s", name);
    for (const auto* p : profiles) std::printf("  %8.2f", it->second.count(p->name) ? it->second.at(p->name) : 0.0);
    std::printf("\n");
  }
  headline = Figures(ours, profiles);
  headline["windowed_gaussian"] = Figures(wg, profiles);
  headline["windowed_gaussian_nab_source"] = Figures(wg_source, profiles);
  for (const auto* p : profiles) headline["thresholds"][p->key] = ours.Find(p->key)->best.threshold;

  if (args.cv) {
    std::printf("2-fold cross-validation: tune constants (from untuned round values) and thresholds on half\n"
                "the files, score the other half with them, both ways round:\n");
    const auto cv = CrossValidateOnNab(*corpus, UntunedAnomalyTuning(), args.rounds, log);
    PrintHeader(profiles);
    PrintRow(cv.held_out[0], profiles, nullptr, "");
    PrintRow(cv.held_out[1], profiles, nullptr, "");
    PrintRow(cv.pooled, profiles, nullptr, "");
    headline["held_out"] = Figures(cv.pooled, profiles);
  }
  if (!args.write_scores.empty()) {
    Status s = WriteNabResults(*corpus, RunAnomalyDetectorOnNab(*corpus, tuning), args.write_scores,
                                     "hostmind");
    if (!s.ok()) {
      std::fprintf(stderr, "hostmind eval nab: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("scores written under %s/hostmind/ in NAB's results layout\n", args.write_scores.c_str());
  }
  if (args.json) PrintHeadlineJson(headline);
  return 0;
}

}  // namespace

void AddEvalNabCommand(CLI::App& eval, int& exit_code) {
  auto args = std::make_shared<NabArgs>();
  args->data = DefaultDataDir("metrics/NAB");
  auto* cmd = eval.add_subcommand("nab", "Numenta Anomaly Benchmark: NAB's scorer, our detector, windowedGaussian");
  cmd->add_option("--data", args->data, "NAB root (data/, labels/, results/)")->capture_default_str();
  cmd->add_option("--profile", args->profile, "report one profile: standard, low_fp or low_fn");
  cmd->add_option("--scores", args->scores, "score a published detector's outputs: results/<detector>");
  cmd->add_option("--write-scores", args->write_scores, "also write our detector's outputs in NAB's layout under DIR");
  cmd->add_flag("--tune", args->tune, "re-tune the detector's constants on the corpus first (coordinate search)");
  cmd->add_flag("--cv", args->cv, "also report a 2-fold cross-validated (held-out) score");
  cmd->add_option("--rounds", args->rounds, "passes of the coordinate search (--tune, --cv)")->capture_default_str();
  cmd->add_option("--set", args->set, "evaluate with a constant changed: knob=value (repeatable; --tune starts there)");
  cmd->add_flag("--json", args->json, "end with one JSON object of the headline figures");
  cmd->callback([args, &exit_code] { exit_code = RunNab(*args); });
}

}  // namespace hostmind::cli
