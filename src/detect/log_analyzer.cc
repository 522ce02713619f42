#include "detect/log_analyzer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/metric_catalog.h"
#include "detect/log_signals.h"
#include "learn/byte_codec.h"

namespace hostmind {
namespace {

constexpr std::string_view kMagic = "HMLA1";
constexpr uint64_t kBurstSignal = 1ULL << 63;  // precursor signal of a template's burst
constexpr size_t kTextInSummary = 160;
constexpr TimeMs kRefreshEvery = 10 * kMsPerSecond;

std::string Cut(std::string_view s, size_t n) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

Severity SeverityOf(int priority) {
  if (priority <= 2) return Severity::kCritical;
  if (priority <= 4) return Severity::kWarning;
  return Severity::kInfo;
}

}  // namespace

LogAnalyzer::LogAnalyzer(LogAnalyzerConfig config)
    : config_(config), miner_(config.miner), sessions_(config.sessions), precursor_(config.precursor) {
  DescribeMetric("hostmind_log_template_lines_total", "Log lines of each of the busiest log templates.");
  DescribeMetric("hostmind_log_lines_total", "Log lines through the template miner.");
  DescribeMetric("hostmind_log_templates", "Log templates the miner holds.");
  DescribeMetric("hostmind_log_templates_evicted_total", "Log templates evicted at the miner's cap.");
  DescribeMetric("hostmind_log_findings_suppressed_total", "Log findings over the per-minute limit, not reported.");
}

void LogAnalyzer::Analyze(const Batch& batch, Analysis& out) {
  for (const Sample& s : batch.samples)
    if (s.key.name() == "hostmind_collector_up") OnCollectorHealth(s);
  bool any_log = false;
  for (const Event& e : batch.events) {
    if (const auto* log = std::get_if<LogRecord>(&e.body)) {
      OnLog(e.ts, *log, out);
      any_log = true;
    }
  }
  std::vector<SequenceAnomaly> idle;
  sessions_.CloseIdle(batch.ts, Judging(batch.ts), idle);
  ReportSequences(idle, out);
  if (any_log || batch.ts - last_refresh_ >= kRefreshEvery) Refresh(batch.ts);
  // With every batch, so that each source's derived series stay live between refreshes.
  for (const Sample& s : exported_) out.samples.push_back({s.key, s.value, batch.ts, s.kind});
}

void LogAnalyzer::OnCollectorHealth(const Sample& s) {
  // A collector going down is a failure the precursor learner may find warnings for.
  std::string name(s.key.label("collector"));
  auto [it, fresh] = collector_up_.try_emplace(name, s.value);
  if (!fresh && it->second >= 1 && s.value < 1) precursor_.ObserveFailure("collector_down", s.ts);
  it->second = s.value;
}

void LogAnalyzer::OnLog(TimeMs ts, const LogRecord& log, Analysis& out) {
  ++lines_;
  if (first_ts_ == 0) first_ts_ = ts;
  const bool judging = Judging(ts);
  std::string_view message = log.source == LogSource::kFile ? StripSyslogHeader(log.message) : log.message;
  const LineMatch& match = miner_.Add(message, ts);
  const TemplateId id = match.id;
  std::string session_key, session_class = log.origin;
  if (auto sid = SessionIdOf(match.params)) {
    session_key = "id " + std::string(*sid);
    size_t us = sid->find('_');
    session_class = us == std::string_view::npos ? "uuid" : std::string(sid->substr(0, us));
  } else {
    session_key = log.pid ? log.origin + " pid " + std::to_string(log.pid) : log.origin;
  }

  TemplateMeta& meta = meta_[id];
  const TimeMs previous_seen = meta.last_seen;
  meta.origin = log.origin;
  meta.priority = std::min(meta.priority, log.priority);
  meta.last_seen = ts;
  const uint64_t count = miner_.Info(id) ? miner_.Info(id)->count : 1;
  const double rarity = std::log10(static_cast<double>(lines_) / static_cast<double>(std::max<uint64_t>(count, 1)));

  if (judging && match.is_new) {
    Report(LogFinding(ts, id, "new_template",
                      "New log message from " + log.origin + ": \"" + Cut(TemplateText(id), kTextInSummary) + "\"",
                      rarity),
           out);
  } else if (judging && count <= config_.rare_max_count && previous_seen > 0 &&
             ts - previous_seen >= config_.rare_quiet) {
    Report(LogFinding(ts, id, "rare_template",
                      "Rare log message from " + log.origin + " (seen " + std::to_string(count) +
                          " times, last " + FormatDuration(ts - previous_seen) + " ago): \"" +
                          Cut(TemplateText(id), kTextInSummary) + "\"",
                      rarity),
           out);
  }

  std::vector<RateAnomaly> bursts;
  rates_.Observe(id, count, ts, bursts);
  for (const RateAnomaly& b : bursts) {
    const bool burst = b.count > b.verdict.high;
    if (judging) {
      Finding f = LogFinding(ts, b.id, "rate",
                             std::string(burst ? "Burst" : "Unusual rate") + " of log message " + std::to_string(b.id) +
                                 ": " + Fixed(b.count, 0) + " lines in the minute from " + FormatClockTime(b.minute) +
                                 " (normal " + Fixed(b.verdict.low, 1) + "-" + Fixed(b.verdict.high, 1) + "): \"" +
                                 Cut(TemplateText(b.id), kTextInSummary) + "\"",
                             b.verdict.score);
      f.evidence.push_back({std::string("rate view ") + AnomalyViewName(b.verdict.view), b.verdict.score,
                            "observed " + Fixed(b.verdict.observed, 1) + ", normal " + Fixed(b.verdict.low, 1) + "-" +
                                Fixed(b.verdict.high, 1)});
      f.facts.emplace_back("lines_per_minute", Fixed(b.count, 0));
      Report(std::move(f), out);
    }
    if (burst) precursor_.ObserveSignal(kBurstSignal | b.id, ts);
  }

  if (auto failure = FailureKindOf(log)) {
    precursor_.ObserveFailure(*failure, ts);
  } else {
    for (const PrecursorWarning& w : precursor_.ObserveSignal(id, ts)) {
      if (!judging) continue;
      Finding f = LogFinding(ts, id, "precursor",
                             "Early warning: \"" + Cut(TemplateText(id), kTextInSummary) + "\" preceded " + w.failure +
                                 " " + std::to_string(w.preceded) + " of " + std::to_string(w.episodes) +
                                 " times, typically " + FormatDuration(w.median_lead) + " later: expect " + w.failure +
                                 " around " + FormatClockTime(ts + w.median_lead),
                             w.confidence);
      f.kind = FindingKind::kPrecursor;
      f.severity = Severity::kWarning;
      f.evidence.push_back({"failure " + w.failure, w.confidence,
                            std::to_string(w.preceded) + " of " + std::to_string(w.episodes) + " episodes followed by " +
                                w.failure + "; lead time median " + FormatDuration(w.median_lead) + ", shortest " +
                                FormatDuration(w.min_lead)});
      f.facts.emplace_back("failure", w.failure);
      f.facts.emplace_back("confidence", Fixed(w.confidence, 2));
      f.facts.emplace_back("lead_time_ms", std::to_string(w.median_lead));
      f.facts.emplace_back("expected_at", FormatIso8601(ts + w.median_lead));
      Report(std::move(f), out);
    }
  }

  std::vector<SequenceAnomaly> steps;
  // A new template is already reported as new: its step is not judged for order too.
  sessions_.Observe(session_key, session_class, id, ts, judging && !match.is_new, steps);
  ReportSequences(steps, out);
}

void LogAnalyzer::ReportSequences(std::vector<SequenceAnomaly>& found, Analysis& out) {
  for (SequenceAnomaly& a : found) {
    if (a.violations.empty()) {
      std::string prev = a.previous == kSessionStart ? "the session start" : "\"" + Cut(TemplateText(a.previous), 80) + "\"";
      Finding f = LogFinding(a.ts, a.id, "sequence",
                             "Out-of-order log message in " + a.session + ": \"" + Cut(TemplateText(a.id), 80) +
                                 "\" never followed " + prev + " before",
                             1.0);
      f.evidence.push_back({"after template " + std::to_string(a.previous), 1.0,
                            "context of " + std::to_string(a.verdict.context_len) + " template(s), seen often"});
      f.facts.emplace_back("session", a.session);
      Report(std::move(f), out);
      continue;
    }
    const SessionViolation& v0 = a.violations.front();
    Finding f = LogFinding(a.ts, v0.id, "session",
                           "Abnormal " + a.cls + " session " + a.session + " (" + std::to_string(a.lines) + " lines): " +
                               std::to_string(a.violations.size()) + " difference(s) from normal sessions",
                           static_cast<double>(a.violations.size()));
    f.evidence.clear();
    for (const SessionViolation& v : a.violations) {
      std::string detail = v.partner != kNoTemplate
                               ? std::to_string(v.count) + " lines, but template " + std::to_string(v.partner) + " had " +
                                     std::to_string(v.partner_count) + " (always equal before)"
                           : v.max == 0 ? std::to_string(v.count) + " lines, never seen in a normal session"
                                        : std::to_string(v.count) + " lines, normal " + std::to_string(v.min) + "-" +
                                              std::to_string(v.max);
      f.evidence.push_back({"template " + std::to_string(v.id) + ": " + Cut(TemplateText(v.id), 80), 1.0, detail});
    }
    f.facts.emplace_back("session", a.session);
    f.facts.emplace_back("session_class", a.cls);
    Report(std::move(f), out);
  }
}

Finding LogAnalyzer::LogFinding(TimeMs ts, TemplateId id, std::string anomaly, std::string summary,
                                double score) const {
  Finding f;
  f.ts = ts;
  f.kind = FindingKind::kLogAnomaly;
  auto meta = meta_.find(id);
  f.severity = meta == meta_.end() ? Severity::kInfo : SeverityOf(meta->second.priority);
  f.subject = "log template " + std::to_string(id);
  f.summary = std::move(summary);
  f.score = score;
  auto info = miner_.Info(id);
  std::string text = info ? info->text : "";
  std::string example = info ? info->example : "";
  uint64_t count = info ? info->count : 0;
  double rarity = count ? std::log10(static_cast<double>(std::max<uint64_t>(lines_, 1)) / static_cast<double>(count)) : 0;
  f.evidence.push_back({"template " + std::to_string(id), rarity,
                        "seen " + std::to_string(count) + " of " + std::to_string(lines_) + " lines; example: " +
                            Cut(example, 200)});
  f.facts.emplace_back("anomaly", std::move(anomaly));
  f.facts.emplace_back("template_id", std::to_string(id));
  f.facts.emplace_back("template", text);
  f.facts.emplace_back("example", example);
  f.facts.emplace_back("rarity", Fixed(rarity, 2));
  f.facts.emplace_back("count", std::to_string(count));
  if (meta != meta_.end()) f.facts.emplace_back("origin", meta->second.origin);
  return f;
}

std::string LogAnalyzer::TemplateText(TemplateId id) const {
  auto info = miner_.Info(id);
  return info ? info->text : "template " + std::to_string(id);
}

void LogAnalyzer::Report(Finding f, Analysis& out) {
  const TimeMs minute = f.ts - f.ts % kMsPerMinute;
  if (minute != rate_limit_minute_) {
    rate_limit_minute_ = minute;
    reported_this_minute_ = 0;
  }
  if (reported_this_minute_ >= config_.max_findings_per_minute) {
    ++suppressed_;
    return;
  }
  ++reported_this_minute_;
  {
    std::lock_guard lock(mu_);
    recent_.push_front(f);
    if (recent_.size() > config_.recent_findings) recent_.pop_back();
  }
  out.findings.push_back(std::move(f));
}

void LogAnalyzer::Refresh(TimeMs now) {
  if (now - last_refresh_ < kRefreshEvery) return;
  last_refresh_ = now;
  // Drop what the miner merged or evicted.
  std::erase_if(meta_, [&](const auto& kv) { return miner_.Resolve(kv.first) != kv.first; });
  rates_.Forget([&](TemplateId id) { return miner_.Resolve(id) != id; });

  std::vector<TemplateInfo> all = miner_.Templates();
  std::sort(all.begin(), all.end(), [](const TemplateInfo& a, const TemplateInfo& b) {
    return a.count != b.count ? a.count > b.count : a.id < b.id;
  });
  if (all.size() > config_.snapshot_templates) all.resize(config_.snapshot_templates);
  std::vector<LogTemplateView> view;
  view.reserve(all.size());
  for (TemplateInfo& t : all) {
    LogTemplateView v;
    v.id = t.id;
    v.text = std::move(t.text);
    v.example = std::move(t.example);
    v.count = t.count;
    v.first_seen = t.first_seen;
    v.last_seen = t.last_seen;
    auto meta = meta_.find(t.id);
    if (meta != meta_.end()) v.origin = meta->second.origin;
    double minutes = std::max(1.0, static_cast<double>(t.last_seen - t.first_seen) / kMsPerMinute);
    v.per_minute = rates_.LastMinute(t.id);
    if (v.per_minute == 0) v.per_minute = static_cast<double>(t.count) / minutes;
    view.push_back(std::move(v));
  }
  exported_.clear();
  for (size_t i = 0; i < view.size() && i < config_.exported_templates; ++i)
    exported_.push_back({SeriesKey("hostmind_log_template_lines_total", {{"template", std::to_string(view[i].id)}}),
                         static_cast<double>(view[i].count), now, MetricKind::kCounter});
  MinerStats stats = miner_.stats();
  exported_.push_back({SeriesKey("hostmind_log_lines_total"), static_cast<double>(lines_), now, MetricKind::kCounter});
  exported_.push_back({SeriesKey("hostmind_log_templates"), static_cast<double>(stats.templates), now});
  exported_.push_back({SeriesKey("hostmind_log_templates_evicted_total"), static_cast<double>(stats.evicted), now,
                       MetricKind::kCounter});
  exported_.push_back({SeriesKey("hostmind_log_findings_suppressed_total"), static_cast<double>(suppressed_), now,
                       MetricKind::kCounter});
  std::lock_guard lock(mu_);
  templates_view_ = std::move(view);
  summary_ = {lines_, stats.templates, stats.created, stats.merged, stats.evicted, suppressed_, Judging(now)};
}

LogSummary LogAnalyzer::Summary() const {
  std::lock_guard lock(mu_);
  return summary_;
}

std::vector<LogTemplateView> LogAnalyzer::Templates(size_t limit) const {
  std::lock_guard lock(mu_);
  return {templates_view_.begin(), templates_view_.begin() + std::min(limit, templates_view_.size())};
}

std::vector<Finding> LogAnalyzer::RecentAnomalies(size_t limit) const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.begin() + std::min(limit, recent_.size())};
}

std::string LogAnalyzer::SaveState() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(lines_);
  w.PutSignedVarint(first_ts_);
  w.PutString(miner_.Save());
  w.PutString(sessions_.Save());
  w.PutString(precursor_.Save());
  std::vector<TemplateId> ids;
  for (const auto& kv : meta_)
    if (miner_.Resolve(kv.first) == kv.first) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  w.PutVarint(ids.size());
  for (TemplateId id : ids) {
    const TemplateMeta& m = meta_.at(id);
    w.PutVarint(id);
    w.PutString(m.origin);
    w.PutVarint(static_cast<uint64_t>(m.priority));
    w.PutSignedVarint(m.last_seen);
  }
  return w.Take();
}

Status LogAnalyzer::LoadState(std::string_view bytes) {
  ByteReader r(bytes);
  uint64_t lines;
  TimeMs first_ts;
  std::string miner_bytes, sessions_bytes, precursor_bytes;
  uint64_t n_meta;
  if (!r.Expect(kMagic) || !r.GetVarint(&lines) || !r.GetSignedVarint(&first_ts) || !r.GetString(&miner_bytes) ||
      !r.GetString(&sessions_bytes) || !r.GetString(&precursor_bytes) || !r.GetBounded(r.remaining(), &n_meta))
    return Status::Corrupt("log analyzer state: bad layout");
  std::unordered_map<TemplateId, TemplateMeta> meta;
  for (uint64_t k = 0; k < n_meta; ++k) {
    uint64_t id, priority;
    TemplateMeta m;
    if (!r.GetBounded(UINT32_MAX, &id) || !r.GetString(&m.origin) || !r.GetBounded(7, &priority) ||
        !r.GetSignedVarint(&m.last_seen))
      return Status::Corrupt("log analyzer state: bad template metadata");
    m.priority = static_cast<int>(priority);
    meta.emplace(static_cast<TemplateId>(id), std::move(m));
  }
  if (!r.done()) return Status::Corrupt("log analyzer state: trailing bytes");
  auto miner = TemplateMiner::Load(miner_bytes);
  if (!miner.ok()) return miner.status();
  auto precursor = PrecursorLearner::Load(precursor_bytes);
  if (!precursor.ok()) return precursor.status();
  LogSessions sessions(config_.sessions);
  HM_RETURN_IF_ERROR(sessions.Load(sessions_bytes));
  miner_ = std::move(*miner);
  sessions_ = std::move(sessions);
  precursor_ = std::move(*precursor);
  lines_ = lines;
  first_ts_ = first_ts;
  meta_ = std::move(meta);
  return Status::Ok();
}

}  // namespace hostmind
