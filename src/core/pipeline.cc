#include "core/pipeline.h"

#include "core/metric_catalog.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace hostmind {

Pipeline::Pipeline(HostEnv& env, const Clock& clock, size_t queue_capacity)
    : env_(env), clock_(clock), queue_(queue_capacity) {
  DescribeMetric("hostmind_collector_up", "1 when the collector's last run succeeded, 0 when its source is missing or unreadable.");
  DescribeMetric("hostmind_collector_errors_total", "Failed runs plus errors counted inside runs (bad lines, unreadable files).");
  DescribeMetric("hostmind_collector_duration_seconds", "Wall time of the collector's last run.");
  DescribeMetric("hostmind_pipeline_dropped_batches_total", "Batches dropped because the analysis queue was full.");
  DescribeMetric("hostmind_pipeline_queue_depth", "Batches waiting for analysis.");
}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::AddCollector(std::unique_ptr<Collector> collector, TimeMs interval_ms) {
  Scheduled s;
  s.health.name = collector->name();
  s.health.interval_ms = interval_ms;
  s.collector = std::move(collector);
  collectors_.push_back(std::move(s));
}

int Pipeline::FindCollector(const std::string& name) const {
  for (size_t i = 0; i < collectors_.size(); ++i)
    if (collectors_[i].health.name == name) return static_cast<int>(i);
  return -1;
}

Batch Pipeline::RunCollector(size_t index, HostEnv& env, TimeMs now) {
  Scheduled& s = collectors_[index];
  Batch batch;
  batch.source = s.health.name;
  CollectContext ctx(env, now, batch);
  auto t0 = std::chrono::steady_clock::now();
  Status status = s.collector->Collect(ctx);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  CollectorHealth snapshot;
  {
    std::lock_guard lock(health_mu_);
    CollectorHealth& h = s.health;
    bool was_up = h.up || !h.ran;
    h.ran = true;
    h.up = status.ok();
    h.runs++;
    h.errors += static_cast<uint64_t>(ctx.errors()) + (status.ok() ? 0 : 1);
    if (!status.ok()) h.last_error = status.ToString();
    else if (ctx.errors() > 0) h.last_error = ctx.last_error();
    h.last_run = now;
    h.last_duration_s = took;
    // Say it once when a collector goes down or comes back, never silently.
    if (was_up && !h.up) spdlog::warn("collector {} is down: {}", h.name, status.ToString());
    if (!was_up && h.up) spdlog::info("collector {} is up again", h.name);
    snapshot = h;
  }
  AppendHealth(snapshot, batch);
  return batch;
}

void Pipeline::AppendHealth(const CollectorHealth& h, Batch& out) const {
  std::vector<Label> labels{{"collector", h.name}};
  out.Gauge(SeriesKey("hostmind_collector_up", labels), h.up ? 1 : 0);
  out.Counter(SeriesKey("hostmind_collector_errors_total", labels), static_cast<double>(h.errors));
  out.Gauge(SeriesKey("hostmind_collector_duration_seconds", labels), h.last_duration_s);
  out.Counter(SeriesKey("hostmind_pipeline_dropped_batches_total"), static_cast<double>(dropped_.load()));
  out.Gauge(SeriesKey("hostmind_pipeline_queue_depth"), static_cast<double>(queue_.size()));
}

void Pipeline::Process(const Batch& batch) {
  Analysis analysis;
  for (Analyzer* a : analyzers_) a->Analyze(batch, analysis);
  for (Sink* s : sinks_) s->Consume(batch, analysis);
}

std::vector<CollectorHealth> Pipeline::Health() const {
  std::lock_guard lock(health_mu_);
  std::vector<CollectorHealth> out;
  for (const auto& s : collectors_) out.push_back(s.health);
  return out;
}

void Pipeline::Start() {
  if (started_) return;
  started_ = true;
  TimeMs now = clock_.Now();
  for (auto& s : collectors_) s.next_due = now;
  analysis_ = std::jthread([this] { AnalysisLoop(); });
  scheduler_ = std::jthread([this](std::stop_token st) { SchedulerLoop(st); });
}

void Pipeline::SchedulerLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    TimeMs now = clock_.Now();
    TimeMs next = now + kMsPerSecond;
    for (size_t i = 0; i < collectors_.size(); ++i) {
      Scheduled& s = collectors_[i];
      if (s.next_due <= now) {
        if (!queue_.TryPush(RunCollector(i, env_, now))) dropped_++;
        // Keep the phase: a slow run does not shift later runs, a missed slot is skipped.
        s.next_due += s.health.interval_ms;
        if (s.next_due <= now) s.next_due = now + s.health.interval_ms;
      }
      next = std::min(next, s.next_due);
    }
    std::unique_lock lock(wake_mu_);
    wake_.wait_for(lock, stop, std::chrono::milliseconds(std::max<TimeMs>(1, next - clock_.Now())),
                   [] { return false; });
  }
}

void Pipeline::AnalysisLoop() {
  for (;;) {
    auto batch = queue_.Pop(std::chrono::milliseconds(500));
    if (batch) {
      Process(*batch);
      continue;
    }
    // Pop returns empty at once after Close(): the queue is drained.
    if (draining_.load()) return;
  }
}

void Pipeline::Stop() {
  if (!started_) return;
  started_ = false;
  scheduler_.request_stop();
  scheduler_.join();
  // One last run of every collector, so that what event sources gathered since their last run
  // (the exits of processes that ended just before the stop) is analysed, not lost.
  const TimeMs now = clock_.Now();
  for (size_t i = 0; i < collectors_.size(); ++i)
    if (!queue_.TryPush(RunCollector(i, env_, now))) dropped_++;
  draining_ = true;
  queue_.Close();
  analysis_.join();
  for (Sink* s : sinks_) s->Flush();
}

}  // namespace hostmind
