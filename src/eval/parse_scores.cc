#include "eval/parse_scores.h"

#include <algorithm>
#include <map>

namespace hostmind {
namespace {
double Pairs(size_t n) { return n > 1 ? 0.5 * static_cast<double>(n) * static_cast<double>(n - 1) : 0; }
}  // namespace

GroupingScore ScoreGrouping(const std::vector<std::string>& truth, const std::vector<std::string>& parsed) {
  GroupingScore s;
  const size_t n = std::min(truth.size(), parsed.size());
  std::map<std::string, size_t> truth_sizes;
  std::map<std::string, std::map<std::string, size_t>> by_parsed;  // parsed -> truth -> count
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (truth[i].empty()) continue;
    ++total;
    ++truth_sizes[truth[i]];
    ++by_parsed[parsed[i]][truth[i]];
  }
  if (total == 0) return s;
  double real_pairs = 0, parsed_pairs = 0, accurate_pairs = 0;
  size_t accurate = 0;
  for (const auto& [label, size] : truth_sizes) real_pairs += Pairs(size);
  for (const auto& [label, truths] : by_parsed) {
    size_t size = 0;
    for (const auto& [t, c] : truths) {
      size += c;
      accurate_pairs += Pairs(c);
    }
    parsed_pairs += Pairs(size);
    if (truths.size() == 1 && truth_sizes.at(truths.begin()->first) == size) accurate += size;
  }
  s.accuracy = static_cast<double>(accurate) / static_cast<double>(total);
  s.precision = parsed_pairs > 0 ? accurate_pairs / parsed_pairs : 0;
  s.recall = real_pairs > 0 ? accurate_pairs / real_pairs : 0;
  s.f_measure = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  return s;
}

double ParsingAccuracy(const std::vector<std::string>& truth_templates,
                       const std::vector<std::string>& parsed_templates) {
  const size_t n = std::min(truth_templates.size(), parsed_templates.size());
  if (n == 0) return 0;
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) same += truth_templates[i] == parsed_templates[i];
  return static_cast<double>(same) / static_cast<double>(n);
}

}  // namespace hostmind
