#pragma once
// LogAnalyzer: the live log intelligence. Every LogRecord (journal, kernel, files) goes through
// the template miner; the analyzer then reports
//   - new templates and rare ones coming back, with a rarity score (after a warm-up),
//   - anomalies in a busy template's rate (template_rates.h: the metric anomaly detector),
//   - out-of-order steps and abnormal whole sessions (log_sessions.h), a session being a
//     unit's process, or an object whose id appears in the parameters,
//   - early warnings when a template or burst that preceded failures before recurs
//     (precursor_learner.h), failures being what the agent itself sees: OOM kills, I/O errors,
//     segfaults, kernel bugs, hung tasks, units failing or restarting, collectors going down.
// Each finding carries its explanation (template, example line, rarity, counts) as evidence
// and facts. The busiest templates' line counts are exported as series (bounded cardinality).
// Runs on the analysis thread; Templates() and RecentAnomalies() are safe from any thread.
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/pipeline.h"
#include "detect/log_sessions.h"
#include "detect/template_rates.h"
#include "learn/precursor_learner.h"
#include "learn/template_miner.h"

namespace hostmind {

struct LogAnalyzerConfig {
  TemplateMinerConfig miner;
  LogSessionsConfig sessions;
  PrecursorConfig precursor;
  uint64_t warmup_lines = 1000;          // no findings before this many lines ...
  TimeMs warmup = 10 * kMsPerMinute;     // ... and this much time
  uint64_t rare_max_count = 3;           // a template seen at most this often is rare ...
  TimeMs rare_quiet = kMsPerHour;        // ... and is reported when it comes back after this
  uint32_t max_findings_per_minute = 20;  // the rest are counted, not reported
  uint32_t exported_templates = 20;       // busiest templates exported as series
  uint32_t snapshot_templates = 1000;     // busiest templates kept for the API
  uint32_t recent_findings = 256;
};

// A template as the API shows it.
struct LogTemplateView {
  TemplateId id = kNoTemplate;
  std::string text;
  std::string example;
  std::string origin;  // the unit, identifier, "kernel" or file that logged it last
  uint64_t count = 0;
  TimeMs first_seen = 0;
  TimeMs last_seen = 0;
  double per_minute = 0;  // lines in the last full minute (busy templates), else the average
};

// The analyzer's counters as of the last refresh.
struct LogSummary {
  uint64_t lines = 0;
  uint64_t templates = 0;  // alive in the miner
  uint64_t created = 0;
  uint64_t merged = 0;
  uint64_t evicted = 0;
  uint64_t suppressed_findings = 0;
  bool judging = false;  // warm-up over: findings are reported
};

class LogAnalyzer final : public Analyzer {
 public:
  explicit LogAnalyzer(LogAnalyzerConfig config = {});

  void Analyze(const Batch& batch, Analysis& out) override;

  // Snapshots, refreshed as batches arrive: the busiest templates first.
  std::vector<LogTemplateView> Templates(size_t limit) const;
  std::vector<Finding> RecentAnomalies(size_t limit) const;  // newest first
  LogSummary Summary() const;

  // The learned state (miner, sequence models, precursors) for restarts. Call on the analysis
  // thread or with the pipeline stopped.
  std::string SaveState() const;
  Status LoadState(std::string_view bytes);

  const TemplateMiner& miner() const { return miner_; }
  uint64_t lines() const { return lines_; }
  uint64_t suppressed_findings() const { return suppressed_; }

 private:
  struct TemplateMeta {
    std::string origin;
    int priority = 7;
    TimeMs last_seen = 0;
  };
  void OnLog(TimeMs ts, const LogRecord& log, Analysis& out);
  void OnCollectorHealth(const Sample& s);
  bool Judging(TimeMs ts) const { return lines_ >= config_.warmup_lines && ts - first_ts_ >= config_.warmup; }
  void Report(Finding f, Analysis& out);
  Finding LogFinding(TimeMs ts, TemplateId id, std::string anomaly, std::string summary, double score) const;
  std::string TemplateText(TemplateId id) const;
  void ReportSequences(std::vector<SequenceAnomaly>& found, Analysis& out);
  // Recomputes the snapshots and the exported series (at most every 10 s of batch time).
  void Refresh(TimeMs now);

  LogAnalyzerConfig config_;
  TemplateMiner miner_;
  LogSessions sessions_;
  TemplateRates rates_;
  PrecursorLearner precursor_;
  std::unordered_map<TemplateId, TemplateMeta> meta_;
  std::unordered_map<std::string, double> collector_up_;
  std::vector<Sample> exported_;  // the series sent with every batch
  uint64_t lines_ = 0;
  TimeMs first_ts_ = 0;
  TimeMs last_refresh_ = 0;
  TimeMs rate_limit_minute_ = 0;
  uint32_t reported_this_minute_ = 0;
  uint64_t suppressed_ = 0;

  mutable std::mutex mu_;  // guards the snapshots below
  std::vector<LogTemplateView> templates_view_;
  LogSummary summary_;
  std::deque<Finding> recent_;
};

}  // namespace hostmind
