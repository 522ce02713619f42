#pragma once
// A small recurrent language model of symbol sequences (system calls): one GRU layer over
// learned symbol embeddings, predicting each symbol from everything before it in the sequence.
// Where an n-gram model only knows contexts it has seen verbatim, the recurrent state
// generalises across similar contexts and remembers further back, which is what lets it rank
// unusual program behaviour better (Kim et al., 2016, on ADFA-LD). Trained in-process with
// truncated backpropagation through time and Adam; deterministic for a given seed. Pure: no
// I/O, no clock.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include <Eigen/Dense>

namespace hostmind {

struct GruOptions {
  int embedding = 48;       // symbol embedding width
  int hidden = 128;         // recurrent state width
  int max_epochs = 20;      // passes over the training sequences (fewer when stopped early)
  int bptt = 48;            // steps of truncated backpropagation
  int lanes = 32;           // sequences trained side by side (the minibatch)
  double learning_rate = 0.005;
  double clip_norm = 5.0;   // gradient norm clip
  // Fraction of the training sequences held out to stop early (the epoch with the lowest
  // held-out NLL wins); 0 trains for max_epochs on everything.
  double holdout = 0.15;
  uint64_t seed = 1;
};

class GruLanguageModel {
 public:
  explicit GruLanguageModel(GruOptions options = {});

  // Learns from normal sequences; symbols never seen here are "unknown" when scoring.
  void Train(const std::vector<std::vector<int32_t>>& sequences);
  // Mean negative log-likelihood per symbol (natural log), every symbol predicted from the ones
  // before it; 0 for an empty sequence.
  double MeanNll(std::span<const int32_t> seq) const;
  // The same for many sequences at once (they share matrix products: much faster).
  std::vector<double> MeanNll(const std::vector<std::span<const int32_t>>& seqs) const;
  // The probability the model gave each symbol of each sequence (floored at 1e-6), for mixing
  // with other models symbol by symbol.
  std::vector<std::vector<float>> Probabilities(const std::vector<std::span<const int32_t>>& seqs) const;

  int epochs_trained() const { return epochs_trained_; }
  double holdout_nll() const { return holdout_nll_; }  // of the chosen epoch; 0 without holdout

 private:
  using Matrix = Eigen::MatrixXf;
  using Vector = Eigen::VectorXf;
  struct Weights {
    Matrix embed;     // embedding x vocab (+1 column: the start-of-sequence input)
    Matrix wx;        // 3*hidden x embedding: update, reset, candidate gates from the input
    Matrix uh;        // 3*hidden x hidden: the same from the previous state
    Vector bias;      // 3*hidden
    Vector bias_hn;   // hidden: candidate's recurrent bias (inside the reset gate)
    Matrix out;       // vocab x hidden
    Vector out_bias;  // vocab
  };

  // One step's gate values for a batch of columns.
  struct Gates {
    Matrix z, r, n, hn, h;  // update, reset, candidate, recurrent candidate input, new state
  };

  int Id(int32_t symbol) const;
  // One GRU step: `input` is the input projection plus bias (3*hidden x columns), `prev` the
  // previous state; the reset gate applies after the recurrent product (the cuDNN form).
  void Cell(const Matrix& input, const Matrix& prev, Gates& g) const;
  void Init();
  // One epoch over `stream` (symbol ids, start markers included) split into lanes.
  void TrainEpoch(const std::vector<int>& stream, Weights& grad, Weights& m, Weights& v, int& step);
  std::vector<std::vector<int>> Ids(const std::vector<std::span<const int32_t>>& seqs) const;
  std::vector<std::vector<float>> Probabilities(const std::vector<std::vector<int>>& ids) const;
  std::vector<double> Score(const std::vector<std::vector<int>>& ids) const;

  GruOptions options_;
  std::unordered_map<int32_t, int> vocab_;  // symbol -> id; id 0 is "unknown"
  int vocab_size_ = 1;
  Weights w_;
  int epochs_trained_ = 0;
  double holdout_nll_ = 0;
};

}  // namespace hostmind
