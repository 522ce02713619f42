#include "learn/sequence_models.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

uint64_t HashWindow(std::span<const int32_t> seq, size_t end, int len) {
  uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(len);  // FNV-1a over the window
  for (size_t i = end - len; i < end; ++i) h = (h ^ static_cast<uint64_t>(seq[i] + 1)) * 1099511628211ull;
  return h;
}

NgramModel::NgramModel(int order, int vocab) : order_(std::max(1, order)), vocab_(std::max(1, vocab)) {}

void NgramModel::Train(std::span<const int32_t> seq) {
  for (size_t i = 0; i < seq.size(); ++i) {
    unigrams_[seq[i]]++;
    symbols_++;
    for (int len = 1; len < order_ && static_cast<size_t>(len) <= i; ++len) {
      Context& c = contexts_[HashWindow(seq, i, len)];
      c.total++;
      c.next[seq[i]]++;
    }
  }
}

double NgramModel::Probability(std::span<const int32_t> seq, size_t i) const {
  auto u = unigrams_.find(seq[i]);
  // Add-one unigram at the bottom, so unseen symbols keep a small probability.
  double p = ((u == unigrams_.end() ? 0.0 : static_cast<double>(u->second)) + 1.0) / (static_cast<double>(symbols_) + vocab_);
  for (int len = 1; len < order_ && static_cast<size_t>(len) <= i; ++len) {
    auto it = contexts_.find(HashWindow(seq, i, len));
    if (it == contexts_.end()) break;  // longer contexts were not seen either
    const Context& c = it->second;
    auto n = c.next.find(seq[i]);
    double seen = n == c.next.end() ? 0.0 : n->second;
    // Witten-Bell: trust the context in proportion to how often it was seen relative to how
    // many different symbols followed it.
    double lambda = c.total / (c.total + static_cast<double>(c.next.size()));
    p = lambda * (seen / c.total) + (1 - lambda) * p;
  }
  return p;
}

double NgramModel::MeanNll(std::span<const int32_t> seq) const {
  if (seq.empty()) return 0;
  double sum = 0;
  for (size_t i = 0; i < seq.size(); ++i) sum -= std::log(Probability(seq, i));
  return sum / static_cast<double>(seq.size());
}

MarkovChain::MarkovChain(int order, int vocab, double alpha)
    : order_(std::max(0, order)), vocab_(std::max(1, vocab)), alpha_(alpha) {}

void MarkovChain::Train(std::span<const int32_t> seq) {
  for (size_t i = static_cast<size_t>(order_); i < seq.size(); ++i) {
    uint64_t ctx = HashWindow(seq, i, order_);
    next_[ctx][seq[i]]++;
    totals_[ctx]++;
  }
}

double MarkovChain::MeanNll(std::span<const int32_t> seq) const {
  if (seq.size() <= static_cast<size_t>(order_)) return 0;
  double sum = 0;
  for (size_t i = static_cast<size_t>(order_); i < seq.size(); ++i) {
    uint64_t ctx = HashWindow(seq, i, order_);
    double count = 0, total = 0;
    if (auto t = totals_.find(ctx); t != totals_.end()) {
      total = t->second;
      const auto& next = next_.at(ctx);
      if (auto n = next.find(seq[i]); n != next.end()) count = n->second;
    }
    sum -= std::log((count + alpha_) / (total + alpha_ * vocab_));
  }
  return sum / static_cast<double>(seq.size() - order_);
}

void Stide::Train(std::span<const int32_t> seq) {
  for (size_t end = static_cast<size_t>(n_); end <= seq.size(); ++end) windows_.insert(HashWindow(seq, end, n_));
}

double Stide::MismatchRate(std::span<const int32_t> seq) const {
  if (seq.size() < static_cast<size_t>(n_)) return 0;
  size_t misses = 0, windows = 0;
  for (size_t end = static_cast<size_t>(n_); end <= seq.size(); ++end, ++windows)
    misses += windows_.count(HashWindow(seq, end, n_)) == 0;
  return static_cast<double>(misses) / static_cast<double>(windows);
}

}  // namespace hostmind
