#pragma once
// Models of symbol sequences (system calls, log template ids), learned from normal sequences and
// scoring new ones by how unlike them they are. Pure: no I/O, no clock.
//
//  - NgramModel: an interpolated variable-order Markov model (Witten-Bell smoothing): the
//    probability of each symbol given up to order-1 previous ones, backing off smoothly to
//    shorter contexts; a sequence scores its mean negative log-likelihood.
//  - MarkovChain: a fixed-order chain with additive smoothing (the classic baseline).
//  - Stide: the set of length-n windows seen in training (Forrest et al.); a sequence scores the
//    fraction of its windows never seen.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hostmind {

class NgramModel {
 public:
  // `order`: longest context + 1; `vocab`: number of distinct symbols assumed for smoothing.
  NgramModel(int order, int vocab);
  void Train(std::span<const int32_t> seq);
  // Probability of seq[i] given what precedes it.
  double Probability(std::span<const int32_t> seq, size_t i) const;
  // Mean negative log-likelihood per symbol (natural log); 0 for an empty sequence.
  double MeanNll(std::span<const int32_t> seq) const;
  size_t contexts() const { return contexts_.size(); }

 private:
  struct Context {
    uint32_t total = 0;
    std::unordered_map<int32_t, uint32_t> next;
  };
  int order_;
  int vocab_;
  uint64_t symbols_ = 0;
  std::unordered_map<int32_t, uint64_t> unigrams_;
  std::unordered_map<uint64_t, Context> contexts_;  // hash of (length, symbols) -> counts
};

class MarkovChain {
 public:
  MarkovChain(int order, int vocab, double alpha = 1.0);
  void Train(std::span<const int32_t> seq);
  double MeanNll(std::span<const int32_t> seq) const;

 private:
  int order_;
  int vocab_;
  double alpha_;
  std::unordered_map<uint64_t, std::unordered_map<int32_t, uint32_t>> next_;
  std::unordered_map<uint64_t, uint32_t> totals_;
};

class Stide {
 public:
  explicit Stide(int window) : n_(window) {}
  void Train(std::span<const int32_t> seq);
  // Fraction of the sequence's windows not seen in training (0 for sequences shorter than n).
  double MismatchRate(std::span<const int32_t> seq) const;
  size_t size() const { return windows_.size(); }

 private:
  int n_;
  std::unordered_set<uint64_t> windows_;
};

// A 64-bit hash of seq[end-len, end), distinct for each length.
uint64_t HashWindow(std::span<const int32_t> seq, size_t end, int len);

}  // namespace hostmind
