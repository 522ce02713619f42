#include "eval/nab_eval.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ctime>
#include <filesystem>

namespace hostmind {

namespace fs = std::filesystem;

namespace {

// The corpus score at `threshold`, or at the best threshold when it is NaN.
NabThresholdScore CorpusScore(const NabCorpus& corpus, const NabScores& scores, const NabCostMatrix& cost,
                              double threshold) {
  std::vector<NabSweepRow> rows;
  int32_t window_id = 0;
  for (size_t f = 0; f < corpus.files.size(); ++f) {
    AppendSweepRows(scores[f], corpus.files[f].windows, cost, window_id, rows);
    window_id += static_cast<int32_t>(corpus.files[f].windows.size());
  }
  auto by_threshold = ScoreByThreshold(std::move(rows), cost);
  return std::isnan(threshold) ? BestThreshold(by_threshold) : ScoreAtThreshold(by_threshold, threshold);
}

// A score as NAB's results files hold it: 12 significant digits.
double AsWrittenByNab(double score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", score);
  return std::strtod(buf, nullptr);
}

std::string FileName(const std::string& relative) { return fs::path(relative).filename().string(); }
std::string Category(const std::string& relative) { return fs::path(relative).parent_path().string(); }

}  // namespace

const NabProfileResult* NabDetectorResult::Find(const std::string& key) const {
  for (const auto& p : profiles) {
    if (p.profile.key == key || p.profile.name == key) return &p;
  }
  return nullptr;
}

NabDetectorResult ScoreNab(const NabCorpus& corpus, const NabScores& scores, const std::string& detector,
                           const std::vector<double>* thresholds) {
  // The null detector (NAB's: a constant 0.5) fixes 0 on the normalised scale.
  NabScores null_scores;
  for (const auto& f : corpus.files) null_scores.emplace_back(f.values.size(), 0.5);

  NabDetectorResult result;
  result.detector = detector;
  const auto& profiles = NabProfiles();
  for (size_t p = 0; p < profiles.size(); ++p) {
    NabProfileResult r;
    r.profile = profiles[p];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    r.null_raw = CorpusScore(corpus, null_scores, r.profile.cost, nan).score;
    r.perfect_raw = static_cast<double>(corpus.window_count()) * r.profile.cost.tp_weight;
    r.best = CorpusScore(corpus, scores, r.profile.cost, thresholds ? (*thresholds)[p] : nan);
    r.normalized = NormalizeNabScore(r.best.score, r.null_raw, r.perfect_raw);
    result.profiles.push_back(r);
  }
  return result;
}

NabDetectorResult PoolNab(const std::vector<NabDetectorResult>& parts, const std::string& detector) {
  NabDetectorResult pooled;
  pooled.detector = detector;
  for (size_t p = 0; p < NabProfiles().size(); ++p) {
    NabProfileResult r;
    r.profile = NabProfiles()[p];
    r.best.threshold = std::numeric_limits<double>::quiet_NaN();  // each part has its own
    for (const auto& part : parts) {
      const NabProfileResult& q = part.profiles[p];
      r.best.score += q.best.score;
      r.best.tp += q.best.tp;
      r.best.fp += q.best.fp;
      r.best.tn += q.best.tn;
      r.best.fn += q.best.fn;
      r.null_raw += q.null_raw;
      r.perfect_raw += q.perfect_raw;
    }
    r.normalized = NormalizeNabScore(r.best.score, r.null_raw, r.perfect_raw);
    pooled.profiles.push_back(r);
  }
  return pooled;
}

NabCorpus NabFold(const NabCorpus& corpus, int fold, int folds) {
  NabCorpus part;
  for (size_t i = 0; i < corpus.files.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(folds)) == fold) part.files.push_back(corpus.files[i]);
  }
  return part;
}

NabScores RunOnNab(const NabCorpus& corpus, const std::function<std::vector<double>(const NabDataFile&)>& score_file) {
  NabScores out;
  out.reserve(corpus.files.size());
  for (const auto& f : corpus.files) {
    std::vector<double> scores = score_file(f);
    for (double& s : scores) s = AsWrittenByNab(s);
    out.push_back(std::move(scores));
  }
  return out;
}

Result<NabScores> LoadNabResults(const NabCorpus& corpus, const std::string& dir) {
  const std::string detector = fs::path(dir).lexically_normal().filename().string().empty()
                                   ? fs::path(dir).lexically_normal().parent_path().filename().string()
                                   : fs::path(dir).lexically_normal().filename().string();
  NabScores out;
  for (const auto& f : corpus.files) {
    const fs::path p = fs::path(dir) / Category(f.relative_path) / (detector + "_" + FileName(f.relative_path));
    auto scores = LoadNabScores(p.string(), f);
    if (!scores.ok()) return scores.status();
    out.push_back(std::move(*scores));
  }
  return out;
}

Status WriteNabResults(const NabCorpus& corpus, const NabScores& scores, const std::string& dir,
                       const std::string& detector) {
  for (size_t i = 0; i < corpus.files.size(); ++i) {
    const NabDataFile& f = corpus.files[i];
    const fs::path folder = fs::path(dir) / detector / Category(f.relative_path);
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Status::IoError("mkdir " + folder.string() + ": " + ec.message());
    const fs::path p = folder / (detector + "_" + FileName(f.relative_path));
    std::FILE* out = std::fopen(p.c_str(), "w");
    if (!out) return Status::FromErrno(errno, "write " + p.string());
    std::fprintf(out, "timestamp,anomaly_score\n");
    for (size_t r = 0; r < f.timestamps.size(); ++r) {
      std::time_t t = static_cast<std::time_t>(f.timestamps[r]);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
      std::fprintf(out, "%s,%.17g\n", stamp, scores[i][r]);
    }
    if (std::fclose(out) != 0) return Status::FromErrno(errno, "write " + p.string());
  }
  return Status::Ok();
}

}  // namespace hostmind
