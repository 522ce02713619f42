#include "learn/anomaly_detector.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

namespace {

constexpr std::string_view kStateMagic = "hostmind.anomaly.2";

}  // namespace

const AnomalyTuning& DefaultAnomalyTuning() {
  static const AnomalyTuning kTuning;
  return kTuning;
}

const char* AnomalyViewName(AnomalyView view) {
  switch (view) {
    case AnomalyView::kNone: return "none";
    case AnomalyView::kValue: return "value";
    case AnomalyView::kMean: return "mean";
    case AnomalyView::kVolatility: return "volatility";
    case AnomalyView::kDaily: return "daily";
    case AnomalyView::kWeekly: return "weekly";
    case AnomalyView::kRecent: return "recent";
  }
  return "none";
}

AnomalyDetector::AnomalyDetector(const AnomalyDetectorOptions& options)
    : tuning_(options.tuning ? options.tuning : &DefaultAnomalyTuning()), warmup_samples_(options.warmup_samples) {}

AnomalyVerdict AnomalyDetector::Observe(TimeMs ts, double value) {
  AnomalyVerdict verdict;
  if (!std::isfinite(value)) {
    verdict.learning = samples_ < warmup_samples_;
    return verdict;
  }
  ++samples_;
  const bool scoring = samples_ > warmup_samples_;
  verdict.learning = !scoring;
  const Views views = UpdateViews(ts, value);
  ScoreAndLearn(views, scoring, verdict);
  ScoreRecent(value, scoring, verdict);
  if (!frozen_) {
    // What is normal for this time of day is not learned from values that are not: an hour of
    // outage would otherwise drag the level, and the recovery would look anomalous.
    const double damp = verdict.raw_score > 0 ? tuning_->anomalous_learning : 1.0;
    daily_.Learn(ts, value, damp * tuning_->daily_rate);
    weekly_.Learn(ts, value, damp * tuning_->weekly_rate);
  }
  if (!scoring) return verdict;
  // Repeats are suppressed: a score counts only when it beats the decaying memory of recent ones.
  verdict.score = verdict.raw_score > suppression_ ? verdict.raw_score : 0.0;
  suppression_ = std::max(suppression_ * (1.0 - 1.0 / tuning_->suppression_samples), verdict.raw_score);
  return verdict;
}

AnomalyDetector::Views AnomalyDetector::UpdateViews(TimeMs ts, double value) {
  const AnomalyTuning& t = *tuning_;
  Views views;
  auto set = [&](AnomalyView view, double v, double offset) {
    const int i = static_cast<int>(view);
    views.value[i] = v;
    views.offset[i] = offset;
    views.present[i] = true;
  };
  set(AnomalyView::kValue, value, 0);
  // The short-term averages weigh every sample evenly until their window has filled (rate
  // max(rate, 1/n)), and are views of the series only from then on: an average started at the
  // first value is mostly that value for its first hundreds of samples, and a spike there
  // would widen its envelope for thousands.
  const double n = static_cast<double>(samples_);
  const auto rate = [&](double r) { return std::max(r, 1.0 / n); };
  const auto filled = [&](double r) { return n * r >= 1.0; };
  mean_ += rate(t.mean_rate) * (value - mean_);
  if (filled(t.mean_rate)) set(AnomalyView::kMean, mean_, 0);
  if (samples_ == 1) center_ = value;
  const double deviation = std::abs(value - center_);
  center_ += rate(t.volatility_rate) * (value - center_);
  volatility_ += rate(t.volatility_rate) * (deviation - volatility_);
  if (filled(t.volatility_rate)) set(AnomalyView::kVolatility, volatility_, 0);
  if (auto r = daily_.Residual(ts, value)) set(AnomalyView::kDaily, *r, value - *r);
  if (auto r = weekly_.Residual(ts, value)) set(AnomalyView::kWeekly, *r, value - *r);
  return views;
}

void AnomalyDetector::ScoreAndLearn(const Views& views, bool scoring, AnomalyVerdict& verdict) {
  const AnomalyTuning& t = *tuning_;
  const EnvelopeShape shape{t.envelope_rate, t.envelope_sigmas, 1.0 - 1.0 / t.envelope_relax_samples,
                            t.outlier_widths, t.outlier_widening};
  for (int v = 1; v < kAnomalyViewCount; ++v) {
    if (!views.present[v]) continue;
    Envelope& env = envelopes_[v];
    if (scoring) {
      const double e = env.Exceedance(views.value[v]);
      const double surprise = e > 0 ? t.weight[v] * (1.0 - std::exp(-e / t.surprise_scale)) : 0.0;
      if (surprise > verdict.raw_score || verdict.view == AnomalyView::kNone) {
        verdict.raw_score = surprise;
        verdict.view = static_cast<AnomalyView>(v);
        verdict.observed = views.value[v] + views.offset[v];
        verdict.low = env.low() + views.offset[v];
        verdict.high = env.high() + views.offset[v];
      }
    }
    // Envelopes only relax once warm-up is over: until then they gather the series' range.
    if (!frozen_) env.Learn(views.value[v], shape, scoring);
  }
}

void AnomalyDetector::ScoreRecent(double value, bool scoring, AnomalyVerdict& verdict) {
  const AnomalyTuning& t = *tuning_;
  const double n = static_cast<double>(samples_);
  if (samples_ == 1) recent_mean_ = recent_short_ = value;
  // Like the short-term views, the averages weigh their first samples evenly.
  const double rate = std::max(t.recent_rate, 1.0 / n);
  const double short_rate = std::max(t.recent_short_rate, 1.0 / n);
  recent_short_ += short_rate * (value - recent_short_);
  const double sd = std::sqrt(recent_var_);
  // The short mean's own sd, were the values independent with the last hours' sd.
  const double short_sd = sd * std::sqrt(short_rate / (2.0 - short_rate));
  const double z = short_sd > 0 ? std::abs(recent_short_ - recent_mean_) / short_sd : 0.0;
  if (n * t.recent_rate >= 1.0) {
    if (scoring && z >= t.recent_min_z) {
      const double surprise = t.recent_weight * std::exp(-shifts_.TailCount(z));
      if (surprise > verdict.raw_score) {
        verdict.raw_score = surprise;
        verdict.view = AnomalyView::kRecent;
        verdict.observed = recent_short_;
        verdict.low = recent_mean_ - t.recent_min_z * short_sd;
        verdict.high = recent_mean_ + t.recent_min_z * short_sd;
      }
    }
    if (!frozen_) shifts_.Add(z);
  }
  const double d = value - recent_mean_;
  recent_mean_ += rate * d;
  recent_var_ += rate * (d * d - recent_var_);
}

std::optional<NormalRange> AnomalyDetector::Normal(TimeMs ts, double threshold) const {
  if (samples_ <= warmup_samples_) return std::nullopt;
  const AnomalyTuning& t = *tuning_;
  NormalRange range{-INFINITY, INFINITY};
  // Narrows `range` to the band of one view whose values are the series' minus `offset`.
  auto narrow = [&](AnomalyView view, double offset) {
    const int v = static_cast<int>(view);
    // weight * (1 - exp(-e / scale)) reaches `threshold` at e = this many envelope widths out.
    if (t.weight[v] <= threshold) return;
    const double widths = -t.surprise_scale * std::log(1.0 - threshold / t.weight[v]);
    const Envelope& env = envelopes_[v];
    if (!(env.high() > env.low())) return;  // a view with no width yet flags nothing (Exceedance)
    const double margin = widths * (env.high() - env.low());
    range.low = std::max(range.low, env.low() - margin + offset);
    range.high = std::min(range.high, env.high() + margin + offset);
  };
  narrow(AnomalyView::kValue, 0);
  if (auto level = daily_.Level(ts)) narrow(AnomalyView::kDaily, *level);
  if (auto level = weekly_.Level(ts)) narrow(AnomalyView::kWeekly, *level);
  if (!(range.low <= range.high) || !std::isfinite(range.low) || !std::isfinite(range.high)) return std::nullopt;
  return range;
}

std::string AnomalyDetector::SaveState() const {
  ByteWriter w;
  w.PutRaw(kStateMagic);
  w.PutVarint(warmup_samples_);
  w.PutVarint(samples_);
  w.PutDouble(mean_);
  w.PutDouble(center_);
  w.PutDouble(volatility_);
  w.PutDouble(suppression_);
  for (const Envelope& e : envelopes_) e.Save(w);
  daily_.Save(w);
  weekly_.Save(w);
  w.PutDouble(recent_mean_);
  w.PutDouble(recent_var_);
  w.PutDouble(recent_short_);
  shifts_.Save(w);
  return w.Take();
}

Status AnomalyDetector::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  AnomalyDetector loaded(AnomalyDetectorOptions{warmup_samples_, tuning_});
  uint64_t warmup = 0;
  bool ok = r.Expect(kStateMagic) && r.GetBounded(UINT32_MAX, &warmup) && r.GetVarint(&loaded.samples_) &&
            r.GetDouble(&loaded.mean_) && r.GetDouble(&loaded.center_) && r.GetDouble(&loaded.volatility_) &&
            r.GetDouble(&loaded.suppression_);
  for (Envelope& e : loaded.envelopes_) ok = ok && e.Load(r);
  ok = ok && loaded.daily_.Load(r) && loaded.weekly_.Load(r) && r.GetDouble(&loaded.recent_mean_) &&
       r.GetDouble(&loaded.recent_var_) && r.GetDouble(&loaded.recent_short_) && loaded.shifts_.Load(r) && r.done();
  if (!ok) return Status::Corrupt("anomaly detector state: not a saved detector, or truncated");
  loaded.warmup_samples_ = static_cast<uint32_t>(warmup);
  loaded.frozen_ = frozen_;
  *this = loaded;
  return Status::Ok();
}

}  // namespace hostmind
