#include "learn/runtime_predictor.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hostmind {
namespace {

constexpr int kArgBuckets = 8;
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr std::string_view kStateMagic = "hostmind-runtime-predictor-1\n";
// Below this many recent errors, a depth borrows the pooled errors, and below it pooled, a
// fixed factor of 4 stands in for the quantile.
constexpr size_t kMinCalibration = 50;
const double kDefaultUpperLogMargin = std::log(4.0);

// log(seconds), with sub-second runs counted as one second (the accuracy metric does the same).
float LogSeconds(double s) { return static_cast<float>(std::log(std::max(s, 1.0))); }
float LogOrMissing(double s) { return s > 0 ? LogSeconds(s) : kMissing; }

// A category as a number the trees can split on: 24 bits of a stable hash (exact in a float).
float CategoryId(const std::string& s) {
  return s.empty() ? kMissing : static_cast<float>(StableHash(s) >> 40);
}

TimeMs CapAt(TimeMs v, TimeMs cap) { return cap > 0 ? std::min(v, cap) : v; }

}  // namespace

const char* PredictionSourceName(PredictionSource source) {
  switch (source) {
    case PredictionSource::kModel: return "model";
    case PredictionSource::kHistory: return "history";
    case PredictionSource::kEstimate: return "estimate";
    case PredictionSource::kPrior: return "prior";
  }
  return "?";
}

const std::vector<std::string>& RuntimePredictor::FeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"baseline", "history_depth", "user",    "command", "group",
                                  "queue",    "cwd",           "log_cpus", "log_mem", "log_estimate"};
    for (const char* level : {"user", "command", "exact"})
      for (const char* f : {"last1", "last2", "mean", "count"}) n.push_back(std::string(level) + "_" + f);
    for (const char* f : {"user_mean_log_ratio", "user_last_log_ratio", "estimate_vs_user_last",
                          "log_since_user_last_end", "hour", "weekday", "log_queued_jobs", "log_queued_work",
                          "log_running_jobs", "busy_fraction", "host_load"})
      n.push_back(f);
    for (int i = 0; i < kArgBuckets; ++i) n.push_back("arg_hash_" + std::to_string(i));
    return n;
  }();
  return names;
}

// --- RuntimeModel ---

Result<std::shared_ptr<const RuntimeModel>> RuntimeModel::Train(const GbdtData& data, const GbdtParams& params) {
  auto gbdt = Gbdt::Train(data, params);
  if (!gbdt.ok()) return gbdt.status();
  return std::shared_ptr<const RuntimeModel>(new RuntimeModel(std::move(*gbdt)));
}

Result<std::shared_ptr<const RuntimeModel>> RuntimeModel::Load(std::string_view bytes) {
  auto gbdt = Gbdt::Load(bytes);
  if (!gbdt.ok()) return gbdt.status();
  if (gbdt->num_features() != RuntimePredictor::FeatureNames().size())
    return Status::Corrupt("runtime model: expects " + std::to_string(gbdt->num_features()) + " features, not " +
                           std::to_string(RuntimePredictor::FeatureNames().size()));
  return std::shared_ptr<const RuntimeModel>(new RuntimeModel(std::move(*gbdt)));
}

Result<std::vector<float>> RuntimeModel::PredictLogs(const std::vector<float>& features, size_t rows) const {
  if (features.size() != rows * gbdt_.num_features()) return Status::InvalidArgument("runtime model: wrong feature count");
  return gbdt_.Predict(features.data(), rows);
}

// --- RuntimePredictor ---

RuntimePredictor::RuntimePredictor(RuntimePredictorOptions options)
    : options_(std::move(options)), history_(options_.max_history_keys) {
  const size_t cols = FeatureNames().size();
  example_features_.assign(options_.window * cols, 0);
  example_labels_.assign(options_.window, 0);
  for (auto& c : calibration_) c.errors.reserve(options_.calibration_window);
}

std::vector<float> RuntimePredictor::Features(const RunRequest& req, const RunLoad& load,
                                              const RuntimePrediction& p) const {
  const HistoryView& h = p.history;
  std::vector<float> f;
  f.reserve(FeatureNames().size());
  f.push_back(p.baseline_log);
  f.push_back(static_cast<float>(h.deepest()));
  f.push_back(CategoryId(req.user));
  f.push_back(CategoryId(req.command));
  f.push_back(CategoryId(req.group));
  f.push_back(CategoryId(req.queue));
  f.push_back(CategoryId(req.cwd));
  f.push_back(static_cast<float>(std::log(std::max(req.cpus, 0.01))));
  f.push_back(req.mem_bytes ? static_cast<float>(std::log(static_cast<double>(req.mem_bytes))) : kMissing);
  const double estimate_s = req.estimate_ms / 1000.0;
  f.push_back(LogOrMissing(estimate_s));
  for (const RunStats& s : h.level) {
    if (s.count == 0) {
      f.insert(f.end(), {kMissing, kMissing, kMissing, 0.0f});
      continue;
    }
    f.push_back(LogSeconds(s.last1_s));
    f.push_back(LogSeconds(s.last2_s));
    f.push_back(LogSeconds(s.mean_s()));
    f.push_back(static_cast<float>(std::log1p(static_cast<double>(s.count))));
  }
  const RunStats& user = h.user();
  f.push_back(user.ratio_count ? static_cast<float>(user.sum_log_ratio / user.ratio_count) : kMissing);
  f.push_back(user.count && user.last_estimate_s > 0 ? LogSeconds(user.last1_s) - LogSeconds(user.last_estimate_s)
                                                     : kMissing);
  f.push_back(estimate_s > 0 && user.last_estimate_s > 0 ? LogSeconds(estimate_s) - LogSeconds(user.last_estimate_s)
                                                         : kMissing);
  f.push_back(user.count ? LogSeconds(std::max<double>(0, req.submit_ts - user.last_end) / 1000.0) : kMissing);
  const int64_t local_s = req.submit_ts / 1000 + options_.utc_offset_s;
  const int64_t day = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  f.push_back(static_cast<float>((local_s - day * 86400) / 3600.0));
  f.push_back(static_cast<float>(((day + 4) % 7 + 7) % 7));  // 1970-01-01 was a Thursday; Sunday = 0
  f.push_back(static_cast<float>(std::log1p(std::max(0.0, load.queued_jobs))));
  f.push_back(static_cast<float>(std::log1p(std::max(0.0, load.queued_work_s))));
  f.push_back(static_cast<float>(std::log1p(std::max(0.0, load.running_jobs))));
  f.push_back(static_cast<float>(load.busy_fraction));
  f.push_back(static_cast<float>(load.host_load));
  // Feature hashing of the argument tokens: each token adds +-1 to one bucket.
  float buckets[kArgBuckets] = {};
  for (const auto& token : req.args) {
    const uint64_t hash = StableHash(token);
    buckets[hash % kArgBuckets] += (hash >> 63) ? 1.0f : -1.0f;
  }
  for (float b : buckets) f.push_back(req.args.empty() ? kMissing : b);
  return f;
}

RuntimePrediction RuntimePredictor::Predict(const RunRequest& req, const RunLoad& load) const {
  return std::move(PredictAll(std::span(&req, 1), load).front());
}

std::vector<RuntimePrediction> RuntimePredictor::PredictAll(std::span<const RunRequest> reqs,
                                                            const RunLoad& load) const {
  std::vector<RuntimePrediction> out(reqs.size());
  std::vector<float> rows;
  for (size_t i = 0; i < reqs.size(); ++i) {
    RuntimePrediction& p = out[i];
    p.history = history_.Lookup(reqs[i]);
    Baseline(reqs[i], p);
    p.baseline_log = LogSeconds(p.predicted_ms / 1000.0);
    p.features = Features(reqs[i], load, p);
    rows.insert(rows.end(), p.features.begin(), p.features.end());
  }
  auto model = model_.load();
  if (!model || reqs.empty()) return out;
  auto corrections = model->PredictLogs(rows, reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    RuntimePrediction& p = out[i];
    if (!corrections.ok() || !std::isfinite((*corrections)[i])) {
      model_errors_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    p.source = PredictionSource::kModel;
    p.model_log = p.baseline_log + (*corrections)[i];
    const double margin = UpperLogMargin(p.history.deepest());
    const TimeMs estimate_ms = reqs[i].estimate_ms;
    p.predicted_ms = std::max<TimeMs>(CapAt(static_cast<TimeMs>(std::exp(p.model_log) * 1000.0), estimate_ms), 1);
    p.upper_ms = std::max(CapAt(static_cast<TimeMs>(std::exp(p.model_log + margin) * 1000.0), estimate_ms), p.predicted_ms);
  }
  return out;
}

// The most specific history, then the estimate, then everything seen, then the prior.
void RuntimePredictor::Baseline(const RunRequest& req, RuntimePrediction& p) const {
  const int depth = p.history.deepest();
  if (depth >= 0) {
    const RunStats& s = p.history.level[depth];
    p.source = PredictionSource::kHistory;
    p.predicted_ms = static_cast<TimeMs>(s.last2_mean_s() * 1000.0);
    p.upper_ms = static_cast<TimeMs>(std::max({s.last1_s, s.last2_s, s.mean_s()}) * 2000.0);
  } else if (req.estimate_ms > 0) {
    p.source = PredictionSource::kEstimate;
    p.predicted_ms = p.upper_ms = req.estimate_ms;
  } else if (history_.global().count > 0) {
    p.source = PredictionSource::kPrior;
    p.predicted_ms = static_cast<TimeMs>(history_.global().mean_s() * 1000.0);
    p.upper_ms = p.predicted_ms * 10;
  } else {
    p.source = PredictionSource::kPrior;
    p.predicted_ms = options_.prior_ms;
    p.upper_ms = options_.prior_ms * 10;
  }
  p.predicted_ms = std::max<TimeMs>(CapAt(p.predicted_ms, req.estimate_ms), 1);
  p.upper_ms = std::max(CapAt(p.upper_ms, req.estimate_ms), p.predicted_ms);
}

// calibration_[0] pools every depth; calibration_[depth + 2] holds one depth (-1 = no history).
double RuntimePredictor::UpperLogMargin(int depth) const {
  const Calibration& own = calibration_[depth + 2];
  if (own.errors.size() >= kMinCalibration) return std::max(0.0, Quantile(own));
  if (calibration_[0].errors.size() >= kMinCalibration) return std::max(0.0, Quantile(calibration_[0]));
  return kDefaultUpperLogMargin;
}

void RuntimePredictor::AddError(Calibration& c, float error) {
  if (c.errors.size() < options_.calibration_window) {
    c.errors.push_back(error);
  } else {
    c.errors[c.next] = error;
    c.next = (c.next + 1) % c.errors.size();
  }
  ++c.added;
}

// The `quantile` of the recent errors, recomputed only when they changed.
double RuntimePredictor::Quantile(const Calibration& c) const {
  if (c.cached_at != c.added) {
    std::vector<float> sorted = c.errors;
    const size_t k = std::min(sorted.size() - 1, static_cast<size_t>(options_.quantile * sorted.size()));
    std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
    c.cached_quantile = sorted[k];
    c.cached_at = c.added;
  }
  return c.cached_quantile;
}

void RuntimePredictor::Learn(const RunRequest& req, const RuntimePrediction& at_submit, TimeMs runtime_ms,
                             TimeMs end_ts) {
  runtime_ms = std::max<TimeMs>(runtime_ms, 0);
  const float actual_log = LogSeconds(runtime_ms / 1000.0);
  const size_t cols = FeatureNames().size();
  if (at_submit.features.size() == cols && options_.window > 0) {
    std::copy(at_submit.features.begin(), at_submit.features.end(), example_features_.begin() + example_next_ * cols);
    example_labels_[example_next_] = actual_log - at_submit.baseline_log;  // the model learns the correction
    example_next_ = (example_next_ + 1) % options_.window;
    examples_ = std::min(examples_ + 1, options_.window);
  }
  if (at_submit.source == PredictionSource::kModel) {
    const float error = actual_log - at_submit.model_log;
    AddError(calibration_[0], error);
    AddError(calibration_[at_submit.history.deepest() + 2], error);
  }
  history_.Add(req, runtime_ms, end_ts);
  ++learned_;
  ++since_training_;
}

std::optional<GbdtData> RuntimePredictor::TakeTrainingJob() {
  if (examples_ < options_.min_train) return std::nullopt;
  // Early on, retrain each time the data grows by half, then every retrain_every runs.
  const size_t due = std::min(options_.retrain_every, std::max<size_t>(examples_ / 2, 1));
  if (trainings_ > 0 && since_training_ < due) return std::nullopt;
  const size_t cols = FeatureNames().size();
  GbdtData data;
  data.cols = cols;
  data.features.reserve(examples_ * cols);
  data.labels.reserve(examples_);
  // Oldest first: the ring starts at example_next_ once it has wrapped.
  const size_t first = examples_ < options_.window ? 0 : example_next_;
  for (size_t i = 0; i < examples_; ++i) {
    const size_t row = (first + i) % options_.window;
    data.features.insert(data.features.end(), example_features_.begin() + row * cols,
                         example_features_.begin() + (row + 1) * cols);
    data.labels.push_back(example_labels_[row]);
  }
  since_training_ = 0;
  ++trainings_;
  return data;
}

void RuntimePredictor::Install(std::shared_ptr<const RuntimeModel> model) { model_.store(std::move(model)); }

Status RuntimePredictor::TrainIfDue() {
  auto job = TakeTrainingJob();
  if (!job) return Status::Ok();
  auto model = RuntimeModel::Train(*job, options_.gbdt);
  if (!model.ok()) return model.status();
  Install(std::move(*model));
  return Status::Ok();
}

namespace {

void PutFloats(ByteWriter& w, const float* data, size_t n) {
  w.PutVarint(n);
  for (size_t i = 0; i < n; ++i) w.PutFloat(data[i]);
}

bool GetFloats(ByteReader& r, std::vector<float>* out) {
  uint64_t n = 0;
  if (!r.GetBounded(r.remaining() / sizeof(float), &n)) return false;
  out->resize(n);
  for (auto& v : *out)
    if (!r.GetFloat(&v)) return false;
  return true;
}

}  // namespace

Result<std::string> RuntimePredictor::SaveState() const {
  ByteWriter w;
  w.PutRaw(kStateMagic);
  w.PutVarint(learned_);
  w.PutVarint(trainings_);
  w.PutVarint(since_training_);
  history_.Save(w);
  const size_t cols = FeatureNames().size();
  w.PutVarint(cols);
  // Examples oldest first, so a smaller window on load keeps the newest.
  std::vector<float> rows, labels;
  rows.reserve(examples_ * cols);
  const size_t first = examples_ < options_.window ? 0 : example_next_;
  for (size_t i = 0; i < examples_; ++i) {
    const size_t row = (first + i) % options_.window;
    rows.insert(rows.end(), example_features_.begin() + row * cols, example_features_.begin() + (row + 1) * cols);
    labels.push_back(example_labels_[row]);
  }
  PutFloats(w, rows.data(), rows.size());
  PutFloats(w, labels.data(), labels.size());
  for (const auto& c : calibration_) {
    std::vector<float> errors;  // oldest first
    for (size_t i = 0; i < c.errors.size(); ++i) errors.push_back(c.errors[(c.next + i) % c.errors.size()]);
    PutFloats(w, errors.data(), errors.size());
  }
  std::string model_bytes;
  if (auto model = model_.load()) {
    auto saved = model->Save();
    if (!saved.ok()) return saved.status();
    model_bytes = std::move(*saved);
  }
  w.PutString(model_bytes);
  return w.Take();
}

Status RuntimePredictor::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  if (!r.Expect(kStateMagic)) return Status::Corrupt("runtime predictor state: bad magic or version");
  RuntimePredictor loaded(options_);
  uint64_t learned = 0, trainings = 0, since = 0, cols = 0;
  if (!r.GetVarint(&learned) || !r.GetVarint(&trainings) || !r.GetVarint(&since))
    return Status::Corrupt("runtime predictor state: truncated header");
  HM_RETURN_IF_ERROR(loaded.history_.Load(r));
  const size_t want_cols = FeatureNames().size();
  if (!r.GetVarint(&cols) || cols != want_cols) return Status::Corrupt("runtime predictor state: feature count changed");
  std::vector<float> rows, labels;
  if (!GetFloats(r, &rows) || !GetFloats(r, &labels) || rows.size() != labels.size() * cols)
    return Status::Corrupt("runtime predictor state: malformed examples");
  for (size_t i = 0; i < labels.size(); ++i) {
    std::copy(rows.begin() + i * cols, rows.begin() + (i + 1) * cols,
              loaded.example_features_.begin() + loaded.example_next_ * cols);
    loaded.example_labels_[loaded.example_next_] = labels[i];
    loaded.example_next_ = (loaded.example_next_ + 1) % options_.window;
    loaded.examples_ = std::min(loaded.examples_ + 1, options_.window);
  }
  for (auto& c : loaded.calibration_) {
    std::vector<float> errors;
    if (!GetFloats(r, &errors)) return Status::Corrupt("runtime predictor state: malformed calibration");
    for (float e : errors) loaded.AddError(c, e);
  }
  std::string model_bytes;
  if (!r.GetString(&model_bytes) || !r.done())
    return Status::Corrupt("runtime predictor state: truncated or trailing bytes");
  std::shared_ptr<const RuntimeModel> model;
  if (!model_bytes.empty()) {
    auto m = RuntimeModel::Load(model_bytes);
    if (!m.ok()) return m.status();
    model = std::move(*m);
  }
  history_ = std::move(loaded.history_);
  example_features_ = std::move(loaded.example_features_);
  example_labels_ = std::move(loaded.example_labels_);
  example_next_ = loaded.example_next_;
  examples_ = loaded.examples_;
  since_training_ = since;
  calibration_ = std::move(loaded.calibration_);
  learned_ = learned;
  trainings_ = trainings;
  Install(std::move(model));
  return Status::Ok();
}

}  // namespace hostmind
