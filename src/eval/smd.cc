#include "eval/smd.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "learn/correlation_detector.h"

namespace hostmind {

namespace fs = std::filesystem;

namespace {

Result<std::vector<std::vector<float>>> ReadMatrix(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("read " + path.string() + ": cannot open");
  std::vector<std::vector<float>> rows;
  std::string line;
  size_t width = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    std::vector<float> row;
    const char* p = line.c_str();
    while (*p) {
      char* end = nullptr;
      const float v = std::strtof(p, &end);
      if (end == p) return Status::Corrupt(path.string() + ":" + std::to_string(rows.size() + 1) + ": bad number");
      row.push_back(v);
      p = end;
      while (*p == ',' || *p == ' ' || *p == '\r') ++p;
    }
    if (width == 0) width = row.size();
    if (row.size() != width)
      return Status::Corrupt(path.string() + ":" + std::to_string(rows.size() + 1) + ": expected " +
                             std::to_string(width) + " columns");
    rows.push_back(std::move(row));
  }
  return rows;
}

F1Score FromCounts(double tp, double fp, double fn) {
  F1Score s;
  s.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  s.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  return s;
}

// Flags after the point adjustment: every labelled segment with a flagged row is flagged whole.
std::vector<uint8_t> Adjusted(const std::vector<double>& scores, const std::vector<uint8_t>& labels, double threshold) {
  std::vector<uint8_t> flags(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) flags[i] = scores[i] >= threshold;
  for (size_t i = 0; i < labels.size();) {
    if (!labels[i]) {
      ++i;
      continue;
    }
    size_t end = i;
    bool hit = false;
    while (end < labels.size() && labels[end]) hit |= flags[end++];
    if (hit) std::fill(flags.begin() + static_cast<std::ptrdiff_t>(i), flags.begin() + static_cast<std::ptrdiff_t>(end), 1);
    i = end;
  }
  return flags;
}

F1Score F1OfFlags(const std::vector<uint8_t>& flags, const std::vector<uint8_t>& labels) {
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < flags.size(); ++i) {
    tp += flags[i] && labels[i];
    fp += flags[i] && !labels[i];
    fn += !flags[i] && labels[i];
  }
  return FromCounts(tp, fp, fn);
}

}  // namespace

Result<std::vector<SmdMachine>> LoadSmd(const std::string& root) {
  const fs::path train_dir = fs::path(root) / "train";
  std::error_code ec;
  if (!fs::is_directory(train_dir, ec)) return Status::NotFound(train_dir.string() + ": not a directory (expected SMD's train/)");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(train_dir, ec)) {
    if (e.path().extension() == ".txt") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<SmdMachine> machines;
  for (const std::string& name : names) {
    const fs::path test = fs::path(root) / "test" / (name + ".txt");
    const fs::path label = fs::path(root) / "test_label" / (name + ".txt");
    if (!fs::exists(test, ec) || !fs::exists(label, ec)) continue;
    SmdMachine m;
    m.name = name;
    auto train_rows = ReadMatrix(train_dir / (name + ".txt"));
    if (!train_rows.ok()) return train_rows.status();
    auto test_rows = ReadMatrix(test);
    if (!test_rows.ok()) return test_rows.status();
    auto label_rows = ReadMatrix(label);
    if (!label_rows.ok()) return label_rows.status();
    m.train = std::move(*train_rows);
    m.test = std::move(*test_rows);
    for (const auto& row : *label_rows) m.labels.push_back(!row.empty() && row[0] != 0);
    if (m.labels.size() != m.test.size())
      return Status::Corrupt(label.string() + ": " + std::to_string(m.labels.size()) + " labels for " +
                             std::to_string(m.test.size()) + " test rows");
    if (!m.train.empty() && !m.test.empty() && m.train[0].size() != m.test[0].size())
      return Status::Corrupt(name + ": train and test have different widths");
    machines.push_back(std::move(m));
  }
  if (machines.empty()) return Status::NotFound(root + ": no machine with train/, test/ and test_label/ files");
  return machines;
}

SmdScores ScoreSmd(const SmdMachine& machine, const AnomalyTuning& tuning, SmdMode mode) {
  const size_t width = machine.train.empty() ? 0 : machine.train[0].size();
  AnomalyDetectorOptions options;
  options.tuning = &tuning;
  std::vector<AnomalyDetector> detectors(width, AnomalyDetector(options));
  CorrelationOptions correlation_options;
  correlation_options.learning_steps = machine.train.size();  // learn train evenly, then follow test
  CorrelationDetector correlation(width, correlation_options);
  std::vector<double> values(width);
  SmdScores out;
  std::vector<double> train_residual, test_residual;
  TimeMs ts = 0;  // SMD has one row per minute and no timestamps
  auto step = [&](const std::vector<float>& row, std::vector<double>& scores, std::vector<double>& residuals,
                  std::vector<int>* metric) {
    ts += kMsPerMinute;
    double best = 0;
    int best_metric = -1;
    for (size_t d = 0; d < width; ++d) {
      values[d] = row[d];
      const double s = detectors[d].Observe(ts, row[d]).raw_score;
      if (s > best) best = s, best_metric = static_cast<int>(d);
    }
    scores.push_back(best);
    residuals.push_back(correlation.Observe(values));
    if (metric) metric->push_back(best_metric);
  };
  for (const auto& row : machine.train) step(row, out.train, train_residual, nullptr);
  if (mode == SmdMode::kFrozen) {
    for (auto& d : detectors) d.Freeze(true);
    correlation.Freeze(true);
  }
  for (const auto& row : machine.test) step(row, out.test, test_residual, &out.test_metric);
  out.components = correlation.components();
  // Calibrate both views by train after the detectors' warm-up, then take the rarer.
  const size_t warmup = std::min<size_t>(options.warmup_samples, out.train.size());
  auto reference = [&](const std::vector<double>& v) {
    std::vector<double> r(v.begin() + static_cast<std::ptrdiff_t>(warmup), v.end());
    std::sort(r.begin(), r.end());
    return r;
  };
  const std::vector<double> band_ref = reference(out.train), residual_ref = reference(train_residual);
  if (band_ref.empty()) return out;
  auto join = [&](std::vector<double>& scores, const std::vector<double>& residuals) {
    for (size_t i = 0; i < scores.size(); ++i)
      scores[i] = std::max(TailPosition(band_ref, scores[i], kAnomalyThreshold), TailPosition(residual_ref, residuals[i]));
  };
  join(out.train, train_residual);
  join(out.test, test_residual);
  return out;
}

double TailPosition(const std::vector<double>& reference, double x, double floor) {
  const double largest = reference.back();
  const double top = std::max(largest, floor);
  if (x > top) {
    const double q99 = reference[static_cast<size_t>(0.99 * static_cast<double>(reference.size() - 1))];
    return 1.0 + (x - top) / std::max(largest - q99, 1e-12);
  }
  if (x >= largest) return 1.0;
  const auto at_or_below = std::upper_bound(reference.begin(), reference.end(), x) - reference.begin();
  return static_cast<double>(at_or_below) / static_cast<double>(reference.size());
}

F1Score PointwiseF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels, double threshold) {
  std::vector<uint8_t> flags(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) flags[i] = scores[i] >= threshold;
  return F1OfFlags(flags, labels);
}

F1Score PointAdjustedF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels, double threshold) {
  return F1OfFlags(Adjusted(scores, labels, threshold), labels);
}

F1Score BestPointAdjustedF1(const std::vector<double>& scores, const std::vector<uint8_t>& labels,
                            double* best_threshold) {
  std::vector<double> candidates(scores);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  // Every distinct score is a threshold; 1000 evenly spaced ranks are as good and bounded.
  F1Score best;
  const size_t n = candidates.size();
  const size_t steps = std::min<size_t>(n, 1000);
  for (size_t k = 0; k < steps; ++k) {
    const double t = candidates[n - 1 - k * (n - 1) / std::max<size_t>(steps - 1, 1)];
    if (t <= 0) continue;
    const F1Score s = PointAdjustedF1(scores, labels, t);
    if (s.f1 > best.f1) {
      best = s;
      if (best_threshold) *best_threshold = t;
    }
  }
  return best;
}

double SmdThreshold(const std::vector<double>& train_scores, size_t warmup, double tail) {
  if (train_scores.size() <= warmup) return 1.0;
  std::vector<double> sorted(train_scores.begin() + static_cast<std::ptrdiff_t>(warmup), train_scores.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t k = static_cast<size_t>((1.0 - tail) * static_cast<double>(sorted.size() - 1));
  // Strictly above, so at most `tail` of train is flagged; never below the detector's own alert
  // threshold (a train period without a single excursion would otherwise flag any wiggle).
  return std::max(std::nextafter(sorted[k], 2.0), kAnomalyThreshold);
}

}  // namespace hostmind
