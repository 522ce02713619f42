#include "eval/nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace hostmind {

const std::vector<NabProfile>& NabProfiles() {
  static const std::vector<NabProfile> kProfiles = {
      {"standard", "standard", {1.0, 0.11, 1.0}},
      {"reward_low_FP_rate", "low_fp", {1.0, 0.22, 1.0}},
      {"reward_low_FN_rate", "low_fn", {1.0, 0.11, 2.0}},
  };
  return kProfiles;
}

size_t NabProbationRows(size_t rows) {
  // NAB: min(floor(0.15 * n), 0.15 * 5000).
  return std::min(static_cast<size_t>(std::floor(0.15 * static_cast<double>(rows))), size_t{750});
}

double NabScaledSigmoid(double relative_position) {
  if (relative_position >= 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * relative_position)) - 1.0;
}

void AppendSweepRows(const std::vector<double>& anomaly_scores, const std::vector<NabWindow>& windows,
                     const NabCostMatrix& cost, int32_t first_window_id, std::vector<NabSweepRow>& out) {
  const double max_tp = NabScaledSigmoid(-1.0);
  const size_t probation = NabProbationRows(anomaly_scores.size());
  size_t next_window = 0;
  int32_t current = NabSweepRow::kOutside;  // index into `windows` while inside one
  bool have_previous = false;
  double prev_right = 0, prev_width = 0;
  out.reserve(out.size() + anomaly_scores.size());
  for (size_t i = 0; i < anomaly_scores.size(); ++i) {
    if (current < 0 && next_window < windows.size() && i == windows[next_window].first) {
      current = static_cast<int32_t>(next_window++);
    }
    NabSweepRow row;
    row.anomaly_score = anomaly_scores[i];
    if (current >= 0) {
      const NabWindow& w = windows[current];
      const double width = static_cast<double>(w.last - w.first + 1);
      // NAB's "+ 1" means a detection on the right edge itself still earns a little.
      const double position = -(static_cast<double>(w.last) - static_cast<double>(i) + 1.0) / width;
      row.sweep_score = NabScaledSigmoid(position) * cost.tp_weight / max_tp;
      row.window = first_window_id + current;
    } else {
      // Before any window a false positive costs the full weight; after one, the cost grows
      // with the distance past its right edge, in units of its width.
      const double position =
          have_previous ? std::abs(prev_right - static_cast<double>(i)) / (prev_width - 1.0) : 3.0;
      row.sweep_score = NabScaledSigmoid(position) * cost.fp_weight;
      row.window = NabSweepRow::kOutside;
    }
    if (i < probation) row.window = NabSweepRow::kProbation;
    out.push_back(row);
    if (current >= 0 && i == windows[current].last) {
      have_previous = true;
      prev_right = static_cast<double>(i);
      prev_width = static_cast<double>(windows[current].last - windows[current].first + 1);
      current = NabSweepRow::kOutside;
    }
  }
}

std::vector<NabThresholdScore> ScoreByThreshold(std::vector<NabSweepRow> rows, const NabCostMatrix& cost) {
  std::erase_if(rows, [](const NabSweepRow& r) { return r.window == NabSweepRow::kProbation; });
  std::stable_sort(rows.begin(), rows.end(),
                   [](const NabSweepRow& a, const NabSweepRow& b) { return a.anomaly_score > b.anomaly_score; });

  // Each window starts as a false negative; its best detection so far replaces that.
  std::unordered_map<int32_t, double> window_part;
  NabThresholdScore cur;
  for (const NabSweepRow& r : rows) {
    if (r.window >= 0) {
      window_part.emplace(r.window, -cost.fn_weight);
      ++cur.fn;
    } else {
      ++cur.tn;
    }
  }
  double fp_part = 0;
  double windows_part = -cost.fn_weight * static_cast<double>(window_part.size());
  cur.threshold = 1.1;  // NAB's start: above every score, nothing detected
  cur.score = fp_part + windows_part;

  std::vector<NabThresholdScore> out;
  for (const NabSweepRow& r : rows) {
    if (r.anomaly_score != cur.threshold) {
      cur.score = fp_part + windows_part;
      out.push_back(cur);
      cur.threshold = r.anomaly_score;
    }
    if (r.window >= 0) {
      ++cur.tp;
      --cur.fn;
      double& part = window_part[r.window];
      if (r.sweep_score > part) {
        windows_part += r.sweep_score - part;
        part = r.sweep_score;
      }
    } else {
      ++cur.fp;
      --cur.tn;
      fp_part += r.sweep_score;
    }
  }
  cur.score = fp_part + windows_part;
  out.push_back(cur);
  return out;
}

NabThresholdScore BestThreshold(const std::vector<NabThresholdScore>& scores) {
  NabThresholdScore best = scores.front();
  for (const NabThresholdScore& s : scores) {
    if (s.score > best.score) best = s;
  }
  return best;
}

NabThresholdScore ScoreAtThreshold(const std::vector<NabThresholdScore>& scores, double threshold) {
  // Rows are ordered by falling threshold; the row for `threshold` counts every score >= it.
  const NabThresholdScore* prev = &scores.front();
  for (const NabThresholdScore& s : scores) {
    if (s.threshold == threshold) return s;
    if (s.threshold < threshold) return *prev;
    prev = &s;
  }
  return scores.back();
}

double NormalizeNabScore(double raw, double null_raw, double perfect_raw) {
  return 100.0 * (raw - null_raw) / (perfect_raw - null_raw);
}

}  // namespace hostmind
