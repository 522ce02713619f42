#include "learn/behaviour_profile.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

uint64_t SyscallMix::total() const {
  uint64_t t = 0;
  for (auto [nr, n] : counts) t += n;
  return t;
}

uint32_t NgramBucket(uint32_t prev2, uint32_t prev1, uint32_t cur) {
  uint32_t h = (prev2 * 0x9E3779B1u) ^ (prev1 * 0x85EBCA77u) ^ (cur * 0xC2B2AE3Du);
  return (h >> 24) & (SyscallMix::kSketchSize - 1);
}

SyscallMix MixFromSequence(const std::vector<int32_t>& seq) {
  SyscallMix mix;
  mix.sketch.assign(SyscallMix::kSketchSize, 0);
  std::vector<std::pair<int32_t, uint32_t>> counts;
  uint32_t prev1 = 0, prev2 = 0;
  std::vector<int32_t> sorted = seq;
  for (int32_t nr : seq) {
    uint32_t cur = static_cast<uint32_t>(nr);
    mix.sketch[NgramBucket(prev2, prev1, cur)]++;
    prev2 = prev1;
    prev1 = cur;
  }
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    mix.counts.emplace_back(sorted[i], static_cast<uint32_t>(j - i));
    i = j;
  }
  return mix;
}

namespace {

// Hellinger distance between two count vectors given as sorted sparse pairs.
double HellingerSparse(const std::vector<std::pair<int32_t, uint32_t>>& a,
                       const std::vector<std::pair<int32_t, uint32_t>>& b) {
  double ta = 0, tb = 0;
  for (auto [k, n] : a) ta += n;
  for (auto [k, n] : b) tb += n;
  if (ta == 0 || tb == 0) return ta == tb ? 0 : 1;
  double affinity = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].first < b[j].first) ++i;
    else if (b[j].first < a[i].first) ++j;
    else affinity += std::sqrt(a[i++].second / ta * b[j++].second / tb);
  }
  return std::sqrt(std::max(0.0, 1 - affinity));
}

double HellingerDense(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size() || a.empty()) return -1;
  double ta = 0, tb = 0, affinity = 0;
  for (size_t i = 0; i < a.size(); ++i) ta += a[i], tb += b[i];
  if (ta == 0 || tb == 0) return ta == tb ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) affinity += std::sqrt(a[i] / ta * b[i] / tb);
  return std::sqrt(std::max(0.0, 1 - affinity));
}

}  // namespace

double MixDistance(const SyscallMix& a, const SyscallMix& b) {
  double counts = HellingerSparse(a.counts, b.counts);
  double sketch = HellingerDense(a.sketch, b.sketch);
  return sketch < 0 ? counts : (counts + sketch) / 2;
}

void BehaviourProfile::LearnMix(const SyscallMix& mix) {
  mixes_learned_++;
  auto nearest = Distance(mix);
  if (nearest) {
    if (distances_.size() < limits_.max_distances) distances_.push_back(*nearest);
    else distances_[mixes_learned_ % limits_.max_distances] = *nearest;
    if (*nearest <= limits_.merge_distance) return;
  }
  if (exemplars_.size() < limits_.max_exemplars) exemplars_.push_back(mix);
  // Full: keep the exemplars learned first; the normal quantiles still see every mix.
}

std::optional<double> BehaviourProfile::Distance(const SyscallMix& mix) const {
  if (exemplars_.empty()) return std::nullopt;
  double best = 1;
  for (const auto& e : exemplars_) best = std::min(best, MixDistance(mix, e));
  return best;
}

std::optional<double> BehaviourProfile::NormalQuantile(double q) const {
  if (distances_.size() < 5) return std::nullopt;
  std::vector<double> d = distances_;
  size_t k = std::min(d.size() - 1, static_cast<size_t>(std::ceil(q * d.size())) - (q > 0 ? 1 : 0));
  std::nth_element(d.begin(), d.begin() + k, d.end());
  return d[k];
}

void BehaviourProfile::Learn(std::set<std::string>& set, const std::string& item, bool& full) {
  if (full || set.count(item)) return;
  if (set.size() >= limits_.max_set_items) {
    full = true;  // too varied to call anything new
    return;
  }
  set.insert(item);
}

}  // namespace hostmind
