#include "learn/gru_language_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace hostmind {

namespace {

constexpr float kMinProbability = 1e-6f;  // floor, so one unknown symbol cannot dominate a mean

// Applies f to each parameter block of the given weight sets, in the same order.
template <class W, class F>
void ForEachBlock(F f, W& a, W& b, W& c, W& d) {
  f(a.embed, b.embed, c.embed, d.embed);
  f(a.wx, b.wx, c.wx, d.wx);
  f(a.uh, b.uh, c.uh, d.uh);
  f(a.bias, b.bias, c.bias, d.bias);
  f(a.bias_hn, b.bias_hn, c.bias_hn, d.bias_hn);
  f(a.out, b.out, c.out, d.out);
  f(a.out_bias, b.out_bias, c.out_bias, d.out_bias);
}

Eigen::MatrixXf Sigmoid(const Eigen::MatrixXf& x) { return (1.0f + (-x.array()).exp()).inverse().matrix(); }

// Column-wise softmax of logits, in place.
void Softmax(Eigen::MatrixXf& logits) {
  for (Eigen::Index c = 0; c < logits.cols(); ++c) {
    auto col = logits.col(c);
    col.array() = (col.array() - col.maxCoeff()).exp();
    col /= col.sum();
  }
}

}  // namespace

GruLanguageModel::GruLanguageModel(GruOptions options) : options_(options) {}

int GruLanguageModel::Id(int32_t symbol) const {
  auto it = vocab_.find(symbol);
  return it == vocab_.end() ? 0 : it->second;
}

void GruLanguageModel::Init() {
  const int h = options_.hidden, d = options_.embedding, v = vocab_size_;
  std::mt19937_64 rng(options_.seed);
  auto uniform = [&rng](Eigen::Index rows, Eigen::Index cols, float scale) {
    std::uniform_real_distribution<float> u(-scale, scale);
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
    return m;
  };
  w_.embed = uniform(d, v + 1, 0.1f);
  w_.wx = uniform(3 * h, d, 1.0f / std::sqrt(static_cast<float>(d)));
  w_.uh = uniform(3 * h, h, 1.0f / std::sqrt(static_cast<float>(h)));
  w_.bias = Vector::Zero(3 * h);
  w_.bias_hn = Vector::Zero(h);
  w_.out = uniform(v, h, 1.0f / std::sqrt(static_cast<float>(h)));
  w_.out_bias = Vector::Zero(v);
}

void GruLanguageModel::Train(const std::vector<std::vector<int32_t>>& sequences) {
  std::vector<size_t> order(sequences.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(options_.seed);
  std::shuffle(order.begin(), order.end(), rng);
  size_t held = static_cast<size_t>(options_.holdout * static_cast<double>(sequences.size()));
  std::vector<size_t> fit(order.begin(), order.end() - static_cast<std::ptrdiff_t>(held));
  std::vector<size_t> holdout(order.end() - static_cast<std::ptrdiff_t>(held), order.end());

  vocab_.clear();
  for (size_t i : fit)
    for (int32_t s : sequences[i]) vocab_.emplace(s, static_cast<int>(vocab_.size()) + 1);
  vocab_size_ = static_cast<int>(vocab_.size()) + 1;
  Init();

  std::vector<std::vector<int>> holdout_ids;
  size_t holdout_symbols = 0;
  for (size_t i : holdout) {
    holdout_ids.emplace_back();
    for (int32_t s : sequences[i]) holdout_ids.back().push_back(Id(s));
    holdout_symbols += sequences[i].size();
  }

  Weights grad = w_, m = w_, v = w_;
  ForEachBlock([](auto& g, auto& mm, auto& vv, auto&) { g.setZero(); mm.setZero(); vv.setZero(); }, grad, m, v, w_);
  Weights best = w_;
  double best_nll = INFINITY;
  int step = 0, since_best = 0;
  for (int epoch = 1; epoch <= options_.max_epochs; ++epoch) {
    std::shuffle(fit.begin(), fit.end(), rng);
    std::vector<int> stream;
    for (size_t i : fit) {
      stream.push_back(vocab_size_);  // start-of-sequence marker
      for (int32_t s : sequences[i]) stream.push_back(Id(s));
    }
    TrainEpoch(stream, grad, m, v, step);
    epochs_trained_ = epoch;
    if (holdout_ids.empty()) continue;
    std::vector<double> nll = Score(holdout_ids);
    double total = 0;
    for (size_t i = 0; i < nll.size(); ++i) total += nll[i] * static_cast<double>(holdout_ids[i].size());
    double mean = total / static_cast<double>(std::max<size_t>(1, holdout_symbols));
    if (mean < best_nll) {
      best_nll = mean;
      best = w_;
      since_best = 0;
    } else if (++since_best >= 2) {
      break;  // held-out likelihood stopped improving: more epochs would only memorise
    }
  }
  if (!holdout_ids.empty()) {
    w_ = best;
    holdout_nll_ = best_nll;
  }
}

void GruLanguageModel::Cell(const Matrix& input, const Matrix& prev, Gates& g) const {
  const int h = options_.hidden;
  Matrix rec = w_.uh * prev;
  g.z = Sigmoid(input.topRows(h) + rec.topRows(h));
  g.r = Sigmoid(input.middleRows(h, h) + rec.middleRows(h, h));
  g.hn = rec.bottomRows(h).colwise() + w_.bias_hn;
  g.n = (input.bottomRows(h).array() + g.r.array() * g.hn.array()).tanh().matrix();
  g.h = ((1.0f - g.z.array()) * g.n.array() + g.z.array() * prev.array()).matrix();
}

void GruLanguageModel::TrainEpoch(const std::vector<int>& stream, Weights& grad, Weights& m, Weights& v, int& step) {
  const int h = options_.hidden, lanes = options_.lanes, steps = options_.bptt, start = vocab_size_;
  const size_t lane_len = stream.size() / static_cast<size_t>(lanes);
  if (lane_len < 2) return;
  struct Step {
    Matrix x, hp, probs;
    Gates gates;
    std::vector<int> in, target;  // target -1: nothing to predict (next is a new sequence)
    Eigen::RowVectorXf keep;      // 0 where the lane starts a new sequence (state reset)
  };
  std::vector<Step> tape(static_cast<size_t>(steps));
  Matrix state = Matrix::Zero(h, lanes);
  for (size_t offset = 0; offset + 1 < lane_len; offset += static_cast<size_t>(steps)) {
    const int span = static_cast<int>(std::min<size_t>(static_cast<size_t>(steps), lane_len - 1 - offset));
    int targets = 0;
    for (int t = 0; t < span; ++t) {
      Step& s = tape[static_cast<size_t>(t)];
      s.in.assign(static_cast<size_t>(lanes), 0);
      s.target.assign(static_cast<size_t>(lanes), -1);
      s.keep.resize(lanes);
      s.x.resize(options_.embedding, lanes);
      for (int l = 0; l < lanes; ++l) {
        size_t p = static_cast<size_t>(l) * lane_len + offset + static_cast<size_t>(t);
        s.in[static_cast<size_t>(l)] = stream[p];
        s.keep(l) = stream[p] == start ? 0.0f : 1.0f;
        if (stream[p + 1] != start) s.target[static_cast<size_t>(l)] = stream[p + 1], ++targets;
        s.x.col(l) = w_.embed.col(stream[p]);
      }
      s.hp = state * s.keep.asDiagonal();
      Cell((w_.wx * s.x).colwise() + w_.bias, s.hp, s.gates);
      s.probs = (w_.out * s.gates.h).colwise() + w_.out_bias;
      Softmax(s.probs);
      state = s.gates.h;
    }
    if (targets == 0) continue;
    ForEachBlock([](auto& g, auto&, auto&, auto&) { g.setZero(); }, grad, m, v, w_);
    const float scale = 1.0f / static_cast<float>(targets);
    Matrix dh_next = Matrix::Zero(h, lanes);
    for (int t = span - 1; t >= 0; --t) {
      Step& s = tape[static_cast<size_t>(t)];
      Matrix dlogits = s.probs;
      for (int l = 0; l < lanes; ++l) {
        int target = s.target[static_cast<size_t>(l)];
        if (target < 0) dlogits.col(l).setZero();
        else dlogits(target, l) -= 1.0f;
      }
      dlogits *= scale;
      grad.out.noalias() += dlogits * s.gates.h.transpose();
      grad.out_bias += dlogits.rowwise().sum();
      Matrix dh = w_.out.transpose() * dlogits + dh_next;
      Matrix dn_pre = (dh.array() * (1.0f - s.gates.z.array()) * (1.0f - s.gates.n.array().square())).matrix();
      Matrix dz_pre = (dh.array() * (s.hp.array() - s.gates.n.array()) * s.gates.z.array() * (1.0f - s.gates.z.array())).matrix();
      Matrix dr_pre = (dn_pre.array() * s.gates.hn.array() * s.gates.r.array() * (1.0f - s.gates.r.array())).matrix();
      Matrix dhn = (dn_pre.array() * s.gates.r.array()).matrix();
      Matrix dgates(3 * h, lanes);  // w.r.t. the gates' pre-activations
      dgates << dz_pre, dr_pre, dn_pre;
      grad.wx.noalias() += dgates * s.x.transpose();
      grad.bias += dgates.rowwise().sum();
      Matrix dx = w_.wx.transpose() * dgates;
      for (int l = 0; l < lanes; ++l) grad.embed.col(s.in[static_cast<size_t>(l)]) += dx.col(l);
      dgates.bottomRows(h) = dhn;  // the recurrent product enters the candidate inside the reset gate
      grad.uh.noalias() += dgates * s.hp.transpose();
      grad.bias_hn += dhn.rowwise().sum();
      Matrix dhp = (dh.array() * s.gates.z.array()).matrix() + w_.uh.transpose() * dgates;
      dh_next = dhp * s.keep.asDiagonal();
    }
    // Clip the whole gradient's norm, then one Adam step.
    double norm2 = 0;
    ForEachBlock([&norm2](auto& g, auto&, auto&, auto&) { norm2 += g.squaredNorm(); }, grad, m, v, w_);
    const float clip = norm2 > options_.clip_norm * options_.clip_norm
                           ? static_cast<float>(options_.clip_norm / std::sqrt(norm2)) : 1.0f;
    ++step;
    const float b1 = 0.9f, b2 = 0.999f, lr = static_cast<float>(options_.learning_rate);
    const float c1 = 1.0f - std::pow(b1, static_cast<float>(step)), c2 = 1.0f - std::pow(b2, static_cast<float>(step));
    ForEachBlock(
        [&](auto& g, auto& mm, auto& vv, auto& w) {
          g *= clip;
          mm = b1 * mm + (1 - b1) * g;
          vv = b2 * vv + (1 - b2) * g.cwiseAbs2();
          w.array() -= lr * (mm.array() / c1) / ((vv.array() / c2).sqrt() + 1e-8f);
        },
        grad, m, v, w_);
  }
}

std::vector<std::vector<float>> GruLanguageModel::Probabilities(const std::vector<std::vector<int>>& ids) const {
  const int h = options_.hidden, lanes = options_.lanes;
  std::vector<std::vector<float>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) out[i].assign(ids[i].size(), 1.0f);
  if (w_.out.size() == 0) return out;
  // The input projection of every symbol, computed once: scoring then gathers columns.
  const Matrix projected = (w_.wx * w_.embed).colwise() + w_.bias;
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&ids](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  // Sequences of similar length share a batch, so little work is padding.
  for (size_t first = 0; first < order.size(); first += static_cast<size_t>(lanes)) {
    const size_t count = std::min(static_cast<size_t>(lanes), order.size() - first);
    const size_t longest = ids[order[first + count - 1]].size();
    Matrix state = Matrix::Zero(h, static_cast<Eigen::Index>(count));
    Matrix pre(3 * h, static_cast<Eigen::Index>(count));
    Gates gates;
    for (size_t t = 0; t < longest; ++t) {
      for (size_t l = 0; l < count; ++l) {
        const auto& seq = ids[order[first + l]];
        int in = t == 0 || t > seq.size() ? vocab_size_ : seq[t - 1];
        pre.col(static_cast<Eigen::Index>(l)) = projected.col(in);
      }
      Cell(pre, state, gates);
      state = gates.h;
      Matrix logits = (w_.out * state).colwise() + w_.out_bias;
      for (size_t l = 0; l < count; ++l) {
        const auto& seq = ids[order[first + l]];
        if (t >= seq.size()) continue;
        auto col = logits.col(static_cast<Eigen::Index>(l));
        float top = col.maxCoeff();
        float log_norm = top + std::log((col.array() - top).exp().sum());
        out[order[first + l]][t] = std::max(std::exp(col(seq[t]) - log_norm), kMinProbability);
      }
    }
  }
  return out;
}

std::vector<double> GruLanguageModel::Score(const std::vector<std::vector<int>>& ids) const {
  std::vector<double> out;
  for (const auto& probs : Probabilities(ids)) {
    double sum = 0;
    for (float p : probs) sum -= std::log(p);
    out.push_back(probs.empty() ? 0.0 : sum / static_cast<double>(probs.size()));
  }
  return out;
}

std::vector<std::vector<int>> GruLanguageModel::Ids(const std::vector<std::span<const int32_t>>& seqs) const {
  std::vector<std::vector<int>> ids;
  ids.reserve(seqs.size());
  for (auto seq : seqs) {
    ids.emplace_back();
    for (int32_t s : seq) ids.back().push_back(Id(s));
  }
  return ids;
}

std::vector<double> GruLanguageModel::MeanNll(const std::vector<std::span<const int32_t>>& seqs) const {
  return Score(Ids(seqs));
}

std::vector<std::vector<float>> GruLanguageModel::Probabilities(
    const std::vector<std::span<const int32_t>>& seqs) const {
  return Probabilities(Ids(seqs));
}

double GruLanguageModel::MeanNll(std::span<const int32_t> seq) const { return MeanNll(std::vector{seq}).front(); }

}  // namespace hostmind
